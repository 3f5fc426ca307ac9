#include "crypto/asn1tree.h"

#include "crypto/openssl.h"

#include <openssl/asn1.h>
#include <openssl/objects.h>

namespace teep::crypto {

namespace {

void freeTypeStack(ASN1_SEQUENCE_ANY *stack)
{
    sk_ASN1_TYPE_pop_free(stack, ASN1_TYPE_free);
}
using Asn1TypeStackPtr = std::unique_ptr<ASN1_SEQUENCE_ANY, OpenSslDeleter<ASN1_SEQUENCE_ANY, freeTypeStack>>;
using Asn1TypePtr = std::unique_ptr<ASN1_TYPE, OpenSslDeleter<ASN1_TYPE, ASN1_TYPE_free>>;

Error bad(const QString &why)
{
    return Error{QStringLiteral("asn1.bad"), why};
}

Result<Asn1Node> parse(const QByteArray &der, int depth, int maxDepth, int *items, int maxItems)
{
    if (depth > maxDepth)
        return bad(QStringLiteral("nested deeper than %1 sequences").arg(maxDepth));
    const unsigned char *cursor = reinterpret_cast<const unsigned char *>(der.constData());
    Asn1TypeStackPtr stack(d2i_ASN1_SEQUENCE_ANY(nullptr, &cursor, der.size()));
    if (!stack)
        return bad(QStringLiteral("not a DER sequence: %1").arg(takeOpenSslErrors()));
    if (cursor != reinterpret_cast<const unsigned char *>(der.constData()) + der.size())
        return bad(QStringLiteral("bytes after the sequence"));
    Asn1Node node;
    node.type = Asn1Node::Type::Sequence;
    for (int i = 0; i < sk_ASN1_TYPE_num(stack.get()); ++i) {
        if (++*items > maxItems)
            return bad(QStringLiteral("more than %1 items").arg(maxItems));
        const ASN1_TYPE *item = sk_ASN1_TYPE_value(stack.get(), i);
        Asn1Node child;
        switch (item->type) {
        case V_ASN1_SEQUENCE: {
            const ASN1_STRING *inner = item->value.sequence;
            const Result<Asn1Node> parsed = parse(QByteArray(reinterpret_cast<const char *>(ASN1_STRING_get0_data(inner)), ASN1_STRING_length(inner)), depth + 1,
                                                  maxDepth, items, maxItems);
            if (!parsed)
                return parsed.error();
            child = parsed.value();
            break;
        }
        case V_ASN1_OBJECT: {
            char text[128] = {};
            if (OBJ_obj2txt(text, sizeof text, item->value.object, 1) <= 0 || qstrlen(text) >= sizeof text - 1)
                return bad(QStringLiteral("an object identifier that cannot be read"));
            child.type = Asn1Node::Type::Oid;
            child.oid = QString::fromLatin1(text);
            break;
        }
        case V_ASN1_INTEGER:
        case V_ASN1_ENUMERATED: {
            int64_t value = 0;
            const bool read = item->type == V_ASN1_INTEGER ? ASN1_INTEGER_get_int64(&value, item->value.integer) == 1
                                                           : ASN1_ENUMERATED_get_int64(&value, item->value.enumerated) == 1;
            if (!read) {
                takeOpenSslErrors();
                return bad(QStringLiteral("an integer past 64 bits"));
            }
            child.type = item->type == V_ASN1_INTEGER ? Asn1Node::Type::Integer : Asn1Node::Type::Enumerated;
            child.integer = value;
            break;
        }
        case V_ASN1_OCTET_STRING:
            child.type = Asn1Node::Type::OctetString;
            child.bytes = QByteArray(reinterpret_cast<const char *>(ASN1_STRING_get0_data(item->value.octet_string)), ASN1_STRING_length(item->value.octet_string));
            break;
        default:
            child.type = Asn1Node::Type::Other;
            break;
        }
        node.children << child;
    }
    return node;
}

Result<Asn1TypePtr> toType(const Asn1Node &node);

Result<QByteArray> encode(const Asn1Node &sequence)
{
    Asn1TypeStackPtr stack(sk_ASN1_TYPE_new_null());
    for (const Asn1Node &child : sequence.children) {
        Result<Asn1TypePtr> type = toType(child);
        if (!type)
            return type.error();
        if (sk_ASN1_TYPE_push(stack.get(), type.value().get()) <= 0)
            return bad(takeOpenSslErrors());
        type.value().release();
    }
    unsigned char *der = nullptr;
    const int length = i2d_ASN1_SEQUENCE_ANY(stack.get(), &der);
    if (length <= 0)
        return bad(takeOpenSslErrors());
    return takeDer(der, length);
}

Result<Asn1TypePtr> toType(const Asn1Node &node)
{
    Asn1TypePtr type(ASN1_TYPE_new());
    switch (node.type) {
    case Asn1Node::Type::Sequence: {
        const Result<QByteArray> der = encode(node);
        if (!der)
            return der.error();
        ASN1_STRING *inner = ASN1_STRING_new();
        ASN1_STRING_set(inner, der.value().constData(), int(der.value().size()));
        ASN1_TYPE_set(type.get(), V_ASN1_SEQUENCE, inner);
        break;
    }
    case Asn1Node::Type::Oid: {
        ASN1_OBJECT *object = OBJ_txt2obj(node.oid.toLatin1().constData(), 1);
        if (!object)
            return bad(QStringLiteral("%1 is not an object identifier").arg(node.oid));
        ASN1_TYPE_set(type.get(), V_ASN1_OBJECT, object);
        break;
    }
    case Asn1Node::Type::Integer: {
        ASN1_INTEGER *integer = ASN1_INTEGER_new();
        ASN1_INTEGER_set_int64(integer, node.integer);
        ASN1_TYPE_set(type.get(), V_ASN1_INTEGER, integer);
        break;
    }
    case Asn1Node::Type::Enumerated: {
        ASN1_ENUMERATED *enumerated = ASN1_ENUMERATED_new();
        ASN1_ENUMERATED_set_int64(enumerated, node.integer);
        ASN1_TYPE_set(type.get(), V_ASN1_ENUMERATED, enumerated);
        break;
    }
    case Asn1Node::Type::OctetString: {
        ASN1_OCTET_STRING *octets = ASN1_OCTET_STRING_new();
        ASN1_OCTET_STRING_set(octets, reinterpret_cast<const unsigned char *>(node.bytes.constData()), int(node.bytes.size()));
        ASN1_TYPE_set(type.get(), V_ASN1_OCTET_STRING, octets);
        break;
    }
    case Asn1Node::Type::Other:
        return bad(QStringLiteral("only sequences, object identifiers, integers and octet strings are written"));
    }
    return type;
}

} // namespace

Asn1Node Asn1Node::sequence(const QList<Asn1Node> &children)
{
    Asn1Node node;
    node.type = Type::Sequence;
    node.children = children;
    return node;
}

Asn1Node Asn1Node::objectId(const QString &dotted)
{
    Asn1Node node;
    node.type = Type::Oid;
    node.oid = dotted;
    return node;
}

Asn1Node Asn1Node::number(qint64 value, Type type)
{
    Asn1Node node;
    node.type = type;
    node.integer = value;
    return node;
}

Asn1Node Asn1Node::octets(const QByteArray &bytes)
{
    Asn1Node node;
    node.type = Type::OctetString;
    node.bytes = bytes;
    return node;
}

Result<Asn1Node> parseDerSequence(const QByteArray &der, int maxDepth, int maxItems)
{
    int items = 0;
    return parse(der, 0, maxDepth, &items, maxItems);
}

Result<QByteArray> encodeDerSequence(const Asn1Node &sequence)
{
    if (sequence.type != Asn1Node::Type::Sequence)
        return bad(QStringLiteral("not a sequence"));
    return encode(sequence);
}

} // namespace teep::crypto
