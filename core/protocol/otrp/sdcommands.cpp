#include "protocol/otrp/sdcommands.h"

#include "crypto/openssl.h"

#include <nlohmann/json.hpp>

namespace teep::protocol::otrp {

namespace {
std::string base64Der(const crypto::Certificate &certificate)
{
    return certificate.der().toBase64().toStdString();
}
} // namespace

QString certificateHashHex(const crypto::Certificate &certificate)
{
    return QString::fromLatin1(crypto::sha256(certificate.der()).toHex());
}

nlohmann::json createSdContent(const QString &tamId, const QString &spid, const QString &sdName,
                               const crypto::Certificate &spCertificate)
{
    return {{"spid", spid.toStdString()},
            {"sdname", sdName.toStdString()},
            {"spcert", base64Der(spCertificate)},
            {"tamid", tamId.toStdString()}};
}

nlohmann::json updateSdContent(const QString &tamId, const QString &spid, const QString &sdName,
                               const SdChanges &changes)
{
    nlohmann::json delta{{"renewteespaik", changes.renewSpAik}};
    if (changes.newSdName)
        delta["newsdname"] = changes.newSdName->toStdString();
    if (changes.newSpid)
        delta["newspid"] = changes.newSpid->toStdString();
    if (!changes.addSpCertificates.isEmpty()) {
        delta["spcert"] = nlohmann::json::array();
        for (const crypto::Certificate &certificate : changes.addSpCertificates)
            delta["spcert"].push_back(base64Der(certificate));
    }
    if (!changes.removeSpCertificates.isEmpty()) {
        delta["deloldspcert"] = nlohmann::json::array();
        for (const crypto::Certificate &certificate : changes.removeSpCertificates)
            delta["deloldspcert"].push_back(certificateHashHex(certificate).toStdString());
    }
    return {{"tamid", tamId.toStdString()},
            {"spid", spid.toStdString()},
            {"sdname", sdName.toStdString()},
            {"changes", delta}};
}

nlohmann::json deleteSdContent(const QString &tamId, const QString &sdName, bool deleteTas)
{
    return {
        {"tamid", tamId.toStdString()}, {"sdname", sdName.toStdString()}, {"deleteta", deleteTas}};
}

nlohmann::json taContent(const QString &tamId, const QString &spid, const QString &sdName,
                         const QString &taid,
                         const std::optional<crypto::Certificate> &spCertificate)
{
    nlohmann::json content{{"tamid", tamId.toStdString()},
                           {"spid", spid.toStdString()},
                           {"sdname", sdName.toStdString()},
                           {"taid", taid.toStdString()}};
    if (spCertificate)
        content["spcert"] = base64Der(*spCertificate);
    return content;
}

nlohmann::json deleteTaContent(const QString &tamId, const QString &sdName, const QString &taid)
{
    return {{"tamid", tamId.toStdString()},
            {"sdname", sdName.toStdString()},
            {"taid", taid.toStdString()}};
}

} // namespace teep::protocol::otrp
