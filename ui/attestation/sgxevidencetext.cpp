#include "attestation/sgxevidencetext.h"

#include "attestation/sgxpck.h"
#include "attestation/sgxquote.h"
#include "cbor/strictcbor.h"
#include "crypto/cosesign.h"
#include "crypto/pkiformats.h"
#include "protocol/teep/teepcodec.h"

#include <QCoreApplication>
#include <QStringList>

namespace teep::ui {

namespace {

QString hex(const QByteArray &bytes)
{
    return QString::fromLatin1(bytes.toHex());
}

QString tr(const char *text)
{
    return QCoreApplication::translate("SgxEvidenceText", text);
}

} // namespace

QString sgxEvidenceText(const QByteArray &message)
{
    const Result<QCborValue> cbor = cbor::decodeStrict(message);
    const Result<crypto::cose::SignedObject> signedMessage = cbor ? crypto::cose::parse(cbor.value(), true) : Result<crypto::cose::SignedObject>(cbor.error());
    if (!signedMessage)
        return {};
    const Result<protocol::DecodedMessage> decoded = protocol::decodeMessageBytes(signedMessage.value().payload, protocol::DecodeProfile::compatible());
    const auto *response = decoded ? std::get_if<protocol::QueryResponse>(&decoded.value().message) : nullptr;
    if (!response || !response->attestationPayload ||
        !response->attestationPayloadFormat.trimmed().startsWith(QLatin1String(attestation::sgx::kBundleFormat), Qt::CaseInsensitive))
        return {};
    const Result<attestation::sgx::Bundle> bundle = attestation::sgx::parseBundle(*response->attestationPayload);
    const Result<attestation::sgx::Quote> quote = bundle ? attestation::sgx::parseQuote(bundle.value().quote) : Result<attestation::sgx::Quote>(bundle.error());
    if (!quote)
        return tr("SGX quote (not readable): %1").arg(quote.error().toString());
    const attestation::sgx::Quote &q = quote.value();
    QStringList lines{tr("SGX quote, version %1 (%2 bytes), QE SVN %3, PCE SVN %4").arg(q.version).arg(bundle.value().quote.size()).arg(q.qeSvn).arg(q.pceSvn),
                      tr("  enclave MRENCLAVE   %1").arg(hex(q.enclave.mrEnclave)),
                      tr("  enclave MRSIGNER    %1").arg(hex(q.enclave.mrSigner)),
                      tr("  ISV PRODID %1, ISV SVN %2, attributes %3%4")
                          .arg(q.enclave.isvProdId)
                          .arg(q.enclave.isvSvn)
                          .arg(hex(q.enclave.attributes), q.enclave.debug() ? tr(" (DEBUG)") : QString()),
                      tr("  report data         %1").arg(hex(q.enclave.reportData)),
                      tr("  binds agent key x||y %1").arg(hex(bundle.value().rawReportData.left(64))),
                      tr("  and the challenge   %1").arg(hex(bundle.value().rawReportData.mid(64))),
                      tr("  attestation key     %1").arg(hex(q.attestationKey)),
                      tr("  Quoting Enclave MRSIGNER %1, ISV SVN %2").arg(hex(q.qeReport.mrSigner)).arg(q.qeReport.isvSvn)};
    const Result<QList<crypto::Certificate>> chain = crypto::parseCertificates(q.certificationData);
    if (chain) {
        for (const crypto::Certificate &certificate : chain.value())
            lines << tr("  certificate: %1 (issued by %2)").arg(certificate.commonName(), certificate.issuer());
        if (const auto pck = chain.value().isEmpty() ? Result<attestation::sgx::PckExtensions>(Error{}) : attestation::sgx::pckExtensions(chain.value().first())) {
            QStringList components;
            for (int component : pck.value().tcbComponents)
                components << QString::number(component);
            lines << tr("  platform: FMSPC %1, PPID %2, PCE SVN %3, TCB components %4")
                         .arg(hex(pck.value().fmspc), hex(pck.value().ppid))
                         .arg(pck.value().pceSvn)
                         .arg(components.join(QLatin1Char(' ')));
        }
    }
    return lines.join(QLatin1Char('\n'));
}

} // namespace teep::ui
