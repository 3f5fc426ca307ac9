#include "common/operation.h"

#include "store/database.h"

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

} // namespace teep::ui
