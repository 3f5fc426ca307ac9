// The factory admin's path: a device registered from the form (which keeps what was typed when
// a field is wrong), a batch whose progress moves as its devices are provisioned, and the batch's
// record as CSV and as a PDF whose text an independent reader (poppler's pdftotext) finds.
#include "devices/batchdialog.h"
#include "devices/devicespage.h"
#include "devices/listenersettingsdialog.h"
#include "devices/registerdevicedialog.h"
#include "mainwindow.h"
#include "models/fleetmodel.h"
#include "navigation.h"
#include "scriptedprompts.h"
#include "sim/demomaterial.h"
#include "sim/devicerunner.h"
#include "store/database.h"
#include "tam/deviceregistry.h"
#include "tam/tamhost.h"
#include "tempdir.h"
#include "workspace.h"

#include <QApplication>
#include <QComboBox>
#include <QDir>
#include <QFile>
#include <QLabel>
#include <QLineEdit>
#include <QMenu>
#include <QNetworkAccessManager>
#include <QProcess>
#include <QProgressBar>
#include <QPushButton>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTcpServer>
#include <QTest>
#include <QTimer>

using teep::ui::Page;

class TestFactoryLine : public QObject
{
    Q_OBJECT

private slots:
    void init();
    void cleanup();
    void oneDeviceIsRegisteredFromTheForm();
    void aBatchShowsItsProgressLiveAndPrintsItsRecord();
    void theListenerListensWhereTheSettingsSay();

private:
    // A TEEP device's keys as the line makes them; the path of its agent's public key.
    QString lineDevice(const teep::sim::DemoMaterial &material, const QString &name)
    {
        const QString state = m_dir->path(QStringLiteral("line"));
        if (!teep::sim::deviceTeepIdentity(material, name, state, false).ok())
            return {};
        return QDir(state).filePath(name + QStringLiteral("/teep/agent.pub.pem"));
    }
    // Runs one device's session against the console's listener; what it holds after.
    QStringList provision(const teep::sim::DemoMaterial &material, const QString &name)
    {
        QNetworkAccessManager network;
        auto device = teep::sim::SimDevice::create(name, material, {}, QUrl(m_window->tamHost().uri()), {}, network, m_dir->path(QStringLiteral("line")),
                                                   teep::SystemClock::instance(), teep::sim::SimProfile::Teep);
        if (!device)
            return {QStringLiteral("not made: ") + device.error().toString()};
        std::optional<teep::sim::DeviceOutcome> outcome;
        connect(device.value().get(), &teep::sim::SimDevice::finished, this, [&outcome](const teep::sim::DeviceOutcome &o) { outcome = o; });
        device.value()->start();
        if (!QTest::qWaitFor([&outcome] { return outcome.has_value(); }, 20000))
            return {QStringLiteral("no outcome")};
        return outcome->installed;
    }
    void grab(QWidget *widget, const QString &name)
    {
        if (qEnvironmentVariableIsSet("TEEP_SCREENSHOT_DIR"))
            widget->grab().save(qEnvironmentVariable("TEEP_SCREENSHOT_DIR") + QLatin1Char('/') + name + QStringLiteral(".png"));
    }

    std::unique_ptr<teep::test::TempDir> m_dir;
    teep::test::ScriptedPrompts m_prompts;
    std::unique_ptr<teep::ui::MainWindow> m_window;
    teep::ui::DevicesPage *m_page = nullptr;
};

void TestFactoryLine::init()
{
    m_dir = std::make_unique<teep::test::TempDir>();
    m_prompts = {};
    auto db = teep::store::Database::open(m_dir->database(QStringLiteral("factory.db")));
    QVERIFY(db.ok());
    m_window = std::make_unique<teep::ui::MainWindow>(std::move(db.value()), &m_prompts);
    m_window->resize(1024, 768);
    m_window->show();
    m_window->showPage(Page::Devices);
    m_page = m_window->devicesPage();
    QVERIFY(m_page);
    m_prompts.confirmations.enqueue(true);
    QVERIFY(m_page->setUpDemo());
}

void TestFactoryLine::cleanup()
{
    m_window.reset();
    m_dir.reset();
}

void TestFactoryLine::oneDeviceIsRegisteredFromTheForm()
{
    const auto material = teep::sim::readDemoDirectory(m_page->demoDirectory());
    QVERIFY(material.ok());
    const QString key = lineDevice(material.value(), QStringLiteral("line8-0001"));
    QVERIFY(!key.isEmpty());

    // The operator types the name, a wrong key file and a group; then, with the form back as it
    // was, fixes the key file only.
    QStringList seen;
    int step = 0;
    QTimer operatorAtTheForm;
    connect(&operatorAtTheForm, &QTimer::timeout, this, [&] {
        auto *dialog = qobject_cast<teep::ui::RegisterDeviceDialog *>(QApplication::activeModalWidget());
        if (!dialog || !dialog->isVisible())
            return;
        if (step == 0) {
            dialog->findChild<QLineEdit *>(QStringLiteral("register-name"))->setText(QStringLiteral("line8-0001"));
            dialog->findChild<QLineEdit *>(QStringLiteral("register-key"))->setText(m_dir->path(QStringLiteral("no-such-key.pem")));
            dialog->findChild<QComboBox *>(QStringLiteral("register-group"))->setCurrentText(QStringLiteral("line-8"));
            grab(dialog, QStringLiteral("register-device"));
        } else {
            const teep::ui::DeviceForm form = dialog->form();
            seen << form.name << form.group << form.keyFile;
            dialog->findChild<QLineEdit *>(QStringLiteral("register-key"))->setText(key);
        }
        ++step;
        dialog->accept();
    });
    operatorAtTheForm.start(20);
    QAction *one = m_page->findChild<QAction *>(QStringLiteral("register-device"));
    QVERIFY(one);
    one->trigger();
    operatorAtTheForm.stop();

    QCOMPARE(step, 2);
    QCOMPARE(m_prompts.errors.size(), 1);
    QVERIFY2(m_prompts.errors.first().contains(QStringLiteral("no-such-key.pem: the key file cannot be read")), qPrintable(m_prompts.errors.first()));
    QCOMPARE(seen, (QStringList{QStringLiteral("line8-0001"), QStringLiteral("line-8"), m_dir->path(QStringLiteral("no-such-key.pem"))}));
    m_page->reload();
    auto *model = m_page->model();
    QCOMPARE(model->rowCount(), 1);
    QCOMPARE(model->data(model->index(0, teep::ui::FleetModel::Name)).toString(), QStringLiteral("line8-0001"));
    QCOMPARE(model->device(0).groupName, QStringLiteral("line-8"));

    // The same name again is refused with the reason, and nothing changes.
    teep::ui::DeviceForm again{QStringLiteral("line8-0001"), key, QString(), QStringLiteral("standard")};
    QVERIFY(!m_page->registerDevice(again));
    QCOMPARE(m_prompts.errors.size(), 2);
    QVERIFY2(m_prompts.errors.last().contains(QStringLiteral("line8-0001")), qPrintable(m_prompts.errors.last()));
    m_page->reload();
    QCOMPARE(model->rowCount(), 1);
}

void TestFactoryLine::aBatchShowsItsProgressLiveAndPrintsItsRecord()
{
    auto material = teep::sim::readDemoDirectory(m_page->demoDirectory());
    QVERIFY(material.ok());
    const QStringList names = {QStringLiteral("line9-0001"), QStringLiteral("line9-0002"), QStringLiteral("line9-0003")};
    for (const QString &name : names)
        QVERIFY(m_page->registerDevice({name, lineDevice(material.value(), name), QStringLiteral("line-9"), QStringLiteral("standard")}));
    QVERIFY(m_page->registerDevice({QStringLiteral("other-0001"), lineDevice(material.value(), QStringLiteral("other-0001")), QStringLiteral("line-1"),
                                    QStringLiteral("standard")}));

    teep::ui::BatchDialog *batch = m_page->openBatch();
    QVERIFY(batch);
    QSignalSpy refreshed(batch, &teep::ui::BatchDialog::refreshed);
    batch->setGroup(QStringLiteral("line-9"));
    QTRY_COMPARE(batch->progress().total(), 3);
    QCOMPARE(batch->progress().waiting, 3);
    auto *bar = batch->findChild<QProgressBar *>(QStringLiteral("batch-progress"));
    QCOMPARE(bar->value(), 0);
    QCOMPARE(bar->maximum(), 3);

    // The line runs: the first device is provisioned; the second trusts only one SP's signer and
    // refuses the other's TA. The bar follows without anyone pressing anything.
    QVERIFY(m_page->startListener());
    QCOMPARE(provision(material.value(), names.at(0)), (QStringList{QStringLiteral("acme-wallet v2"), QStringLiteral("globex-drm v1")}));
    QTRY_COMPARE(bar->value(), 1);
    auto picky = material.value();
    picky.spSigners.removeIf([](const teep::crypto::Certificate &signer) { return signer.commonName().contains(QLatin1String("globex"), Qt::CaseInsensitive); });
    QCOMPARE(provision(picky, names.at(1)), QStringList{QStringLiteral("acme-wallet v2")});
    QTRY_COMPARE(bar->value(), 2);
    const teep::tam::BatchProgress &progress = batch->progress();
    QCOMPARE(progress.provisioned, 1);
    QCOMPARE(progress.failed, 1);
    QCOMPARE(progress.waiting, 1);
    QCOMPARE(progress.devices.at(1).device, names.at(1));
    QVERIFY2(progress.devices.at(1).why.contains(QStringLiteral("globex-drm v1")), qPrintable(progress.devices.at(1).why));
    grab(batch, QStringLiteral("batch-progress"));

    // The record: CSV, one row per device of the batch (not the other line's).
    const QString csvPath = m_dir->path(QStringLiteral("line-9.csv"));
    QVERIFY(batch->exportCsv(csvPath));
    QFile csv(csvPath);
    QVERIFY(csv.open(QIODevice::ReadOnly));
    const QList<QByteArray> lines = csv.readAll().trimmed().split('\n');
    QCOMPARE(lines.size(), 4);
    for (int i = 1; i <= 3; ++i)
        QVERIFY2(lines.at(i).startsWith(names.at(i - 1).toUtf8() + ','), lines.at(i).constData());

    // ... and PDF, read back by an independent reader.
    const QString pdfPath = m_dir->path(QStringLiteral("line-9.pdf"));
    QVERIFY(batch->exportPdf(pdfPath));
    if (qEnvironmentVariableIsSet("TEEP_SCREENSHOT_DIR"))
        QFile::copy(pdfPath, qEnvironmentVariable("TEEP_SCREENSHOT_DIR") + QStringLiteral("/batch-record.pdf"));
    QFile pdf(pdfPath);
    QVERIFY(pdf.open(QIODevice::ReadOnly));
    QVERIFY(pdf.read(5) == "%PDF-");
    const QString pdftotext = QStandardPaths::findExecutable(QStringLiteral("pdftotext"));
    if (pdftotext.isEmpty())
        QSKIP("pdftotext (poppler-utils, installed by installers/install-deps.sh) is not here");
    QProcess reader;
    reader.start(pdftotext, {QStringLiteral("-layout"), pdfPath, QStringLiteral("-")});
    QVERIFY(reader.waitForFinished(30000));
    QCOMPARE(reader.exitCode(), 0);
    const QString text = QString::fromUtf8(reader.readAllStandardOutput()).simplified();
    QVERIFY2(text.contains(QStringLiteral("Provisioning record: group line-9")), qPrintable(text));
    QVERIFY2(text.contains(QStringLiteral("Provisioned 1")) && text.contains(QStringLiteral("Failed 1")), qPrintable(text));
    QVERIFY2(text.contains(QStringLiteral("line9-0001 (provisioned)")), qPrintable(text));
    QVERIFY2(text.contains(QStringLiteral("line9-0002 (failed)")), qPrintable(text));
    QVERIFY2(text.contains(QStringLiteral("line9-0003 (waiting)")), qPrintable(text));
    QVERIFY2(text.contains(QStringLiteral("Registered by ") + m_window->workspace().actor()), qPrintable(text));
    QVERIFY2(text.contains(QStringLiteral("acme-wallet v2; globex-drm v1")), qPrintable(text));
    QVERIFY2(!text.contains(QStringLiteral("other-0001")), qPrintable(text));
}

// A line's devices are given a fixed URI: the port chosen in Listener Settings (kept in the
// database) is where the console's listener listens; a wrong address is refused in the dialog,
// which keeps what was typed.
void TestFactoryLine::theListenerListensWhereTheSettingsSay()
{
    QTcpServer probe; // a port free right now
    QVERIFY(probe.listen(QHostAddress::LocalHost, 0));
    const quint16 port = probe.serverPort();
    probe.close();
    {
        teep::ui::ListenerSettingsDialog dialog(m_window->workspace(), m_window.get());
        QVERIFY(dialog.load());
        auto *listen = dialog.findChild<QLineEdit *>(QStringLiteral("listen-address"));
        QVERIFY(listen && listen->text().isEmpty());
        listen->setText(QStringLiteral("line-2:80"));
        QVERIFY(!dialog.apply());
        QVERIFY(dialog.findChild<QLabel *>(QStringLiteral("settings-error"))->text().contains(QStringLiteral("is not ADDRESS:PORT")));
        QCOMPARE(listen->text(), QStringLiteral("line-2:80"));
        dialog.show();
        grab(&dialog, QStringLiteral("listener-settings-refused"));
        listen->setText(QStringLiteral("127.0.0.1:%1").arg(port));
        auto *admission = dialog.findChild<QComboBox *>(QStringLiteral("admission"));
        QCOMPARE(admission->currentData().toInt(), int(teep::tam::Admission::Attested));
        admission->setCurrentIndex(admission->findData(int(teep::tam::Admission::RegisteredOnly)));
        QVERIFY(dialog.apply());
    }
    const teep::tam::DeviceRegistry registry(m_window->database().connection(), teep::SystemClock::instance(), QStringLiteral("test"));
    QCOMPARE(registry.admission().value(), teep::tam::Admission::RegisteredOnly);
    QVERIFY(m_page->startListener());
    QCOMPARE(m_window->tamHost().uri(), QStringLiteral("http://127.0.0.1:%1/tam").arg(port));
    // A device nobody registered is refused now, and not recorded.
    const auto material = teep::sim::readDemoDirectory(m_page->demoDirectory());
    QVERIFY(material.ok());
    QVERIFY(provision(material.value(), QStringLiteral("stranger-01")).isEmpty());
    m_page->reload();
    QCOMPARE(m_page->model()->rowCount(), 0);
}

QTEST_MAIN(TestFactoryLine)
#include "tst_factoryline.moc"
