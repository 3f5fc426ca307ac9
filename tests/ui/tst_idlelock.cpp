// A console left alone locks its key store (and its listener stops signing) after the idle time
// the operator chose; keyboard and mouse input keeps it open; the choice is kept in the settings.
#include "idlelock.h"
#include "mainwindow.h"
#include "scriptedprompts.h"
#include "store/database.h"
#include "tam/tamhost.h"
#include "tempdir.h"
#include "workspace.h"

#include <QAction>
#include <QLabel>
#include <QSettings>
#include <QStatusBar>
#include <QSignalSpy>
#include <QTest>

class TestIdleLock : public QObject
{
    Q_OBJECT

private slots:
    void init()
    {
        m_dir = std::make_unique<teep::test::TempDir>();
        m_prompts = {};
        auto db = teep::store::Database::open(m_dir->database(QStringLiteral("idle.db")));
        QVERIFY(db.ok());
        m_window = std::make_unique<teep::ui::MainWindow>(std::move(db.value()), &m_prompts);
        m_window->show();
        QVERIFY(QTest::qWaitForWindowExposed(m_window.get()));
    }
    void cleanup()
    {
        m_window.reset();
        m_dir.reset();
        QSettings().remove(QStringLiteral("security/auto-lock-minutes"));
    }

    void locksAfterIdleButNotWhileInUse()
    {
        m_prompts.passphrases.enqueue("the line passphrase"); // the first unlock chooses it
        QVERIFY(m_window->workspace().ensureUnlocked(m_window.get()));
        auto *label = m_window->findChild<QLabel *>(QStringLiteral("keystore-status"));
        QVERIFY(label);
        QCOMPARE(label->text(), QStringLiteral("Key store: unlocked"));
        QSignalSpy locked(&m_window->idleLock(), &teep::ui::IdleLock::lockedForIdleness);
        m_window->idleLock().setTimeout(std::chrono::milliseconds(400));

        // Someone at the mouse for over a second: nothing locks.
        for (int i = 0; i < 12; ++i) {
            QTest::mouseMove(m_window.get(), QPoint(100 + i * 5, 100));
            QTest::qWait(100);
        }
        QCOMPARE(locked.size(), 0);
        QCOMPARE(label->text(), QStringLiteral("Key store: unlocked"));
        QVERIFY(!m_window->tamHost().isLocked());

        // Then nobody: it locks, and so does the TAM's signing.
        QVERIFY(locked.wait(3000));
        QCOMPARE(label->text(), QStringLiteral("Key store: locked"));
        QVERIFY(m_window->tamHost().isLocked());
        QVERIFY(m_window->statusBar()->currentMessage().startsWith(QStringLiteral("Key store locked after")));

        // Locked, it waits for the next unlock: no second lock while nobody unlocks.
        QVERIFY(!locked.wait(800));
    }

    void theChoiceIsKeptAndNeverMeansNever()
    {
        QAction *fifteen = m_window->findChild<QAction *>(QStringLiteral("auto-lock-15"));
        QAction *never = m_window->findChild<QAction *>(QStringLiteral("auto-lock-0"));
        QVERIFY(fifteen && never);
        QVERIFY(never->isChecked()); // off unless chosen
        QCOMPARE(m_window->idleLock().timeout().count(), 0);
        fifteen->trigger();
        QCOMPARE(teep::ui::IdleLock::savedMinutes(), 15);
        QCOMPARE(m_window->idleLock().timeout(), std::chrono::milliseconds(std::chrono::minutes(15)));
        QVERIFY(!never->isChecked());
        never->trigger();
        QCOMPARE(teep::ui::IdleLock::savedMinutes(), 0);
        QCOMPARE(m_window->idleLock().timeout().count(), 0);
    }

private:
    std::unique_ptr<teep::test::TempDir> m_dir;
    teep::test::ScriptedPrompts m_prompts;
    std::unique_ptr<teep::ui::MainWindow> m_window;
};

QTEST_MAIN(TestIdleLock)
#include "tst_idlelock.moc"
