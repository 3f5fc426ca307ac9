#pragma once

#include "common/error.h"

#include <QByteArray>
#include <QList>
#include <QString>

// A DER SEQUENCE as a small tree, read and written by OpenSSL's generic ASN.1 (d2i/i2d of
// ASN1_SEQUENCE_ANY): for extensions OpenSSL has no type for, such as Intel's SGX Extensions.
namespace teep::crypto {

struct Asn1Node
{
    enum class Type { Sequence, Oid, Integer, Enumerated, OctetString, Other };
    Type type = Type::Other;
    QString oid;          // Oid: dotted
    qint64 integer = 0;   // Integer, Enumerated
    QByteArray bytes;     // OctetString
    QList<Asn1Node> children; // Sequence

    static Asn1Node sequence(const QList<Asn1Node> &children);
    static Asn1Node objectId(const QString &dotted);
    static Asn1Node number(qint64 value, Type type = Type::Integer);
    static Asn1Node octets(const QByteArray &bytes);
};

// Refuses anything but a SEQUENCE, nesting deeper than `maxDepth`, more than `maxItems` items in
// all, and integers past 64 bits.
Result<Asn1Node> parseDerSequence(const QByteArray &der, int maxDepth = 4, int maxItems = 256);
Result<QByteArray> encodeDerSequence(const Asn1Node &sequence);

} // namespace teep::crypto
