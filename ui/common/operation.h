#pragma once

#include "common/error.h"

#include <QObject>
#include <QPointer>
#include <QThread>

#include <atomic>
#include <functional>
#include <optional>
#include <utility>

class QWidget;

namespace teep::store {
class Database;
}

namespace teep::ui {

// What a running operation sees: its own connection to the database (SQLite connections belong
// to one thread), whether the user cancelled, and a way to report progress.
class OperationContext
{
public:
    store::Database &database;
    bool cancelled() const { return m_cancelled.load(); }
    void progress(qint64 done, qint64 total) const { m_progress(done, total); }

    OperationContext(store::Database &db, const std::atomic_bool &cancelled, std::function<void(qint64, qint64)> progress)
        : database(db), m_cancelled(cancelled), m_progress(std::move(progress))
    {
    }

private:
    const std::atomic_bool &m_cancelled;
    std::function<void(qint64, qint64)> m_progress;
};

// A command the UI starts and the UI thread never waits for: the work runs on its own thread with
// its own database connection, reports progress, can be cancelled, and ends with finished() on
// the UI thread: its message, or its Error, whose code says what happened (kCancelled when the
// user cancelled). Views show the progress and a Cancel button while it runs.
class Operation : public QObject
{
    Q_OBJECT

public:
    // Returns the message shown when it is done (or an error that says what to do).
    using Work = std::function<Result<QString>(OperationContext &context)>;
    using Outcome = Result<QString>;
    static inline const QString kCancelled = QStringLiteral("ui.cancelled");
    static bool wasCancelled(const Outcome &outcome) { return !outcome && outcome.error().code == kCancelled; }

    Operation(QString title, QString databasePath, Work work, QObject *parent = nullptr);
    ~Operation() override;

    QString title() const { return m_title; }
    void start();
    // Starts and waits without freezing: the caller's event loop keeps turning, and a
    // window-modal progress dialog with the title (and a Cancel button where the work can stop
    // or its result be dropped) appears if it takes longer than half a second. For actions whose
    // next step needs the outcome (unlocking before a signature, the demo before showing it).
    enum class Cancel { Allowed, NotAllowed };
    Outcome runAndWait(QWidget *parent, Cancel cancel = Cancel::Allowed);
    void cancel() { m_cancelled = true; }
    bool isRunning() const { return m_thread && m_thread->isRunning(); }

signals:
    void progressed(qint64 done, qint64 total);
    void finished(const teep::ui::Operation::Outcome &outcome);

private:
    QString m_title;
    QString m_databasePath;
    Work m_work;
    std::atomic_bool m_cancelled{false};
    QThread *m_thread = nullptr;
    Result<QString> m_result{QString()};
};

// `step(context)` on an Operation's thread, waited for with runAndWait: for what is short but may
// block (reading or writing a file, committing a change, which syncs to disk), so that the
// window keeps answering. Returns what `step` returned (a Result or a Status), or the
// Operation's error.
template <typename Step>
auto runOffThread(QWidget *parent, const QString &title, const QString &databasePath, Step step,
                  Operation::Cancel cancel = Operation::Cancel::NotAllowed) -> decltype(step(std::declval<OperationContext &>()))
{
    using Returned = decltype(step(std::declval<OperationContext &>()));
    std::optional<Returned> result;
    Operation operation(title, databasePath, [&](OperationContext &context) -> Operation::Outcome {
        result.emplace(step(context));
        return *result ? Operation::Outcome(QString()) : Operation::Outcome(result->error());
    });
    if (const Operation::Outcome outcome = operation.runAndWait(parent, cancel); !outcome || !result)
        return outcome ? Error{Operation::kCancelled, title} : outcome.error();
    return std::move(*result);
}

} // namespace teep::ui
