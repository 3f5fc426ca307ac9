#pragma once

#include <QList>
#include <QObject>
#include <QPointer>
#include <QString>

#include <functional>

// How fast simulated devices talk, so that a class can follow a session: at once (real time), with
// a pause before every message (slow), or one message each time the trainer says Next (step).
namespace teep::sim {

enum class Pace { RealTime, Slow, Step };

class MessageGate : public QObject
{
    Q_OBJECT

public:
    explicit MessageGate(QObject *parent = nullptr);

    // Leaving Step lets every waiting message go (at the new pace).
    void setPace(Pace pace, int slowMs = 1000);
    Pace pace() const { return m_pace; }
    // Runs `go` when the pace lets this message go: now, after the pause, or at next(). `what`
    // names the message for the trainer ("teep-001: message 2"). Nothing runs once `sender` is gone.
    void pass(QObject *sender, const QString &what, std::function<void()> go);
    // Step: lets the oldest waiting message go. False when none was waiting.
    bool next();
    int waiting() const;

signals:
    // The messages held back, and the one Next lets go (empty when none).
    void waitingChanged(int count, const QString &nextMessage);

private:
    struct Waiting
    {
        QPointer<QObject> sender;
        QString what;
        std::function<void()> go;
    };
    void dropGone();
    void announce();
    void letGo(Waiting waiting);

    Pace m_pace = Pace::RealTime;
    int m_slowMs = 1000;
    QList<Waiting> m_queue;
};

} // namespace teep::sim
