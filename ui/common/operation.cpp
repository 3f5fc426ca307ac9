#include "common/operation.h"

#include "store/database.h"

#include <QEventLoop>
#include <QProgressDialog>

#include <optional>

namespace teep::ui {

Operation::Operation(QString title, QString databasePath, Work work, QObject *parent)
    : QObject(parent), m_title(std::move(title)), m_databasePath(std::move(databasePath)), m_work(std::move(work))
{
}

Operation::~Operation()
{
    if (m_thread) {
        m_cancelled = true;
        m_thread->wait();
        delete m_thread;
    }
}

void Operation::start()
{
    if (isRunning())
        return;
    m_cancelled = false;
    delete m_thread;
    QPointer<Operation> self(this);
    m_thread = QThread::create([this, self] {
        auto opened = store::Database::open(m_databasePath);
        if (!opened) {
            m_result = opened.error();
            return;
        }
        OperationContext context(*opened.value(), m_cancelled, [self](qint64 done, qint64 total) {
            // Queued to the UI thread; dropped when the operation is gone.
            QMetaObject::invokeMethod(self.data(), [self, done, total] {
                if (self)
                    emit self->progressed(done, total);
            }, Qt::QueuedConnection);
        });
        m_result = m_work(context);
        if (m_result && m_cancelled)
            m_result = Error{kCancelled, tr("%1 was cancelled.").arg(m_title)};
    });
    connect(m_thread, &QThread::finished, this, [this] { emit finished(m_result); });
    m_thread->start();
}

Operation::Outcome Operation::runAndWait(QWidget *parent, Cancel cancel)
{
    QProgressDialog dialog(m_title, cancel == Cancel::Allowed ? tr("Cancel") : QString(), 0, 0, parent);
    dialog.setWindowModality(Qt::WindowModal);
    dialog.setMinimumDuration(500);
    dialog.setAutoReset(false);
    if (cancel == Cancel::Allowed)
        connect(&dialog, &QProgressDialog::canceled, this, &Operation::cancel);
    connect(this, &Operation::progressed, &dialog, [&dialog](qint64 done, qint64 total) {
        // Per mille: a progress bar counts in int.
        dialog.setMaximum(1000);
        dialog.setValue(total > 0 ? int(done * 1000 / total) : 0);
    });
    QEventLoop loop;
    std::optional<Outcome> outcome;
    connect(this, &Operation::finished, &loop, [&](const Outcome &finished) {
        outcome = finished;
        loop.quit();
    });
    start();
    if (!outcome)
        loop.exec();
    return *outcome;
}

} // namespace teep::ui
