namespace Reactor.Interop;

/// <summary>
/// Linux's values of the constants that differ between kernels (socket(7), fcntl(2), errno(3)
/// from glibc's x86-64 and arm64 headers). Platform code uses them directly behind
/// <c>OperatingSystem.IsLinux()</c> where a call is hot, and <see cref="OsConstants.Current"/> elsewhere.
/// </summary>
internal static class Linux
{
    internal const int AF_INET6 = 10;
    internal const int SOCK_NONBLOCK = 0x800;
    internal const int SOCK_CLOEXEC = 0x80000;

    internal const int SOL_SOCKET = 1;
    internal const int SO_REUSEADDR = 2;
    internal const int SO_ERROR = 4;
    internal const int SO_SNDBUF = 7;
    internal const int SO_RCVBUF = 8;
    internal const int SO_KEEPALIVE = 9;
    internal const int SO_LINGER = 13;
    internal const int SO_REUSEPORT = 15;
    internal const int SO_ACCEPTCONN = 30;
    internal const int IP_BIND_ADDRESS_NO_PORT = 24;
    internal const int IPV6_V6ONLY = 26;
    internal const int TCP_KEEPIDLE = 4;
    internal const int TCP_KEEPINTVL = 5;
    internal const int TCP_KEEPCNT = 6;
    // Linux only: struct tcp_info (Interop/Linux/Libc.Tcp.cs) has no BSD twin of the same layout.
    internal const int TCP_INFO = 11;

    internal const int MSG_TRUNC = 0x20;
    internal const int MSG_DONTWAIT = 0x40;
    internal const int MSG_NOSIGNAL = 0x4000;

    internal const int O_NONBLOCK = 0x800;
    internal const int O_CLOEXEC = 0x80000;
    internal const int F_DUPFD_CLOEXEC = 1030;
    internal const int RLIMIT_NOFILE = 7;
    internal const int CLOCK_MONOTONIC_COARSE = 6;

    internal static readonly OsConstants Constants = new()
    {
        HasSinLen = false,
        AF_INET6 = AF_INET6,
        SOCK_NONBLOCK = SOCK_NONBLOCK,
        SOCK_CLOEXEC = SOCK_CLOEXEC,
        SOL_SOCKET = SOL_SOCKET,
        SO_REUSEADDR = SO_REUSEADDR,
        // SO_REUSEPORT hashes each new connection to one of the sockets bound to the port.
        ReusePortSpreading = SO_REUSEPORT,
        SO_ERROR = SO_ERROR,
        SO_SNDBUF = SO_SNDBUF,
        SO_RCVBUF = SO_RCVBUF,
        SO_KEEPALIVE = SO_KEEPALIVE,
        SO_LINGER = SO_LINGER,
        SO_ACCEPTCONN = SO_ACCEPTCONN,
        IPV6_V6ONLY = IPV6_V6ONLY,
        TCP_KEEPIDLE = TCP_KEEPIDLE,
        TCP_KEEPINTVL = TCP_KEEPINTVL,
        TCP_KEEPCNT = TCP_KEEPCNT,
        // The accept queue limit is tcpi_sacked of TCP_INFO on a listener (see Sockets.ReadSettings).
        SO_LISTENQLIMIT = 0,
        IP_BIND_ADDRESS_NO_PORT = IP_BIND_ADDRESS_NO_PORT,
        MSG_TRUNC = MSG_TRUNC,
        MSG_DONTWAIT = MSG_DONTWAIT,
        MSG_NOSIGNAL = MSG_NOSIGNAL,
        O_NONBLOCK = O_NONBLOCK,
        O_CLOEXEC = O_CLOEXEC,
        F_DUPFD_CLOEXEC = F_DUPFD_CLOEXEC,
        RLIMIT_NOFILE = RLIMIT_NOFILE,
        MonotonicCoarseClock = CLOCK_MONOTONIC_COARSE,
        // ErrorCode's numbers are Linux's own.
        Errnos = [],
    };
}
