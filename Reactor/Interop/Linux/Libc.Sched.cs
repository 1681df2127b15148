using System.Runtime.InteropServices;

namespace Reactor.Interop;

// sched_setaffinity(2).
internal static unsafe partial class Libc
{
    [LibraryImport(Name, SetLastError = true)]
    internal static partial int sched_setaffinity(int pid, nint cpusetsize, void* mask);
}
