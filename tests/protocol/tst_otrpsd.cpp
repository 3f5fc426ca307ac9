// CreateSD, UpdateSD and DeleteSD between the TAM side and the simulated TEE: the domains and the
// SP's AIK change as the draft says and the next DSI shows them; each refusal a real TEE makes
// comes back with its code and leaves the TEE exactly as it was.
#include "otrpworld.h"
#include "protocol/otrp/otrpframing.h"
#include "protocol/otrp/sdcommands.h"

#include <QTest>
#include <nlohmann/json.hpp>

using namespace teep;
using namespace teep::crypto;
using namespace teep::protocol::otrp;

class TestOtrpSd : public QObject
{
    Q_OBJECT

private slots:
    void init();
    void createsDomainAndReportsIt();
    void staleDsiHashIsAStateMismatch();
    void updateRenamesAndRotatesCertificates();
    void updateMovesAndRenewsTheAik();
    void deleteDropsTheAikWithTheLastDomain();
    void refusalsLeaveTheTeeUnchanged_data();
    void refusalsLeaveTheTeeUnchanged();

private:
    // A request signed by the TAM but shaped by hand: `tweak` edits the TBS before signing.
    QByteArray craft(const QString &command, nlohmann::json content,
                     const std::function<void(nlohmann::json &)> &tweak,
                     const QString &outerCommand = {});
    QString errorOf(const Result<TeeCommandResult> &result) const
    {
        return result ? QStringLiteral("(accepted)") : errorCodeFor(result.error());
    }

    std::unique_ptr<test::OtrpWorld> w;
};

void TestOtrpSd::init()
{
    w = std::make_unique<test::OtrpWorld>();
    w->getDeviceState();
    const auto created = w->run(QStringLiteral("CreateSD"),
                                createSdContent(w->kTamId, QStringLiteral("acme"),
                                                QStringLiteral("sd.acme"), w->sp.certificate));
    QVERIFY2(created.ok(), qPrintable(created.ok() ? QString() : created.error().toString()));
}

QByteArray TestOtrpSd::craft(const QString &command, nlohmann::json content,
                             const std::function<void(nlohmann::json &)> &tweak,
                             const QString &outerCommand)
{
    w->lastRid = w->nextRid();
    if (!content.contains("did"))
        content["did"] = deviceId(w->tee.certificate).toStdString();
    nlohmann::json tbs{{"ver", "1.0"},
                       {"rid", w->lastRid.toStdString()},
                       {"tid", w->target.tid.toStdString()},
                       {"tee", "primary"},
                       {"nextdsi", true},
                       {"dsihash", w->target.dsihash.toStdString()},
                       {"content", jose::encrypt(QByteArray::fromStdString(content.dump()),
                                                 {{w->tee.key, QStringLiteral("ECDH-ES+A128KW")}})
                                       .value()}};
    tweak(tbs);
    nlohmann::json message = sign(command, Direction::Request, tbs, w->tamSigner()).value();
    if (!outerCommand.isEmpty())
        message = nlohmann::json{
            {signedName(outerCommand, Direction::Request).toStdString(), message.begin().value()}};
    return QByteArray::fromStdString(message.dump());
}

void TestOtrpSd::createsDomainAndReportsIt()
{
    QCOMPARE(w->device->securityDomains().size(), 1);
    const SdEntry &sd = w->device->securityDomains().first();
    QCOMPARE(sd.name, QStringLiteral("sd.acme"));
    QCOMPARE(sd.tamid, w->kTamId);
    QVERIFY(sd.spcerts == QList<Certificate>{w->sp.certificate});

    const auto second = w->run(QStringLiteral("CreateSD"),
                               createSdContent(w->kTamId, QStringLiteral("acme"),
                                               QStringLiteral("sd.acme.2"), w->sp.certificate));
    QVERIFY2(second.ok(), qPrintable(second.ok() ? QString() : second.error().toString()));
    const Result<Key> aik = publicKeyMember(second.value().content, "teespaik");
    QVERIFY(aik.ok());
    QVERIFY(aik.value().samePublicKey(w->device->spAiks().value(QStringLiteral("acme"))));
    QVERIFY(second.value().dsi.has_value());
    QCOMPARE(second.value().dsi->sds.size(), 2);
    QCOMPARE(second.value().dsi->aiks.size(), 1); // one AIK per SP, created with its first SD
    QCOMPARE(w->device->spAiks().size(), 1);
}

void TestOtrpSd::staleDsiHashIsAStateMismatch()
{
    const QString stale = w->target.dsihash;
    QVERIFY(w->run(QStringLiteral("CreateSD"),
                   createSdContent(w->kTamId, QStringLiteral("acme"), QStringLiteral("sd.two"),
                                   w->sp.certificate))
                .ok());
    QVERIFY(w->target.dsihash != stale);
    w->target.dsihash = stale; // as if the TAM had missed the last answer
    const auto refused = w->run(QStringLiteral("CreateSD"),
                                createSdContent(w->kTamId, QStringLiteral("acme"),
                                                QStringLiteral("sd.three"), w->sp.certificate));
    QCOMPARE(errorOf(refused), QStringLiteral("ERR_DEV_STATE_MISMATCH"));
    // A fresh GetDeviceState resynchronizes the TAM.
    w->getDeviceState();
    QVERIFY(w->run(QStringLiteral("CreateSD"),
                   createSdContent(w->kTamId, QStringLiteral("acme"), QStringLiteral("sd.three"),
                                   w->sp.certificate))
                .ok());
}

void TestOtrpSd::updateRenamesAndRotatesCertificates()
{
    const test::Issued next = test::issueUnder(w->spCa, QStringLiteral("ACME signer 2026"),
                                               CertificateProfile::SpSigning);
    SdChanges changes;
    changes.newSdName = QStringLiteral("sd.acme.payments");
    changes.addSpCertificates = {next.certificate};
    changes.removeSpCertificates = {w->sp.certificate};
    const Key aikBefore = w->device->spAiks().value(QStringLiteral("acme"));
    const auto updated =
        w->run(QStringLiteral("UpdateSD"), updateSdContent(w->kTamId, QStringLiteral("acme"),
                                                           QStringLiteral("sd.acme"), changes));
    QVERIFY2(updated.ok(), qPrintable(updated.ok() ? QString() : updated.error().toString()));
    const SdEntry &sd = w->device->securityDomains().first();
    QCOMPARE(sd.name, QStringLiteral("sd.acme.payments"));
    QVERIFY(sd.spcerts == QList<Certificate>{next.certificate});
    QCOMPARE(updated.value().content.value("teespaiktype", ""), "ECC");
    QVERIFY(publicKeyMember(updated.value().content, "teespaik")
                .value()
                .samePublicKey(aikBefore)); // not renewed
    QCOMPARE(updated.value().dsi->sds.first().name, QStringLiteral("sd.acme.payments"));
}

void TestOtrpSd::updateMovesAndRenewsTheAik()
{
    const Key acmeAik = w->device->spAiks().value(QStringLiteral("acme"));
    SdChanges renew;
    renew.renewSpAik = true;
    const auto renewed =
        w->run(QStringLiteral("UpdateSD"), updateSdContent(w->kTamId, QStringLiteral("acme"),
                                                           QStringLiteral("sd.acme"), renew));
    QVERIFY(renewed.ok());
    const Key newAik = publicKeyMember(renewed.value().content, "teespaik").value();
    QVERIFY(!newAik.samePublicKey(acmeAik));
    QVERIFY(newAik.samePublicKey(w->device->spAiks().value(QStringLiteral("acme"))));

    SdChanges move;
    move.newSpid = QStringLiteral("acme-eu");
    const auto moved =
        w->run(QStringLiteral("UpdateSD"),
               updateSdContent(w->kTamId, QStringLiteral("acme"), QStringLiteral("sd.acme"), move));
    QVERIFY(moved.ok());
    QCOMPARE(w->device->securityDomains().first().spid, QStringLiteral("acme-eu"));
    QCOMPARE(w->device->spAiks().keys(),
             QStringList{QStringLiteral("acme-eu")}); // acme had no other SD
}

void TestOtrpSd::deleteDropsTheAikWithTheLastDomain()
{
    QVERIFY(w->run(QStringLiteral("CreateSD"),
                   createSdContent(w->kTamId, QStringLiteral("acme"), QStringLiteral("sd.two"),
                                   w->sp.certificate))
                .ok());
    QVERIFY(w->run(QStringLiteral("DeleteSD"),
                   deleteSdContent(w->kTamId, QStringLiteral("sd.acme"), false))
                .ok());
    QCOMPARE(w->device->spAiks().size(), 1); // sd.two still needs it
    const auto last = w->run(QStringLiteral("DeleteSD"),
                             deleteSdContent(w->kTamId, QStringLiteral("sd.two"), false));
    QVERIFY(last.ok());
    QVERIFY(w->device->securityDomains().isEmpty());
    QVERIFY(w->device->spAiks().isEmpty());
    QVERIFY(last.value().dsi->sds.isEmpty());
}

void TestOtrpSd::refusalsLeaveTheTeeUnchanged_data()
{
    QTest::addColumn<QString>("fault");
    QTest::addColumn<QString>("errorCode");
    QTest::newRow("create: stale dsihash") << "create-dsihash"
                                           << "ERR_DEV_STATE_MISMATCH";
    QTest::newRow("create: another device's did") << "create-did"
                                                  << "ERR_REQUEST_INVALID";
    QTest::newRow("create: another TAM's id") << "create-tamid"
                                              << "ERR_TAM_NOT_AUTHORIZED";
    QTest::newRow("create: expired SP certificate") << "create-spcert"
                                                    << "ERR_SPCERT_INVALID";
    QTest::newRow("create: SP certificate not DER") << "create-spcert-garbage"
                                                    << "ERR_SPCERT_INVALID";
    QTest::newRow("create: SD exists") << "create-duplicate"
                                       << "ERR_SD_ALREADY_EXISTS";
    QTest::newRow("create: untrusted TAM") << "create-tam"
                                           << "ERR_TAM_NOT_TRUSTED";
    QTest::newRow("create: wrong TEE") << "create-tee"
                                       << "ERR_REQUEST_INVALID";
    QTest::newRow("create: version 2.0") << "create-ver"
                                         << "ERR_UNSUPPORTED_MSG_VERSION";
    QTest::newRow("create: replayed rid") << "create-replay"
                                          << "ERR_REQUEST_INVALID";
    QTest::newRow("create: outer name DeleteSD") << "create-outer"
                                                 << "ERR_REQUEST_INVALID";
    QTest::newRow("create: content not for this TEE") << "create-wrong-key"
                                                      << "ERR_REQUEST_INVALID";
    QTest::newRow("update: no such SD") << "update-missing"
                                        << "ERR_SD_NOT_FOUND";
    QTest::newRow("update: another TAM's SD") << "update-foreign"
                                              << "ERR_TAM_NOT_AUTHORIZED";
    QTest::newRow("update: name in use") << "update-name"
                                         << "ERR_SDNAME_ALREADY_USED";
    QTest::newRow("update: last certificate removed") << "update-nocert"
                                                      << "ERR_SPCERT_INVALID";
    QTest::newRow("update: unknown certificate hash") << "update-unknown-hash"
                                                      << "ERR_REQUEST_INVALID";
    QTest::newRow("update: wrong spid") << "update-spid"
                                        << "ERR_REQUEST_INVALID";
    QTest::newRow("update: expired new certificate") << "update-expired"
                                                     << "ERR_SPCERT_INVALID";
    QTest::newRow("update: changes not an object") << "update-changes"
                                                   << "ERR_REQUEST_INVALID";
    QTest::newRow("delete: no such SD") << "delete-missing"
                                        << "ERR_SD_NOT_FOUND";
    QTest::newRow("delete: another TAM's SD") << "delete-foreign"
                                              << "ERR_TAM_NOT_AUTHORIZED";
    QTest::newRow("delete: deleteta not a boolean") << "delete-type"
                                                    << "ERR_REQUEST_INVALID";
}

void TestOtrpSd::refusalsLeaveTheTeeUnchanged()
{
    QFETCH(QString, fault);
    QFETCH(QString, errorCode);
    w->device->securityDomains() << SdEntry{QStringLiteral("sd.other"),
                                            QStringLiteral("other"),
                                            {},
                                            QStringLiteral("urn:someone:else"),
                                            {w->sp.certificate}};
    const QByteArray before = w->teeSnapshot();
    const QString dsihashBefore = w->target.dsihash;
    const Certificate expired =
        test::issueUnder(w->spCa, QStringLiteral("old signer"), CertificateProfile::SpSigning,
                         KeyAlgorithm::P256, QDateTime::currentDateTimeUtc().addYears(-2),
                         QDateTime::currentDateTimeUtc().addDays(-1))
            .certificate;
    const nlohmann::json create = createSdContent(w->kTamId, QStringLiteral("acme"),
                                                  QStringLiteral("sd.new"), w->sp.certificate);
    const QString CreateSD = QStringLiteral("CreateSD"), UpdateSD = QStringLiteral("UpdateSD"),
                  DeleteSD = QStringLiteral("DeleteSD");
    auto update = [&](const SdChanges &changes, const QString &sd = QStringLiteral("sd.acme"),
                      const QString &spid = QStringLiteral("acme")) {
        return w->run(UpdateSD, updateSdContent(w->kTamId, spid, sd, changes));
    };
    Result<TeeCommandResult> result = Error{};
    if (fault == QLatin1String("create-dsihash")) {
        w->target.dsihash = QStringLiteral("AAAA");
        result = w->run(CreateSD, create);
    } else if (fault == QLatin1String("create-did")) {
        nlohmann::json content = create;
        content["did"] = deviceId(test::issueUnder(w->teeRoot, QStringLiteral("other TEE"),
                                                   CertificateProfile::TeeAttestation)
                                      .certificate)
                             .toStdString();
        result = w->answer(CreateSD, craft(CreateSD, content, [](nlohmann::json &) {}));
    } else if (fault == QLatin1String("create-tamid")) {
        result = w->run(CreateSD, createSdContent(QStringLiteral("urn:example:tam:two"),
                                                  QStringLiteral("acme"), QStringLiteral("sd.new"),
                                                  w->sp.certificate));
    } else if (fault == QLatin1String("create-spcert")) {
        result = w->run(CreateSD, createSdContent(w->kTamId, QStringLiteral("acme"),
                                                  QStringLiteral("sd.new"), expired));
    } else if (fault == QLatin1String("create-spcert-garbage")) {
        nlohmann::json content = create;
        content["spcert"] = "bm90IGEgY2VydGlmaWNhdGU=";
        result = w->run(CreateSD, content);
    } else if (fault == QLatin1String("create-duplicate")) {
        result = w->run(CreateSD, createSdContent(w->kTamId, QStringLiteral("acme"),
                                                  QStringLiteral("sd.other"), w->sp.certificate));
    } else if (fault == QLatin1String("create-tam")) {
        const test::Issued stranger = test::makeRoot(QStringLiteral("Stranger"));
        w->lastRid = w->nextRid();
        result = w->answer(
            CreateSD,
            buildTeeCommand(CreateSD, w->lastRid, w->target, create,
                            {stranger.key, QStringLiteral("ES256"), {stranger.certificate}})
                .value());
    } else if (fault == QLatin1String("create-tee")) {
        w->target.teeName = QStringLiteral("secondary");
        result = w->run(CreateSD, create);
    } else if (fault == QLatin1String("create-ver")) {
        result = w->answer(
            CreateSD, craft(CreateSD, create, [](nlohmann::json &tbs) { tbs["ver"] = "2.0"; }));
    } else if (fault == QLatin1String("create-replay")) {
        const QString used = w->device->seenRids().last();
        result = w->answer(CreateSD, craft(CreateSD, create, [&](nlohmann::json &tbs) {
                               tbs["rid"] = used.toStdString();
                           }));
    } else if (fault == QLatin1String("create-outer")) {
        result = w->answer(CreateSD, craft(
                                         CreateSD, create, [](nlohmann::json &) {}, DeleteSD));
    } else if (fault == QLatin1String("create-wrong-key")) {
        const test::Issued other = test::issueUnder(w->teeRoot, QStringLiteral("other TEE"),
                                                    CertificateProfile::TeeAttestation);
        result = w->answer(
            CreateSD, craft(CreateSD, create, [&](nlohmann::json &tbs) {
                tbs["content"] =
                    jose::encrypt("{}", {{other.key, QStringLiteral("ECDH-ES+A128KW")}}).value();
            }));
    } else if (fault == QLatin1String("update-missing")) {
        result = update({}, QStringLiteral("sd.nowhere"));
    } else if (fault == QLatin1String("update-foreign")) {
        result = update({}, QStringLiteral("sd.other"), QStringLiteral("other"));
    } else if (fault == QLatin1String("update-name")) {
        SdChanges changes;
        changes.newSdName = QStringLiteral("sd.other");
        result = update(changes);
    } else if (fault == QLatin1String("update-nocert")) {
        SdChanges changes;
        changes.removeSpCertificates = {w->sp.certificate};
        result = update(changes);
    } else if (fault == QLatin1String("update-unknown-hash")) {
        SdChanges changes;
        changes.removeSpCertificates = {w->tam.certificate};
        result = update(changes);
    } else if (fault == QLatin1String("update-spid")) {
        result = update({}, QStringLiteral("sd.acme"), QStringLiteral("globex"));
    } else if (fault == QLatin1String("update-expired")) {
        SdChanges changes;
        changes.addSpCertificates = {expired};
        result = update(changes);
    } else if (fault == QLatin1String("update-changes")) {
        nlohmann::json content =
            updateSdContent(w->kTamId, QStringLiteral("acme"), QStringLiteral("sd.acme"), {});
        content["changes"] = "rename please";
        result = w->run(UpdateSD, content);
    } else if (fault == QLatin1String("delete-missing")) {
        result = w->run(DeleteSD, deleteSdContent(w->kTamId, QStringLiteral("sd.nowhere"), true));
    } else if (fault == QLatin1String("delete-foreign")) {
        result = w->run(DeleteSD, deleteSdContent(w->kTamId, QStringLiteral("sd.other"), true));
    } else if (fault == QLatin1String("delete-type")) {
        nlohmann::json content = deleteSdContent(w->kTamId, QStringLiteral("sd.acme"), false);
        content["deleteta"] = "yes";
        result = w->run(DeleteSD, content);
    } else {
        QFAIL("unknown fault");
    }
    QCOMPARE(errorOf(result), errorCode);
    QCOMPARE(w->teeSnapshot(), before);
    QCOMPARE(w->target.dsihash,
             fault == QLatin1String("create-dsihash") ? QStringLiteral("AAAA") : dsihashBefore);
}

QTEST_GUILESS_MAIN(TestOtrpSd)
#include "tst_otrpsd.moc"
