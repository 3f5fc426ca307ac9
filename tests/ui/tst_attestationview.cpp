// The Attestation view after simulated TEEP devices attested against the demo's CoRIM: each TEE's
// trust vector as a row of colour-coded claims, claim by claim with why, and its timeline; a
// tampered boot loader shows as contraindicated executables, the component and its reference
// named. Reference values from CoRIM are imported (and refused whole when malformed) and removed.
#include "attestation/attestationpage.h"
#include "attestation/referencevaluespanel.h"
#include "attestation/sgxcollateralpanel.h"
#include "common/filteredtable.h"
#include "devices/devicespage.h"
#include "mainwindow.h"
#include "models/rowsmodel.h"
#include "navigation.h"
#include "processrun.h"
#include "scriptedprompts.h"
#include "sim/simsgx.h"
#include "store/database.h"
#include "store/trustanchors.h"
#include "tempdir.h"

#include <QAction>
#include <QFile>
#include <QLabel>
#include <QMenu>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QSignalSpy>
#include <QSpinBox>
#include <QTabWidget>
#include <QTableView>
#include <QTest>
#include <QToolButton>
#include <QTreeWidget>

using teep::ui::Page;
using namespace teep;

class TestAttestationView : public QObject
{
    Q_OBJECT

private slots:
    void init();
    void cleanup();
    void trustVectorsAndTheirTimeline();
    void corimImportAndRemoval();
    void sgxCollateralImportAndRemoval();
    void sgxAgentsOfTheDemo();

private:
    void screenshot(const QString &name, QSize size)
    {
        if (!qEnvironmentVariableIsSet("TEEP_SCREENSHOT_DIR"))
            return;
        const QSize before = m_window->size();
        m_window->resize(size);
        QCoreApplication::processEvents();
        m_window->grab().save(qEnvironmentVariable("TEEP_SCREENSHOT_DIR") + QLatin1Char('/') + name + QStringLiteral(".png"));
        m_window->resize(before);
    }
    bool runDevices(int count)
    {
        QSignalSpy finished(m_window->devicesPage(), &ui::DevicesPage::demoDevicesFinished);
        return m_window->devicesPage()->startDemoDevices(count, true) && finished.wait(60000);
    }
    // The row of the Results table for a device (its TEE), or -1.
    int rowOf(const QString &device) const
    {
        ui::RowsModel *model = m_window->attestationPage()->model();
        for (int row = 0; row < model->rowCount(); ++row)
            if (model->row(row).cells.value(0) == device)
                return row;
        return -1;
    }

    std::unique_ptr<test::TempDir> m_dir;
    test::ScriptedPrompts m_prompts;
    std::unique_ptr<ui::MainWindow> m_window;
};

void TestAttestationView::init()
{
    m_dir = std::make_unique<test::TempDir>();
    m_prompts = {};
    auto db = store::Database::open(m_dir->database(QStringLiteral("attestation.db")));
    QVERIFY(db.ok());
    m_window = std::make_unique<ui::MainWindow>(std::move(db.value()), &m_prompts);
    m_window->resize(1280, 800);
    m_window->show();
    m_window->showPage(Page::Devices);
    m_prompts.confirmations.enqueue(true);
    QVERIFY(m_window->devicesPage()->setUpDemo());
}

void TestAttestationView::cleanup()
{
    m_window.reset();
    m_dir.reset();
}

void TestAttestationView::trustVectorsAndTheirTimeline()
{
    ui::DevicesPage *devices = m_window->devicesPage();
    devices->findChild<QSpinBox *>(QStringLiteral("demo-count"))->setValue(2);
    QVERIFY(runDevices(2));
    QVERIFY(runDevices(2)); // a second appraisal of the same devices: the timeline has two
    // The next device's boot loader is not the vendor's.
    auto *faults = devices->findChild<QToolButton *>(QStringLiteral("demo-faults-button"));
    faults->menu()->findChild<QAction *>(QStringLiteral("fault-tampered-firmware"))->trigger();
    QVERIFY(runDevices(1));

    m_window->showPage(Page::Attestation);
    ui::AttestationPage *page = m_window->attestationPage();
    page->reload();
    ui::RowsModel *model = page->model();
    QStringList seen;
    for (int row = 0; row < model->rowCount(); ++row)
        seen << model->row(row).cells.join(QLatin1Char('|'));
    QVERIFY2(model->rowCount() >= 2, qPrintable(seen.join(QLatin1Char('\n'))));
    const int vectorColumn = 2;
    QCOMPARE(model->headerData(vectorColumn, Qt::Horizontal).toString(), QStringLiteral("Trust vector"));
    int good = -1;
    int tampered = -1;
    for (int row = 0; row < model->rowCount(); ++row) {
        const QString tier = model->row(row).cells.value(1);
        if (tier == QLatin1String("affirming") && good < 0)
            good = row;
        if (tier == QLatin1String("contraindicated"))
            tampered = row;
    }
    QVERIFY2(good >= 0 && tampered >= 0, qPrintable(seen.join(QLatin1Char('\n'))));
    QCOMPARE(model->row(good).cells.value(vectorColumn), QStringLiteral("ID 2  CF 2  EX 2  FS 0  HW 2  RO 0  SO 0  SD 0"));
    QVERIFY2(model->row(tampered).cells.value(vectorColumn).contains(QStringLiteral("EX 96")), qPrintable(model->row(tampered).cells.value(vectorColumn)));
    QVERIFY(model->row(good).toolTip.contains(QStringLiteral("Executables: 2 (affirming) - all 2 component(s) match their reference values")));

    // The tampered TEE, claim by claim: executables contraindicated, and which component missed which reference.
    page->table()->selectKey(model->row(tampered).key);
    auto *vector = page->findChild<QTreeWidget *>(QStringLiteral("attestation-trust-vector"));
    QCOMPARE(vector->topLevelItemCount(), 8);
    QCOMPARE(vector->topLevelItem(2)->text(0), QStringLiteral("Executables"));
    QCOMPARE(vector->topLevelItem(2)->text(1), QStringLiteral("96"));
    QCOMPARE(vector->topLevelItem(2)->text(2), QStringLiteral("contraindicated"));
    QTreeWidget *checks = page->checks();
    QString missed;
    for (int i = 0; i < checks->topLevelItemCount(); ++i)
        if (checks->topLevelItem(i)->text(0) == QLatin1String("evidence: component bl2"))
            missed = checks->topLevelItem(i)->text(2);
    QVERIFY2(missed.contains(QStringLiteral("but the reference is sha-256")) && missed.contains(QStringLiteral("sim-firmware.corim")), qPrintable(missed));
    screenshot(QStringLiteral("attestation-trust-vector-1024"), QSize(1024, 768));

    // A good TEE's timeline: both appraisals, each with its vector.
    page->table()->selectKey(model->row(good).key);
    auto *history = page->findChild<QTreeWidget *>(QStringLiteral("attestation-history"));
    QVERIFY(history->topLevelItemCount() >= 2);
    QCOMPARE(history->topLevelItem(0)->text(2), QStringLiteral("ID 2  CF 2  EX 2  FS 0  HW 2  RO 0  SO 0  SD 0"));
    QCOMPARE(vector->topLevelItem(4)->text(2), QStringLiteral("affirming")); // hardware
    QVERIFY(vector->topLevelItem(3)->text(3).contains(QStringLiteral("nothing in the evidence"))); // file system: no claim
    page->findChild<QTabWidget *>(QStringLiteral("attestation-detail-tabs"))->setCurrentWidget(history);
    screenshot(QStringLiteral("attestation-timeline-1600"), QSize(1600, 1000));
}

void TestAttestationView::corimImportAndRemoval()
{
    m_window->showPage(Page::Attestation);
    ui::AttestationPage *page = m_window->attestationPage();
    page->reload();
    ui::ReferenceValuesPanel *panel = page->referenceValues();
    page->findChild<QTabWidget *>(QStringLiteral("attestation-tabs"))->setCurrentWidget(panel);
    // The demo's own CoRIMs: the simulated firmware's two components, its SGX enclave's two.
    QCOMPARE(panel->corimModel()->rowCount(), 4);
    QStringList sources;
    for (int row = 0; row < panel->corimModel()->rowCount(); ++row)
        sources << panel->corimModel()->row(row).cells.value(2);
    QCOMPARE(sources.count(QStringLiteral("sim-firmware.corim")), 2);
    QCOMPARE(sources.count(QStringLiteral("sim-enclave.corim")), 2);

    // A CoRIM made by python3-cbor2 (tests/attestation/make_samples.py), as a file chosen.
    const auto made = test::runProgram(QStringLiteral("/usr/bin/python3"), {QStringLiteral(TEEP_SAMPLES_SCRIPT), m_dir->path(QString())});
    QVERIFY2(made.exitCode == 0, made.err.constData());
    QVERIFY(panel->importCorimFile(m_dir->path(QStringLiteral("corim-tagged-bstr.cbor"))));
    QCOMPARE(panel->corimModel()->rowCount(), 8);
    QVERIFY(panel->findChild<QLabel *>(QStringLiteral("corim-note"))->text().contains(QStringLiteral("3 reference and 1 endorsed")));
    screenshot(QStringLiteral("attestation-reference-values-1024"), QSize(1024, 768));

    // Malformed, and signed by a key nobody trusts: refused whole, with why; nothing changes.
    QFile file(m_dir->path(QStringLiteral("corim-tagged-bstr.cbor")));
    QVERIFY(file.open(QIODevice::ReadOnly));
    const QByteArray bytes = file.readAll();
    QVERIFY(!panel->importCorim(bytes.left(bytes.size() - 9), QStringLiteral("cut.cbor")));
    QVERIFY2(m_prompts.errors.last().contains(QStringLiteral("offset")), qPrintable(m_prompts.errors.last()));
    QFile signedFile(m_dir->path(QStringLiteral("corim-signed.cbor")));
    QVERIFY(signedFile.open(QIODevice::ReadOnly));
    QVERIFY(!panel->importCorim(signedFile.readAll(), QStringLiteral("corim-signed.cbor")));
    QVERIFY(m_prompts.errors.last().contains(QStringLiteral("no trusted verifier key")));
    QCOMPARE(panel->corimModel()->rowCount(), 8);

    // Removed after a confirmation: its four rows go, the demo's stay.
    int imported = -1;
    for (int row = 0; row < panel->corimModel()->rowCount(); ++row)
        if (panel->corimModel()->row(row).cells.value(2) == QLatin1String("corim-tagged-bstr.cbor"))
            imported = row;
    QVERIFY(imported >= 0);
    panel->corimTable()->selectKey(panel->corimModel()->row(imported).key);
    m_prompts.confirmations.enqueue(true);
    QMetaObject::invokeMethod(panel->findChild<QPushButton *>(QStringLiteral("corim-remove")), "click");
    QCOMPARE(panel->corimModel()->rowCount(), 4);
    QVERIFY(m_prompts.questions.last().contains(QStringLiteral("corim-tagged-bstr.cbor")));
}

void TestAttestationView::sgxCollateralImportAndRemoval()
{
    m_window->showPage(Page::Attestation);
    ui::AttestationPage *page = m_window->attestationPage();
    ui::SgxCollateralPanel *panel = page->sgxCollateral();
    page->findChild<QTabWidget *>(QStringLiteral("attestation-tabs"))->setCurrentWidget(panel);
    page->reload();
    // The demo's simulated platform's: its TCB signing chain, TCB info and QE identity.
    QCOMPARE(panel->model()->rowCount(), 3);

    // Intel-style collateral for a test PCK hierarchy (tests/attestation/make_sgx_samples.py).
    const auto made = test::runProgram(QStringLiteral("/usr/bin/python3"), {QStringLiteral(TEEP_SGX_SAMPLES_SCRIPT), m_dir->path(QString())});
    QVERIFY2(made.exitCode == 0, made.err.constData());
    // Before its root is trusted: refused whole, said why.
    QVERIFY(!panel->importPaths({m_dir->path(QStringLiteral("collateral"))}));
    QVERIFY2(m_prompts.errors.last().contains(QStringLiteral("Nothing was imported")), qPrintable(m_prompts.errors.last()));
    QCOMPARE(panel->model()->rowCount(), 3);
    {
        auto second = store::Database::open(m_dir->database(QStringLiteral("attestation.db")));
        QVERIFY(second.ok());
        QFile root(m_dir->path(QStringLiteral("intel-root.crt")));
        QVERIFY(root.open(QIODevice::ReadOnly));
        QVERIFY(store::TrustAnchors(second.value()->connection(), SystemClock::instance(), QStringLiteral("test"))
                    .importCertificates(crypto::TrustStore::TeeRoot, root.readAll())
                    .ok());
    }
    // The files chosen in the dialog, all at once.
    QStringList files;
    for (const char *name : {"tcb-info.json", "qe-identity.json", "tcb-signing-chain.pem", "pck-crl-issuer-chain.pem", "pck-processor-crl.pem", "root-ca-crl.der"})
        files << m_dir->path(QStringLiteral("collateral/") + QLatin1String(name));
    m_prompts.fileChoices.enqueue(files);
    QMetaObject::invokeMethod(panel->findChild<QPushButton *>(QStringLiteral("sgx-collateral-import")), "click");
    // Six new; the TCB info and QE identity of the same family replace the demo's (Intel's newer evaluation).
    QCOMPARE(panel->model()->rowCount(), 7);
    const QString note = panel->findChild<QLabel *>(QStringLiteral("sgx-collateral-note"))->text();
    QVERIFY2(note.contains(QStringLiteral("TCB info (FMSPC 00906ed50000)")) && note.contains(QStringLiteral("Replaced the older tcb-info.json, qe-identity.json")),
             qPrintable(note));
    screenshot(QStringLiteral("attestation-sgx-collateral-1024"), QSize(1024, 768));

    // A TCB info changed after Intel signed it: refused, naming the file; nothing changes.
    QVERIFY(!panel->importPaths({m_dir->path(QStringLiteral("collateral-forged/tcb-info.json"))}));
    QVERIFY2(m_prompts.errors.last().contains(QStringLiteral("tcb-info.json")), qPrintable(m_prompts.errors.last()));
    QCOMPARE(panel->model()->rowCount(), 7);

    // Removed after a confirmation.
    panel->table()->selectKey(panel->model()->row(0).key);
    m_prompts.confirmations.enqueue(true);
    QMetaObject::invokeMethod(panel->findChild<QPushButton *>(QStringLiteral("sgx-collateral-remove")), "click");
    QCOMPARE(panel->model()->rowCount(), 6);
    QVERIFY(m_prompts.questions.last().contains(QStringLiteral("at most a warning")));
}

void TestAttestationView::sgxAgentsOfTheDemo()
{
    // A trainer's SGX demonstration: the demo's agents in SGX enclaves, each learned from its quote
    // and affirmed by the simulated platform's collateral and enclave CoRIM.
    ui::DevicesPage *devices = m_window->devicesPage();
    auto *faults = devices->findChild<QToolButton *>(QStringLiteral("demo-faults-button"));
    faults->menu()->findChild<QAction *>(QStringLiteral("fault-sgx-agents"))->trigger();
    QVERIFY(runDevices(2));
    m_window->showPage(Page::Attestation);
    ui::AttestationPage *page = m_window->attestationPage();
    page->reload();
    ui::RowsModel *model = page->model();
    QStringList seen;
    int sgx = -1;
    for (int row = 0; row < model->rowCount(); ++row) {
        seen << model->row(row).cells.join(QLatin1Char('|'));
        if (model->row(row).cells.value(0).startsWith(QLatin1String("SGX ")))
            sgx = row;
    }
    QCOMPARE(seen.size(), 2);
    QVERIFY2(sgx >= 0 && model->row(sgx).cells.value(1) == QLatin1String("affirming"), qPrintable(seen.join(QLatin1Char('\n'))));
    QCOMPARE(model->row(sgx).cells.value(2), QStringLiteral("ID 2  CF 2  EX 2  FS 0  HW 2  RO 0  SO 0  SD 0"));
    page->table()->selectKey(model->row(sgx).key);
    QTreeWidget *checks = page->checks();
    QStringList steps;
    for (int i = 0; i < checks->topLevelItemCount(); ++i)
        steps << checks->topLevelItem(i)->text(0) + QStringLiteral(": ") + checks->topLevelItem(i)->text(2);
    for (const char *step : {"evidence: PCK certificate chain: Simulated Intel SGX PCK Certificate", "evidence: report data: SHA-384 of the agent key and challenge",
                             "evidence: platform TCB: platform TCB UpToDate", "evidence: component MRENCLAVE"})
        QVERIFY2(steps.join(QLatin1Char('\n')).contains(QLatin1String(step)), qPrintable(steps.join(QLatin1Char('\n'))));
    page->findChild<QTabWidget *>(QStringLiteral("attestation-detail-tabs"))->setCurrentWidget(checks);
    screenshot(QStringLiteral("attestation-sgx-steps-1280"), QSize(1280, 800));
    // The quote as received, field by field: the enclave the CoRIM names, the platform's TCB.
    auto *evidence = page->findChild<QPlainTextEdit *>(QStringLiteral("attestation-evidence"));
    const QString text = evidence->toPlainText();
    QVERIFY2(text.contains(QStringLiteral("enclave MRENCLAVE   ") + QString::fromLatin1(sim::SimSgxPlatform::mrEnclave().toHex())) &&
                 text.contains(QStringLiteral("platform: FMSPC 00906ed50000")) && text.contains(QStringLiteral("certificate: Simulated Intel SGX PCK Certificate")),
             qPrintable(text.left(2000)));
    page->findChild<QTabWidget *>(QStringLiteral("attestation-detail-tabs"))->setCurrentWidget(evidence);
    screenshot(QStringLiteral("attestation-sgx-evidence-1280"), QSize(1280, 800));
}

QTEST_MAIN(TestAttestationView)
#include "tst_attestationview.moc"
