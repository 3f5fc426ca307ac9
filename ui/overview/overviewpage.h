#pragma once

#include "common/lazypage.h"
#include "navigation.h"
#include "tam/fleetoverview.h"

class QBarSet;
class QChart;
class QChartView;
class QLabel;
class QPieSeries;
class QPushButton;

namespace teep::ui {

class Operation;
class Workspace;

// Fleet health at a glance: devices by trust tier, sessions and failures per hour over the last
// day, each TA version's rollout, and the requests waiting for an operator. Every part leads to
// the list behind it (a slice, a bar or a figure opens that view, filtered). Counted off the
// window's thread; refreshed with the fleet, while it is shown.
class OverviewPage : public LazyPage
{
    Q_OBJECT

public:
    explicit OverviewPage(Workspace &workspace, QWidget *parent = nullptr);
    ~OverviewPage() override;

    void reload() override;
    const tam::FleetOverview &overview() const { return m_overview; }
    QPieSeries *tierSeries() const { return m_tiers; }
    QChart *sessionsChart() const { return m_sessionsChart; }
    QChart *rolloutChart() const { return m_rolloutChart; }

signals:
    // Open `page` with its list filtered by `filter` (a tier, "failed", a TA id...).
    void navigate(teep::ui::Page page, const QString &filter);
    void reloaded();

private:
    void showOverview(const tam::FleetOverview &overview);
    void showTiers();
    void showSessions();
    void showRollout();
    QChartView *chartView(QChart *chart, const QString &name);

    Workspace &m_workspace;
    QPushButton *m_devices;
    QPushButton *m_sessions;
    QPushButton *m_failures;
    QPushButton *m_requests;
    QPieSeries *m_tiers;
    QChart *m_tierChart;
    QChart *m_sessionsChart;
    QChart *m_rolloutChart;
    QLabel *m_updated;
    Operation *m_running = nullptr;
    bool m_again = false;
    tam::FleetOverview m_overview;
};

} // namespace teep::ui
