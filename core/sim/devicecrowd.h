#pragma once

#include "sim/devicerunner.h"
#include "sim/messagegate.h"

#include <QObject>
#include <QThread>

// Many simulated devices on a thread of their own: the program that starts them (the console)
// keeps its thread for its windows while hundreds of devices sign, verify and post.
namespace teep::sim {

struct CrowdOutcome
{
    int completed = 0;
    int failed = 0;
    bool cancelled = false;
    QString error; // why the devices could not be made (then none ran)
};

class DeviceCrowd : public QObject
{
    Q_OBJECT

public:
    struct Plan
    {
        QStringList names;
        QString demoDirectory; // the demo material (read on the crowd's thread: keys and certificates)
        QStringList teeNames{QStringLiteral("primary")}; // OTrP devices' TEEs
        QUrl tam;
        SimFaults faults;
        QString stateDir;
        SimProfile profile = SimProfile::Teep;
        Pace pace = Pace::RealTime;
        int slowMs = 1000; // the pause before each message at Pace::Slow
    };

    explicit DeviceCrowd(const Clock &clock, QObject *parent = nullptr);
    // Devices still running are abandoned (their sessions expire at the TAM).
    ~DeviceCrowd() override;

    // Makes the devices and starts them on the crowd's thread; returns at once. Each device
    // reports deviceFinished, then the crowd finished. False when a crowd is already running.
    bool start(Plan plan);
    // Abandons the devices still running; finished() follows with what ran to the end.
    void cancel();
    bool isRunning() const { return m_worker != nullptr; }
    // The running devices' pace, from now on (the next crowd starts at its plan's).
    void setPace(Pace pace, int slowMs = 1000);
    // Step: lets the oldest waiting message go.
    void next();

signals:
    void deviceFinished(const teep::sim::DeviceOutcome &outcome);
    void finished(const teep::sim::CrowdOutcome &outcome);
    // Step: how many messages wait for next(), and the one it lets go.
    void messagesWaiting(int count, const QString &nextMessage);

private:
    class Worker;
    void workerDone(const CrowdOutcome &outcome);

    const Clock &m_clock;
    QThread m_thread;
    Worker *m_worker = nullptr; // lives on m_thread
};

} // namespace teep::sim
