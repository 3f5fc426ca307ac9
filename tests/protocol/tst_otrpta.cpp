// InstallTA, UpdateTA and DeleteTA between the TAM side and the simulated TEE: a TA travels
// encrypted to the SP's AIK, is accepted only with the SD's SP signature and its own id, cannot be
// rolled back, and every refusal leaves the TEE as it was.
#include "otrpworld.h"
#include "protocol/otrp/otrpframing.h"
#include "protocol/otrp/sdcommands.h"

#include <QTest>
#include <nlohmann/json.hpp>

using namespace teep;
using namespace teep::crypto;
using namespace teep::protocol::otrp;

class TestOtrpTa : public QObject
{
    Q_OBJECT

private slots:
    void init();
    void installsVerifiedTaAndReportsIt();
    void updateReplacesAndRefusesRollback();
    void deleteTaAndNonEmptyDomain();
    void newSignerArrivesWithTheTa();
    void signedTaRoundTripAndTampering();
    void refusalsLeaveTheTeeUnchanged_data();
    void refusalsLeaveTheTeeUnchanged();

private:
    Result<TeeCommandResult>
    install(const QString &taid, const QByteArray &signedTa,
            const std::optional<QByteArray> &personalization = std::nullopt)
    {
        return w->run(QStringLiteral("InstallTA"),
                      taContent(w->kTamId, QStringLiteral("acme"), QStringLiteral("sd.acme"), taid),
                      w->encryptedTa(TaOperation::Install, signedTa, QStringLiteral("acme"),
                                     personalization));
    }
    Result<TeeCommandResult> update(const QString &taid, const QByteArray &signedTa,
                                    const std::optional<QByteArray> &personalization = std::nullopt)
    {
        return w->run(
            QStringLiteral("UpdateTA"),
            taContent(w->kTamId, QStringLiteral("acme"), QStringLiteral("sd.acme"), taid),
            w->encryptedTa(TaOperation::Update, signedTa, QStringLiteral("acme"), personalization));
    }
    static QString errorOf(const Result<TeeCommandResult> &result)
    {
        return result ? QStringLiteral("(accepted)") : errorCodeFor(result.error());
    }

    std::unique_ptr<test::OtrpWorld> w;
};

void TestOtrpTa::init()
{
    w = std::make_unique<test::OtrpWorld>();
    w->getDeviceState();
    QVERIFY(w->run(QStringLiteral("CreateSD"),
                   createSdContent(w->kTamId, QStringLiteral("acme"), QStringLiteral("sd.acme"),
                                   w->sp.certificate))
                .ok());
}

void TestOtrpTa::installsVerifiedTaAndReportsIt()
{
    const QByteArray binary = QByteArray("\x7f"
                                         "ELF wallet TA ",
                                         14)
                                  .repeated(300);
    const auto installed =
        install(QStringLiteral("ta-wallet"), w->signedTa(QStringLiteral("ta-wallet"), 1, binary),
                QByteArray("seed=42"));
    QVERIFY2(installed.ok(), qPrintable(installed.ok() ? QString() : installed.error().toString()));
    const sim::StoredTa stored = w->device->storedTas().value(QStringLiteral("ta-wallet"));
    QCOMPARE(stored.binary, binary);
    QCOMPARE(stored.personalization, QByteArray("seed=42"));
    QCOMPARE(stored.version, 1);
    QCOMPARE(installed.value().dsi->sds.first().tas.size(), 1);
    QCOMPARE(installed.value().dsi->sds.first().tas.first().taid, QStringLiteral("ta-wallet"));
    QCOMPARE(installed.value().dsi->sds.first().tas.first().taname,
             QStringLiteral("name of ta-wallet"));
    // The TA binary itself never appears in the clear on the wire.
    QVERIFY(!w->lastRequest.contains("ELF wallet"));
    QVERIFY(!w->lastRequest.contains(binary.toBase64().left(40)));
}

void TestOtrpTa::updateReplacesAndRefusesRollback()
{
    QVERIFY(install(QStringLiteral("ta-wallet"), w->signedTa(QStringLiteral("ta-wallet"), 3, "v3"))
                .ok());
    QVERIFY(update(QStringLiteral("ta-wallet"), w->signedTa(QStringLiteral("ta-wallet"), 4, "v4"))
                .ok());
    QCOMPARE(w->device->storedTas().value(QStringLiteral("ta-wallet")).binary, QByteArray("v4"));
    QCOMPARE(errorOf(update(QStringLiteral("ta-wallet"),
                            w->signedTa(QStringLiteral("ta-wallet"), 4, "v4 again"))),
             QStringLiteral("ERR_TA_INVALID"));
    QCOMPARE(errorOf(update(QStringLiteral("ta-wallet"),
                            w->signedTa(QStringLiteral("ta-wallet"), 2, "v2"))),
             QStringLiteral("ERR_TA_INVALID"));
    QCOMPARE(w->device->storedTas().value(QStringLiteral("ta-wallet")).version, 4);
    // Personalization data alone (ciphernewpdata without ciphernewtadata).
    QVERIFY(update(QStringLiteral("ta-wallet"), {}, QByteArray("new data")).ok());
    QCOMPARE(w->device->storedTas().value(QStringLiteral("ta-wallet")).personalization,
             QByteArray("new data"));
    QCOMPARE(w->device->storedTas().value(QStringLiteral("ta-wallet")).binary, QByteArray("v4"));
}

void TestOtrpTa::deleteTaAndNonEmptyDomain()
{
    QVERIFY(install(QStringLiteral("ta-a"), w->signedTa(QStringLiteral("ta-a"), 1, "a")).ok());
    QVERIFY(install(QStringLiteral("ta-b"), w->signedTa(QStringLiteral("ta-b"), 1, "b")).ok());
    QCOMPARE(errorOf(w->run(QStringLiteral("DeleteSD"),
                            deleteSdContent(w->kTamId, QStringLiteral("sd.acme"), false))),
             QStringLiteral("ERR_SD_NOT_EMPTY"));
    const auto deleted =
        w->run(QStringLiteral("DeleteTA"),
               deleteTaContent(w->kTamId, QStringLiteral("sd.acme"), QStringLiteral("ta-a")));
    QVERIFY(deleted.ok());
    QCOMPARE(deleted.value().dsi->sds.first().tas.size(), 1);
    QVERIFY(!w->device->storedTas().contains(QStringLiteral("ta-a")));
    QVERIFY(w->run(QStringLiteral("DeleteSD"),
                   deleteSdContent(w->kTamId, QStringLiteral("sd.acme"), true))
                .ok());
    QVERIFY(w->device->storedTas().isEmpty());
    QVERIFY(w->device->spAiks().isEmpty());
}

void TestOtrpTa::newSignerArrivesWithTheTa()
{
    const test::Issued next = test::issueUnder(w->spCa, QStringLiteral("ACME signer 2027"),
                                               CertificateProfile::SpSigning);
    const QByteArray signedByNext = w->signedTa(QStringLiteral("ta-new"), 1, "new", &next);
    QCOMPARE(errorOf(install(QStringLiteral("ta-new"), signedByNext)),
             QStringLiteral("ERR_TA_INVALID"));
    const auto installed =
        w->run(QStringLiteral("InstallTA"),
               taContent(w->kTamId, QStringLiteral("acme"), QStringLiteral("sd.acme"),
                         QStringLiteral("ta-new"), next.certificate),
               w->encryptedTa(TaOperation::Install, signedByNext));
    QVERIFY(installed.ok());
    QCOMPARE(w->device->securityDomains().first().spcerts.size(), 2);
}

void TestOtrpTa::signedTaRoundTripAndTampering()
{
    const QByteArray signedTa = w->signedTa(QStringLiteral("ta-x"), 7, QByteArray(1000, 'x'));
    const Result<TaImage> image = verifyTa(signedTa, {w->sp.certificate});
    QVERIFY(image.ok());
    QCOMPARE(image.value().version, 7);
    QCOMPARE(image.value().binary, QByteArray(1000, 'x'));
    QCOMPARE(verifyTa(signedTa, {w->tam.certificate}).error().code,
             QStringLiteral("otrp.ERR_TA_INVALID"));
    // Any flipped byte of the payload fails.
    nlohmann::json jws = nlohmann::json::parse(signedTa.toStdString());
    std::string payload = jws["payload"];
    payload[payload.size() / 2] = payload[payload.size() / 2] == 'A' ? 'B' : 'A';
    jws["payload"] = payload;
    QVERIFY(!verifyTa(QByteArray::fromStdString(jws.dump()), {w->sp.certificate}).ok());
    QVERIFY(!verifyTa("not json", {w->sp.certificate}).ok());
    QVERIFY(!verifyTa(QByteArray(5 * kMaxTaBytes, '{'), {w->sp.certificate}).ok());
    // encrypted_ta: the wrong AIK, a truncated ciphertext and a bad iv are all ERR_TA_INVALID.
    const Key aik = w->device->spAiks().value(QStringLiteral("acme"));
    nlohmann::json encrypted = encryptTa(TaOperation::Install, signedTa, std::nullopt, aik).value();
    QVERIFY(decryptTa(TaOperation::Install, encrypted, aik).ok());
    QVERIFY(!decryptTa(TaOperation::Install, encrypted, w->tee.key).ok());
    QVERIFY(!decryptTa(TaOperation::Update, encrypted, aik)
                 .ok()); // ciphertadata is not ciphernewtadata
    nlohmann::json truncated = encrypted;
    truncated["ciphertadata"] = encrypted["ciphertadata"].get<std::string>().substr(0, 24);
    QCOMPARE(decryptTa(TaOperation::Install, truncated, aik).error().code,
             QStringLiteral("otrp.ERR_TA_INVALID"));
    nlohmann::json badIv = encrypted;
    badIv["iv"] = "zz";
    QVERIFY(!decryptTa(TaOperation::Install, badIv, aik).ok());
    nlohmann::json wrongAlg = encrypted;
    wrongAlg["alg"] = "AESGCM";
    QVERIFY(!decryptTa(TaOperation::Install, wrongAlg, aik).ok());
}

void TestOtrpTa::refusalsLeaveTheTeeUnchanged_data()
{
    QTest::addColumn<QString>("fault");
    QTest::addColumn<QString>("errorCode");
    QTest::newRow("install: signed by another SP") << "install-signer"
                                                   << "ERR_TA_INVALID";
    QTest::newRow("install: another TA's code") << "install-taid"
                                                << "ERR_TA_INVALID";
    QTest::newRow("install: not a signed TA") << "install-unsigned"
                                              << "ERR_TA_INVALID";
    QTest::newRow("install: encrypted to another key") << "install-aik"
                                                       << "ERR_TA_INVALID";
    QTest::newRow("install: no encrypted_ta") << "install-none"
                                              << "ERR_TA_INVALID";
    QTest::newRow("install: tampered in transit") << "install-transit"
                                                  << "ERR_REQUEST_INVALID";
    QTest::newRow("install: already installed") << "install-twice"
                                                << "ERR_TA_ALREADY_INSTALLED";
    QTest::newRow("install: SD of another SP") << "install-spid"
                                               << "ERR_REQUEST_INVALID";
    QTest::newRow("install: no such SD") << "install-sd"
                                         << "ERR_SD_NOT_FOUND";
    QTest::newRow("install: TEE full") << "install-full"
                                       << "ERR_TEE_RESOURCE_FULL";
    QTest::newRow("install: expired new signer") << "install-expired"
                                                 << "ERR_SPCERT_INVALID";
    QTest::newRow("update: no such TA") << "update-missing"
                                        << "ERR_TA_NOT_FOUND";
    QTest::newRow("update: rollback") << "update-rollback"
                                      << "ERR_TA_INVALID";
    QTest::newRow("update: signed by another SP") << "update-signer"
                                                  << "ERR_TA_INVALID";
    QTest::newRow("delete: no such TA") << "delete-missing"
                                        << "ERR_TA_NOT_FOUND";
    QTest::newRow("delete: another TAM's SD") << "delete-foreign"
                                              << "ERR_TAM_NOT_AUTHORIZED";
}

void TestOtrpTa::refusalsLeaveTheTeeUnchanged()
{
    QFETCH(QString, fault);
    QFETCH(QString, errorCode);
    QVERIFY(
        install(QStringLiteral("ta-base"), w->signedTa(QStringLiteral("ta-base"), 5, "base")).ok());
    w->device->securityDomains() << SdEntry{QStringLiteral("sd.other"),
                                            QStringLiteral("other"),
                                            {{QStringLiteral("ta-o"), {}}},
                                            QStringLiteral("urn:someone:else"),
                                            {w->sp.certificate}};
    if (fault == QLatin1String("install-full")) {
        for (int i = w->device->storedTas().size(); i < sim::OtrpTee::kMaxTas; ++i)
            w->device->storedTas().insert(QStringLiteral("filler-%1").arg(i), {});
    }
    const QByteArray before = w->teeSnapshot();
    const QString InstallTA = QStringLiteral("InstallTA");
    const test::Issued stranger =
        test::issueUnder(test::makeRoot(QStringLiteral("Globex CA")),
                         QStringLiteral("Globex signer"), CertificateProfile::SpSigning);
    const nlohmann::json content = taContent(w->kTamId, QStringLiteral("acme"),
                                             QStringLiteral("sd.acme"), QStringLiteral("ta-new"));
    Result<TeeCommandResult> result = Error{};
    if (fault == QLatin1String("install-signer")) {
        result = install(QStringLiteral("ta-new"),
                         w->signedTa(QStringLiteral("ta-new"), 1, "x", &stranger));
    } else if (fault == QLatin1String("install-taid")) {
        result = install(QStringLiteral("ta-new"),
                         w->signedTa(QStringLiteral("ta-base"), 9, "other code"));
    } else if (fault == QLatin1String("install-unsigned")) {
        result = install(QStringLiteral("ta-new"), "\x7f"
                                                   "ELF raw binary");
    } else if (fault == QLatin1String("install-aik")) {
        result =
            w->run(InstallTA, content,
                   encryptTa(TaOperation::Install, w->signedTa(QStringLiteral("ta-new"), 1, "x"),
                             std::nullopt, w->tee.key)
                       .value());
    } else if (fault == QLatin1String("install-none")) {
        result = w->run(InstallTA, content);
    } else if (fault == QLatin1String("install-transit")) {
        w->lastRid = w->nextRid();
        nlohmann::json message = nlohmann::json::parse(
            buildTeeCommand(
                InstallTA, w->lastRid, w->target, content, w->tamSigner(), true,
                w->encryptedTa(TaOperation::Install, w->signedTa(QStringLiteral("ta-new"), 1, "x")))
                .value()
                .toStdString());
        // Swap the signed payload's TA ciphertext for another (same length): the TAM signature
        // breaks.
        std::string payload = message["InstallTARequest"]["payload"];
        payload[payload.size() - 30] = payload[payload.size() - 30] == 'A' ? 'B' : 'A';
        message["InstallTARequest"]["payload"] = payload;
        result = w->answer(InstallTA, QByteArray::fromStdString(message.dump()));
    } else if (fault == QLatin1String("install-twice")) {
        result =
            install(QStringLiteral("ta-base"), w->signedTa(QStringLiteral("ta-base"), 6, "again"));
    } else if (fault == QLatin1String("install-spid")) {
        result = w->run(
            InstallTA,
            taContent(w->kTamId, QStringLiteral("globex"), QStringLiteral("sd.acme"),
                      QStringLiteral("ta-new")),
            w->encryptedTa(TaOperation::Install, w->signedTa(QStringLiteral("ta-new"), 1, "x")));
    } else if (fault == QLatin1String("install-sd")) {
        result = w->run(
            InstallTA,
            taContent(w->kTamId, QStringLiteral("acme"), QStringLiteral("sd.none"),
                      QStringLiteral("ta-new")),
            w->encryptedTa(TaOperation::Install, w->signedTa(QStringLiteral("ta-new"), 1, "x")));
    } else if (fault == QLatin1String("install-full")) {
        result = install(QStringLiteral("ta-new"), w->signedTa(QStringLiteral("ta-new"), 1, "x"));
    } else if (fault == QLatin1String("install-expired")) {
        const Certificate expired =
            test::issueUnder(w->spCa, QStringLiteral("old"), CertificateProfile::SpSigning,
                             KeyAlgorithm::P256, QDateTime::currentDateTimeUtc().addYears(-2),
                             QDateTime::currentDateTimeUtc().addDays(-1))
                .certificate;
        result = w->run(
            InstallTA,
            taContent(w->kTamId, QStringLiteral("acme"), QStringLiteral("sd.acme"),
                      QStringLiteral("ta-new"), expired),
            w->encryptedTa(TaOperation::Install, w->signedTa(QStringLiteral("ta-new"), 1, "x")));
    } else if (fault == QLatin1String("update-missing")) {
        result = update(QStringLiteral("ta-none"), w->signedTa(QStringLiteral("ta-none"), 1, "x"));
    } else if (fault == QLatin1String("update-rollback")) {
        result =
            update(QStringLiteral("ta-base"), w->signedTa(QStringLiteral("ta-base"), 4, "older"));
    } else if (fault == QLatin1String("update-signer")) {
        result = update(QStringLiteral("ta-base"),
                        w->signedTa(QStringLiteral("ta-base"), 6, "x", &stranger));
    } else if (fault == QLatin1String("delete-missing")) {
        result =
            w->run(QStringLiteral("DeleteTA"), deleteTaContent(w->kTamId, QStringLiteral("sd.acme"),
                                                               QStringLiteral("ta-none")));
    } else if (fault == QLatin1String("delete-foreign")) {
        result =
            w->run(QStringLiteral("DeleteTA"),
                   deleteTaContent(w->kTamId, QStringLiteral("sd.other"), QStringLiteral("ta-o")));
    } else {
        QFAIL("unknown fault");
    }
    QCOMPARE(errorOf(result), errorCode);
    QCOMPARE(w->teeSnapshot(), before);
}

QTEST_GUILESS_MAIN(TestOtrpTa)
#include "tst_otrpta.moc"
