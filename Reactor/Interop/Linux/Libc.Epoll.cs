using System.Runtime.InteropServices;

namespace Reactor.Interop;

// epoll(7), eventfd(2).
internal static unsafe partial class Libc
{
    internal const int EPOLL_CLOEXEC = 0x80000;
    internal const int EPOLL_CTL_ADD = 1;
    internal const int EPOLL_CTL_DEL = 2;
    internal const int EPOLL_CTL_MOD = 3;

    internal const uint EPOLLIN = 0x001;
    internal const uint EPOLLPRI = 0x002;
    internal const uint EPOLLOUT = 0x004;
    internal const uint EPOLLERR = 0x008;
    internal const uint EPOLLHUP = 0x010;
    internal const uint EPOLLRDHUP = 0x2000;
    internal const uint EPOLLET = 0x80000000;

    /// <summary>
    /// struct epoll_event as x86-64 lays it out: the kernel declares it
    /// <c>__attribute__((packed))</c> there (12 bytes, data at offset 4). On other
    /// architectures it is naturally aligned (16 bytes, data at 8): <see cref="Backends.EpollPoller"/>
    /// picks the layout at run time, so this struct is only used where the layout is packed.
    /// </summary>
    [StructLayout(LayoutKind.Sequential, Pack = 1)]
    internal struct epoll_event
    {
        public uint events;
        public ulong data;
    }

    /// <summary>struct epoll_event as every architecture but x86-64 lays it out (16 bytes).</summary>
    [StructLayout(LayoutKind.Sequential)]
    internal struct epoll_event_aligned
    {
        public uint events;
        public ulong data;
    }

    [LibraryImport(Name, SetLastError = true)]
    internal static partial int epoll_create1(int flags);

    [LibraryImport(Name, SetLastError = true)]
    internal static partial int epoll_ctl(int epfd, int op, int fd, void* ev);

    [LibraryImport(Name, SetLastError = true)]
    internal static partial int epoll_wait(int epfd, void* events, int maxevents, int timeout);

    internal const int EFD_CLOEXEC = 0x80000;
    internal const int EFD_NONBLOCK = 0x800;

    [LibraryImport(Name, SetLastError = true)]
    internal static partial int eventfd(uint initval, int flags);
}
