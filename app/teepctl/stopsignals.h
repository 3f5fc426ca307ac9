#pragma once

#include <QObject>
#include <QString>

namespace teepctl {

// While it lives, SIGINT and SIGTERM end the event loop (QCoreApplication::exit(0)) instead of the
// process, so that the command can finish what it holds; a second signal ends the process at
// once. A signal handler may only write to a pipe: the event loop reads it. Unix only; elsewhere
// the signals keep their default action.
class StopSignals : public QObject
{
public:
    explicit StopSignals(QObject *parent = nullptr);
    ~StopSignals() override;

    // "SIGINT" or "SIGTERM" once one has stopped the loop; empty before.
    QString received() const { return m_received; }

private:
    QString m_received;
    bool m_installed = false;
};

} // namespace teepctl
