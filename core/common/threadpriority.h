#pragma once

// Threads that should give way: on Linux the calling thread's nice value (a thread of nice 5 gets
// about a third of the processor against a busy thread of nice 0, nice 10 about a tenth; a thread
// at nice 0 that wakes preempts them). Elsewhere nothing: QThread's priorities are the caller's
// business there. Not SCHED_IDLE: an idle-class thread does not run at all beside a busy process.
namespace teep {

void niceCurrentThread(int niceness);

} // namespace teep
