#pragma once

#include "common/error.h"
#include "crypto/key.h"

#include <QByteArray>
#include <QList>
#include <QString>

#include <optional>

// Concise Reference Integrity Manifests (draft-ietf-rats-corim): the reference values and
// endorsements a supply chain publishes for its devices, read from unsigned CoRIM (tag 501) or
// signed CoRIM (COSE_Sign1, tag 18) holding CoMID tags (506).
namespace teep::attestation::corim {

// A key that may sign reference values or attestation results: the verifier-key trust store's
// certificates and bare public keys, by name.
struct VerifierKey
{
    QString name; // the certificate's subject, or the bare key's label
    crypto::Key key;
};

struct Digest
{
    qint64 algorithm = 0; // named-information hash id (1 = sha-256, 7 = sha-384, 8 = sha-512)
    QByteArray value;
    bool operator==(const Digest &) const = default;
};
QString digestAlgorithmName(qint64 algorithm); // "sha-256", or "hash 42"
std::optional<qint64> digestAlgorithmFromName(const QString &name);

// Where a measurement belongs: a class of devices (class id, vendor, model) and, for one device,
// its instance (a UEID).
struct Environment
{
    QString classId;       // "uuid:…", "oid:1.2.3", "bytes:…" (hex) or empty
    QString vendor;
    QString model;
    QByteArray instanceUeid; // tag 550; empty for a class environment
    QString instanceOther;   // an instance named any other way ("uuid:…", "bytes:…", "key:…")
    QString describe() const; // "vendor ACME, model Road Runner, ueid 01ab…"
};

struct Measurement
{
    QString key;     // mkey: text, "uuid:…", "oid:…" or a number; empty when absent
    QString name;    // measurement-values-map name (11)
    QString version;
    std::optional<qint64> svn;
    bool svnIsMinimum = false; // tag 553: at least this SVN
    QList<Digest> digests;
    QByteArray rawValue;
    QByteArray rawValueMask; // empty: every bit counts
    QString label() const;   // the name, else the key, else "unnamed measurement"
    QString describeValues() const; // "version 1.2.0  svn >=3  sha-256:…  raw 00ff10", for lists
};

struct Triple
{
    Environment environment;
    QList<Measurement> measurements;
};

struct AttestKeyTriple
{
    Environment environment;
    QList<QByteArray> keys; // as carried: DER (SPKI or certificate) or PEM text
};

struct Comid
{
    QString tagId;
    qint64 tagVersion = 0;
    QList<Triple> references;
    QList<Triple> endorsements;
    QList<AttestKeyTriple> attestKeys;
};

struct Corim
{
    QString id;
    QString profile;
    QList<Comid> comids;
    int otherTags = 0; // CoSWID (505) and CoTL (508) tags: kept by nobody here, counted
    bool isSigned = false;
    QString signerName;                // corim-meta's signer, when signed
    QString verifiedBy;                // the name of the verifier key that verified the signature
    int referenceCount() const;
};

struct Limits
{
    qsizetype maxBytes = 4 * 1024 * 1024;
    int maxTags = 512;
    int maxTriples = 20000;      // in all tags together
    int maxMeasurements = 50000; // in all triples together
    int maxDigests = 16;         // per measurement
};

// Reads a CoRIM file. A signed CoRIM must verify with one of `verifierKeys` (the verifier-key
// trust store); an unsigned one is accepted as it is. Errors name what is wrong and where: the
// byte offset for CBOR that does not decode, the path (tags[2].triples.reference[0]…) for a
// structure that is not CoRIM.
Result<Corim> decode(const QByteArray &bytes, const QList<VerifierKey> &verifierKeys, const Limits &limits = {});

} // namespace teep::attestation::corim
