namespace Reactor.Interop;

/// <summary>
/// What macOS and FreeBSD share: the 4.4BSD socket constants and errno numbers. Values are from
/// FreeBSD's sys/sys/socket.h, sys/sys/errno.h, sys/sys/fcntl.h and sys/netinet6/in6.h, and the
/// same names in xnu's bsd/sys (checked against xnu-11417); <see cref="MacOS"/> and
/// <see cref="FreeBsd"/> hold where the two part ways.
/// </summary>
internal static class Bsd
{
    internal const int SOL_SOCKET = 0xffff;
    internal const int SO_ACCEPTCONN = 0x0002;
    internal const int SO_REUSEADDR = 0x0004;
    internal const int SO_KEEPALIVE = 0x0008;
    // macOS counts SO_LINGER in ticks (SO_LINGER_SEC is seconds); Reactor only ever sets 0.
    internal const int SO_LINGER = 0x0080;
    internal const int SO_SNDBUF = 0x1001;
    internal const int SO_RCVBUF = 0x1002;
    internal const int SO_ERROR = 0x1007;
    internal const int IPV6_V6ONLY = 27;

    internal const int MSG_TRUNC = 0x10;
    internal const int MSG_DONTWAIT = 0x80;

    internal const int O_NONBLOCK = 0x0004;
    internal const int RLIMIT_NOFILE = 8;

    // errno.h: 1-34 are Unix's old numbers, as on Linux, except 11 (EDEADLK here, EAGAIN there).
    internal const int EAGAIN = 35;
    internal const int EINPROGRESS = 36;
    internal const int EADDRINUSE = 48;
    internal const int EADDRNOTAVAIL = 49;
    internal const int ENETUNREACH = 51;
    internal const int ECONNABORTED = 53;
    internal const int ECONNRESET = 54;
    internal const int ENOBUFS = 55;
    internal const int ENOTCONN = 57;
    internal const int ETIMEDOUT = 60;
    internal const int ECONNREFUSED = 61;
    internal const int EHOSTUNREACH = 65;

    /// <summary>A BSD table: the shared values above and the ones each system numbers its own way.</summary>
    internal static OsConstants Table(int af_inet6, int sockNonblock, int sockCloexec, int reusePortSpreading, int msgNosignal,
        int oCloexec, int fDupfdCloexec, int monotonicClock, int ecanceled, int tcpKeepidle, int tcpKeepintvl, int tcpKeepcnt,
        int soListenqlimit) => new()
    {
        HasSinLen = true,
        AF_INET6 = af_inet6,
        SOCK_NONBLOCK = sockNonblock,
        SOCK_CLOEXEC = sockCloexec,
        SOL_SOCKET = SOL_SOCKET,
        SO_REUSEADDR = SO_REUSEADDR,
        ReusePortSpreading = reusePortSpreading,
        SO_ERROR = SO_ERROR,
        SO_SNDBUF = SO_SNDBUF,
        SO_RCVBUF = SO_RCVBUF,
        SO_KEEPALIVE = SO_KEEPALIVE,
        SO_LINGER = SO_LINGER,
        SO_ACCEPTCONN = SO_ACCEPTCONN,
        IPV6_V6ONLY = IPV6_V6ONLY,
        TCP_KEEPIDLE = tcpKeepidle,
        TCP_KEEPINTVL = tcpKeepintvl,
        TCP_KEEPCNT = tcpKeepcnt,
        SO_LISTENQLIMIT = soListenqlimit,
        // Linux's option; here a bound source address gets its port at bind time.
        IP_BIND_ADDRESS_NO_PORT = 0,
        MSG_TRUNC = MSG_TRUNC,
        MSG_DONTWAIT = MSG_DONTWAIT,
        MSG_NOSIGNAL = msgNosignal,
        O_NONBLOCK = O_NONBLOCK,
        O_CLOEXEC = oCloexec,
        F_DUPFD_CLOEXEC = fDupfdCloexec,
        RLIMIT_NOFILE = RLIMIT_NOFILE,
        MonotonicCoarseClock = monotonicClock,
        Errnos = Errnos(ecanceled),
    };

    /// <summary>The errnos of <see cref="ErrorCode"/> whose numbers differ from Linux's, with this system's ECANCELED.</summary>
    private static (ErrorCode, int)[] Errnos(int ecanceled) =>
    [
        (ErrorCode.WouldBlock, EAGAIN),
        (ErrorCode.InProgress, EINPROGRESS),
        (ErrorCode.AddressInUse, EADDRINUSE),
        (ErrorCode.AddressNotAvailable, EADDRNOTAVAIL),
        (ErrorCode.NetworkUnreachable, ENETUNREACH),
        (ErrorCode.ConnectionAborted, ECONNABORTED),
        (ErrorCode.ConnectionReset, ECONNRESET),
        (ErrorCode.NoBufferSpace, ENOBUFS),
        (ErrorCode.NotConnected, ENOTCONN),
        (ErrorCode.TimedOut, ETIMEDOUT),
        (ErrorCode.ConnectionRefused, ECONNREFUSED),
        (ErrorCode.HostUnreachable, EHOSTUNREACH),
        (ErrorCode.Canceled, ecanceled),
    ];
}
