#include "common/json.h"

namespace teep {

Result<nlohmann::json> parseJsonText(std::string_view text, int maxDepth)
{
    // Arrays and objects opened outside strings; a string's escapes may hide a quote.
    int depth = 0;
    bool inString = false;
    bool escaped = false;
    for (size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        if (inString) {
            if (escaped)
                escaped = false;
            else if (c == '\\')
                escaped = true;
            else if (c == '"')
                inString = false;
        } else if (c == '"') {
            inString = true;
        } else if (c == '{' || c == '[') {
            if (++depth > maxDepth)
                return Error{QStringLiteral("teep.json-depth"), QStringLiteral("JSON nested deeper than %1 levels").arg(maxDepth),
                             QStringLiteral("byte %1").arg(i)};
        } else if (c == '}' || c == ']') {
            --depth;
        }
    }
    nlohmann::json value = nlohmann::json::parse(text.begin(), text.end(), nullptr, false);
    if (value.is_discarded())
        return Error{QStringLiteral("teep.json"), QStringLiteral("not JSON")};
    return value;
}

nlohmann::json parseJson(std::string_view text)
{
    Result<nlohmann::json> parsed = parseJsonText(text);
    return parsed ? std::move(parsed).value() : nlohmann::json(nlohmann::json::value_t::discarded);
}

} // namespace teep
