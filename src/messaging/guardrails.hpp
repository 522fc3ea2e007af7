// What an outgoing message may say, as pure functions: prices and links only from the
// creator's services, a length that fits the channel, no unrendered template braces.
// LLM-written text passes through here before it can replace the offline template.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "domain/entities.hpp"
#include "domain/result.hpp"

namespace ca::messaging {

struct AllowedFacts {
  std::vector<std::string> service_names;  // given to the model; not checkable in free text
  std::vector<std::string> prices;         // display strings: "₹50,000", "$99", "AED 100"
  std::vector<std::string> urls;           // as stored on the Product rows
};

// Names, display prices and URLs of the given products.
AllowedFacts facts_from_products(const std::vector<Product>& products);
void append_facts(AllowedFacts& into, const AllowedFacts& more);

// Characters (Unicode code points) a channel takes: WhatsApp 1,000, email 5,000, SMS 1,600.
std::size_t max_chars(Channel channel);

struct PriceMention {
  std::string text;       // as written: "Rs. 50,000"
  std::string canonical;  // "INR 50000": currency code, amount without grouping or ".00"
};
// ₹ $ € £ ¥ Rs/Rs. INR USD EUR GBP and other common ISO codes before an amount, or an
// amount followed by a code or "rupees"/"dollars". A suffix written onto the amount
// ("50k", "2 lakh") is kept in the canonical form, so it never equals a listed price.
std::vector<PriceMention> find_prices(std::string_view text);

struct UrlMention {
  std::string text;       // as written, trailing punctuation removed
  std::string canonical;  // no scheme, lowercase host without "www.", no trailing '/'
};
// http(s):// and www. links, and bare domains with a common TLD ("evil.com/x").
std::vector<UrlMention> find_urls(std::string_view text);

// invalid_argument (field "message") naming the first problem: empty, template braces,
// too long for the channel, a discount (services have none), a phone number, a price or a
// link that is not in `facts`.
Result<void> check_message(std::string_view text, Channel channel, const AllowedFacts& facts);

}  // namespace ca::messaging
