using System.Runtime.InteropServices;

namespace Reactor.Interop;

// kqueue(2), kevent(2) on macOS and FreeBSD (64-bit only).
internal static unsafe partial class Libc
{
    internal const short EVFILT_READ = -1;
    internal const short EVFILT_WRITE = -2;
    // EVFILT_USER: -10 in xnu's bsd/sys/event.h, -11 in FreeBSD's sys/sys/event.h.
    internal const short EVFILT_USER_MACOS = -10;
    internal const short EVFILT_USER_FREEBSD = -11;

    internal const ushort EV_ADD = 0x0001;
    internal const ushort EV_DELETE = 0x0002;
    internal const ushort EV_ENABLE = 0x0004;
    internal const ushort EV_DISABLE = 0x0008;
    internal const ushort EV_CLEAR = 0x0020;
    internal const ushort EV_ERROR = 0x4000;
    internal const ushort EV_EOF = 0x8000;

    internal const uint NOTE_TRIGGER = 0x01000000;

    /// <summary>
    /// struct kevent as macOS lays it out on 64-bit (32 bytes), which is also the first 32 bytes
    /// of FreeBSD's (<see cref="kevent_freebsd"/>): every field Reactor reads or writes is here.
    /// </summary>
    [StructLayout(LayoutKind.Sequential)]
    internal struct kevent_macos
    {
        public nuint ident;
        public short filter;
        public ushort flags;
        public uint fflags;
        public nint data;
        public ulong udata;
    }

    /// <summary>
    /// struct kevent since FreeBSD 12 (64 bytes): data became 64-bit on every architecture and
    /// four ext words were added. libc's default <c>kevent</c> symbol (FBSD_1.5) takes this one.
    /// </summary>
    [StructLayout(LayoutKind.Sequential)]
    internal struct kevent_freebsd
    {
        public kevent_macos head;
        public fixed ulong ext[4];
    }

    [LibraryImport(Name, SetLastError = true)]
    internal static partial int kqueue();

    /// <summary>kevent(2) with the events as bytes: their size depends on the system (see <see cref="Backends.KqueuePoller"/>).</summary>
    [LibraryImport(Name, SetLastError = true)]
    internal static partial int kevent(int kq, void* changelist, int nchanges, void* eventlist, int nevents, timespec* timeout);
}
