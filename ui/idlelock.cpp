#include "idlelock.h"

#include "workspace.h"

#include <QCoreApplication>
#include <QEvent>
#include <QSettings>
#include <QTimer>

namespace teep::ui {

namespace {
const QString kMinutesKey = QStringLiteral("security/auto-lock-minutes");

bool isOperatorInput(QEvent::Type type)
{
    switch (type) {
    case QEvent::KeyPress:
    case QEvent::MouseButtonPress:
    case QEvent::MouseMove:
    case QEvent::Wheel:
    case QEvent::TouchBegin:
        return true;
    default:
        return false;
    }
}
} // namespace

IdleLock::IdleLock(Workspace &workspace, QObject *parent) : QObject(parent), m_workspace(workspace), m_timer(new QTimer(this))
{
    m_timer->setSingleShot(true);
    connect(m_timer, &QTimer::timeout, this, [this] {
        if (!m_unlocked)
            return;
        m_workspace.lock();
        emit lockedForIdleness();
    });
    connect(&m_workspace, &Workspace::keyStoreStateChanged, this, [this](bool unlocked) {
        m_unlocked = unlocked;
        restart();
    });
    // Every window's input passes here first: one filter for the whole console.
    QCoreApplication::instance()->installEventFilter(this);
}

IdleLock::~IdleLock()
{
    if (QCoreApplication::instance())
        QCoreApplication::instance()->removeEventFilter(this);
}

void IdleLock::setTimeout(std::chrono::milliseconds timeout)
{
    m_timeout = timeout;
    restart();
}

int IdleLock::savedMinutes()
{
    return qBound(0, QSettings().value(kMinutesKey, 0).toInt(), 24 * 60);
}

void IdleLock::saveMinutes(int minutes)
{
    QSettings().setValue(kMinutesKey, minutes);
}

bool IdleLock::eventFilter(QObject *watched, QEvent *event)
{
    // Only restarted when running: a mouse move costs one comparison.
    if (m_timer->isActive() && isOperatorInput(event->type()))
        m_timer->start();
    return QObject::eventFilter(watched, event);
}

void IdleLock::restart()
{
    if (m_unlocked && m_timeout.count() > 0)
        m_timer->start(m_timeout);
    else
        m_timer->stop();
}

} // namespace teep::ui
