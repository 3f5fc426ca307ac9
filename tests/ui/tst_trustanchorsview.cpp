// The Trust Anchors view driven as an operator would, on a real database: first-run identity,
// imports by dialog, paste and drop, filter, details, removal with confirmation, SPs.
#include "mainwindow.h"
#include "models/trustanchormodel.h"
#include "crypto/pkiformats.h"
#include "pkifixtures.h"
#include "scriptedprompts.h"
#include "shownpage.h"
#include "store/auditlog.h"
#include "store/database.h"
#include "tempdir.h"
#include "trustanchors/certificatedetails.h"
#include "trustanchors/serviceproviderspage.h"
#include "trustanchors/tamdialogs.h"
#include "trustanchors/tamidentitypage.h"
#include "trustanchors/trustanchorsview.h"
#include "trustanchors/truststorepage.h"
#include "workspace.h"

#include <QAbstractItemModelTester>
#include <QCheckBox>
#include <QFile>
#include <QLabel>
#include <QLineEdit>
#include <QMimeData>
#include <QPushButton>
#include <QSettings>
#include <QSortFilterProxyModel>
#include <QTableView>
#include <QTest>
#include <QTreeWidget>

using namespace teep::crypto;
using teep::store::Database;
using teep::test::Issued;
using teep::test::ScriptedPrompts;
using teep::ui::MainWindow;
using teep::ui::TrustStorePage;

class TestTrustAnchorsView : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void init();
    void cleanup();
    void firstRunShowsEmptyStatesAndOffers();
    void generateIdentityFillsTamRootStore();
    void importFilterDetailsAndRemove();
    void badFileIsReportedAndNothingStored();
    void pasteAndDropImport();
    void verifierKeyFromBarePublicKey();
    void serviceProvidersNeedSignerCa();
    void exportRootWritesPem();
    void switchingDatabasesRebuildsTheView();

private:
    // With TEEP_SCREENSHOT_DIR set, saves what the window shows (for the README and reviews).
    void screenshot(const QString &name) const
    {
        const QString dir = qEnvironmentVariable("TEEP_SCREENSHOT_DIR");
        if (!dir.isEmpty())
            m_window->grab().save(dir + QLatin1Char('/') + name + QStringLiteral(".png"));
    }
    TrustStorePage *store(TrustStore which) const { return teep::test::shown(m_window->trustAnchorsView()->storePage(which)); }
    QString writeFile(const QString &name, const QByteArray &bytes) const;

    std::unique_ptr<teep::test::TempDir> m_dir;
    std::unique_ptr<ScriptedPrompts> m_prompts;
    std::unique_ptr<MainWindow> m_window;
    std::unique_ptr<QAbstractItemModelTester> m_modelTester;
    std::unique_ptr<QAbstractItemModelTester> m_proxyTester;
};

void TestTrustAnchorsView::initTestCase()
{
    QSettings::setDefaultFormat(QSettings::IniFormat);
    QCoreApplication::setOrganizationName(QStringLiteral("teep-console-tests"));
}

void TestTrustAnchorsView::init()
{
    m_dir = std::make_unique<teep::test::TempDir>();
    QSettings::setPath(QSettings::IniFormat, QSettings::UserScope, m_dir->path(QStringLiteral("settings")));
    m_prompts = std::make_unique<ScriptedPrompts>();
    auto db = Database::open(m_dir->database(QStringLiteral("teep.db")));
    QVERIFY(db.ok());
    m_window = std::make_unique<MainWindow>(std::move(db).value(), m_prompts.get());
    m_window->showPage(teep::ui::Page::TrustAnchors);
    m_window->show();
    QVERIFY(QTest::qWaitForWindowExposed(m_window.get()));
    TrustStorePage *tee = store(TrustStore::TeeRoot);
    m_modelTester = std::make_unique<QAbstractItemModelTester>(tee->model(), QAbstractItemModelTester::FailureReportingMode::QtTest);
    m_proxyTester = std::make_unique<QAbstractItemModelTester>(tee->proxy(), QAbstractItemModelTester::FailureReportingMode::QtTest);
}

void TestTrustAnchorsView::cleanup()
{
    m_proxyTester.reset();
    m_modelTester.reset();
    m_window.reset();
    m_prompts.reset();
    m_dir.reset();
}

QString TestTrustAnchorsView::writeFile(const QString &name, const QByteArray &bytes) const
{
    const QString path = m_dir->path(name);
    teep::test::writeAll(path, bytes);
    return path;
}

void TestTrustAnchorsView::firstRunShowsEmptyStatesAndOffers()
{
    auto *view = m_window->trustAnchorsView();
    QVERIFY(view->isVisible());
    QCOMPARE(view->count(), 7);
    QVERIFY(view->identityPage()->showsEmptyState());
    const auto buttons = view->identityPage()->findChildren<QPushButton *>();
    QStringList visible;
    for (QPushButton *button : buttons) {
        if (button->isVisibleTo(view->identityPage()))
            visible << button->accessibleName();
    }
    QVERIFY(visible.contains(QStringLiteral("Generate a TAM Root CA and Certificate")));
    QVERIFY(visible.contains(QStringLiteral("Import an Existing Certificate and Key")));
    QVERIFY(visible.contains(QStringLiteral("Create a CSR for an External CA")));
    for (const TrustStoreInfo &info : trustStores()) {
        TrustStorePage *page = store(info.store);
        QVERIFY(page->showsEmptyState());
        QVERIFY(page->findChild<QLabel *>(QStringLiteral("empty-state"))->text().contains(QStringLiteral("Next step")));
    }
    QVERIFY(view->providersPage()->showsEmptyState());
    QCOMPARE(m_window->findChild<QLabel *>(QStringLiteral("keystore-status"))->text(), QStringLiteral("Key store: locked"));
    screenshot(QStringLiteral("trust-anchors-first-run"));
    if (qEnvironmentVariableIsSet("TEEP_SCREENSHOT_DIR")) {
        teep::ui::GenerateTamDialog dialog(m_window.get());
        dialog.show();
        dialog.findChild<QCheckBox *>()->setChecked(true);
        dialog.grab().save(qEnvironmentVariable("TEEP_SCREENSHOT_DIR") + QStringLiteral("/generate-dialog.png"));
    }
    view->setCurrentWidget(store(TrustStore::TeeRoot));
    screenshot(QStringLiteral("trust-anchors-empty-store"));
}

void TestTrustAnchorsView::generateIdentityFillsTamRootStore()
{
    auto *identity = teep::test::shown(m_window->trustAnchorsView()->identityPage());
    teep::tam::GenerateOptions options;
    options.name = QStringLiteral("Classroom TAM");
    options.tamId = QStringLiteral("urn:example:classroom");
    // Cancelling the passphrase prompt changes nothing.
    QVERIFY(!identity->generate(options));
    QVERIFY(identity->showsEmptyState());
    m_prompts->passphrases.enqueue("a good passphrase");
    QVERIFY(identity->generate(options));
    QVERIFY(m_prompts->questions.last().contains(QStringLiteral("cannot be recovered")));
    QVERIFY(!identity->showsEmptyState());
    QVERIFY(identity->summary().contains(QStringLiteral("urn:example:classroom")));
    QCOMPARE(identity->details()->value(QStringLiteral("validity")), QStringLiteral("valid"));
    QCOMPARE(m_window->findChild<QLabel *>(QStringLiteral("keystore-status"))->text(), QStringLiteral("Key store: unlocked"));

    TrustStorePage *roots = store(TrustStore::TamRoot);
    QVERIFY(!roots->showsEmptyState());
    QCOMPARE(roots->model()->rowCount(), 1);
    QCOMPARE(roots->model()->index(0, teep::ui::TrustAnchorModel::Label).data().toString(), QStringLiteral("Classroom TAM Root CA"));
    screenshot(QStringLiteral("trust-anchors-tam-identity"));

    m_window->workspace().lock();
    QCOMPARE(m_window->findChild<QLabel *>(QStringLiteral("keystore-status"))->text(), QStringLiteral("Key store: locked"));
    // Unlocking again asks for the existing passphrase, and a wrong one is refused.
    options.name = QStringLiteral("Second");
    m_prompts->passphrases.enqueue("wrong passphrase");
    QVERIFY(!identity->generate(options));
    QVERIFY(m_prompts->errors.last().contains(QStringLiteral("passphrase is wrong")));
}

void TestTrustAnchorsView::importFilterDetailsAndRemove()
{
    TrustStorePage *tee = store(TrustStore::TeeRoot);
    const Issued first = teep::test::makeRoot(QStringLiteral("Vendor A TEE Root"));
    const Issued second = teep::test::makeRoot(QStringLiteral("Vendor B TEE Root"), KeyAlgorithm::Rsa2048);
    m_prompts->fileChoices.enqueue({writeFile(QStringLiteral("a.pem"), first.certificate.pem()),
                                    writeFile(QStringLiteral("b.der"), second.certificate.der())});
    tee->importFiles();
    QVERIFY2(m_prompts->errors.isEmpty(), qPrintable(m_prompts->errors.join(QLatin1Char('\n'))));
    QCOMPARE(tee->model()->rowCount(), 2);
    QVERIFY(!tee->showsEmptyState());

    // The last imported row is selected and its details are shown.
    QCOMPARE(tee->details()->value(QStringLiteral("subject")), second.certificate.subject());
    QCOMPARE(tee->details()->value(QStringLiteral("key")), QStringLiteral("RSA 2048"));
    QCOMPARE(tee->details()->value(QStringLiteral("fingerprint_sha256")), second.certificate.fingerprintSha256());
    m_window->trustAnchorsView()->setCurrentWidget(tee);
    screenshot(QStringLiteral("trust-anchors-tee-roots"));

    QTest::keyClicks(tee->filter(), QStringLiteral("vendor a"));
    QCOMPARE(tee->proxy()->rowCount(), 1);
    tee->filter()->clear();
    QTest::keyClicks(tee->filter(), first.certificate.fingerprintSha256().left(11));
    QCOMPARE(tee->proxy()->rowCount(), 1);
    tee->filter()->clear();
    QCOMPARE(tee->proxy()->rowCount(), 2);

    // Remove: a "no" keeps it, a "yes" removes it; both questions name the anchor.
    tee->table()->selectRow(0);
    const QString selected = tee->details()->value(QStringLiteral("subject"));
    m_prompts->confirmations.enqueue(false);
    tee->removeSelected();
    QCOMPARE(tee->model()->rowCount(), 2);
    m_prompts->confirmations.enqueue(true);
    tee->removeSelected();
    QCOMPARE(tee->model()->rowCount(), 1);
    QVERIFY(m_prompts->questions.last().contains(QStringLiteral("TEE Root CAs")));
    QVERIFY(tee->model()->index(0, 1).data().toString() != selected);

    const auto entries = teep::store::AuditLog::entries(m_window->database().connection()).value();
    QCOMPARE(entries.size(), 3);
    QCOMPARE(entries.first().action, QStringLiteral("trust-anchor.removed"));
    QVERIFY(entries.first().actor.endsWith(QStringLiteral("via teep-console")));
}

void TestTrustAnchorsView::badFileIsReportedAndNothingStored()
{
    TrustStorePage *tee = store(TrustStore::TeeRoot);
    const Issued leaf = teep::test::issueUnder(teep::test::makeRoot(QStringLiteral("R")), QStringLiteral("Just a device"),
                                               CertificateProfile::TeeAttestation);
    m_prompts->fileChoices.enqueue({writeFile(QStringLiteral("device.pem"), leaf.certificate.pem()),
                                    writeFile(QStringLiteral("junk.bin"), QByteArray(300, '\x07'))});
    tee->importFiles();
    QCOMPARE(m_prompts->errors.size(), 2);
    QVERIFY(m_prompts->errors[0].contains(QStringLiteral("device.pem")));
    QVERIFY(m_prompts->errors[0].contains(QStringLiteral("not a CA certificate")));
    QVERIFY(m_prompts->errors[1].contains(QStringLiteral("junk.bin")));
    QCOMPARE(tee->model()->rowCount(), 0);
    QVERIFY(tee->showsEmptyState());
}

void TestTrustAnchorsView::pasteAndDropImport()
{
    TrustStorePage *tfw = store(TrustStore::TfwRoot);
    const Issued pasted = teep::test::makeRoot(QStringLiteral("Pasted FW Root"));
    m_prompts->texts.enqueue(QString::fromLatin1(pasted.certificate.pem()));
    tfw->pastePem();
    QCOMPARE(tfw->model()->rowCount(), 1);

    const Issued dropped = teep::test::makeRoot(QStringLiteral("Dropped FW Root"));
    auto *mime = new QMimeData;
    mime->setUrls({QUrl::fromLocalFile(writeFile(QStringLiteral("dropped.crt"), dropped.certificate.pem()))});
    QDragEnterEvent enter(QPoint(10, 10), Qt::CopyAction, mime, Qt::LeftButton, Qt::NoModifier);
    QCoreApplication::sendEvent(tfw, &enter);
    QVERIFY(enter.isAccepted());
    QDropEvent drop(QPointF(10, 10), Qt::CopyAction, mime, Qt::LeftButton, Qt::NoModifier);
    QCoreApplication::sendEvent(tfw, &drop);
    QCOMPARE(tfw->model()->rowCount(), 2);
    delete mime;
}

void TestTrustAnchorsView::verifierKeyFromBarePublicKey()
{
    TrustStorePage *verifiers = store(TrustStore::VerifierKey);
    m_prompts->fileChoices.enqueue({QStringLiteral(TEEP_VECTORS_DIR "/libteep/key/tam_prime256v1_pub.pem")});
    verifiers->importFiles();
    QVERIFY2(m_prompts->errors.isEmpty(), qPrintable(m_prompts->errors.join(QLatin1Char('\n'))));
    QCOMPARE(verifiers->model()->rowCount(), 1);
    QCOMPARE(verifiers->model()->index(0, teep::ui::TrustAnchorModel::Label).data().toString(), QStringLiteral("tam_prime256v1_pub"));
    verifiers->table()->selectRow(0);
    QCOMPARE(verifiers->details()->value(QStringLiteral("key")), QStringLiteral("EC P-256"));
}

void TestTrustAnchorsView::serviceProvidersNeedSignerCa()
{
    auto *providers = teep::test::shown(m_window->trustAnchorsView()->providersPage());
    QVERIFY(providers->addProvider(QStringLiteral("acme"), QStringLiteral("ACME Payments")));
    QVERIFY(!providers->showsEmptyState());
    const Issued ca = teep::test::makeRoot(QStringLiteral("ACME Signer CA"));
    const Issued signer = teep::test::issueUnder(ca, QStringLiteral("ACME TA signer"), CertificateProfile::SpSigning);
    QVERIFY(!providers->addCertificate(QStringLiteral("acme"), signer.certificate.pem(), QStringLiteral("signer.pem")));
    QVERIFY(m_prompts->errors.last().contains(QStringLiteral("SP Signer CA store is empty")));
    QVERIFY(store(TrustStore::SpSigner)->importBytes(ca.certificate.pem(), QStringLiteral("ca.pem")));
    QVERIFY(teep::test::shown(providers)->addCertificate(QStringLiteral("acme"), signer.certificate.pem(), QStringLiteral("signer.pem")));
    QTreeWidgetItem *sp = providers->tree()->topLevelItem(0);
    QCOMPARE(sp->text(1), QStringLiteral("acme"));
    QCOMPARE(sp->childCount(), 1);
    QCOMPARE(sp->child(0)->text(0), signer.certificate.subject());

    // Its rollover: a successor added, then the old one retired (asked first; the last one never).
    QVERIFY(!providers->retireCertificate(QStringLiteral("acme"), signer.certificate.fingerprintSha256()));
    QVERIFY2(m_prompts->errors.last().contains(QStringLiteral("only signer certificate")), qPrintable(m_prompts->errors.last()));
    const Issued successor = teep::test::issueUnder(ca, QStringLiteral("ACME TA signer 2027"), CertificateProfile::SpSigning);
    QVERIFY(providers->addCertificate(QStringLiteral("acme"), successor.certificate.pem(), QStringLiteral("successor.pem")));
    sp = providers->tree()->topLevelItem(0);
    providers->tree()->setCurrentItem(sp->child(0));
    QPushButton *retire = nullptr;
    for (QPushButton *button : providers->findChildren<QPushButton *>()) {
        if (button->accessibleName() == QLatin1String("Retire Certificate"))
            retire = button;
    }
    QVERIFY(retire && retire->isEnabled());
    m_prompts->confirmations.enqueue(false); // declined: nothing changes
    retire->click();
    QVERIFY(m_prompts->questions.last().contains(QStringLiteral("no longer be accepted")));
    QCOMPARE(providers->tree()->topLevelItem(0)->childCount(), 2);
    QVERIFY(!providers->tree()->topLevelItem(0)->child(0)->text(0).contains(QStringLiteral("retired")));
    QVERIFY(providers->retireCertificate(QStringLiteral("acme"), signer.certificate.fingerprintSha256()));
    sp = providers->tree()->topLevelItem(0);
    QCOMPARE(sp->childCount(), 2);
    QCOMPARE(sp->child(0)->text(0), successor.certificate.subject());
    QCOMPARE(sp->child(1)->text(0), signer.certificate.subject() + QStringLiteral(" (retired)"));
    QVERIFY2(providers->note().contains(QStringLiteral("no TA version in the catalog was signed with it")), qPrintable(providers->note()));
    m_window->trustAnchorsView()->setCurrentWidget(providers);
    screenshot(QStringLiteral("trust-anchors-providers"));
}

void TestTrustAnchorsView::exportRootWritesPem()
{
    auto *identity = teep::test::shown(m_window->trustAnchorsView()->identityPage());
    teep::tam::GenerateOptions options;
    options.demoUnprotected = true;
    QVERIFY(identity->generate(options));
    QVERIFY(identity->summary().contains(QStringLiteral("Demo identity")));
    const QString path = m_dir->path(QStringLiteral("tam-root.pem"));
    QVERIFY(identity->exportRoot(path));
    const auto parsed = parseCertificates(teep::test::readAll(path));
    QVERIFY(parsed.ok());
    QCOMPARE(parsed.value().size(), 1);
    QVERIFY(parsed.value().first().isCa());
    QCOMPARE(store(TrustStore::TamRoot)->model()->index(0, teep::ui::TrustAnchorModel::Fingerprint).data().toString(),
             parsed.value().first().fingerprintSha256());
}

void TestTrustAnchorsView::switchingDatabasesRebuildsTheView()
{
    QVERIFY(store(TrustStore::TeeRoot)->importBytes(teep::test::makeRoot(QStringLiteral("First DB root")).certificate.pem(),
                                                    QStringLiteral("a.pem")));
    QCOMPARE(store(TrustStore::TeeRoot)->model()->rowCount(), 1);
    // A file that is not a database is refused and the current one stays.
    const QString junk = writeFile(QStringLiteral("junk.db"), "not sqlite");
    QVERIFY(!m_window->openDatabase(junk));
    QVERIFY(m_prompts->errors.last().contains(QStringLiteral("current database stays open")));
    QCOMPARE(store(TrustStore::TeeRoot)->model()->rowCount(), 1);
    // Another database: the view shows its (empty) stores, and changes land there.
    const QString second = m_dir->path(QStringLiteral("second.db"));
    QVERIFY(m_window->openDatabase(second));
    QCOMPARE(m_window->database().path(), second);
    QVERIFY(store(TrustStore::TeeRoot)->showsEmptyState());
    QCOMPARE(m_window->currentPage(), teep::ui::Page::TrustAnchors);
    QVERIFY(m_window->trustAnchorsView()->isVisible());
    QVERIFY(store(TrustStore::TeeRoot)->importBytes(teep::test::makeRoot(QStringLiteral("Second DB root")).certificate.pem(),
                                                    QStringLiteral("b.pem")));
    QCOMPARE(teep::test::rowCount(m_window->database().connection(), QStringLiteral("trust_anchors")), 1);
    QVERIFY(m_window->findChild<QLabel *>(QStringLiteral("database-status"))->text().contains(QStringLiteral("second.db")));

    // File > New Database: never over an existing file; a new one starts empty and is switched to.
    QVERIFY(!m_window->newDatabase(junk));
    QVERIFY(m_prompts->errors.last().contains(QStringLiteral("never replaces a file")));
    QFile untouched(junk);
    QVERIFY(untouched.open(QIODevice::ReadOnly));
    QCOMPARE(untouched.readAll(), QByteArray("not sqlite"));
    QCOMPARE(m_window->database().path(), second);
    const QString third = m_dir->path(QStringLiteral("line-3.db"));
    QVERIFY(m_window->newDatabase(third));
    QCOMPARE(m_window->database().path(), third);
    QVERIFY(store(TrustStore::TeeRoot)->showsEmptyState());
    QCOMPARE(teep::test::rowCount(m_window->database().connection(), QStringLiteral("trust_anchors")), 0);
}

QTEST_MAIN(TestTrustAnchorsView)
#include "tst_trustanchorsview.moc"
