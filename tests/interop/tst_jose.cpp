// JOSE for OTrP: JWS and JWE round trips for every algorithm, the refusals that matter
// (none/HMAC, algorithm confusion, tampering, RSA1_5 unless allowed), and a cross-check with
// npm `jose` in both directions.
#include "crypto/jwe.h"
#include "crypto/jws.h"
#include "crypto/openssl.h"
#include "crypto/pkcs8.h"
#include "otrpworld.h"
#include "protocol/otrp/sdcommands.h"
#include "pkifixtures.h"
#include "processrun.h"
#include "tempdir.h"

#include <QDir>
#include <QTest>
#include <nlohmann/json.hpp>

using namespace teep::crypto;
using teep::Result;

namespace {
const QByteArray kPayload = R"({"GetDeviceStateTBSRequest":{"ver":"1.0","rid":"r-1","tid":"t-1","ocspdat":[]}})";

QByteArray b64u(const QByteArray &bytes)
{
    return jose::base64UrlEncode(bytes);
}

nlohmann::json withProtected(nlohmann::json jws, const nlohmann::json &header)
{
    jws["protected"] = b64u(QByteArray::fromStdString(header.dump())).toStdString();
    return jws;
}
} // namespace

class TestJose : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void base64UrlIsStrict();
    void jwsRoundTrips();
    void jwsRefusesNoneHmacAndConfusion();
    void jwsTamperingIsCaught();
    void jweRoundTripsEveryAlgorithm_data();
    void jweRoundTripsEveryAlgorithm();
    void jweTamperingLooksTheSame();
    void rsa15OnlyWhenAllowed();
    void givenCekIsReused();
    void npmJoseVerifiesAndDecryptsOurs();
    void weVerifyAndDecryptNpmJose();
    void npmJoseReadsAWholeInstallTa();

private:
    Key m_p256;
    Key m_rsa;
};

void TestJose::initTestCase()
{
    m_p256 = Key::generate(KeyAlgorithm::P256).value();
    m_rsa = Key::generate(KeyAlgorithm::Rsa2048).value();
}

void TestJose::base64UrlIsStrict()
{
    QCOMPARE(jose::base64UrlDecode("aGVsbG8", QStringLiteral("x")).value(), QByteArray("hello"));
    QVERIFY(!jose::base64UrlDecode("aGVsbG8=", QStringLiteral("x")).ok());  // padding
    QVERIFY(!jose::base64UrlDecode("aGVs bG8", QStringLiteral("x")).ok());  // whitespace
    QVERIFY(!jose::base64UrlDecode("aGVsbG8+", QStringLiteral("x")).ok());  // standard alphabet
    QVERIFY(!jose::base64UrlDecode("aGVsbG9", QStringLiteral("x")).ok());   // stray low bits: non-canonical
    QVERIFY(!jose::base64UrlDecode("a", QStringLiteral("x")).ok());         // truncated

    // Canonical means: encoding the decoded bytes again gives the same text. Checked for every
    // final partial group of 2 and 3 characters.
    const QByteArray alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    int accepted = 0;
    for (const char a : alphabet) {
        for (const char b : alphabet) {
            for (const QByteArray &text : {QByteArray("QUJD") + a + b, QByteArray("QUJD") + a + b + 'Q', QByteArray("QUJD") + a + b + 'R'}) {
                const auto decoded = jose::base64UrlDecode(text, QStringLiteral("x"));
                const bool canonical = jose::base64UrlEncode(QByteArray::fromBase64(text, QByteArray::Base64UrlEncoding)) == text;
                QCOMPARE(decoded.ok(), canonical);
                accepted += decoded.ok() ? 1 : 0;
            }
        }
    }
    QCOMPARE(accepted, 64 * 4 + 64 * 64); // 4 of 64 last characters after 2; 'Q' after 3, never 'R'
}

void TestJose::jwsRoundTrips()
{
    const teep::test::Issued root = teep::test::makeRoot(QStringLiteral("TAM root"));
    const teep::test::Issued tam = teep::test::issueUnder(root, QStringLiteral("TAM"), CertificateProfile::TamSigning);
    const auto flattened = jose::signFlattened(kPayload, {tam.key, QStringLiteral("ES256"), {tam.certificate, root.certificate}});
    QVERIFY(flattened.ok());
    const auto parsed = jose::parse(flattened.value());
    QVERIFY(parsed.ok());
    QCOMPARE(parsed.value().payload, kPayload);
    QCOMPARE(parsed.value().signatures.first().x5c.size(), 2);
    QVERIFY(parsed.value().signatures.first().x5c.first() == tam.certificate);
    QVERIFY(jose::verify(parsed.value(), tam.key).ok());
    QCOMPARE(parsed.value().signatures.first().signature.size(), 64); // raw r||s

    const auto general = jose::signGeneral(kPayload, {{m_rsa, QStringLiteral("RS256"), {}}, {m_p256, QStringLiteral("ES256"), {}}});
    QVERIFY(general.ok());
    const auto both = jose::parse(general.value());
    QVERIFY(both.ok());
    QVERIFY(jose::verify(both.value(), m_rsa).ok());
    QVERIFY(jose::verify(both.value(), m_p256).ok());
    QVERIFY(!jose::verify(both.value(), Key::generate(KeyAlgorithm::P256).value()).ok());
}

void TestJose::jwsRefusesNoneHmacAndConfusion()
{
    const nlohmann::json good = jose::signFlattened(kPayload, {m_p256, QStringLiteral("ES256"), {}}).value();
    for (const char *alg : {"none", "HS256", "ES384", "PS256"}) {
        const auto refused = jose::parse(withProtected(good, {{"alg", alg}}));
        QVERIFY2(!refused.ok(), alg);
        QCOMPARE(refused.error().code, QStringLiteral("jose.unsupported-alg"));
    }
    QVERIFY(jose::parse(withProtected(good, {{"alg", "ES256"}, {"crit", {"exp"}}})).error().message.contains(QStringLiteral("critical")));
    nlohmann::json unprotectedAlg = good;
    unprotectedAlg["header"] = {{"alg", "none"}};
    QVERIFY(jose::parse(unprotectedAlg).error().message.contains(QStringLiteral("unprotected")));
    // Algorithm confusion: an RS256 header over an EC key, or the reverse, never verifies.
    const auto confused = jose::parse(withProtected(good, {{"alg", "RS256"}}));
    QVERIFY(confused.ok());
    QVERIFY(jose::verify(confused.value(), m_p256).error().message.contains(QStringLiteral("needs a matching key")));
    QVERIFY(!jose::parse(nlohmann::json::array()).ok());
    QVERIFY(!jose::parse(nlohmann::json{{"payload", 5}}).ok());
}

void TestJose::jwsTamperingIsCaught()
{
    nlohmann::json jws = jose::signFlattened(kPayload, {m_p256, QStringLiteral("ES256"), {}}).value();
    nlohmann::json payloadChanged = jws;
    payloadChanged["payload"] = b64u(QByteArray(kPayload).replace("r-1", "r-2")).toStdString();
    QVERIFY(!jose::verify(jose::parse(payloadChanged).value(), m_p256).ok());
    std::string signature = jws["signature"].get<std::string>();
    signature[10] = signature[10] == 'A' ? 'B' : 'A';
    jws["signature"] = signature;
    QVERIFY(!jose::verify(jose::parse(jws).value(), m_p256).ok());
    jws["signature"] = signature.substr(0, 40);
    QVERIFY(jose::verify(jose::parse(jws).value(), m_p256).error().message.contains(QStringLiteral("r||s")));
}

void TestJose::jweRoundTripsEveryAlgorithm_data()
{
    QTest::addColumn<QString>("alg");
    QTest::addColumn<QString>("enc");
    for (const char *enc : {"A128CBC-HS256", "A256CBC-HS512"}) {
        for (const char *alg : {"RSA-OAEP-256", "ECDH-ES+A128KW", "ECDH-ES+A256KW"})
            QTest::newRow(qPrintable(QStringLiteral("%1 %2").arg(QLatin1String(alg), QLatin1String(enc)))) << alg << enc;
    }
}

void TestJose::jweRoundTripsEveryAlgorithm()
{
    QFETCH(QString, alg);
    QFETCH(QString, enc);
    const Key &key = alg.startsWith(QLatin1String("RSA")) ? m_rsa : m_p256;
    const auto jwe = jose::encrypt(kPayload, {{key, alg}}, enc);
    QVERIFY2(jwe.ok(), qPrintable(jwe.ok() ? QString() : jwe.error().message));
    QVERIFY(!jwe.value().contains("aad"));
    const auto decrypted = jose::decrypt(jwe.value(), key);
    QVERIFY2(decrypted.ok(), qPrintable(decrypted.ok() ? QString() : decrypted.error().message));
    QCOMPARE(decrypted.value().plaintext, kPayload);
    QCOMPARE(decrypted.value().alg, alg);
    QCOMPARE(decrypted.value().enc, enc);
    const Key other = Key::generate(alg.startsWith(QLatin1String("RSA")) ? KeyAlgorithm::Rsa2048 : KeyAlgorithm::P256).value();
    QCOMPARE(jose::decrypt(jwe.value(), other).error().code, QStringLiteral("jose.decrypt-failed"));
}

void TestJose::jweTamperingLooksTheSame()
{
    const nlohmann::json jwe = jose::encrypt(kPayload, {{m_p256, QStringLiteral("ECDH-ES+A128KW")}}).value();
    for (const char *member : {"ciphertext", "tag", "iv", "protected"}) {
        nlohmann::json tampered = jwe;
        std::string value = tampered[member].get<std::string>();
        value[2] = value[2] == 'A' ? 'B' : 'A';
        tampered[member] = value;
        const auto result = jose::decrypt(tampered, m_p256);
        QVERIFY2(!result.ok(), member);
    }
    // Invalid-curve attack: an ephemeral key off the curve is refused before any ECDH with it.
    nlohmann::json offCurve = jwe;
    QByteArray y = jose::base64UrlDecode(QByteArray::fromStdString(jwe["recipients"][0]["header"]["epk"]["y"].get<std::string>()), {}).value();
    y[31] = char(y[31] ^ 1);
    offCurve["recipients"][0]["header"]["epk"]["y"] = b64u(y).toStdString();
    const auto refused = jose::decrypt(offCurve, m_p256);
    QVERIFY(!refused.ok());
    QVERIFY2(refused.error().message.contains(QStringLiteral("not a point on the curve")), qPrintable(refused.error().message));
    nlohmann::json withAad = jwe;
    withAad["aad"] = "eA";
    QVERIFY(jose::decrypt(withAad, m_p256).error().message.contains(QStringLiteral("no AAD")));
    nlohmann::json badEnc = jwe;
    badEnc["protected"] = b64u(R"({"enc":"A128GCM"})").toStdString();
    QCOMPARE(jose::decrypt(badEnc, m_p256).error().code, QStringLiteral("jose.unsupported-enc"));
}

void TestJose::rsa15OnlyWhenAllowed()
{
    QCOMPARE(jose::encrypt(kPayload, {{m_rsa, QStringLiteral("RSA1_5")}}).error().code, QStringLiteral("jose.unsupported-alg"));
    const jose::JwePolicy legacy{true};
    const nlohmann::json jwe = jose::encrypt(kPayload, {{m_rsa, QStringLiteral("RSA1_5")}}, QStringLiteral("A128CBC-HS256"), {}, legacy).value();
    QVERIFY(jose::decrypt(jwe, m_rsa).error().message.contains(QStringLiteral("RSA1_5' is not allowed")));
    const auto decrypted = jose::decrypt(jwe, m_rsa, legacy);
    QVERIFY(decrypted.ok());
    QCOMPARE(decrypted.value().plaintext, kPayload);
    // openssl unwraps the same CEK with PKCS#1 v1.5.
    teep::test::TempDir dir;
    teep::test::writeAll(dir.path(QStringLiteral("k.pem")), pemEncode(plainPrivateKey(m_rsa).value().bytes(), "PRIVATE KEY"));
    const QByteArray wrapped = jose::base64UrlDecode(QByteArray::fromStdString(jwe["recipients"][0]["encrypted_key"].get<std::string>()),
                                                     QStringLiteral("k")).value();
    const auto run = teep::test::runOpenSsl({QStringLiteral("pkeyutl"), QStringLiteral("-decrypt"), QStringLiteral("-inkey"),
                                             dir.path(QStringLiteral("k.pem")), QStringLiteral("-pkeyopt"), QStringLiteral("rsa_padding_mode:pkcs1")},
                                            wrapped);
    QCOMPARE(run.exitCode, 0);
    QCOMPARE(run.out, decrypted.value().cek.bytes());
    // A garbled wrapped key takes the same path as any tampering (RFC 7516 11.5).
    nlohmann::json garbled = jwe;
    garbled["recipients"][0]["encrypted_key"] = b64u(QByteArray(256, '\x01')).toStdString();
    QVERIFY(jose::decrypt(garbled, m_rsa, legacy).error().message.contains(QStringLiteral("authentication failed")));
}

void TestJose::givenCekIsReused()
{
    // OTrP: the TEE answers under the request's CEK.
    const nlohmann::json request = jose::encrypt(kPayload, {{m_p256, QStringLiteral("ECDH-ES+A128KW")}}).value();
    const auto opened = jose::decrypt(request, m_p256);
    const Key tamKey = Key::generate(KeyAlgorithm::P256).value();
    const nlohmann::json response = jose::encrypt("answer", {{tamKey, QStringLiteral("ECDH-ES+A128KW")}}, QStringLiteral("A128CBC-HS256"),
                                                  Secret(opened.value().cek.bytes())).value();
    QCOMPARE(jose::decrypt(response, tamKey).value().cek.bytes(), opened.value().cek.bytes());
    QVERIFY(!jose::encrypt("x", {{tamKey, QStringLiteral("ECDH-ES+A128KW")}}, QStringLiteral("A256CBC-HS512"), Secret(QByteArray(32, 'k'))).ok());
}

void TestJose::npmJoseVerifiesAndDecryptsOurs()
{
    teep::test::TempDir dir;
    auto write = [&dir](const QString &name, const QByteArray &bytes) { teep::test::writeAll(dir.path(name), bytes); };
    write(QStringLiteral("jws-es256.json"), QByteArray::fromStdString(jose::signFlattened(kPayload, {m_p256, QStringLiteral("ES256"), {}}).value().dump()));
    write(QStringLiteral("jws-rs256.json"), QByteArray::fromStdString(jose::signGeneral(kPayload, {{m_rsa, QStringLiteral("RS256"), {}}}).value().dump()));
    write(QStringLiteral("jws-es256.pub.pem"), m_p256.publicKeyPem());
    write(QStringLiteral("jws-rs256.pub.pem"), m_rsa.publicKeyPem());
    int jwes = 0;
    for (const char *enc : {"A128CBC-HS256", "A256CBC-HS512"}) {
        for (const char *alg : {"RSA-OAEP-256", "ECDH-ES+A128KW", "ECDH-ES+A256KW"}) {
            const Key &key = QLatin1String(alg).startsWith(QLatin1String("RSA")) ? m_rsa : m_p256;
            const QString name = QStringLiteral("jwe-%1").arg(++jwes);
            write(name + QStringLiteral(".json"),
                  QByteArray::fromStdString(jose::encrypt(kPayload, {{key, QLatin1String(alg)}}, QLatin1String(enc)).value().dump()));
            write(name + QStringLiteral(".key.pem"), pemEncode(plainPrivateKey(key).value().bytes(), "PRIVATE KEY"));
            write(name + QStringLiteral(".payload"), kPayload);
        }
    }
    write(QStringLiteral("jws-es256.payload"), kPayload);
    write(QStringLiteral("jws-rs256.payload"), kPayload);
    const auto run = teep::test::runProgram(QStringLiteral("node"), {QStringLiteral(TEEP_INTEROP_DIR "/jose_crosscheck.mjs"),
                                                                     QStringLiteral("verify"), dir.path(QString())});
    QVERIFY2(run.exitCode == 0, run.err.constData());
    QCOMPARE(run.out.count(" verified ("), 2);
    QCOMPARE(run.out.count(" decrypted ("), 6);
}

void TestJose::weVerifyAndDecryptNpmJose()
{
    teep::test::TempDir dir;
    teep::test::writeAll(dir.path(QStringLiteral("p256.pub.pem")), m_p256.publicKeyPem());
    teep::test::writeAll(dir.path(QStringLiteral("rsa.pub.pem")), m_rsa.publicKeyPem());
    const auto run = teep::test::runProgram(QStringLiteral("node"), {QStringLiteral(TEEP_INTEROP_DIR "/jose_crosscheck.mjs"),
                                                                     QStringLiteral("make"), dir.path(QString())});
    QVERIFY2(run.exitCode == 0, run.err.constData());
    const QByteArray payload = teep::test::readAll(dir.path(QStringLiteral("node.payload")));
    for (const QString &alg : {QStringLiteral("es256"), QStringLiteral("rs256")}) {
        const auto json = nlohmann::json::parse(teep::test::readAll(dir.path(QStringLiteral("node-jws-%1.json").arg(alg))).toStdString());
        const auto parsed = jose::parse(json);
        QVERIFY2(parsed.ok(), qPrintable(parsed.ok() ? QString() : parsed.error().message));
        const Key key = Key::fromPublicKey(teep::test::readAll(dir.path(QStringLiteral("node-jws-%1.pub.pem").arg(alg)))).value();
        QVERIFY(jose::verify(parsed.value(), key).ok());
        QCOMPARE(parsed.value().payload, payload);
    }
    const QStringList jwes = QDir(dir.path(QString())).entryList({QStringLiteral("node-jwe-*.json")});
    QCOMPARE(jwes.size(), 3);
    for (const QString &name : jwes) {
        const auto json = nlohmann::json::parse(teep::test::readAll(dir.path(name)).toStdString());
        const auto decrypted = jose::decrypt(json, name.contains(QLatin1String("RSA")) ? m_rsa : m_p256);
        QVERIFY2(decrypted.ok(), qPrintable(name + QStringLiteral(": ") + (decrypted.ok() ? QString() : decrypted.error().message)));
        QCOMPARE(decrypted.value().plaintext, payload);
    }
}

void TestJose::npmJoseReadsAWholeInstallTa()
{
    // A real InstallTARequest, as the TAM sends it to the simulated TEE: four layers (TAM JWS,
    // content JWE to the TEE, TA key JWE to the SP AIK, AES-CBC, SP JWS over the TA).
    teep::test::OtrpWorld w;
    w.getDeviceState();
    QVERIFY(w.run(QStringLiteral("CreateSD"), teep::protocol::otrp::createSdContent(w.kTamId, QStringLiteral("acme"), QStringLiteral("sd.acme"),
                                                                                    w.sp.certificate)).ok());
    const QByteArray binary = QByteArray("TA code ").repeated(1000);
    const auto installed = w.run(QStringLiteral("InstallTA"),
                                 teep::protocol::otrp::taContent(w.kTamId, QStringLiteral("acme"), QStringLiteral("sd.acme"), QStringLiteral("ta-wallet")),
                                 w.encryptedTa(teep::protocol::otrp::TaOperation::Install, w.signedTa(QStringLiteral("ta-wallet"), 2, binary)));
    QVERIFY(installed.ok());
    teep::test::TempDir dir;
    teep::test::writeAll(dir.path(QStringLiteral("request.json")), w.lastRequest);
    teep::test::writeAll(dir.path(QStringLiteral("tee.key.pem")), pemEncode(plainPrivateKey(w.tee.key).value().bytes(), "PRIVATE KEY"));
    teep::test::writeAll(dir.path(QStringLiteral("aik.key.pem")),
                         pemEncode(plainPrivateKey(w.device->spAiks().value(QStringLiteral("acme"))).value().bytes(), "PRIVATE KEY"));
    teep::test::writeAll(dir.path(QStringLiteral("sp.pub.pem")), w.sp.key.publicKeyPem());
    const auto run = teep::test::runProgram(QStringLiteral("node"), {QStringLiteral(TEEP_INTEROP_DIR "/otrp_crosscheck.mjs"), dir.path(QString())});
    QVERIFY2(run.exitCode == 0, run.err.constData());
    const nlohmann::json found = nlohmann::json::parse(run.out.toStdString());
    QCOMPARE(QString::fromStdString(found["alg"]), QStringLiteral("ES256"));
    QCOMPARE(QString::fromStdString(found["tee"]), QStringLiteral("primary"));
    QCOMPARE(QString::fromStdString(found["contentTaid"]), QStringLiteral("ta-wallet"));
    QCOMPARE(QString::fromStdString(found["taid"]), QStringLiteral("ta-wallet"));
    QCOMPARE(found["version"].get<int>(), 2);
    QCOMPARE(QString::fromStdString(found["did"]), teep::protocol::otrp::deviceId(w.tee.certificate));
    QCOMPARE(QByteArray::fromStdString(found["binarySha256"]), sha256(binary).toHex());
}

QTEST_GUILESS_MAIN(TestJose)
#include "tst_jose.moc"
