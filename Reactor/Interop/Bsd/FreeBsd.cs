namespace Reactor.Interop;

/// <summary>FreeBSD's values where they differ from macOS's (sys/sys/*.h of FreeBSD 12 and later).</summary>
internal static class FreeBsd
{
    internal const int AF_INET6 = 28;
    internal const int SOCK_CLOEXEC = 0x10000000;
    internal const int SOCK_NONBLOCK = 0x20000000;
    // FreeBSD 12: spreads connections over the sockets bound to one port (SO_REUSEPORT alone does not).
    internal const int SO_REUSEPORT_LB = 0x00010000;
    internal const int MSG_NOSIGNAL = 0x20000;
    internal const int O_CLOEXEC = 0x00100000;
    internal const int F_DUPFD_CLOEXEC = 17;
    internal const int CLOCK_MONOTONIC_FAST = 12;
    internal const int ECANCELED = 85;

    internal static readonly OsConstants Constants = new()
    {
        HasSinLen = true,
        AF_INET6 = AF_INET6,
        SOCK_NONBLOCK = SOCK_NONBLOCK,
        SOCK_CLOEXEC = SOCK_CLOEXEC,
        SOL_SOCKET = Bsd.SOL_SOCKET,
        SO_REUSEADDR = Bsd.SO_REUSEADDR,
        ReusePortSpreading = SO_REUSEPORT_LB,
        SO_ERROR = Bsd.SO_ERROR,
        SO_SNDBUF = Bsd.SO_SNDBUF,
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
        // Like Linux's CLOCK_MONOTONIC_COARSE: the last tick, read without a syscall.
        MonotonicCoarseClock = CLOCK_MONOTONIC_FAST,
        Errnos = Bsd.Errnos(ECANCELED),
    };
}
