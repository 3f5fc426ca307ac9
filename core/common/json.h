#pragma once

#include "common/error.h"

#include <string_view>

#include <nlohmann/json.hpp>

// JSON from outside (devices, files, captured messages) is parsed through here: nesting is
// bounded before nlohmann builds anything, because copying or destroying a deeply nested value
// recurses once per level (100,000 levels in 600 KB overflowed the stack). No exceptions.
namespace teep {

inline constexpr int kMaxJsonDepth = 64;

// The value, or teep.json-depth (with the byte offset) / teep.json (not JSON).
Result<nlohmann::json> parseJsonText(std::string_view text, int maxDepth = kMaxJsonDepth);
// The value, or a discarded one (is_discarded()) for text that is not JSON or nests too deep.
nlohmann::json parseJson(std::string_view text);
inline nlohmann::json parseJson(const char *begin, const char *end)
{
    return parseJson(std::string_view(begin, size_t(end - begin)));
}

} // namespace teep
