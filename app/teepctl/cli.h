#pragma once

#include "common/clock.h"
#include "common/error.h"
#include "crypto/key.h"
#include "crypto/secret.h"

#include <QCommandLineParser>
#include <QStringList>
#include <QTextStream>

#include <nlohmann/json.hpp>

#include <memory>

namespace teep::store {
class Database;
class KeyStore;
} // namespace teep::store

namespace teepctl {

// Exit codes every command uses.
inline constexpr int kExitOk = 0;
inline constexpr int kExitFailed = 2;   // the operation failed; one line on stderr says why
inline constexpr int kExitInvalid = 3;  // a check ran and found a problem (e.g. audit verify)
inline constexpr int kExitUsage = 64;

// Options every command accepts, before or after the command words.
void addCommonOptions(QCommandLineParser &parser);

struct Context
{
    QString databasePath;
    QString passphraseSource; // env:NAME, file:PATH or stdin
    QString pinSource;        // the PKCS#11 token's PIN: env:NAME, file:PATH or stdin
    bool json = false;
    QTextStream &out;
    QTextStream &err;
    const teep::Clock &clock;
    QString actor;

    // Takes the common options a command's own parser saw.
    void applyCommonOptions(const QCommandLineParser &parser);
    teep::Result<std::unique_ptr<teep::store::Database>> openDatabase() const;
    // The passphrase (--passphrase) and the token PIN (--pin), whichever are given.
    teep::Status unlock(teep::store::KeyStore &keys) const;
    teep::Result<teep::crypto::Secret> tokenPin() const;
    // A private key where a command takes one: a PEM file (opened with the passphrase from
    // `keyPassphraseSource` when it is encrypted), or a pkcs11: URI, used in its token (PIN: --pin).
    teep::Result<teep::crypto::Key> readKey(const QString &fileOrUri, const QString &keyPassphraseSource = {}) const;
    int fail(const teep::Error &error) const;
    int usage(const QString &message) const;
    void print(const nlohmann::ordered_json &value) const;
};

// Parses the arguments of one command ("teepctl tam generate ..."). Returns -1 to go on, or the
// exit code to return (after --help or a usage error).
int parseCommand(QCommandLineParser &parser, const QString &command, const QStringList &arguments, Context &context);

// A secret from env:NAME, file:PATH (first line) or stdin (first line); never from argv.
teep::Result<teep::crypto::Secret> readSecret(const QString &source, const QString &what);
// A file's bytes ("-" reads stdin), bounded so that a wrong path cannot fill memory.
teep::Result<QByteArray> readInput(const QString &path);
// Writes to a file, or to stdout for "-" or an empty path.
teep::Status writeOutput(const QString &path, const QByteArray &bytes, QTextStream &out);

} // namespace teepctl
