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
    QString keyInToken; // a pkcs11: URI: a new key made there
    teep::crypto::KeyAlgorithm algorithm = teep::crypto::KeyAlgorithm::P256;
    bool newRoot = false;
    QString overlapDays;
    bool yes = false;
};

// A new key made in the token `uri` names (p11tool; PIN from --pin), for tam generate and rollover.
teep::Result<teep::crypto::Key> makeKeyInToken(Context &context, const QString &uri, teep::crypto::KeyAlgorithm algorithm);

// tam keys | rollover | rollover-status | retire NAME
int runRolloverAction(Context &context, teep::store::Database &database, const QString &action, const QStringList &words,
                      const RolloverArguments &arguments);

} // namespace teepctl
