#include "attestation/sgxpck.h"

#include "crypto/asn1tree.h"

namespace teep::attestation::sgx {

namespace {

using crypto::Asn1Node;

const QString kRoot = QString::fromLatin1(kSgxExtensionsOid);

Error bad(const QString &field, const QString &why)
{
    return Error{QStringLiteral("sgx.bad-pck"), why, QStringLiteral("PCK certificate SGX extension %1").arg(field)};
}

// The value of the (OID, value) pair whose OID is `oid`, in a sequence of such pairs.
const Asn1Node *field(const Asn1Node &pairs, const QString &oid)
{
    for (const Asn1Node &pair : pairs.children) {
        if (pair.type == Asn1Node::Type::Sequence && pair.children.size() == 2 && pair.children[0].type == Asn1Node::Type::Oid &&
            pair.children[0].oid == oid)
            return &pair.children[1];
    }
    return nullptr;
}

Result<QByteArray> octets(const Asn1Node &pairs, const QString &oid, const char *name, int size)
{
    const Asn1Node *value = field(pairs, oid);
    if (!value || value->type != Asn1Node::Type::OctetString || value->bytes.size() != size)
        return bad(QLatin1String(name), QStringLiteral("missing, or not a %1-byte octet string (%2)").arg(size).arg(oid));
    return value->bytes;
}

Asn1Node pair(const QString &oid, const Asn1Node &value)
{
    return Asn1Node::sequence({Asn1Node::objectId(oid), value});
}

} // namespace

Result<PckExtensions> pckExtensions(const crypto::Certificate &pck)
{
    const QByteArray der = pck.extensionValue(kRoot);
    if (der.isEmpty())
        return bad(QString(), QStringLiteral("the certificate (%1) has no SGX Extensions: not a PCK certificate").arg(pck.subject()));
    const Result<Asn1Node> parsed = crypto::parseDerSequence(der, 4, 128);
    if (!parsed)
        return bad(QString(), parsed.error().message);
    const Asn1Node &root = parsed.value();
    PckExtensions out;
    const Result<QByteArray> ppid = octets(root, kRoot + QStringLiteral(".1"), "PPID", 16);
    const Result<QByteArray> pceId = octets(root, kRoot + QStringLiteral(".3"), "PCE-ID", 2);
    const Result<QByteArray> fmspc = octets(root, kRoot + QStringLiteral(".4"), "FMSPC", 6);
    for (const Result<QByteArray> *read : {&ppid, &pceId, &fmspc}) {
        if (!*read)
            return read->error();
    }
    out.ppid = ppid.value();
    out.pceId = pceId.value();
    out.fmspc = fmspc.value();
    const QString tcbOid = kRoot + QStringLiteral(".2");
    const Asn1Node *tcb = field(root, tcbOid);
    if (!tcb || tcb->type != Asn1Node::Type::Sequence)
        return bad(QStringLiteral("TCB"), QStringLiteral("missing, or not a sequence (%1)").arg(tcbOid));
    for (int i = 0; i < 17; ++i) {
        const QString oid = tcbOid + QStringLiteral(".%1").arg(i + 1);
        const Asn1Node *value = field(*tcb, oid);
        if (!value || value->type != Asn1Node::Type::Integer || value->integer < 0 || value->integer > 65535)
            return bad(i < 16 ? QStringLiteral("TCB component %1").arg(i + 1) : QStringLiteral("PCESVN"),
                       QStringLiteral("missing, or not an integer from 0 to 65535 (%1)").arg(oid));
        if (i < 16)
            out.tcbComponents[std::size_t(i)] = int(value->integer);
        else
            out.pceSvn = int(value->integer);
    }
    const Result<QByteArray> cpuSvn = octets(*tcb, tcbOid + QStringLiteral(".18"), "CPUSVN", 16);
    if (!cpuSvn)
        return cpuSvn.error();
    out.cpuSvn = cpuSvn.value();
    return out;
}

QByteArray encodePckExtensions(const PckExtensions &extensions)
{
    const QString tcbOid = kRoot + QStringLiteral(".2");
    QList<Asn1Node> tcb;
    for (int i = 0; i < 16; ++i)
        tcb << pair(tcbOid + QStringLiteral(".%1").arg(i + 1), Asn1Node::number(extensions.tcbComponents[std::size_t(i)]));
    tcb << pair(tcbOid + QStringLiteral(".17"), Asn1Node::number(extensions.pceSvn)) << pair(tcbOid + QStringLiteral(".18"), Asn1Node::octets(extensions.cpuSvn));
    const Asn1Node root = Asn1Node::sequence({pair(kRoot + QStringLiteral(".1"), Asn1Node::octets(extensions.ppid)),
                                              pair(tcbOid, Asn1Node::sequence(tcb)),
                                              pair(kRoot + QStringLiteral(".3"), Asn1Node::octets(extensions.pceId)),
                                              pair(kRoot + QStringLiteral(".4"), Asn1Node::octets(extensions.fmspc)),
                                              pair(kRoot + QStringLiteral(".5"), Asn1Node::number(0, Asn1Node::Type::Enumerated))});
    const Result<QByteArray> der = crypto::encodeDerSequence(root);
    return der ? der.value() : QByteArray();
}

} // namespace teep::attestation::sgx
