using System.Runtime.InteropServices;

namespace Reactor.Interop;

// madvise(2).
internal static unsafe partial class Libc
{
    [LibraryImport(Name, SetLastError = true)]
    internal static partial int madvise(void* addr, nuint length, int advice);

    // Linux: the pages are dropped at once (RSS falls) and read back as zeros on the next touch.
    // MADV_FREE (8) would drop them only under memory pressure, so RSS would not show it.
    internal const int MADV_DONTNEED = 4;
}
