using Reactor.Interop;

namespace Reactor.Backends;

/// <summary>The eventfd a Linux poller is woken with: any thread signals it, the loop clears it.</summary>
internal static unsafe class EventFd
{
    /// <summary>A nonblocking, close-on-exec eventfd, or a negative errno.</summary>
    public static int Create() => Sys.Check(Libc.eventfd(0, Libc.EFD_CLOEXEC | Libc.EFD_NONBLOCK));

    public static void Signal(int fd)
    {
        ulong one = 1;
        // EAGAIN means the counter is already non-zero: the loop will wake anyway.
        Sys.Write(fd, &one, sizeof(ulong));
    }

    public static void Clear(int fd)
    {
        ulong value;
        Sys.Read(fd, &value, sizeof(ulong));
    }
}
