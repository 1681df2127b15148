namespace Reactor.Interop;

/// <summary>macOS's values where they differ from FreeBSD's (xnu bsd/sys/*.h, Libc's time.h).</summary>
internal static class MacOS
{
    internal const int AF_INET6 = 30;
    // xnu-7195 (macOS 11) added MSG_NOSIGNAL to send(2) and sendmsg(2); .NET 9 needs macOS 12 or later.
    internal const int MSG_NOSIGNAL = 0x80000;
    internal const int O_CLOEXEC = 0x01000000;
    internal const int F_DUPFD_CLOEXEC = 67;
    internal const int CLOCK_MONOTONIC = 6;
    internal const int ECANCELED = 89;

    internal static readonly OsConstants Constants = new()
    {
        HasSinLen = true,
        AF_INET6 = AF_INET6,
        // No SOCK_NONBLOCK, SOCK_CLOEXEC or accept4: Sockets sets both with fcntl(2).
        SOCK_NONBLOCK = 0,
        SOCK_CLOEXEC = 0,
        SOL_SOCKET = Bsd.SOL_SOCKET,
        SO_REUSEADDR = Bsd.SO_REUSEADDR,
        // SO_REUSEPORT binds several TCP listeners to one port, but the kernel hands every
        // connection to one of them: the loops share a single listener instead.
        ReusePortSpreading = 0,
        SO_ERROR = Bsd.SO_ERROR,
        SO_SNDBUF = Bsd.SO_SNDBUF,
        // In ticks, not seconds (SO_LINGER_SEC is the other one); Reactor only sets 0.
        SO_LINGER = Bsd.SO_LINGER,
        SO_ACCEPTCONN = Bsd.SO_ACCEPTCONN,
        IPV6_V6ONLY = Bsd.IPV6_V6ONLY,
        IP_BIND_ADDRESS_NO_PORT = 0,
        MSG_TRUNC = Bsd.MSG_TRUNC,
        MSG_DONTWAIT = Bsd.MSG_DONTWAIT,
        MSG_NOSIGNAL = MSG_NOSIGNAL,
        O_NONBLOCK = Bsd.O_NONBLOCK,
        O_CLOEXEC = O_CLOEXEC,
        F_DUPFD_CLOEXEC = F_DUPFD_CLOEXEC,
        RLIMIT_NOFILE = Bsd.RLIMIT_NOFILE,
        MonotonicCoarseClock = CLOCK_MONOTONIC,
        Errnos = Bsd.Errnos(ECANCELED),
    };
}
