#include "sim/messagegate.h"

#include <QTimer>

namespace teep::sim {

MessageGate::MessageGate(QObject *parent) : QObject(parent) {}

void MessageGate::setPace(Pace pace, int slowMs)
{
    m_pace = pace;
    m_slowMs = qMax(0, slowMs);
    if (pace == Pace::Step)
        return;
    const QList<Waiting> released = std::exchange(m_queue, {});
    for (const Waiting &waiting : released)
        letGo(waiting);
    announce();
}

void MessageGate::pass(QObject *sender, const QString &what, std::function<void()> go)
{
    Waiting waiting{sender, what, std::move(go)};
    if (m_pace != Pace::Step) {
        letGo(std::move(waiting));
        return;
    }
    m_queue.append(std::move(waiting));
    announce();
}

bool MessageGate::next()
{
    dropGone();
    if (m_queue.isEmpty())
        return false;
    // Run now, not at the slow pace: the trainer has just said so.
    const Waiting first = m_queue.takeFirst();
    announce();
    if (first.sender)
        first.go();
    return true;
}

int MessageGate::waiting() const
{
    int count = 0;
    for (const Waiting &waiting : m_queue)
        count += waiting.sender ? 1 : 0;
    return count;
}

void MessageGate::dropGone()
{
    m_queue.removeIf([](const Waiting &waiting) { return waiting.sender.isNull(); });
}

void MessageGate::announce()
{
    dropGone();
    emit waitingChanged(int(m_queue.size()), m_queue.isEmpty() ? QString() : m_queue.first().what);
}

void MessageGate::letGo(Waiting waiting)
{
    if (!waiting.sender)
        return;
    if (m_pace == Pace::Slow && m_slowMs > 0) {
        // The timer belongs to the sender: a device that is gone sends nothing.
        QTimer::singleShot(m_slowMs, waiting.sender.data(), std::move(waiting.go));
        return;
    }
    waiting.go();
}

} // namespace teep::sim
