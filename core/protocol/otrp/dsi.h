#pragma once

#include "common/error.h"
#include "crypto/certificate.h"
#include "crypto/key.h"

#include <QList>
#include <QString>
#include <nlohmann/json_fwd.hpp>

// The Device State Information a TEE reports (OTrP -03 9.1.5), and `dsihash`.
//
// Decision (the draft leaves the hashed bytes open, 2.6): dsihash = standard BASE64 of SHA-256
// over the UTF-8 bytes of {"dsi": {...}} serialized canonically: object members sorted by name,
// no insignificant whitespace, integers as integers (nlohmann/json's dump() of a std::map-based
// object). The TAM and the simulated TEE both hash that form.
namespace teep::protocol::otrp {

struct TaEntry
{
    QString taid;
    QString taname;
};

struct SdEntry
{
    QString name;
    QString spid;
    QList<TaEntry> tas;
    // Kept by the TEE, not part of the DSI a TAM sees: the owning TAM (5.3) and the SP
    // certificates TAs installed into this SD must be signed under (9.3.1; UpdateSD adds and
    // removes).
    QString tamid;
    QList<crypto::Certificate> spcerts;
};

struct SpAik
{
    QString spid;
    crypto::Key key; // the TEE SP AIK public key
};

struct TfwData
{
    QByteArray tbs; // the request's tid, UTF-8
    crypto::Certificate certificate;
    QString sigalg; // "RS256" or "ES256"
    QByteArray signature;
};

// Device-initiated requests (our extension, absent when empty; RFC 9397's requested-tc-list /
// unneeded-manifest-list carried in the TEE-signed DSI): "reqtalist": [{"taid", "havebinary"}],
// "unneededtalist": ["taid", ...], members of dsi.tee.
struct RequestedTa
{
    QString taid;
    bool haveBinary = false;
};

struct DeviceStateInfo
{
    std::optional<TfwData> tfw;
    QString teeName;
    QString teeVersion;
    crypto::Certificate teeCertificate;
    QList<crypto::Certificate> teeCaChain;
    QList<SdEntry> sds;
    QList<SpAik> aiks;
    QList<RequestedTa> requested;
    QStringList unneeded;
};

nlohmann::json toJson(const DeviceStateInfo &dsi);
// Strict: every member typed as the draft says; bounded (64 SDs, 256 TAs per SD, 8 CA certs,
// 32 requested and 32 unneeded TAs).
Result<DeviceStateInfo> dsiFromJson(const nlohmann::json &json);
QString dsiHash(const nlohmann::json &dsiJson);

} // namespace teep::protocol::otrp
