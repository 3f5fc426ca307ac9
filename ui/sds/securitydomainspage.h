#pragma once

#include "common/lazypage.h"

namespace teep::ui {

class FilteredTable;
class RowsModel;
class Workspace;

// Security Domains: every SD the TAM created on a device's TEE (OTrP), by SP and by device, with
// the TAs inside. The TAM creates an SP's domain with its first TA and deletes it when none of the
// SP's TAs is wanted any more (a domain that still holds TAs is never deleted).
class SecurityDomainsPage : public LazyPage
{
    Q_OBJECT

public:
    explicit SecurityDomainsPage(Workspace &workspace, QWidget *parent = nullptr);

    void reload() override;
    RowsModel *model() const { return m_model; }

private:
    Workspace &m_workspace;
    RowsModel *m_model;
    FilteredTable *m_table;
};

} // namespace teep::ui
