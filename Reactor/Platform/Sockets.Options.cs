using System;
using Reactor.Interop;
using static Reactor.Interop.Libc;

namespace Reactor.Platform;

// The socket options of ReactorOptions: set before listen(2) or connect(2), read back as the kernel
// keeps them. On Linux an accepted socket is a copy of its listener (sk_clone_lock), so the buffer
// sizes, TCP_NODELAY and the keep-alive settings set on a listener need no call per accept; FreeBSD
// copies them too (sonewconn, syncache_socket), macOS all but the idle time (see Accept). Option
// numbers come from the table: these calls are setup, not the hot path, so nothing is folded.
internal static unsafe partial class Sockets
{
    /// <summary>
    /// Sets on a TCP socket what <paramref name="options"/> asks beyond a new socket's defaults
    /// (buffer sizes, TCP_NODELAY, keep-alive); with <paramref name="inherited"/> TCP_NODELAY is set
    /// either way, since the socket's creator may have set it. Returns 0, or a negative error with
    /// <paramref name="option"/> naming the option that failed (the loop must not throw).
    /// </summary>
    public static int TryApplyStreamOptions(int fd, ReactorOptions options, bool inherited, out string option)
    {
        OsConstants os = OsConstants.Current;
        int rc = TryApplyBufferSizes(fd, options, out option);
        if (rc < 0) return rc;
        if (options.NoDelay || inherited)
        {
            option = "TCP_NODELAY";
            rc = TrySet(fd, IPPROTO_TCP, TCP_NODELAY, options.NoDelay ? 1 : 0);
            if (rc < 0) return rc;
        }
        if (options.KeepAliveIdle == TimeSpan.Zero) return 0;
        option = "SO_KEEPALIVE";
        if ((rc = TrySet(fd, os.SOL_SOCKET, os.SO_KEEPALIVE, 1)) < 0) return rc;
        option = "TCP_KEEPIDLE";
        if ((rc = TrySet(fd, IPPROTO_TCP, os.TCP_KEEPIDLE, (int)options.KeepAliveIdle.TotalSeconds)) < 0) return rc;
        option = "TCP_KEEPINTVL";
        if (options.KeepAliveInterval != TimeSpan.Zero && (rc = TrySet(fd, IPPROTO_TCP, os.TCP_KEEPINTVL, (int)options.KeepAliveInterval.TotalSeconds)) < 0) return rc;
        option = "TCP_KEEPCNT";
        if (options.KeepAliveCount != 0 && (rc = TrySet(fd, IPPROTO_TCP, os.TCP_KEEPCNT, options.KeepAliveCount)) < 0) return rc;
        return 0;
    }

    /// <summary><see cref="TryApplyStreamOptions"/> for setup code: throws "setsockopt(OPTION): reason".</summary>
    public static void ApplyStreamOptions(int fd, ReactorOptions options, bool inherited) =>
        Sys.ThrowIfError(TryApplyStreamOptions(fd, options, inherited, out string option), $"setsockopt({option})");

    /// <summary>SO_RCVBUF and SO_SNDBUF when <paramref name="options"/> sets them (nonzero); 0 or a negative error naming the option.</summary>
    public static int TryApplyBufferSizes(int fd, ReactorOptions options, out string option)
    {
        OsConstants os = OsConstants.Current;
        option = "SO_RCVBUF";
        int rc = options.ReceiveBufferSize > 0 ? TrySet(fd, os.SOL_SOCKET, os.SO_RCVBUF, options.ReceiveBufferSize) : 0;
        if (rc < 0) return rc;
        option = "SO_SNDBUF";
        return options.SendBufferSize > 0 ? TrySet(fd, os.SOL_SOCKET, os.SO_SNDBUF, options.SendBufferSize) : 0;
    }

    /// <summary>
    /// The options in effect on a socket, as getsockopt(2) reports them; for a datagram socket
    /// (<paramref name="stream"/> false) only the buffer sizes. An option the kernel refuses to
    /// report reads as 0. <paramref name="askedBacklog"/> is what listen(2) was given, if known:
    /// macOS reports the backlog in effect nowhere, so there it stands for it (see <see cref="ReadBacklog"/>).
    /// </summary>
    public static SocketSettings ReadSettings(int fd, bool stream, int askedBacklog = 0)
    {
        OsConstants os = OsConstants.Current;
        int receive = TryGet(fd, os.SOL_SOCKET, os.SO_RCVBUF), send = TryGet(fd, os.SOL_SOCKET, os.SO_SNDBUF);
        if (!stream) return new SocketSettings { ReceiveBufferBytes = receive, SendBufferBytes = send };
        return new SocketSettings
        {
            ReceiveBufferBytes = receive,
            SendBufferBytes = send,
            NoDelay = TryGet(fd, IPPROTO_TCP, TCP_NODELAY) != 0,
            KeepAlive = TryGet(fd, os.SOL_SOCKET, os.SO_KEEPALIVE) != 0,
            KeepAliveIdle = TimeSpan.FromSeconds(TryGet(fd, IPPROTO_TCP, os.TCP_KEEPIDLE)),
            KeepAliveInterval = TimeSpan.FromSeconds(TryGet(fd, IPPROTO_TCP, os.TCP_KEEPINTVL)),
            KeepAliveCount = TryGet(fd, IPPROTO_TCP, os.TCP_KEEPCNT),
            Backlog = IsListening(fd) ? ReadBacklog(fd, askedBacklog) : 0,
        };
    }

    /// <summary>
    /// A listener's accept queue limit. Linux: tcpi_sacked of TCP_INFO (the backlog after the
    /// net.core.somaxconn cap). FreeBSD: SO_LISTENQLIMIT (after the kern.ipc.soacceptqueue cap).
    /// macOS keeps it (so_qlimit) where no option reads it and has no tcp_info of Linux's layout,
    /// so there this is <paramref name="asked"/> as given, which kern.ipc.somaxconn (128 by
    /// default) may have lowered, and 0 for an inherited listener, whose backlog is unknown.
    /// </summary>
    private static int ReadBacklog(int fd, int asked)
    {
        if (OperatingSystem.IsLinux())
        {
            tcp_info info = default;
            uint length = (uint)sizeof(tcp_info);
            return Sys.Check(getsockopt(fd, IPPROTO_TCP, Linux.TCP_INFO, &info, &length)) == 0 ? (int)info.tcpi_sacked : 0;
        }
        OsConstants os = OsConstants.Current;
        return os.SO_LISTENQLIMIT != 0 ? TryGet(fd, os.SOL_SOCKET, os.SO_LISTENQLIMIT) : asked;
    }

    private static int TrySet(int fd, int level, int name, int value) => Sys.Check(setsockopt(fd, level, name, &value, sizeof(int)));

    private static int TryGet(int fd, int level, int name)
    {
        int value = 0;
        uint length = sizeof(int);
        return Sys.Check(getsockopt(fd, level, name, &value, &length)) == 0 ? value : 0;
    }
}
