#include "protocol/diagnostic.h"

#include "cbor/strictcbor.h"

#include <QCborArray>
#include <QCborMap>

namespace teep::protocol {

namespace {

constexpr int kMaxDepth = 24;

class Printer
{
public:
    explicit Printer(const KeyNamer &namer) : m_namer(namer) {}

    QString print(const QCborValue &value, int indent, const QStringList &path, int depth)
    {
        if (depth > kMaxDepth)
            return QStringLiteral("...");
        const QString pad(indent * 2, QLatin1Char(' '));
        const QString inner((indent + 1) * 2, QLatin1Char(' '));
        if (value.isMap()) {
            const QCborMap map = value.toMap();
            if (map.isEmpty())
                return QStringLiteral("{}");
            QStringList lines;
            for (auto it = map.constBegin(); it != map.constEnd(); ++it) {
                const QString name = m_namer ? m_namer(it.key(), path) : QString();
                const QString key = it.key().toDiagnosticNotation() + (name.isEmpty() ? QString() : QStringLiteral(" / %1 /").arg(name));
                lines << inner + key + QStringLiteral(": ") + print(it.value(), indent + 1, path + QStringList{name}, depth + 1);
            }
            return QStringLiteral("{\n") + lines.join(QStringLiteral(",\n")) + QLatin1Char('\n') + pad + QLatin1Char('}');
        }
        if (value.isArray()) {
            const QCborArray array = value.toArray();
            if (array.isEmpty())
                return QStringLiteral("[]");
            QStringList items;
            for (const QCborValue &item : array)
                items << print(item, indent + 1, path, depth + 1);
            // Short arrays of short items stay on one line: [[18, -9]], [-16, -9, -29, -65534].
            const QString oneLine = QLatin1Char('[') + items.join(QStringLiteral(", ")) + QLatin1Char(']');
            if (!oneLine.contains(QLatin1Char('\n')) && oneLine.size() <= 72)
                return oneLine;
            return QStringLiteral("[\n") + inner + items.join(QStringLiteral(",\n") + inner) + QLatin1Char('\n') + pad + QLatin1Char(']');
        }
        if (value.isTag()) {
            // A COSE_Sign1 inside a message (an EAT in a QueryResponse, a SUIT authentication
            // block): its parts get names in the path, so a namer can tell headers from payload.
            if (value.tag() == QCborKnownTags::COSE_Sign1 && value.taggedValue().isArray() && value.taggedValue().toArray().size() == 4)
                return QStringLiteral("18(%1)").arg(printCoseSign1(value.taggedValue().toArray(), indent, path, depth + 1));
            return QStringLiteral("%1(%2)").arg(quint64(value.tag())).arg(print(value.taggedValue(), indent, path, depth + 1));
        }
        if (value.isByteArray()) {
            const QByteArray bytes = value.toByteArray();
            // A byte string holding one whole CBOR array, map or tag is shown decoded.
            if (bytes.size() >= 2) {
                const quint8 major = quint8(bytes[0]) >> 5;
                if (major == 4 || major == 5 || major == 6) {
                    cbor::Limits limits;
                    limits.maxDepth = kMaxDepth - depth;
                    if (const auto inner_ = cbor::decodeStrict(bytes, limits))
                        return QStringLiteral("<< ") + print(inner_.value(), indent, path, depth + 1) + QStringLiteral(" >>");
                }
            }
            return QStringLiteral("h'%1'").arg(QString::fromLatin1(bytes.toHex()));
        }
        return value.toDiagnosticNotation();
    }

private:
    QString printCoseSign1(const QCborArray &parts, int indent, const QStringList &path, int depth)
    {
        static const char *const names[] = {"COSE_Sign1 protected", "COSE_Sign1 unprotected", "COSE_Sign1 payload", "COSE_Sign1 signature"};
        const QString pad(indent * 2, QLatin1Char(' '));
        const QString inner((indent + 1) * 2, QLatin1Char(' '));
        QStringList items;
        for (qsizetype i = 0; i < 4; ++i)
            items << print(parts.at(i), indent + 1, path + QStringList{QLatin1String(names[i])}, depth + 1);
        return QStringLiteral("[\n") + inner + items.join(QStringLiteral(",\n") + inner) + QLatin1Char('\n') + pad + QLatin1Char(']');
    }

    const KeyNamer &m_namer;
};

} // namespace

QString annotatedDiagnostic(const QCborValue &value, const KeyNamer &namer, int indent)
{
    return Printer(namer).print(value, indent, {}, 0);
}

} // namespace teep::protocol
