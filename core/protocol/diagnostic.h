#pragma once

#include <QCborValue>
#include <QString>

#include <functional>

namespace teep::protocol {

// Names for map keys while printing: (key, path of enclosing map names) -> name, or empty.
using KeyNamer = std::function<QString(const QCborValue &key, const QStringList &path)>;

// CBOR diagnostic notation (RFC 8949 8), indented, with `/ name /` comments from `namer` after
// known keys, and byte strings that hold CBOR shown as << ... >>.
// `indent` is the nesting level the first line starts at (two spaces a level).
QString annotatedDiagnostic(const QCborValue &value, const KeyNamer &namer = {}, int indent = 0);

} // namespace teep::protocol
