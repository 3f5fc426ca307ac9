#include "attestation/sgxquote.h"

#include "cbor/strictcbor.h"

#include <QCborArray>
#include <QtEndian>

namespace teep::attestation::sgx {

namespace {

constexpr int kSignatureSize = 64;
constexpr int kKeySize = 64;

Error bad(qsizetype offset, const QString &why)
{
    return Error{QStringLiteral("sgx.bad-quote"), why, QStringLiteral("SGX quote byte %1").arg(offset)};
}

// Reads the quote front to back, each read checked against what is left.
class Reader
{
public:
    explicit Reader(const QByteArray &bytes) : m_bytes(bytes) {}
    qsizetype offset() const { return m_offset; }
    bool take(qsizetype size, QByteArray *out)
    {
        if (size < 0 || size > m_bytes.size() - m_offset)
            return false;
        *out = m_bytes.mid(m_offset, size);
        m_offset += size;
        return true;
    }
    template <typename T>
    bool number(T *out)
    {
        QByteArray raw;
        if (!take(sizeof(T), &raw))
            return false;
        *out = qFromLittleEndian<T>(raw.constData());
        return true;
    }

private:
    const QByteArray &m_bytes;
    qsizetype m_offset = 0;
};

ReportBody decodeReportBody(const QByteArray &raw)
{
    ReportBody body;
    body.cpuSvn = raw.mid(0, 16);
    body.miscSelect = qFromLittleEndian<quint32>(raw.constData() + 16);
    body.attributes = raw.mid(48, 16);
    body.mrEnclave = raw.mid(64, 32);
    body.mrSigner = raw.mid(128, 32);
    body.isvProdId = qFromLittleEndian<quint16>(raw.constData() + 256);
    body.isvSvn = qFromLittleEndian<quint16>(raw.constData() + 258);
    body.reportData = raw.mid(320, 64);
    return body;
}

template <typename T>
QByteArray littleEndian(T value)
{
    QByteArray out(sizeof(T), '\0');
    qToLittleEndian<T>(value, out.data());
    return out;
}

QByteArray fixed(const QByteArray &bytes, int size)
{
    return bytes.left(size).leftJustified(size, '\0');
}

} // namespace

quint64 ReportBody::flags() const
{
    return attributes.size() >= 8 ? qFromLittleEndian<quint64>(attributes.constData()) : 0;
}

Result<Quote> parseQuote(const QByteArray &bytes)
{
    if (bytes.size() > kMaxQuoteSize)
        return bad(kMaxQuoteSize, QStringLiteral("%1 bytes: longer than the %2 a quote may have").arg(bytes.size()).arg(kMaxQuoteSize));
    Reader reader(bytes);
    Quote quote;
    QByteArray body;
    quint32 reserved = 0;
    if (!reader.number(&quote.version) || !reader.number(&quote.attestationKeyType) || !reader.number(&reserved) || !reader.number(&quote.qeSvn) ||
        !reader.number(&quote.pceSvn) || !reader.take(16, &quote.qeVendorId) || !reader.take(20, &quote.userData))
        return bad(bytes.size(), QStringLiteral("the quote ends inside its %1-byte header").arg(kHeaderSize));
    if (quote.version != 3)
        return bad(0, QStringLiteral("quote version %1; this TAM reads version 3 (DCAP ECDSA)").arg(quote.version));
    if (quote.attestationKeyType != 2)
        return bad(2, QStringLiteral("attestation key type %1; only 2 (ECDSA P-256) is defined for version 3").arg(quote.attestationKeyType));
    if (!reader.take(kReportBodySize, &body))
        return bad(bytes.size(), QStringLiteral("the quote ends inside the enclave's report body (bytes 48 to 431)"));
    quote.enclave = decodeReportBody(body);
    quote.signedBytes = bytes.left(kHeaderSize + kReportBodySize);
    quint32 signatureDataSize = 0;
    if (!reader.number(&signatureDataSize))
        return bad(bytes.size(), QStringLiteral("the quote ends before its signature data's length"));
    const qsizetype signatureDataStart = reader.offset();
    if (signatureDataSize != quint32(bytes.size() - signatureDataStart))
        return bad(signatureDataStart - 4, QStringLiteral("the signature data is said to be %1 bytes and %2 follow").arg(signatureDataSize).arg(bytes.size() - signatureDataStart));
    QByteArray qeReport;
    if (!reader.take(kSignatureSize, &quote.signature) || !reader.take(kKeySize, &quote.attestationKey) || !reader.take(kReportBodySize, &qeReport) ||
        !reader.take(kSignatureSize, &quote.qeReportSignature))
        return bad(bytes.size(), QStringLiteral("the quote ends inside its signature, attestation key or Quoting Enclave report"));
    quote.qeReport = decodeReportBody(qeReport);
    quote.qeReportBytes = qeReport;
    quint16 authSize = 0;
    const qsizetype authAt = reader.offset();
    if (!reader.number(&authSize) || !reader.take(authSize, &quote.qeAuthenticationData))
        return bad(authAt, QStringLiteral("the QE authentication data runs past the quote's end"));
    quint32 certificationSize = 0;
    const qsizetype certificationAt = reader.offset();
    if (!reader.number(&quote.certificationDataType) || !reader.number(&certificationSize))
        return bad(certificationAt, QStringLiteral("the quote ends inside the certification data's header"));
    if (certificationSize != quint32(bytes.size() - reader.offset()))
        return bad(certificationAt + 2, QStringLiteral("the certification data is said to be %1 bytes and %2 follow").arg(certificationSize).arg(bytes.size() - reader.offset()));
    if (!reader.take(certificationSize, &quote.certificationData))
        return bad(certificationAt + 6, QStringLiteral("the certification data runs past the quote's end"));
    return quote;
}

Result<Bundle> parseBundle(const QByteArray &bytes)
{
    cbor::Limits limits;
    limits.maxBytes = kMaxQuoteSize + 1024;
    limits.maxDepth = 2;
    limits.maxItems = 3;
    const Result<QCborValue> decoded = cbor::decodeStrict(bytes, limits);
    if (!decoded)
        return Error{QStringLiteral("sgx.bad-bundle"), QStringLiteral("not a CBOR SGX bundle: %1").arg(decoded.error().message), decoded.error().where};
    const QCborArray array = decoded.value().toArray();
    if (!decoded.value().isArray() || array.size() != 2 || !array.at(0).isByteArray() || !array.at(1).isByteArray())
        return Error{QStringLiteral("sgx.bad-bundle"), QStringLiteral("an SGX bundle is [quote, raw-report-data], two byte strings"), QStringLiteral("SGX bundle")};
    return Bundle{array.at(0).toByteArray(), array.at(1).toByteArray()};
}

QByteArray encodeBundle(const Bundle &bundle)
{
    return QCborValue(QCborArray{bundle.quote, bundle.rawReportData}).toCbor();
}

QByteArray encodeReportBody(const ReportBody &body)
{
    QByteArray out(kReportBodySize, '\0');
    const auto put = [&out](int at, const QByteArray &bytes) { out.replace(at, bytes.size(), bytes); };
    put(0, fixed(body.cpuSvn, 16));
    put(16, littleEndian<quint32>(body.miscSelect));
    put(48, fixed(body.attributes, 16));
    put(64, fixed(body.mrEnclave, 32));
    put(128, fixed(body.mrSigner, 32));
    put(256, littleEndian<quint16>(body.isvProdId));
    put(258, littleEndian<quint16>(body.isvSvn));
    put(320, fixed(body.reportData, 64));
    return out;
}

QByteArray encodeQuoteHeaderAndBody(const Quote &quote)
{
    return littleEndian<quint16>(quote.version) + littleEndian<quint16>(quote.attestationKeyType) + littleEndian<quint32>(0) +
           littleEndian<quint16>(quote.qeSvn) + littleEndian<quint16>(quote.pceSvn) + fixed(quote.qeVendorId, 16) + fixed(quote.userData, 20) +
           encodeReportBody(quote.enclave);
}

QByteArray encodeQuote(const Quote &quote)
{
    const QByteArray signatureData = fixed(quote.signature, kSignatureSize) + fixed(quote.attestationKey, kKeySize) + encodeReportBody(quote.qeReport) +
                                     fixed(quote.qeReportSignature, kSignatureSize) + littleEndian<quint16>(quint16(quote.qeAuthenticationData.size())) +
                                     quote.qeAuthenticationData + littleEndian<quint16>(quote.certificationDataType) +
                                     littleEndian<quint32>(quint32(quote.certificationData.size())) + quote.certificationData;
    return encodeQuoteHeaderAndBody(quote) + littleEndian<quint32>(quint32(signatureData.size())) + signatureData;
}

} // namespace teep::attestation::sgx
