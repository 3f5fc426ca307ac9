#pragma once

#include "cli.h"

#include "crypto/key.h"

namespace teep::store {
class Database;
}

namespace teepctl {

// What `teepctl tam` parsed for its rollover actions.
struct RolloverArguments
{
    QString name;
    QString key; // a PEM file or a pkcs11: URI; empty: a new key
    QString keyPassphrase;
    teep::crypto::KeyAlgorithm algorithm = teep::crypto::KeyAlgorithm::P256;
    bool newRoot = false;
    QString overlapDays;
    bool yes = false;
};

// tam keys | rollover | rollover-status | retire NAME
int runRolloverAction(Context &context, teep::store::Database &database, const QString &action, const QStringList &words,
                      const RolloverArguments &arguments);

} // namespace teepctl
