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
        ecanceled: ECANCELED);
}
