#pragma once

#include "sim/devicerunner.h"
#include "sim/messagegate.h"

#include <QWidget>

class QComboBox;
class QLabel;
class QMenu;
class QPushButton;
class QToolButton;

namespace teep::ui {

// A trainer's controls over the demo devices: how fast they talk (real time, slow, one message
// per click of Next), and the faults teep-devsim can inject, so a class sees each refusal happen.
class ClassroomControls : public QWidget
{
    Q_OBJECT

public:
    explicit ClassroomControls(QWidget *parent = nullptr);

    sim::Pace pace() const;
    void setPace(sim::Pace pace);
    // The pause before each message at the slow pace.
    int slowMs() const { return 1000; }
    sim::SimFaults faults() const;
    // While devices run: Next is offered when a message waits for it.
    void setRunning(bool running);

public slots:
    void showWaiting(int count, const QString &nextMessage);

signals:
    void paceChanged(teep::sim::Pace pace);
    void nextRequested();

private:
    void updateFaultsButton();

    QComboBox *m_pace = nullptr;
    QPushButton *m_next = nullptr;
    QLabel *m_waiting = nullptr;
    QToolButton *m_faultsButton = nullptr;
    QMenu *m_faults = nullptr;
    bool m_running = false;
};

} // namespace teep::ui
