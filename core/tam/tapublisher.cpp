#include "tam/tapublisher.h"

#include "crypto/cosesign.h"
#include "crypto/jws.h"
#include "crypto/openssl.h"
#include "protocol/otrp/tapackage.h"
#include "store/transaction.h"
#include "suit/suitenvelope.h"

#include <QCborArray>

#include <openssl/evp.h>

namespace teep::tam {

Result<TaVersion> publishTa(Catalog &catalog, const QString &spid, const TaRelease &release, const crypto::Key &spKey,
                            const crypto::Certificate &spCertificate)
{
    if (release.binary.isEmpty())
        return Error{QStringLiteral("catalog.empty-binary"), QStringLiteral("the TA binary is empty")};
    if (release.version < 0)
        return Error{QStringLiteral("catalog.bad-version"), QStringLiteral("a TA version is 0 or more")};
    const Result<QByteArray> signedTa = protocol::otrp::signTa({release.taid, release.name.isEmpty() ? release.taid : release.name, release.version,
                                                                release.binary},
                                                               {spKey, crypto::jose::signingAlgFor(spKey), {spCertificate}});
    if (!signedTa)
        return signedTa.error();
    suit::TaManifestSpec manifest;
    manifest.componentId = QCborArray{QCborValue(release.taid.toUtf8())};
    manifest.sequenceNumber = quint64(release.version);
    manifest.vendorId = crypto::sha256(spid.toUtf8()).left(16);
    manifest.classId = crypto::sha256(release.taid.toUtf8()).left(16);
    manifest.payload = release.binary;
    qint64 algorithm = 0;
    if (EVP_PKEY_is_a(spKey.get(), "EC"))
        algorithm = crypto::cose::kESP256;
    else if (EVP_PKEY_is_a(spKey.get(), "ED25519"))
        algorithm = crypto::cose::kEd25519;
    else
        return Error{QStringLiteral("catalog.key-type"), QStringLiteral("SUIT manifests are signed with a P-256 or Ed25519 key; this SP key is neither")};
    const Result<QByteArray> envelope = suit::buildEnvelope(manifest, {spKey, algorithm});
    if (!envelope)
        return envelope.error();
    // The same manifest naming its payload by URI, for agents that fetch it (small receive buffers).
    manifest.uri = payloadUri(QString::fromLatin1(crypto::sha256(release.binary).toHex()));
    const Result<QByteArray> byUri = suit::buildEnvelope(manifest, {spKey, algorithm});
    if (!byUri)
        return byUri.error();
    // Both forms are made before the catalog changes, so a key or binary that cannot be signed
    // leaves it untouched; attachManifest then verifies with the SP certificates addSignedTa used.
    store::Transaction transaction(catalog.database()); // the version and both manifests, or nothing
    if (const Status begun = transaction.begun(); !begun)
        return begun.error();
    const Result<TaVersion> added = catalog.addSignedTa(spid, signedTa.value());
    if (!added)
        return added.error();
    if (const Status attached = catalog.attachManifest(release.taid, release.version, envelope.value()); !attached)
        return attached.error();
    if (const Status attached = catalog.attachManifest(release.taid, release.version, byUri.value(), Catalog::ManifestForm::ByUri); !attached)
        return attached.error();
    if (const Status committed = transaction.commit(); !committed)
        return committed.error();
    TaVersion version = added.value();
    version.manifest = envelope.value();
    return version;
}

} // namespace teep::tam
