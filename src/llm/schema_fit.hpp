// Fitting a parsed reply to the JSON Schema that was asked for. Servers without strict
// json_schema support (json_object, prompt modes, small local models) drift from it, so
// harmless drift is coerced and the rest is reported with a field path for the re-ask.
#pragma once

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include <string>
#include <vector>

#include "domain/result.hpp"

namespace ca::llm {

// Coerces in place where the schema wants a string and got an array of strings (joined
// with "\n") or a number (its JSON text), or wants an array and got one string (wrapped).
// One line per coercion goes to `repairs`.
void coerce_to_schema(boost::json::value& value, const boost::json::object& schema,
                      std::vector<std::string>& repairs);

// The subset of JSON Schema the platform's schemas use: type (one or a list), enum,
// properties, required, additionalProperties:false, items, minItems, maxItems,
// minLength. Other keywords are ignored. invalid_argument names the field ("services[0].name").
Result<void> check_schema(const boost::json::value& value, const boost::json::object& schema);

}  // namespace ca::llm
