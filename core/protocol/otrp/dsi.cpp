#include "protocol/otrp/dsi.h"

#include "crypto/openssl.h"

#include <nlohmann/json.hpp>

namespace teep::protocol::otrp {

namespace {

Error dsiError(const QString &message, const QString &where = QStringLiteral("dsi"))
{
    return Error{QStringLiteral("otrp.ERR_REQUEST_INVALID"), message, where};
}

std::string b64(const QByteArray &bytes)
{
    return bytes.toBase64().toStdString(); // OTrP's non-JOSE binaries are plain BASE64 (7.4)
}

Result<QByteArray> fromB64(const nlohmann::json &value, const QString &where)
{
    if (!value.is_string())
        return dsiError(QStringLiteral("must be a BASE64 string"), where);
    const auto decoded = QByteArray::fromBase64Encoding(QByteArray::fromStdString(value.get<std::string>()),
                                                        QByteArray::AbortOnBase64DecodingErrors);
    if (!decoded)
        return dsiError(QStringLiteral("is not BASE64"), where);
    return *decoded;
}

Result<QString> text(const nlohmann::json &object, const char *name, const QString &where)
{
    const auto it = object.find(name);
    if (it == object.end() || !it->is_string() || it->get<std::string>().size() > 256)
        return dsiError(QStringLiteral("\"%1\" must be a string of at most 256 bytes").arg(QString::fromLatin1(name)), where);
    return QString::fromStdString(it->get<std::string>());
}

Result<crypto::Certificate> certificate(const nlohmann::json &value, const QString &where)
{
    const Result<QByteArray> der = fromB64(value, where);
    if (!der)
        return der.error();
    const Result<crypto::Certificate> cert = crypto::Certificate::fromDer(der.value());
    if (!cert)
        return dsiError(cert.error().message, where);
    return cert.value();
}

} // namespace

nlohmann::json toJson(const DeviceStateInfo &dsi)
{
    nlohmann::json sds = nlohmann::json::array();
    for (const SdEntry &sd : dsi.sds) {
        nlohmann::json tas = nlohmann::json::array();
        for (const TaEntry &ta : sd.tas) {
            nlohmann::json entry{{"taid", ta.taid.toStdString()}};
            if (!ta.taname.isEmpty())
                entry["taname"] = ta.taname.toStdString();
            tas.push_back(entry);
        }
        sds.push_back({{"name", sd.name.toStdString()}, {"spid", sd.spid.toStdString()}, {"talist", tas}});
    }
    nlohmann::json aiks = nlohmann::json::array();
    for (const SpAik &aik : dsi.aiks)
        aiks.push_back({{"spaik", b64(aik.key.publicKeyDer())},
                        {"spaiktype", EVP_PKEY_is_a(aik.key.get(), "RSA") ? "RSA" : "ECC"},
                        {"spid", aik.spid.toStdString()}});
    nlohmann::json caChain = nlohmann::json::array();
    for (const crypto::Certificate &ca : dsi.teeCaChain)
        caChain.push_back(b64(ca.der()));
    nlohmann::json tee{{"name", dsi.teeName.toStdString()},
                       {"ver", dsi.teeVersion.toStdString()},
                       {"cert", b64(dsi.teeCertificate.der())},
                       {"cacert", caChain},
                       {"sdlist", {{"cnt", dsi.sds.size()}, {"sd", sds}}},
                       {"teeaiklist", aiks}};
    if (!dsi.requested.isEmpty()) {
        nlohmann::json requested = nlohmann::json::array();
        for (const RequestedTa &ta : dsi.requested)
            requested.push_back({{"taid", ta.taid.toStdString()}, {"havebinary", ta.haveBinary}});
        tee["reqtalist"] = requested;
    }
    if (!dsi.unneeded.isEmpty()) {
        nlohmann::json unneeded = nlohmann::json::array();
        for (const QString &taid : dsi.unneeded)
            unneeded.push_back(taid.toStdString());
        tee["unneededtalist"] = unneeded;
    }
    nlohmann::json inner{{"tee", tee}};
    if (dsi.tfw)
        inner["tfwdata"] = {{"tbs", b64(dsi.tfw->tbs)}, {"cert", b64(dsi.tfw->certificate.der())},
                            {"sigalg", dsi.tfw->sigalg.toStdString()}, {"sig", b64(dsi.tfw->signature)}};
    return {{"dsi", inner}};
}

Result<DeviceStateInfo> dsiFromJson(const nlohmann::json &json)
{
    if (!json.is_object() || !json.contains("dsi") || !json["dsi"].is_object() || !json["dsi"].contains("tee") ||
        !json["dsi"]["tee"].is_object())
        return dsiError(QStringLiteral("must be {\"dsi\": {\"tee\": {...}}}"));
    const nlohmann::json &tee = json["dsi"]["tee"];
    DeviceStateInfo dsi;
    const Result<QString> name = text(tee, "name", QStringLiteral("dsi.tee"));
    const Result<QString> version = text(tee, "ver", QStringLiteral("dsi.tee"));
    const Result<crypto::Certificate> cert = certificate(tee.contains("cert") ? tee["cert"] : nlohmann::json(), QStringLiteral("dsi.tee.cert"));
    if (!name || !version || !cert)
        return !name ? name.error() : (!version ? version.error() : cert.error());
    dsi.teeName = name.value();
    dsi.teeVersion = version.value();
    dsi.teeCertificate = cert.value();
    const nlohmann::json caChain = tee.contains("cacert") ? tee["cacert"] : nlohmann::json::array();
    if (!caChain.is_array() || caChain.size() > 8)
        return dsiError(QStringLiteral("cacert must be an array of at most 8 certificates"), QStringLiteral("dsi.tee.cacert"));
    for (const auto &entry : caChain) {
        const Result<crypto::Certificate> ca = certificate(entry, QStringLiteral("dsi.tee.cacert"));
        if (!ca)
            return ca.error();
        dsi.teeCaChain << ca.value();
    }
    const nlohmann::json sdlist = tee.contains("sdlist") ? tee["sdlist"] : nlohmann::json::object();
    const nlohmann::json sds = sdlist.is_object() && sdlist.contains("sd") ? sdlist["sd"] : nlohmann::json::array();
    if (!sds.is_array() || sds.size() > 64 || !sdlist.is_object() || !sdlist.value("cnt", nlohmann::json(0)).is_number_unsigned() ||
        sdlist.value("cnt", nlohmann::json(0)).get<std::size_t>() != sds.size())
        return dsiError(QStringLiteral("sdlist must hold at most 64 SDs and a cnt equal to their number"), QStringLiteral("dsi.tee.sdlist"));
    for (const auto &sdJson : sds) {
        if (!sdJson.is_object())
            return dsiError(QStringLiteral("an SD entry must be an object"), QStringLiteral("dsi.tee.sdlist"));
        SdEntry sd;
        const Result<QString> sdName = text(sdJson, "name", QStringLiteral("dsi.tee.sdlist.sd"));
        const Result<QString> spid = text(sdJson, "spid", QStringLiteral("dsi.tee.sdlist.sd"));
        if (!sdName || !spid)
            return sdName ? spid.error() : sdName.error();
        sd.name = sdName.value();
        sd.spid = spid.value();
        const nlohmann::json tas = sdJson.contains("talist") ? sdJson["talist"] : nlohmann::json::array();
        if (!tas.is_array() || tas.size() > 256)
            return dsiError(QStringLiteral("talist must be an array of at most 256 TAs"), QStringLiteral("dsi.tee.sdlist.sd.talist"));
        for (const auto &taJson : tas) {
            if (!taJson.is_object())
                return dsiError(QStringLiteral("a TA entry must be an object"), QStringLiteral("dsi.tee.sdlist.sd.talist"));
            const Result<QString> taid = text(taJson, "taid", QStringLiteral("talist"));
            if (!taid)
                return taid.error();
            const auto taname = taJson.find("taname");
            sd.tas << TaEntry{taid.value(), taname != taJson.end() && taname->is_string() ? QString::fromStdString(taname->get<std::string>()) : QString()};
        }
        dsi.sds << sd;
    }
    const nlohmann::json aiks = tee.contains("teeaiklist") ? tee["teeaiklist"] : nlohmann::json::array();
    if (!aiks.is_array() || aiks.size() > 64)
        return dsiError(QStringLiteral("teeaiklist must be an array"), QStringLiteral("dsi.tee.teeaiklist"));
    for (const auto &aikJson : aiks) {
        if (!aikJson.is_object())
            return dsiError(QStringLiteral("a teeaiklist entry must be an object"), QStringLiteral("dsi.tee.teeaiklist"));
        const Result<QString> spid = text(aikJson, "spid", QStringLiteral("dsi.tee.teeaiklist"));
        const Result<QByteArray> spki = fromB64(aikJson.contains("spaik") ? aikJson["spaik"] : nlohmann::json(), QStringLiteral("dsi.tee.teeaiklist.spaik"));
        const Result<crypto::Key> key = spki ? crypto::Key::fromPublicKey(spki.value()) : Result<crypto::Key>(spki.error());
        if (!spid || !key)
            return spid ? Error{QStringLiteral("otrp.ERR_REQUEST_INVALID"), key.error().message, QStringLiteral("dsi.tee.teeaiklist.spaik")}
                        : spid.error();
        dsi.aiks << SpAik{spid.value(), key.value()};
    }
    const nlohmann::json requested = tee.contains("reqtalist") ? tee["reqtalist"] : nlohmann::json::array();
    if (!requested.is_array() || requested.size() > 32)
        return dsiError(QStringLiteral("reqtalist must be an array of at most 32 TAs"), QStringLiteral("dsi.tee.reqtalist"));
    for (const auto &entry : requested) {
        const Result<QString> taid = entry.is_object() ? text(entry, "taid", QStringLiteral("dsi.tee.reqtalist")) : Result<QString>(dsiError(QStringLiteral("an entry must be an object"), QStringLiteral("dsi.tee.reqtalist")));
        if (!taid)
            return taid.error();
        const nlohmann::json haveBinary = entry.value("havebinary", nlohmann::json(false));
        if (!haveBinary.is_boolean())
            return dsiError(QStringLiteral("havebinary must be a boolean"), QStringLiteral("dsi.tee.reqtalist"));
        dsi.requested << RequestedTa{taid.value(), haveBinary.get<bool>()};
    }
    const nlohmann::json unneeded = tee.contains("unneededtalist") ? tee["unneededtalist"] : nlohmann::json::array();
    if (!unneeded.is_array() || unneeded.size() > 32)
        return dsiError(QStringLiteral("unneededtalist must be an array of at most 32 TA ids"), QStringLiteral("dsi.tee.unneededtalist"));
    for (const auto &entry : unneeded) {
        if (!entry.is_string() || entry.get<std::string>().empty() || entry.get<std::string>().size() > 128)
            return dsiError(QStringLiteral("an unneeded TA is named by its taid (1 to 128 characters)"), QStringLiteral("dsi.tee.unneededtalist"));
        dsi.unneeded << QString::fromStdString(entry.get<std::string>());
    }
    if (json["dsi"].contains("tfwdata")) {
        const nlohmann::json &tfw = json["dsi"]["tfwdata"];
        if (!tfw.is_object())
            return dsiError(QStringLiteral("tfwdata must be an object"), QStringLiteral("dsi.tfwdata"));
        const Result<QByteArray> tbs = fromB64(tfw.contains("tbs") ? tfw["tbs"] : nlohmann::json(), QStringLiteral("dsi.tfwdata.tbs"));
        const Result<crypto::Certificate> tfwCert = certificate(tfw.contains("cert") ? tfw["cert"] : nlohmann::json(), QStringLiteral("dsi.tfwdata.cert"));
        const Result<QString> sigalg = text(tfw, "sigalg", QStringLiteral("dsi.tfwdata"));
        const Result<QByteArray> sig = fromB64(tfw.contains("sig") ? tfw["sig"] : nlohmann::json(), QStringLiteral("dsi.tfwdata.sig"));
        if (!tbs || !tfwCert || !sigalg || !sig)
            return !tbs ? tbs.error() : (!tfwCert ? tfwCert.error() : (!sigalg ? sigalg.error() : sig.error()));
        dsi.tfw = TfwData{tbs.value(), tfwCert.value(), sigalg.value(), sig.value()};
    }
    return dsi;
}

QString dsiHash(const nlohmann::json &dsiJson)
{
    return QString::fromLatin1(crypto::sha256(QByteArray::fromStdString(dsiJson.dump())).toBase64());
}

} // namespace teep::protocol::otrp
