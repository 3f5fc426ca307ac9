#include "sim/devicecrowd.h"

#include <algorithm>
#include <memory>
#include <vector>

#include "common/threadpriority.h"

namespace teep::sim {

namespace {
// One QNetworkAccessManager keeps at most 6 connections to a host: several of them let many
// devices talk to the TAM at once, as a real fleet does.
constexpr int kDevicesPerNetwork = 6;
constexpr int kMaxNetworks = 32;

// Simulated load yields to the console's window and its TAM (nice 5): nice 10.
void yieldToTheConsole()
{
    niceCurrentThread(10);
}
} // namespace

// The devices and their network managers, made, run and destroyed on the crowd's thread.
class DeviceCrowd::Worker : public QObject
{
public:
    Worker(DeviceCrowd &crowd, const Clock &clock) : m_crowd(crowd), m_clock(clock), m_gate(new MessageGate(this))
    {
        connect(m_gate, &MessageGate::waitingChanged, this, [this](int count, const QString &nextMessage) { emit m_crowd.messagesWaiting(count, nextMessage); });
    }

    MessageGate &gate() { return *m_gate; }

    void run(const Plan &plan)
    {
        yieldToTheConsole();
        m_gate->setPace(plan.pace, plan.slowMs);
        const Result<DemoMaterial> material = readDemoDirectory(plan.demoDirectory);
        if (!material) {
            done(false, material.error().toString());
            return;
        }
        m_networks.resize(size_t(std::clamp((int(plan.names.size()) + kDevicesPerNetwork - 1) / kDevicesPerNetwork, 1, kMaxNetworks)));
        for (auto &network : m_networks)
            network = std::make_unique<QNetworkAccessManager>();
        for (const QString &name : plan.names) {
            QNetworkAccessManager &network = *m_networks[size_t(m_devices.size()) % m_networks.size()];
            auto device = SimDevice::create(name, material.value(), plan.teeNames, plan.tam, plan.faults, network, plan.stateDir, m_clock, plan.profile);
            if (!device) {
                m_devices.clear();
                done(false, QStringLiteral("%1: %2").arg(name, device.error().toString()));
                return;
            }
            SimDevice *raw = device.value().get();
            raw->setGate(m_gate);
            connect(raw, &SimDevice::finished, this, [this, raw](const DeviceOutcome &outcome) { deviceFinished(raw, outcome); });
            m_devices.push_back(std::move(device.value()));
        }
        for (auto &device : m_devices)
            device->start();
        if (m_devices.empty())
            done(false, QString());
    }

    void cancel()
    {
        if (m_devices.empty())
            return;
        m_devices.clear();
        done(true, QString());
    }

private:
    void deviceFinished(SimDevice *device, const DeviceOutcome &outcome)
    {
        (outcome.ok ? m_completed : m_failed)++;
        emit m_crowd.deviceFinished(outcome);
        // The device is in the middle of emitting: released once control is back in the loop.
        const auto it = std::find_if(m_devices.begin(), m_devices.end(), [device](const auto &owned) { return owned.get() == device; });
        if (it != m_devices.end()) {
            it->release()->deleteLater();
            m_devices.erase(it);
        }
        if (m_devices.empty())
            done(false, QString());
    }

    void done(bool cancelled, const QString &error)
    {
        const CrowdOutcome outcome{m_completed, m_failed, cancelled, error};
        // Queued to the crowd's thread, which then ends this one.
        QMetaObject::invokeMethod(&m_crowd, [crowd = &m_crowd, outcome] { crowd->workerDone(outcome); }, Qt::QueuedConnection);
    }

    DeviceCrowd &m_crowd;
    const Clock &m_clock;
    std::vector<std::unique_ptr<QNetworkAccessManager>> m_networks;
    std::vector<std::unique_ptr<SimDevice>> m_devices;
    MessageGate *m_gate; // a child: on the crowd's thread with the devices
    int m_completed = 0;
    int m_failed = 0;
};

DeviceCrowd::DeviceCrowd(const Clock &clock, QObject *parent) : QObject(parent), m_clock(clock)
{
    m_thread.setObjectName(QStringLiteral("simulated devices"));
}

DeviceCrowd::~DeviceCrowd()
{
    if (!m_worker)
        return;
    Worker *worker = m_worker;
    QMetaObject::invokeMethod(worker, [worker] { delete worker; }, Qt::BlockingQueuedConnection);
    m_thread.quit();
    m_thread.wait();
}

bool DeviceCrowd::start(Plan plan)
{
    if (m_worker)
        return false;
    m_worker = new Worker(*this, m_clock);
    m_worker->moveToThread(&m_thread);
    m_thread.start(QThread::LowPriority); // and nice 10 on Linux: yieldToTheConsole()
    QMetaObject::invokeMethod(m_worker, [worker = m_worker, plan = std::move(plan)] { worker->run(plan); }, Qt::QueuedConnection);
    return true;
}

void DeviceCrowd::cancel()
{
    if (m_worker)
        QMetaObject::invokeMethod(m_worker, [worker = m_worker] { worker->cancel(); }, Qt::QueuedConnection);
}

void DeviceCrowd::setPace(Pace pace, int slowMs)
{
    if (m_worker)
        QMetaObject::invokeMethod(m_worker, [worker = m_worker, pace, slowMs] { worker->gate().setPace(pace, slowMs); }, Qt::QueuedConnection);
}

void DeviceCrowd::next()
{
    if (m_worker)
        QMetaObject::invokeMethod(m_worker, [worker = m_worker] { worker->gate().next(); }, Qt::QueuedConnection);
}

void DeviceCrowd::workerDone(const CrowdOutcome &outcome)
{
    if (!m_worker)
        return;
    Worker *worker = m_worker;
    m_worker = nullptr;
    QMetaObject::invokeMethod(worker, [worker] { delete worker; }, Qt::BlockingQueuedConnection);
    m_thread.quit();
    m_thread.wait();
    emit finished(outcome);
}

} // namespace teep::sim
