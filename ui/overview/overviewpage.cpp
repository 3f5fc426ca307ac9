#include "overview/overviewpage.h"

#include "common/operation.h"
#include "statecolors.h"
#include "store/database.h"
#include "workspace.h"

#include <QBarCategoryAxis>
#include <QBarSet>
#include <QChart>
#include <QChartView>
#include <QGridLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QHorizontalStackedBarSeries>
#include <QLabel>
#include <QPieSeries>
#include <QPieSlice>
#include <QPushButton>
#include <QStackedBarSeries>
#include <QTime>
#include <QValueAxis>
#include <QVBoxLayout>

#include <memory>

namespace teep::ui {

namespace {

State stateOfTier(const QString &tier)
{
    if (tier == QLatin1String("affirming"))
        return State::Pass;
    if (tier == QLatin1String("contraindicated"))
        return State::Fail;
    if (tier == QLatin1String("warning") || tier == QLatin1String("identified"))
        return State::Warn;
    return State::Neutral;
}

QPushButton *figure(const QString &name, const QString &tip, QWidget *parent)
{
    auto *button = new QPushButton(parent);
    button->setObjectName(name);
    button->setFlat(true);
    button->setToolTip(tip);
    button->setCursor(Qt::PointingHandCursor);
    QFont font = button->font();
    font.setPointSizeF(font.pointSizeF() * 1.25);
    font.setBold(true);
    button->setFont(font);
    return button;
}

// A chart of the window's colours (light or dark), without the chart's own frame.
void styleChart(QChart *chart, const QPalette &palette)
{
    chart->setBackgroundVisible(false);
    chart->setMargins(QMargins(4, 4, 4, 4));
    chart->legend()->setLabelColor(palette.color(QPalette::WindowText));
    chart->legend()->setAlignment(Qt::AlignBottom);
    chart->setAnimationOptions(QChart::NoAnimation); // figures a projector shows at once
}

// Empties a chart before it is drawn again: series are deleted with it, axes only given back.
void clearChart(QChart *chart)
{
    chart->removeAllSeries();
    for (QAbstractAxis *axis : chart->axes()) {
        chart->removeAxis(axis);
        delete axis;
    }
}

void styleAxis(QAbstractAxis *axis, const QPalette &palette)
{
    axis->setLabelsColor(palette.color(QPalette::WindowText));
    axis->setGridLineColor(palette.color(QPalette::Mid));
    axis->setLinePenColor(palette.color(QPalette::Mid));
}

} // namespace

OverviewPage::OverviewPage(Workspace &workspace, QWidget *parent) : LazyPage(parent), m_workspace(workspace)
{
    setObjectName(QStringLiteral("overview-page"));
    m_devices = figure(QStringLiteral("overview-devices"), tr("Every device (Devices view)"), this);
    m_sessions = figure(QStringLiteral("overview-sessions"), tr("Sessions of the last 24 hours (Message Inspector)"), this);
    m_failures = figure(QStringLiteral("overview-failures"), tr("Sessions that failed in the last 24 hours (Message Inspector, filtered)"), this);
    m_requests = figure(QStringLiteral("overview-requests"), tr("Device requests waiting for an operator (Trusted Applications, Requests)"), this);
    connect(m_devices, &QPushButton::clicked, this, [this] { emit navigate(Page::Devices, QString()); });
    connect(m_sessions, &QPushButton::clicked, this, [this] { emit navigate(Page::MessageInspector, QString()); });
    connect(m_failures, &QPushButton::clicked, this, [this] { emit navigate(Page::MessageInspector, QStringLiteral("failed")); });
    connect(m_requests, &QPushButton::clicked, this, [this] { emit navigate(Page::TrustedApps, QStringLiteral("requests")); });
    auto *figures = new QHBoxLayout;
    for (QPushButton *button : {m_devices, m_sessions, m_failures, m_requests})
        figures->addWidget(button, 1);

    m_tiers = new QPieSeries(this);
    m_tiers->setHoleSize(0.45);
    m_tierChart = new QChart;
    m_tierChart->addSeries(m_tiers);
    m_sessionsChart = new QChart;
    m_rolloutChart = new QChart;
    for (QChart *chart : {m_tierChart, m_sessionsChart, m_rolloutChart})
        styleChart(chart, palette());
    m_tierChart->legend()->setAlignment(Qt::AlignRight); // beside the ring, which is round

    auto *grid = new QGridLayout;
    const auto box = [this](const QString &title, QWidget *content) {
        auto *group = new QGroupBox(title, this);
        auto *layout = new QVBoxLayout(group);
        layout->setContentsMargins(4, 4, 4, 4);
        layout->addWidget(content);
        return group;
    };
    grid->addWidget(box(tr("Devices by trust tier"), chartView(m_tierChart, QStringLiteral("overview-tiers"))), 0, 0);
    grid->addWidget(box(tr("Sessions per hour, last 24 hours (UTC)"), chartView(m_sessionsChart, QStringLiteral("overview-sessions-chart"))), 0, 1);
    grid->addWidget(box(tr("TA rollout: devices per version"), chartView(m_rolloutChart, QStringLiteral("overview-rollout"))), 1, 0, 1, 2);
    grid->setColumnStretch(0, 2);
    grid->setColumnStretch(1, 3);

    m_updated = new QLabel(this);
    m_updated->setObjectName(QStringLiteral("overview-updated"));
    m_updated->setText(tr("Click a slice, a bar or a figure to open the list behind it."));
    auto *layout = new QVBoxLayout(this);
    layout->addLayout(figures);
    layout->addLayout(grid, 1);
    layout->addWidget(m_updated);
    // Counted again with every change to the fleet while shown (at most four times a second,
    // the workspace's pace), or when next shown.
    connect(&m_workspace, &Workspace::dataChanged, this, &LazyPage::refresh);
}

OverviewPage::~OverviewPage() = default;

QChartView *OverviewPage::chartView(QChart *chart, const QString &name)
{
    auto *view = new QChartView(chart, this); // the view owns its chart
    view->setObjectName(name);
    view->setRenderHint(QPainter::Antialiasing);
    view->setMinimumSize(260, 170);
    view->setFrameShape(QFrame::NoFrame);
    view->setBackgroundBrush(palette().brush(QPalette::Window));
    return view;
}

void OverviewPage::reload()
{
    if (m_running) {
        m_again = true;
        return;
    }
    auto counted = std::make_shared<tam::FleetOverview>();
    m_running = new Operation(tr("Counting the fleet..."), m_workspace.database().path(),
                              [counted, now = m_workspace.clock().now()](OperationContext &context) -> Operation::Outcome {
                                  auto overview = tam::fleetOverview(context.database.connection(), now);
                                  if (!overview)
                                      return overview.error();
                                  *counted = std::move(overview.value());
                                  return QString();
                              },
                              this);
    connect(m_running, &Operation::finished, this, [this, counted](const Operation::Outcome &outcome) {
        m_running->deleteLater();
        m_running = nullptr;
        if (outcome)
            showOverview(*counted);
        else
            m_updated->setText(tr("The fleet could not be counted: %1").arg(outcome.error().message));
        if (std::exchange(m_again, false))
            reload();
        else
            emit reloaded();
    });
    m_running->start();
}

void OverviewPage::showOverview(const tam::FleetOverview &overview)
{
    m_overview = overview;
    qint64 completed = 0;
    qint64 failed = 0;
    for (const tam::FleetOverview::Hour &hour : overview.hours) {
        completed += hour.completed;
        failed += hour.failed;
    }
    m_devices->setText(tr("%n device(s)", nullptr, int(overview.devices)));
    m_sessions->setText(tr("%n session(s) in 24 h", nullptr, int(completed + failed)));
    m_failures->setText(tr("%n failed", nullptr, int(failed)));
    m_failures->setStyleSheet(failed > 0 ? QStringLiteral("color: %1").arg(stateForeground(State::Fail, palette()).name()) : QString());
    m_requests->setText(tr("%n request(s) waiting", nullptr, int(overview.pendingRequests)));
    m_requests->setStyleSheet(overview.pendingRequests > 0 ? QStringLiteral("color: %1").arg(stateForeground(State::Warn, palette()).name()) : QString());
    showTiers();
    showSessions();
    showRollout();
    m_updated->setText(overview.devices == 0
                           ? tr("No devices yet. Next: open Devices (Ctrl+2) to start the TAM listener, register a factory batch, or set up "
                                "the demo and start demo devices.")
                           : tr("Counted at %1. Click a slice, a bar or a figure to open the list behind it.")
                                 .arg(QTime::currentTime().toString(QStringLiteral("HH:mm:ss"))));
}

void OverviewPage::showTiers()
{
    m_tiers->clear();
    for (const QString &tier : tam::overviewTiers()) {
        const qint64 count = m_overview.tiers.value(tier);
        if (count == 0)
            continue;
        QPieSlice *slice = m_tiers->append(QStringLiteral("%1 (%2)").arg(tier == QLatin1String("none") ? tr("not attested") : tier).arg(count), qreal(count));
        slice->setObjectName(tier);
        slice->setColor(stateForeground(stateOfTier(tier), palette()));
        slice->setBorderColor(palette().color(QPalette::Window));
        // Not attested: the devices themselves; a tier: the attestation results of that tier.
        connect(slice, &QPieSlice::clicked, this, [this, tier] {
            if (tier == QLatin1String("none"))
                emit navigate(Page::Devices, QString());
            else
                emit navigate(Page::Attestation, tier);
        });
        connect(slice, &QPieSlice::hovered, slice, [slice](bool on) { slice->setExploded(on); });
    }
}

void OverviewPage::showSessions()
{
    clearChart(m_sessionsChart);
    auto *completed = new QBarSet(tr("completed"));
    auto *failed = new QBarSet(tr("failed"));
    completed->setColor(stateForeground(State::Pass, palette()));
    failed->setColor(stateForeground(State::Fail, palette()));
    QStringList hours;
    qint64 most = 0;
    for (const tam::FleetOverview::Hour &hour : m_overview.hours) {
        *completed << qreal(hour.completed);
        *failed << qreal(hour.failed);
        // Every third hour named: 24 names do not fit a projector's width. Categories must
        // differ, so the unnamed ones are distinct runs of zero-width spaces.
        hours << (hours.size() % 3 == 0 ? hour.start.toString(QStringLiteral("HH")) : QString(hours.size(), QChar(0x200B)));
        most = qMax(most, hour.completed + hour.failed);
    }
    auto *series = new QStackedBarSeries;
    series->setObjectName(QStringLiteral("sessions"));
    series->append(completed);
    series->append(failed);
    series->setBarWidth(0.8);
    m_sessionsChart->addSeries(series);
    auto *x = new QBarCategoryAxis;
    x->append(hours);
    auto *y = new QValueAxis;
    y->setRange(0, qMax<qint64>(1, most));
    y->setLabelFormat(QStringLiteral("%d"));
    y->setTickCount(most >= 4 ? 5 : int(qMax<qint64>(2, most + 1)));
    for (QAbstractAxis *axis : {static_cast<QAbstractAxis *>(x), static_cast<QAbstractAxis *>(y)})
        styleAxis(axis, palette());
    x->setLabelsFont([&] {
        QFont small = font();
        small.setPointSizeF(small.pointSizeF() * 0.8);
        return small;
    }());
    m_sessionsChart->addAxis(x, Qt::AlignBottom);
    m_sessionsChart->addAxis(y, Qt::AlignLeft);
    series->attachAxis(x);
    series->attachAxis(y);
    connect(failed, &QBarSet::clicked, this, [this](int) { emit navigate(Page::MessageInspector, QStringLiteral("failed")); });
    connect(completed, &QBarSet::clicked, this, [this](int) { emit navigate(Page::MessageInspector, QStringLiteral("completed")); });
}

void OverviewPage::showRollout()
{
    clearChart(m_rolloutChart);
    auto *installed = new QBarSet(tr("installed"));
    auto *failed = new QBarSet(tr("failed"));
    installed->setColor(stateForeground(State::Pass, palette()));
    failed->setColor(stateForeground(State::Fail, palette()));
    QStringList versions;
    QStringList taids;
    qint64 most = 0;
    for (const tam::FleetOverview::Rollout &rollout : m_overview.rollout) {
        *installed << qreal(rollout.installed);
        *failed << qreal(rollout.failed);
        versions << QStringLiteral("%1 v%2").arg(rollout.taid).arg(rollout.version);
        taids << rollout.taid;
        most = qMax(most, rollout.installed + rollout.failed);
    }
    auto *series = new QHorizontalStackedBarSeries;
    series->setObjectName(QStringLiteral("rollout"));
    series->append(installed);
    series->append(failed);
    series->setBarWidth(0.7);
    m_rolloutChart->addSeries(series);
    auto *y = new QBarCategoryAxis;
    y->append(versions.isEmpty() ? QStringList{tr("nothing installed yet")} : versions);
    auto *x = new QValueAxis;
    x->setRange(0, qMax<qint64>(1, most));
    x->setLabelFormat(QStringLiteral("%d"));
    x->setTickCount(most >= 4 ? 5 : int(qMax<qint64>(2, most + 1)));
    for (QAbstractAxis *axis : {static_cast<QAbstractAxis *>(x), static_cast<QAbstractAxis *>(y)})
        styleAxis(axis, palette());
    m_rolloutChart->addAxis(y, Qt::AlignLeft);
    m_rolloutChart->addAxis(x, Qt::AlignBottom);
    series->attachAxis(x);
    series->attachAxis(y);
    const auto open = [this, taids](int index) { emit navigate(Page::TrustedApps, taids.value(index)); };
    connect(installed, &QBarSet::clicked, this, open);
    connect(failed, &QBarSet::clicked, this, open);
}

} // namespace teep::ui
