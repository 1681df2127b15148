namespace Reactor.Interop;

/// <summary>macOS's values where they differ from FreeBSD's (xnu bsd/sys/*.h, bsd/netinet/tcp.h, Libc's time.h).</summary>
internal static class MacOS
{
    internal const int AF_INET6 = 30;
    // xnu-7195 (macOS 11) added MSG_NOSIGNAL to send(2) and sendmsg(2); .NET 9 needs macOS 12 or later.
    internal const int MSG_NOSIGNAL = 0x80000;
    internal const int O_CLOEXEC = 0x01000000;
    internal const int F_DUPFD_CLOEXEC = 67;
    internal const int CLOCK_MONOTONIC = 6;
    internal const int ECANCELED = 89;
    // The keep-alive idle time: xnu's TCP_KEEPALIVE is Linux's and FreeBSD's TCP_KEEPIDLE, in seconds.
    internal const int TCP_KEEPALIVE = 0x10;
    internal const int TCP_KEEPINTVL = 0x101;
    internal const int TCP_KEEPCNT = 0x102;

    internal static readonly OsConstants Constants = Bsd.Table(
        af_inet6: AF_INET6,
        // No SOCK_NONBLOCK, SOCK_CLOEXEC or accept4: Sockets sets both with fcntl(2).
        sockNonblock: 0,
        sockCloexec: 0,
        // SO_REUSEPORT (0x0200) binds several TCP listeners to one port, but the kernel hands every
        // connection to one of them: the loops share a single listener instead.
        reusePortSpreading: 0,
        msgNosignal: MSG_NOSIGNAL,
        oCloexec: O_CLOEXEC,
        fDupfdCloexec: F_DUPFD_CLOEXEC,
        monotonicClock: CLOCK_MONOTONIC,
        ecanceled: ECANCELED,
        tcpKeepidle: TCP_KEEPALIVE,
        tcpKeepintvl: TCP_KEEPINTVL,
        tcpKeepcnt: TCP_KEEPCNT,
        // No option reads so_qlimit (0x1011 is the deprecated SO_PEERLABEL here): the backlog is reported as asked.
        soListenqlimit: 0);
}
