// A factory's device list (name,agent-key-file[,group[,profile]]): every line is checked and keeps
// its own error, so the preview shows all that is wrong; the good list registers all or nothing.
#include "crypto/key.h"
#include "store/database.h"
#include "tam/devicecsv.h"
#include "tam/deviceregistry.h"
#include "tempdir.h"

#include <QFile>
#include <QTest>

using namespace teep;

class TestDeviceCsv : public QObject
{
    Q_OBJECT

private slots:
    void init();
    void readsEveryLineAndItsError();
    void refusesWholeListsBeyondLimits();
    void registersAllOrNothing();

private:
    // A fresh public key file named `name` in the list's folder.
    void writeKey(const QString &name)
    {
        const Result<crypto::Key> key = crypto::Key::generate(crypto::KeyAlgorithm::P256);
        QVERIFY(key.ok());
        write(name, key.value().publicKeyPem());
    }
    void write(const QString &name, const QByteArray &bytes)
    {
        QFile file(m_dir->path(name));
        QVERIFY(file.open(QIODevice::WriteOnly));
        QCOMPARE(file.write(bytes), bytes.size());
    }
    std::unique_ptr<test::TempDir> m_dir;
};

void TestDeviceCsv::init()
{
    m_dir = std::make_unique<test::TempDir>();
    for (const char *name : {"a.pem", "b.pem", "c.pem", "d.pem"})
        writeKey(QLatin1String(name));
    write(QStringLiteral("junk.pem"), "not a key");
}

void TestDeviceCsv::readsEveryLineAndItsError()
{
    const QByteArray csv = "name,agent-key-file,group,profile\n"
                           "# line 7, first shift\n"
                           "line7-0001,a.pem,line-7\n"
                           "line7-0002,b.pem,line-7,compatible\n"
                           "\n"
                           "line7-0001,c.pem\n"            // 6: listed twice
                           "line7-0003,missing.pem\n"      // 7
                           "line7-0004,junk.pem\n"         // 8
                           "line7-0005,a.pem\n"            // 9: a's key again
                           "line7-0006,d.pem,line-7,fast\n" // 10
                           "line7-0007\n"                  // 11
                           ",d.pem\n";                     // 12
    const Result<tam::DeviceCsv> list = tam::readDeviceCsv(csv, m_dir->path(QString()));
    QVERIFY(list.ok());
    QCOMPARE(list.value().rows.size(), 9);
    QStringList errors;
    for (const tam::DeviceCsvRow &row : list.value().rows)
        errors << QStringLiteral("%1 %2").arg(row.line).arg(row.error);
    QCOMPARE(errors.at(0), QStringLiteral("3 "));
    QCOMPARE(errors.at(1), QStringLiteral("4 "));
    QVERIFY2(errors.at(2).startsWith(QLatin1String("6 line7-0001 is listed twice")), qPrintable(errors.at(2)));
    QVERIFY2(errors.at(3).startsWith(QLatin1String("7 missing.pem: the key file cannot be read")), qPrintable(errors.at(3)));
    QVERIFY2(errors.at(4).startsWith(QLatin1String("8 junk.pem: the key file holds no public key")), qPrintable(errors.at(4)));
    QVERIFY2(errors.at(5).startsWith(QLatin1String("9 a.pem: the same agent key as another line")), qPrintable(errors.at(5)));
    QVERIFY2(errors.at(6).startsWith(QLatin1String("10 the profile is standard or compatible, not 'fast'")), qPrintable(errors.at(6)));
    QVERIFY2(errors.at(7).startsWith(QLatin1String("11 expected name,agent-key-file")), qPrintable(errors.at(7)));
    QVERIFY2(errors.at(8).startsWith(QLatin1String("12 a device needs a name")), qPrintable(errors.at(8)));
    QCOMPARE(list.value().errorCount(), 7);
    const tam::DeviceCsvRow &second = list.value().rows.at(1);
    QCOMPARE(second.device.group, QStringLiteral("line-7"));
    QCOMPARE(second.device.profile, QStringLiteral("compatible"));
    QCOMPARE(second.keyType, QStringLiteral("P-256"));
    QCOMPARE(list.value().devices().size(), 2); // lines 3 and 4
    QVERIFY(list.value().errorSummary(2).endsWith(QLatin1String("... and 5 more")));
}

void TestDeviceCsv::refusesWholeListsBeyondLimits()
{
    const Result<tam::DeviceCsv> empty = tam::readDeviceCsv("name,agent-key-file\n# nothing yet\n", m_dir->path(QString()));
    QVERIFY(!empty.ok());
    QCOMPARE(empty.error().code, QStringLiteral("tam.csv"));
    const Result<tam::DeviceCsv> huge = tam::readDeviceCsv(QByteArray(tam::kMaxDeviceCsvBytes + 1, '#'), m_dir->path(QString()));
    QVERIFY(!huge.ok());
    QVERIFY(huge.error().message.contains(QLatin1String("larger than")));
    QByteArray many;
    for (qsizetype i = 0; i <= tam::kMaxDeviceCsvRows; ++i)
        many += "d" + QByteArray::number(i) + ",\n";
    const Result<tam::DeviceCsv> tooMany = tam::readDeviceCsv(many, m_dir->path(QString()));
    QVERIFY(!tooMany.ok());
    QVERIFY(tooMany.error().message.contains(QLatin1String("more than")));
}

void TestDeviceCsv::registersAllOrNothing()
{
    auto db = store::Database::open(m_dir->database(QStringLiteral("fleet.db")));
    QVERIFY(db.ok());
    tam::DeviceRegistry registry(db.value()->connection(), SystemClock::instance(), QStringLiteral("test"));
    const Result<tam::DeviceCsv> list = tam::readDeviceCsv("line7-0001,a.pem,line-7\nline7-0002,b.pem,line-7,compatible\n", m_dir->path(QString()));
    QVERIFY(list.ok() && list.value().errorCount() == 0);
    QVERIFY(registry.registerAgents(list.value().devices()).ok());
    QCOMPARE(registry.deviceNames().value(), (QStringList{QStringLiteral("line7-0001"), QStringLiteral("line7-0002")}));
    // A name the TAM knows is an error of the list (the preview shows it).
    const QStringList known = registry.deviceNames().value();
    const Result<tam::DeviceCsv> again = tam::readDeviceCsv("line7-0003,c.pem\nline7-0001,d.pem\n", m_dir->path(QString()),
                                                            QSet<QString>(known.cbegin(), known.cend()));
    QVERIFY(again.ok());
    QCOMPARE(again.value().errorCount(), 1);
    QCOMPARE(again.value().rows.at(1).error, QStringLiteral("line7-0001 is registered already"));
    // An agent key registered already (under any name): nothing of the list is registered.
    const Result<tam::DeviceCsv> sameKey = tam::readDeviceCsv("line7-0003,c.pem\nline7-0004,a.pem\n", m_dir->path(QString()));
    QVERIFY(sameKey.ok() && sameKey.value().errorCount() == 0);
    const Status refused = registry.registerAgents(sameKey.value().devices());
    QVERIFY(!refused.ok());
    QCOMPARE(refused.error().code, QStringLiteral("fleet.duplicate"));
    QCOMPARE(registry.deviceNames().value().size(), 2);
}

QTEST_GUILESS_MAIN(TestDeviceCsv)
#include "tst_devicecsv.moc"
