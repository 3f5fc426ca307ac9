#pragma once

#include <QString>

#include <optional>
#include <utility>
#include <variant>

namespace teep {

// An error a user or a script can act on: what failed, where, and why. Parsers fill `where` with
// a path into the input (a file, a byte offset, a field name); `message` is one sentence.
struct Error
{
    QString code;    // stable, machine-readable, e.g. "store.schema-newer"
    QString message; // for people
    QString where = {}; // optional location: file path, field, offset

    QString toString() const { return where.isEmpty() ? message : where + QStringLiteral(": ") + message; }
};

// Either a value or an Error. Deliberately small: `ok()`, `value()`, `error()`. Both are
// [[nodiscard]]: an error can be handled or passed on, never dropped by forgetting it.
template <typename T>
class [[nodiscard]] Result
{
public:
    Result(T value) : m_data(std::move(value)) {}
    Result(Error error) : m_data(std::move(error)) {}

    bool ok() const { return std::holds_alternative<T>(m_data); }
    explicit operator bool() const { return ok(); }
    const T &value() const & { return std::get<T>(m_data); }
    T &value() & { return std::get<T>(m_data); }
    // By value: a reference into a temporary Result would dangle (e.g. in a range-for over f().value()).
    T value() && { return std::get<T>(std::move(m_data)); }
    const Error &error() const { return std::get<Error>(m_data); }

private:
    std::variant<T, Error> m_data;
};

// For operations that return nothing but may fail.
class [[nodiscard]] Status
{
public:
    Status() = default;
    Status(Error error) : m_error(std::move(error)) {}

    bool ok() const { return !m_error.has_value(); }
    explicit operator bool() const { return ok(); }
    const Error &error() const { return *m_error; }

private:
    std::optional<Error> m_error;
};

} // namespace teep
