// Hashes as lowercase hex: API key hashes, request fingerprints, webhook signatures.
#pragma once

#include <string>
#include <string_view>

namespace ca {

std::string sha256_hex(std::string_view data);
std::string hmac_sha256_hex(std::string_view key, std::string_view data);
std::string to_hex(const unsigned char* data, std::size_t size);

}  // namespace ca
