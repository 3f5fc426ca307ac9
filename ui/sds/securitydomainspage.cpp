#include "sds/securitydomainspage.h"

#include "common/filteredtable.h"
#include "models/rowsmodel.h"
#include "store/database.h"
#include "tam/fleetqueries.h"
#include "workspace.h"

#include <QLabel>
#include <QTableView>
#include <QVBoxLayout>

namespace teep::ui {

SecurityDomainsPage::SecurityDomainsPage(Workspace &workspace, QWidget *parent) : LazyPage(parent), m_workspace(workspace)
{
    setObjectName(QStringLiteral("security-domains-page"));
    m_model = new RowsModel({tr("Service provider"), tr("Device"), tr("TEE"), tr("Security domain"), tr("State"), tr("TAs inside"), tr("Created (UTC)")}, this);
    m_table = new FilteredTable(m_model, QStringLiteral("security-domains"),
                                tr("No security domains yet. OTrP devices get one per service provider when a TA of that SP is assigned to "
                                   "them or approved for them (Trusted Applications), at their next session."),
                                this);
    m_table->offerExport(m_workspace.prompts());
    auto *explanation = new QLabel(tr("The TAM keeps one security domain per service provider on each OTrP TEE: it creates it (CreateSD) with the "
                                      "SP's first TA and deletes it (DeleteSD) once none of the SP's TAs is wanted; a domain that still holds TAs "
                                      "is not deleted. TEEP devices have no security domains."),
                                   this);
    explanation->setWordWrap(true);
    auto *layout = new QVBoxLayout(this);
    layout->addWidget(explanation);
    layout->addWidget(m_table, 1);
    connect(&m_workspace, &Workspace::dataChanged, this, &LazyPage::refresh);
}

void SecurityDomainsPage::reload()
{
    QList<RowsModel::Row> rows;
    if (const auto sds = tam::FleetQueries(m_workspace.database().connection()).securityDomains()) {
        for (const tam::SecurityDomainRecord &sd : sds.value())
            rows << RowsModel::Row{{sd.spid, sd.device, sd.tee, sd.name, sd.state, sd.tas.isEmpty() ? tr("(empty)") : sd.tas.join(QStringLiteral(", ")),
                                    sd.createdAt},
                                   QVariant(), State::Neutral, {}};
    }
    m_model->setRows(rows);
}

} // namespace teep::ui
