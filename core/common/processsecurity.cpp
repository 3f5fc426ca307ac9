#include "common/processsecurity.h"

#include <QFileInfo>

#ifndef Q_OS_WIN
#include <sys/resource.h>
#include <sys/stat.h>
#endif
#ifdef Q_OS_LINUX
#include <sys/prctl.h>
#endif

namespace teep::security {

void protectProcess()
{
#ifndef Q_OS_WIN
    ::umask(S_IRWXG | S_IRWXO);
    const rlimit noCore{0, 0};
    ::setrlimit(RLIMIT_CORE, &noCore);
#endif
#ifdef Q_OS_LINUX
    ::prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
#endif
}

Status checkPrivateFile(const QString &path)
{
#ifdef Q_OS_WIN
    Q_UNUSED(path);
    return {};
#else
    struct stat info {};
    if (::stat(QFile::encodeName(path).constData(), &info) != 0)
        return {}; // reading it will say what is wrong
    if ((info.st_mode & (S_IRWXG | S_IRWXO)) != 0)
        return Error{QStringLiteral("security.file-not-private"),
                     QStringLiteral("other users may read or change it (mode %1); a secret's file must be its owner's alone: chmod 600 %2")
                         .arg(info.st_mode & 0777, 3, 8, QLatin1Char('0'))
                         .arg(path),
                     path};
    return {};
#endif
}

} // namespace teep::security
