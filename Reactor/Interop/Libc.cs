using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

[assembly: DisableRuntimeMarshalling]

namespace Reactor.Interop;

/// <summary>
/// The C library, spelled as in the man pages: here what Linux, macOS and FreeBSD share, under
/// Linux/ and Bsd/ what they do not. Every import is blittable and returns the raw result;
/// <see cref="Sys"/> turns -1 into a negative errno. No logic lives here.
/// </summary>
internal static unsafe partial class Libc
{
    internal const string Name = "libc";

    [LibraryImport(Name, SetLastError = true)]
    internal static partial int close(int fd);

    [LibraryImport(Name, SetLastError = true)]
    internal static partial nint read(int fd, void* buf, nint count);

    [LibraryImport(Name, SetLastError = true)]
    internal static partial nint write(int fd, void* buf, nint count);

    [LibraryImport(Name, SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int open(string path, int flags);

    internal const int O_RDONLY = 0;

    /// <summary>fcntl(2) with an int argument (the commands used here take one or none).</summary>
    [LibraryImport(Name, SetLastError = true)]
    internal static partial int fcntl(int fd, int cmd, int arg);

    internal const int F_SETFD = 2;
    internal const int F_GETFL = 3;
    internal const int F_SETFL = 4;
    internal const int FD_CLOEXEC = 1;

    [StructLayout(LayoutKind.Sequential)]
    internal struct rlimit
    {
        public ulong rlim_cur;
        public ulong rlim_max;
    }

    [LibraryImport(Name, SetLastError = true)]
    internal static partial int getrlimit(int resource, rlimit* rlim);

    [LibraryImport(Name, SetLastError = true)]
    internal static partial int setrlimit(int resource, rlimit* rlim);

    [StructLayout(LayoutKind.Sequential)]
    internal struct timespec
    {
        public long tv_sec;
        public long tv_nsec;
    }

    // clock_gettime reads the vDSO (Linux) or the commpage (macOS) and never blocks: no GC transition is needed.
    [LibraryImport(Name)]
    [SuppressGCTransition]
    internal static partial int clock_gettime(int clockid, timespec* tp);
}
