#pragma once

#include <QList>
#include <QString>
#include <QStringList>

namespace teep::store {

// One numbered step of the schema. Steps are never edited once released: a change to the schema
// is a new step with the next number.
struct Migration
{
    int version = 0;
    QString description;
    QStringList statements; // executed in order, inside the migrator's single transaction
};

using MigrationList = QList<Migration>;

} // namespace teep::store
