#include "cbor/strictcbor.h"

#include <QCborArray>
#include <QCborMap>
#include <QCborStreamReader>

#include <algorithm>
#include <limits>

namespace teep::cbor {

namespace {

class StrictReader
{
public:
    StrictReader(const QByteArray &bytes, const Limits &limits)
        : m_reader(bytes), m_limits(limits), m_size(bytes.size())
    {
    }

    Result<QCborValue> readTop()
    {
        Result<QCborValue> value = read(0);
        if (!value)
            return value;
        if (m_reader.lastError() != QCborError::NoError)
            return fail(QStringLiteral("malformed CBOR: %1").arg(m_reader.lastError().toString()));
        if (m_reader.currentOffset() < m_size)
            return fail(QStringLiteral("unexpected bytes after the CBOR item"));
        return value;
    }

private:
    Error fail(const QString &message) const
    {
        return Error{QStringLiteral("cbor.invalid"), message, QStringLiteral("offset %1").arg(m_reader.currentOffset())};
    }

    Result<QString> readText()
    {
        if (!m_reader.isLengthKnown())
            return fail(QStringLiteral("indefinite-length text string"));
        QString text;
        auto chunk = m_reader.readString();
        while (chunk.status == QCborStreamReader::Ok) {
            text += chunk.data;
            chunk = m_reader.readString();
        }
        if (chunk.status == QCborStreamReader::Error)
            return fail(QStringLiteral("bad text string: %1").arg(m_reader.lastError().toString()));
        return text;
    }

    Result<QByteArray> readBytes()
    {
        if (!m_reader.isLengthKnown())
            return fail(QStringLiteral("indefinite-length byte string"));
        const qsizetype declared = static_cast<qsizetype>(m_reader.length());
        if (declared > m_limits.maxBytes)
            return fail(QStringLiteral("byte string of %1 bytes is larger than the input allows").arg(declared));
        QByteArray bytes;
        auto chunk = m_reader.readByteArray();
        while (chunk.status == QCborStreamReader::Ok) {
            bytes += chunk.data;
            chunk = m_reader.readByteArray();
        }
        if (chunk.status == QCborStreamReader::Error)
            return fail(QStringLiteral("bad byte string: %1").arg(m_reader.lastError().toString()));
        return bytes;
    }

    Result<QCborValue> read(int depth)
    {
        if (depth > m_limits.maxDepth)
            return fail(QStringLiteral("nested deeper than %1 levels").arg(m_limits.maxDepth));
        if (++m_items > m_limits.maxItems)
            return fail(QStringLiteral("more than %1 data items").arg(m_limits.maxItems));
        if (m_reader.lastError() != QCborError::NoError || !m_reader.isValid())
            return fail(m_reader.lastError() == QCborError::EndOfFile ? QStringLiteral("truncated CBOR")
                                                                       : QStringLiteral("malformed CBOR: %1").arg(m_reader.lastError().toString()));
        switch (m_reader.type()) {
        case QCborStreamReader::UnsignedInteger: {
            const quint64 value = m_reader.toUnsignedInteger();
            // QCborValue would turn such a value into a double and lose it.
            if (value > quint64(std::numeric_limits<qint64>::max()))
                return fail(QStringLiteral("unsigned integer above 2^63-1"));
            m_reader.next();
            return QCborValue(qint64(value));
        }
        case QCborStreamReader::NegativeInteger: {
            const quint64 magnitude = quint64(m_reader.toNegativeInteger());
            if (magnitude == 0 || magnitude - 1 > quint64(std::numeric_limits<qint64>::max()))
                return fail(QStringLiteral("negative integer below -2^63"));
            m_reader.next();
            return QCborValue(-qint64(magnitude - 1) - 1);
        }
        case QCborStreamReader::ByteArray: {
            Result<QByteArray> bytes = readBytes();
            if (!bytes)
                return bytes.error();
            return QCborValue(bytes.value());
        }
        case QCborStreamReader::String: {
            Result<QString> text = readText();
            if (!text)
                return text.error();
            return QCborValue(text.value());
        }
        case QCborStreamReader::Array: {
            if (!m_reader.isLengthKnown())
                return fail(QStringLiteral("indefinite-length array"));
            if (m_reader.length() > quint64(m_limits.maxItems))
                return fail(QStringLiteral("array of %1 items is too long").arg(m_reader.length()));
            QCborArray array;
            m_reader.enterContainer();
            while (m_reader.lastError() == QCborError::NoError && m_reader.hasNext()) {
                Result<QCborValue> item = read(depth + 1);
                if (!item)
                    return item;
                array.append(item.value());
            }
            if (m_reader.lastError() != QCborError::NoError)
                return fail(QStringLiteral("truncated array"));
            m_reader.leaveContainer();
            return QCborValue(array);
        }
        case QCborStreamReader::Map: {
            if (!m_reader.isLengthKnown())
                return fail(QStringLiteral("indefinite-length map"));
            if (m_reader.length() > quint64(m_limits.maxItems))
                return fail(QStringLiteral("map of %1 entries is too long").arg(m_reader.length()));
            QCborMap map;
            m_reader.enterContainer();
            while (m_reader.lastError() == QCborError::NoError && m_reader.hasNext()) {
                const qint64 keyOffset = m_reader.currentOffset();
                Result<QCborValue> key = read(depth + 1);
                if (!key)
                    return key;
                if (map.contains(key.value()))
                    return Error{QStringLiteral("cbor.duplicate-key"),
                                 QStringLiteral("map key %1 appears twice").arg(key.value().toDiagnosticNotation()),
                                 QStringLiteral("offset %1").arg(keyOffset)};
                if (!m_reader.hasNext())
                    return fail(QStringLiteral("map key without a value"));
                Result<QCborValue> value = read(depth + 1);
                if (!value)
                    return value;
                map.insert(key.value(), value.value());
            }
            if (m_reader.lastError() != QCborError::NoError)
                return fail(QStringLiteral("truncated map"));
            m_reader.leaveContainer();
            return QCborValue(map);
        }
        case QCborStreamReader::Tag: {
            const QCborTag tag = m_reader.toTag();
            m_reader.next();
            Result<QCborValue> inner = read(depth + 1);
            if (!inner)
                return inner;
            return QCborValue(tag, inner.value());
        }
        case QCborStreamReader::SimpleType: {
            const QCborSimpleType simple = m_reader.toSimpleType();
            m_reader.next();
            return QCborValue(simple);
        }
        case QCborStreamReader::Float16: {
            const double value = double(m_reader.toFloat16());
            m_reader.next();
            return QCborValue(value);
        }
        case QCborStreamReader::Float: {
            const double value = double(m_reader.toFloat());
            m_reader.next();
            return QCborValue(value);
        }
        case QCborStreamReader::Double: {
            const double value = m_reader.toDouble();
            m_reader.next();
            return QCborValue(value);
        }
        case QCborStreamReader::Invalid:
            break;
        }
        return fail(QStringLiteral("malformed CBOR: %1").arg(m_reader.lastError().toString()));
    }

    QCborStreamReader m_reader;
    const Limits &m_limits;
    qint64 m_size = 0;
    qsizetype m_items = 0;
};

void appendDeterministic(const QCborValue &value, QByteArray &out)
{
    if (value.isMap()) {
        const QCborMap map = value.toMap();
        QList<QPair<QByteArray, QByteArray>> entries;
        for (auto it = map.constBegin(); it != map.constEnd(); ++it) {
            QByteArray key;
            QByteArray item;
            appendDeterministic(it.key(), key);
            appendDeterministic(it.value(), item);
            entries.append({key, item});
        }
        std::sort(entries.begin(), entries.end(), [](const auto &a, const auto &b) { return a.first < b.first; });
        // The map header with its length in preferred form: Qt's shortest unsigned-integer
        // encoding of the count, with the major type changed to map (5).
        QByteArray header = QCborValue(qint64(entries.size())).toCbor();
        header[0] = static_cast<char>((header[0] & 0x1f) | 0xa0);
        out += header;
        for (const auto &[key, item] : entries)
            out += key + item;
        return;
    }
    if (value.isArray()) {
        const QCborArray array = value.toArray();
        QByteArray header = QCborValue(qint64(array.size())).toCbor();
        header[0] = static_cast<char>((header[0] & 0x1f) | 0x80);
        out += header;
        for (const QCborValue &item : array)
            appendDeterministic(item, out);
        return;
    }
    if (value.isTag()) {
        QByteArray header = QCborValue(qint64(quint64(value.tag()))).toCbor();
        header[0] = static_cast<char>((header[0] & 0x1f) | 0xc0);
        out += header;
        appendDeterministic(value.taggedValue(), out);
        return;
    }
    // Scalars: Qt's encoder already writes the shortest integer and length forms.
    out += value.toCbor();
}

} // namespace

Result<QCborValue> decodeStrict(const QByteArray &bytes, const Limits &limits)
{
    if (bytes.isEmpty())
        return Error{QStringLiteral("cbor.empty"), QStringLiteral("no CBOR data")};
    if (bytes.size() > limits.maxBytes)
        return Error{QStringLiteral("cbor.too-large"),
                     QStringLiteral("%1 bytes of CBOR; at most %2 are accepted").arg(bytes.size()).arg(limits.maxBytes)};
    Result<QCborValue> value = StrictReader(bytes, limits).readTop();
    if (!value)
        return value;
    if (limits.requirePreferred && value.value().toCbor() != bytes)
        return Error{QStringLiteral("cbor.not-preferred"),
                     QStringLiteral("not in preferred serialization (shortest forms, definite lengths)")};
    return value;
}

QCborArray arrayOf(const QCborValue &only)
{
    QCborArray array;
    array.append(only);
    return array;
}

QByteArray encodeDeterministic(const QCborValue &value)
{
    QByteArray out;
    appendDeterministic(value, out);
    return out;
}

} // namespace teep::cbor
