// The TAM's keys and their rollover in the console, driven as an operator would on a real
// database and a real (SoftHSM2) token: the key list says where each key is; a rollover to a key
// in the token asks the token's PIN (a wrong one is refused, nothing changes), then the list shows
// the token (label, maker, serial, slot, present) and the panel the rollover in progress with the
// devices not yet seen; unplugged, the token shows as not present; retiring asks first and then
// leaves no key signing beside the active one. A key store whose TAM key is in a token asks the PIN
// when unlocked.
#include "crypto/pkcs8.h"
#include "mainwindow.h"
#include "scriptedprompts.h"
#include "shownpage.h"
#include "softhsm.h"
#include "store/database.h"
#include "store/sql.h"
#include "tempdir.h"
#include "trustanchors/tamdialogs.h"
#include "trustanchors/tamidentitypage.h"
#include "trustanchors/tamkeyspanel.h"
#include "trustanchors/trustanchorsview.h"
#include "workspace.h"

#include <QComboBox>
#include <QDir>
#include <QSettings>
#include <QStandardPaths>
#include <QSignalSpy>
#include <QTest>
#include <QTreeWidget>

using namespace teep;

namespace {
const QByteArray kPin = QByteArrayLiteral("2468");
const QByteArray kPassphrase = QByteArrayLiteral("a good passphrase");
} // namespace

class TestTamKeysView : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase()
    {
        QSettings::setDefaultFormat(QSettings::IniFormat);
        QCoreApplication::setOrganizationName(QStringLiteral("teep-console-tests"));
    }
    void rolloverToATokenKeyAndRetire();
    void generateWithTheKeyMadeInAToken();

private:
    void screenshot(const QString &name) const
    {
        const QString dir = qEnvironmentVariable("TEEP_SCREENSHOT_DIR");
        if (!dir.isEmpty())
            m_window->grab().save(dir + QLatin1Char('/') + name + QStringLiteral(".png"));
    }
    ui::TamIdentityPage *page() const { return m_window->trustAnchorsView()->identityPage(); }
    // The panel read again, off the window's thread.
    bool reloaded()
    {
        QSignalSpy done(page()->keysPanel(), &ui::TamKeysPanel::reloaded);
        page()->keysPanel()->reload();
        return done.wait(10000);
    }
    QStringList row(int index) const
    {
        QStringList cells;
        const QTreeWidgetItem *item = page()->keysPanel()->keyList()->topLevelItem(index);
        for (int column = 0; item && column < item->columnCount(); ++column)
            cells << item->text(column);
        return cells;
    }

    QString scalar(const QString &sql) const
    {
        auto query = store::run(m_window->workspace().database().connection(), sql);
        return query && query.value().next() ? query.value().value(0).toString() : QString();
    }
    int identities() const
    {
        auto count = store::run(m_window->workspace().database().connection(), QStringLiteral("SELECT COUNT(*) FROM tam_identities"));
        return count && count.value().next() ? count.value().value(0).toInt() : -1;
    }

    // A window on a new database, showing the TAM Identity view.
    void openWindow()
    {
        m_window.reset();
        m_dir = std::make_unique<test::TempDir>();
        QSettings::setPath(QSettings::IniFormat, QSettings::UserScope, m_dir->path(QStringLiteral("settings")));
        auto db = store::Database::open(m_dir->path(QStringLiteral("teep.db")));
        QVERIFY(db.ok());
        m_window = std::make_unique<ui::MainWindow>(std::move(db).value(), &m_prompts);
        m_window->resize(1024, 768);
        m_window->showPage(ui::Page::TrustAnchors);
        m_window->show();
        QVERIFY(QTest::qWaitForWindowExposed(m_window.get()));
        test::shown(page());
    }

    std::unique_ptr<test::TempDir> m_dir;
    test::ScriptedPrompts m_prompts;
    test::SoftHsm m_token;
    std::unique_ptr<ui::MainWindow> m_window;
};

void TestTamKeysView::rolloverToATokenKeyAndRetire()
{
    if (!test::SoftHsm::available())
        QSKIP("SoftHSM2 (installed by installers/install-deps.sh) is not here");
    QVERIFY(m_token.init(QStringLiteral("line hsm"), QString::fromLatin1(kPin)).isEmpty());
    const QString made = m_token.generateKey(QStringLiteral("tam-2027"), QStringLiteral("27"), QString::fromLatin1(kPin));
    if (made.contains(QStringLiteral("not installed")))
        QSKIP("p11tool (installed by installers/install-deps.sh) is not here");
    QVERIFY2(made.isEmpty(), qPrintable(made));

    openWindow();
    tam::GenerateOptions options;
    options.name = QStringLiteral("Line TAM");
    m_prompts.passphrases.enqueue(kPassphrase);
    QVERIFY(page()->generate(options));
    QVERIFY(reloaded());
    QCOMPARE(page()->keysPanel()->keyList()->topLevelItemCount(), 2);
    QCOMPARE(row(0).mid(0, 4), (QStringList{QStringLiteral("Line TAM"), QStringLiteral("active"), QStringLiteral("signing (EC P-256)"),
                                            QStringLiteral("database (passphrase)")}));
    QCOMPARE(row(1).at(2), QStringLiteral("root CA (EC P-256)"));
    QVERIFY(page()->keysPanel()->rolloverText().contains(QStringLiteral("No previous key")));

    if (qEnvironmentVariableIsSet("TEEP_SCREENSHOT_DIR")) {
        ui::RolloverDialog dialog(QStringLiteral("Line TAM"), true, m_window.get());
        dialog.show();
        QVERIFY(QTest::qWaitForWindowExposed(&dialog));
        dialog.grab().save(qEnvironmentVariable("TEEP_SCREENSHOT_DIR") + QStringLiteral("/tam-rollover-dialog.png"));
    }
    // A wrong PIN: refused by the token, nothing changes.
    ui::RolloverRequest request{QStringLiteral("Line TAM 2027"), crypto::KeyAlgorithm::P256, m_token.uri(QStringLiteral("tam-2027")), false, 21, false};
    m_prompts.passphrases.enqueue("0000");
    QVERIFY(!page()->rollover(request));
    QVERIFY2(m_prompts.errors.last().contains(QStringLiteral("refused the PIN")), qPrintable(m_prompts.errors.last()));
    QVERIFY(!m_window->workspace().keys().hasTokenPin());
    QCOMPARE(identities(), 1);
    QVERIFY(reloaded());
    QCOMPARE(page()->keysPanel()->keyList()->topLevelItemCount(), 2);

    m_prompts.passphrases.enqueue(kPin);
    QVERIFY2(page()->rollover(request), qPrintable(m_prompts.errors.join(u'\n')));
    QVERIFY(reloaded());
    QCOMPARE(page()->keysPanel()->keyList()->topLevelItemCount(), 4);
    const QStringList tokenRow = row(2);
    QCOMPARE(tokenRow.at(0), QStringLiteral("Line TAM 2027"));
    QCOMPARE(tokenRow.at(1), QStringLiteral("active"));
    QCOMPARE(tokenRow.at(3), QStringLiteral("PKCS#11 token"));
    QVERIFY2(tokenRow.at(5).startsWith(QStringLiteral("'line hsm' · SoftHSM project SoftHSM v2 · serial ")) && tokenRow.at(5).contains(QStringLiteral("slot ")),
             qPrintable(tokenRow.at(5)));
    QCOMPARE(tokenRow.at(4), QStringLiteral("yes"));
    QCOMPARE(row(0).at(1), QStringLiteral("signs beside the active one"));
    QCOMPARE(page()->keysPanel()->overlapping(), QStringLiteral("Line TAM"));
    QVERIFY(page()->keysPanel()->rolloverText().contains(QStringLiteral("Rollover in progress")));
    QVERIFY(page()->keysPanel()->rolloverText().contains(QStringLiteral("<b>0 of 0</b>")));
    QCOMPARE(identities(), 2);
    // Deployed agents keep the previous key until the operator says they have the new one.
    QVERIFY(page()->keysPanel()->legacyKeyChoice()->isVisible());
    QCOMPARE(page()->keysPanel()->legacyKeyChoice()->currentIndex(), 0);
    page()->keysPanel()->legacyKeyChoice()->setCurrentIndex(1);
    emit page()->keysPanel()->legacyKeyChoice()->activated(1);
    QVERIFY(reloaded());
    QCOMPARE(page()->keysPanel()->legacyKeyChoice()->currentIndex(), 1);
    QCOMPARE(scalar(QStringLiteral("SELECT value FROM settings WHERE key = 'teep.rollover-single-signature-key'")), QStringLiteral("new"));
    screenshot(QStringLiteral("tam-keys-rollover"));

    // Unplugged: the list says so.
    const QString unplugged = m_token.tokenDir() + QStringLiteral(".out");
    QVERIFY(QDir().rename(m_token.tokenDir(), unplugged));
    QVERIFY(reloaded());
    QCOMPARE(row(2).at(4), QStringLiteral("NO"));
    QVERIFY2(row(2).at(5).contains(QStringLiteral("not found")), qPrintable(row(2).at(5)));
    QVERIFY(QDir().rename(unplugged, m_token.tokenDir()));

    // Locked and unlocked again: the passphrase, then the token's PIN.
    m_window->workspace().lock();
    QVERIFY(!m_window->workspace().keys().hasTokenPin());
    m_prompts.passphrases.enqueue(kPassphrase);
    m_prompts.passphrases.enqueue(kPin);
    QVERIFY(m_window->workspace().ensureUnlocked(m_window.get()));
    QVERIFY(m_window->workspace().keys().hasTokenPin());
    QVERIFY2(m_prompts.questions.last().contains(QStringLiteral("token=line%20hsm;object=tam-2027")), qPrintable(m_prompts.questions.last()));

    // Retiring asks first; declined, nothing changes; confirmed, no key signs beside the active one.
    m_prompts.confirmations.enqueue(false);
    emit page()->keysPanel()->retireRequested(QStringLiteral("Line TAM"));
    QVERIFY(m_prompts.questions.last().contains(QStringLiteral("Retire 'Line TAM'")));
    QVERIFY(reloaded());
    QCOMPARE(row(0).at(1), QStringLiteral("signs beside the active one"));
    m_prompts.confirmations.enqueue(true);
    emit page()->keysPanel()->retireRequested(QStringLiteral("Line TAM"));
    QVERIFY(reloaded());
    QCOMPARE(row(0).at(1), QStringLiteral("retired"));
    QVERIFY(page()->keysPanel()->rolloverText().contains(QStringLiteral("No previous key")));
    QVERIFY(page()->keysPanel()->overlapping().isEmpty());
    QVERIFY(!page()->keysPanel()->legacyKeyChoice()->isVisible());
}

// Generate in the console with the TAM's key made in the token: it never exists outside it.
void TestTamKeysView::generateWithTheKeyMadeInAToken()
{
    if (!test::SoftHsm::available() || QStandardPaths::findExecutable(QStringLiteral("p11tool")).isEmpty())
        QSKIP("SoftHSM2 and p11tool (installed by installers/install-deps.sh) are not here");
    QVERIFY(m_token.init(QStringLiteral("console hsm"), QString::fromLatin1(kPin)).isEmpty());
    openWindow();
    tam::GenerateOptions options;
    options.name = QStringLiteral("Console TAM");
    m_prompts.passphrases.enqueue(kPassphrase);
    m_prompts.passphrases.enqueue(kPin);
    QVERIFY2(page()->generate(options, m_token.uri(QStringLiteral("console-tam"))), qPrintable(m_prompts.errors.join(u'\n')));
    QVERIFY(reloaded());
    QCOMPARE(row(0).mid(0, 5), (QStringList{QStringLiteral("Console TAM"), QStringLiteral("active"), QStringLiteral("signing (EC P-256)"),
                                            QStringLiteral("PKCS#11 token"), QStringLiteral("yes")}));
    QCOMPARE(scalar(QStringLiteral("SELECT LENGTH(k.pkcs8) FROM private_keys k JOIN tam_identities t ON t.key_id = k.id")), QStringLiteral("0"));
    // The same label again: refused, nothing made.
    options.name = QStringLiteral("Console TAM 2");
    QVERIFY(!page()->generate(options, m_token.uri(QStringLiteral("console-tam"))));
    QVERIFY2(m_prompts.errors.last().contains(QStringLiteral("already holds a key labelled 'console-tam'")), qPrintable(m_prompts.errors.last()));
    QCOMPARE(identities(), 1);
}

QTEST_MAIN(TestTamKeysView)
#include "tst_tamkeysview.moc"
