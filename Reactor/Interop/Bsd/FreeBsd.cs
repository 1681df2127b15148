namespace Reactor.Interop;

/// <summary>FreeBSD's values where they differ from macOS's (sys/sys/*.h and sys/netinet/tcp.h of FreeBSD 12 and later).</summary>
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
    internal const int TCP_KEEPIDLE = 256;
    internal const int TCP_KEEPINTVL = 512;
    internal const int TCP_KEEPCNT = 1024;
    // Read only: a listener's so_qlimit, the backlog after the kern.ipc.soacceptqueue cap.
    internal const int SO_LISTENQLIMIT = 0x1011;

    internal static readonly OsConstants Constants = Bsd.Table(
        af_inet6: AF_INET6,
        sockNonblock: SOCK_NONBLOCK,
        sockCloexec: SOCK_CLOEXEC,
        reusePortSpreading: SO_REUSEPORT_LB,
        msgNosignal: MSG_NOSIGNAL,
        oCloexec: O_CLOEXEC,
        fDupfdCloexec: F_DUPFD_CLOEXEC,
        // Like Linux's CLOCK_MONOTONIC_COARSE: the last tick, read without a syscall.
        monotonicClock: CLOCK_MONOTONIC_FAST,
        ecanceled: ECANCELED,
        tcpKeepidle: TCP_KEEPIDLE,
        tcpKeepintvl: TCP_KEEPINTVL,
        tcpKeepcnt: TCP_KEEPCNT,
        soListenqlimit: SO_LISTENQLIMIT);
}
