#pragma once

#include <QObject>

#include <chrono>

class QTimer;

namespace teep::ui {

class Workspace;

// Locks the key store after a time without the operator's hand on keyboard or mouse, so that a
// console left open on a factory line or a classroom desk stops signing on its own. Off unless
// chosen (File > Auto-Lock); the choice is kept in the console's settings.
class IdleLock : public QObject
{
    Q_OBJECT

public:
    explicit IdleLock(Workspace &workspace, QObject *parent = nullptr);
    ~IdleLock() override;

    // Zero: never. Restarts the wait.
    void setTimeout(std::chrono::milliseconds timeout);
    std::chrono::milliseconds timeout() const { return m_timeout; }
    // The choice in minutes, as the settings keep it (0 never).
    static int savedMinutes();
    static void saveMinutes(int minutes);

signals:
    void lockedForIdleness();

protected:
    bool eventFilter(QObject *watched, QEvent *event) override;

private:
    void restart();

    Workspace &m_workspace;
    QTimer *m_timer;
    std::chrono::milliseconds m_timeout{0};
    bool m_unlocked = false;
};

} // namespace teep::ui
