#pragma once

#include "common/error.h"
#include "crypto/cosesign.h"
#include "crypto/key.h"

#include <QByteArray>
#include <QCborMap>
#include <QList>
#include <QMap>

#include <optional>

// SUIT manifests for Trusted Applications (draft-ietf-suit-manifest-34, the subset a TAM needs):
// one envelope, one or more components, vendor/class conditions, the image digest (SHA-256) and
// size, and the payload integrated in the envelope or fetched by URI.
namespace teep::suit {

inline constexpr qint64 kSha256 = -16;

struct Envelope
{
    QByteArray encoded;
    QByteArray manifestBytes; // bstr .cbor SUIT_Manifest, as signed
    QByteArray digestBytes;   // bstr .cbor SUIT_Digest from the authentication wrapper
    QByteArray manifestDigest;
    QList<crypto::cose::SignedObject> signatures;
    int macs = 0; // COSE_Mac0 authentication blocks: verifiable only with a key shared with the device
    QCborMap manifest;

    quint64 sequenceNumber = 0;
    QList<QCborValue> components; // SUIT_Component_Identifiers
    QByteArray vendorId;
    QByteArray classId;
    QByteArray imageDigest; // SHA-256 of the TA binary
    std::optional<quint64> imageSize;
    QString uri; // where the payload comes from: a URI, or "#name" for an integrated payload
    QMap<QString, QByteArray> integratedPayloads;
    QList<qint64> sections; // manifest keys present, e.g. 1, 2, 3, 7, 20
};

// Structure and the manifest digest: the envelope decodes strictly, has an authentication
// wrapper and a manifest, and the wrapper's SHA-256 equals the manifest's. Signatures are read
// but not trusted until verify().
Result<Envelope> parseEnvelope(const QByteArray &bytes);
// Valid when a signature over the manifest digest verifies with `trustAnchor`.
Status verifyEnvelope(const Envelope &envelope, const crypto::Key &trustAnchor,
                      const crypto::cose::AlgorithmPolicy &policy = crypto::cose::AlgorithmPolicy::compatible());
// Rollback protection: the sequence number must exceed the installed one.
Status checkSequence(const Envelope &envelope, std::optional<quint64> installedSequence);
// The payload matches the image digest and size (for integrated payloads and bundled binaries).
Status checkPayload(const Envelope &envelope, const QByteArray &payload);

// The same envelope without its integrated payloads (the text-keyed members), for a device that
// already holds the binary: the signed manifest still authorises exactly that image by its digest.
Result<QByteArray> withoutIntegratedPayloads(const QByteArray &envelope);

struct TaManifestSpec
{
    QCborValue componentId; // e.g. [h'...' ] for a TA identified by its UUID
    quint64 sequenceNumber = 1;
    QByteArray vendorId;    // 16-byte UUID
    QByteArray classId;     // 16-byte UUID
    QByteArray payload;     // the TA binary (its digest and size go into the manifest)
    QString uri;            // empty: the payload is integrated in the envelope
};

// A tagged SUIT_Envelope for one TA, signed by the service provider's key.
Result<QByteArray> buildEnvelope(const TaManifestSpec &spec, const crypto::cose::SigningKey &signer);

} // namespace teep::suit
