using System.Runtime.InteropServices;

namespace Reactor.Interop;

// sched_setaffinity(2), clock_gettime(2).
internal static unsafe partial class Libc
{
    [LibraryImport(Name, SetLastError = true)]
    internal static partial int sched_setaffinity(int pid, nint cpusetsize, void* mask);

    internal const int CLOCK_MONOTONIC = 1;
    internal const int CLOCK_MONOTONIC_COARSE = 6;

    [StructLayout(LayoutKind.Sequential)]
    internal struct timespec
    {
        public long tv_sec;
        public long tv_nsec;
    }

    // clock_gettime goes through the vDSO and never blocks: no GC transition is needed.
    [LibraryImport(Name)]
    [SuppressGCTransition]
    internal static partial int clock_gettime(int clockid, timespec* tp);
}
