#pragma once

#include "common/error.h"

#include <QString>

// What every TEEP Console program does before it touches a secret: files it creates are its
// user's alone (0600, folders 0700) whatever the umask it inherited, and no core dump or debugger
// of another process of the same user can read its memory (the key store passphrase and unlocked
// private keys live there). A secret read from a file must not be readable by others either.
namespace teep::security {

// umask 077, PR_SET_DUMPABLE 0 and RLIMIT_CORE 0 (Linux; the umask on every POSIX system).
void protectProcess();

// Refuses a file that users other than its owner may read or write (a passphrase file must be
// as private as the key store it opens). Nothing to check on Windows.
Status checkPrivateFile(const QString &path);

} // namespace teep::security
