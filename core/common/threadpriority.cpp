#include "common/threadpriority.h"

#include <QtGlobal>

#ifdef Q_OS_LINUX
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>
#endif

namespace teep {

void niceCurrentThread(int niceness)
{
#ifdef Q_OS_LINUX
    // Linux keeps a nice value per thread: PRIO_PROCESS with a thread id sets that thread's only.
    ::setpriority(PRIO_PROCESS, id_t(::syscall(SYS_gettid)), niceness);
#else
    Q_UNUSED(niceness)
#endif
}

} // namespace teep
