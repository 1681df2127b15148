using System;
using Reactor.Interop;
using static Reactor.Interop.Libc;

namespace Reactor.Platform;

// The socket options of ReactorOptions: set before listen(2) or connect(2), read back as the kernel
// keeps them. On Linux an accepted socket is a copy of its listener (sk_clone_lock), so the buffer
// sizes, TCP_NODELAY and the keep-alive settings set on a listener need no call per accept.
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
        if ((rc = TrySet(fd, Linux.SOL_SOCKET, Linux.SO_KEEPALIVE, 1)) < 0) return rc;
        option = "TCP_KEEPIDLE";
        if ((rc = TrySet(fd, IPPROTO_TCP, Linux.TCP_KEEPIDLE, (int)options.KeepAliveIdle.TotalSeconds)) < 0) return rc;
        option = "TCP_KEEPINTVL";
        if (options.KeepAliveInterval != TimeSpan.Zero && (rc = TrySet(fd, IPPROTO_TCP, Linux.TCP_KEEPINTVL, (int)options.KeepAliveInterval.TotalSeconds)) < 0) return rc;
        option = "TCP_KEEPCNT";
        if (options.KeepAliveCount != 0 && (rc = TrySet(fd, IPPROTO_TCP, Linux.TCP_KEEPCNT, options.KeepAliveCount)) < 0) return rc;
        return 0;
    }

    /// <summary><see cref="TryApplyStreamOptions"/> for setup code: throws "setsockopt(OPTION): reason".</summary>
    public static void ApplyStreamOptions(int fd, ReactorOptions options, bool inherited) =>
        Sys.ThrowIfError(TryApplyStreamOptions(fd, options, inherited, out string option), $"setsockopt({option})");

    /// <summary>SO_RCVBUF and SO_SNDBUF when <paramref name="options"/> sets them (nonzero); 0 or a negative error naming the option.</summary>
    public static int TryApplyBufferSizes(int fd, ReactorOptions options, out string option)
    {
        option = "SO_RCVBUF";
        int rc = options.ReceiveBufferSize > 0 ? TrySet(fd, Linux.SOL_SOCKET, Linux.SO_RCVBUF, options.ReceiveBufferSize) : 0;
        if (rc < 0) return rc;
        option = "SO_SNDBUF";
        return options.SendBufferSize > 0 ? TrySet(fd, Linux.SOL_SOCKET, Linux.SO_SNDBUF, options.SendBufferSize) : 0;
    }

    /// <summary>
    /// The options in effect on a socket, as getsockopt(2) reports them; for a datagram socket
    /// (<paramref name="stream"/> false) only the buffer sizes. An option the kernel refuses to
    /// report reads as 0.
    /// </summary>
    public static SocketSettings ReadSettings(int fd, bool stream)
    {
        int receive = TryGet(fd, Linux.SOL_SOCKET, Linux.SO_RCVBUF), send = TryGet(fd, Linux.SOL_SOCKET, Linux.SO_SNDBUF);
        if (!stream) return new SocketSettings { ReceiveBufferBytes = receive, SendBufferBytes = send };
        int backlog = 0;
        if (IsListening(fd))
        {
            tcp_info info = default;
            uint length = (uint)sizeof(tcp_info);
            if (Sys.Check(getsockopt(fd, IPPROTO_TCP, Linux.TCP_INFO, &info, &length)) == 0) backlog = (int)info.tcpi_sacked;
        }
        return new SocketSettings
        {
            ReceiveBufferBytes = receive,
            SendBufferBytes = send,
            NoDelay = TryGet(fd, IPPROTO_TCP, TCP_NODELAY) != 0,
            KeepAlive = TryGet(fd, Linux.SOL_SOCKET, Linux.SO_KEEPALIVE) != 0,
            KeepAliveIdle = TimeSpan.FromSeconds(TryGet(fd, IPPROTO_TCP, Linux.TCP_KEEPIDLE)),
            KeepAliveInterval = TimeSpan.FromSeconds(TryGet(fd, IPPROTO_TCP, Linux.TCP_KEEPINTVL)),
            KeepAliveCount = TryGet(fd, IPPROTO_TCP, Linux.TCP_KEEPCNT),
            Backlog = backlog,
        };
    }

    private static int TrySet(int fd, int level, int name, int value) => Sys.Check(setsockopt(fd, level, name, &value, sizeof(int)));

    private static int TryGet(int fd, int level, int name)
    {
        int value = 0;
        uint length = sizeof(int);
        return Sys.Check(getsockopt(fd, level, name, &value, &length)) == 0 ? value : 0;
    }
}
