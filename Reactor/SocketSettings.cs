using System;

namespace Reactor;

/// <summary>
/// Socket options as the kernel reports them (getsockopt(2)) after Reactor set what
/// <see cref="ReactorOptions"/> asked for: the values in effect, which may differ from those asked
/// (the kernel doubles and caps buffer sizes, and caps the backlog). For a UDP socket only the
/// buffer sizes are read; the TCP members are then false or zero. The doubling and the sysctls
/// named below are Linux's; macOS and FreeBSD keep a buffer size as set, and refuse one above
/// kern.ipc.maxsockbuf (ENOBUFS) instead of capping it.
/// </summary>
public sealed record SocketSettings
{
    /// <summary>
    /// SO_RCVBUF in bytes. The kernel doubles a size that is set (the extra half pays for its own
    /// bookkeeping), caps it at twice net.core.rmem_max and raises it to its minimum (2304 bytes);
    /// without one set this is the current size, which receive autotuning may still grow.
    /// </summary>
    public int ReceiveBufferBytes { get; init; }

    /// <summary>SO_SNDBUF in bytes: doubled, capped at twice net.core.wmem_max and raised to a minimum (4608 bytes), as <see cref="ReceiveBufferBytes"/>.</summary>
    public int SendBufferBytes { get; init; }

    /// <summary>TCP_NODELAY.</summary>
    public bool NoDelay { get; init; }

    /// <summary>SO_KEEPALIVE.</summary>
    public bool KeepAlive { get; init; }

    /// <summary>TCP_KEEPIDLE: silence before the first probe (net.ipv4.tcp_keepalive_time unless set), also when keep-alive is off.</summary>
    public TimeSpan KeepAliveIdle { get; init; }

    /// <summary>TCP_KEEPINTVL: time between probes (net.ipv4.tcp_keepalive_intvl unless set).</summary>
    public TimeSpan KeepAliveInterval { get; init; }

    /// <summary>TCP_KEEPCNT: unanswered probes before the connection is dropped (net.ipv4.tcp_keepalive_probes unless set).</summary>
    public int KeepAliveCount { get; init; }

    /// <summary>
    /// A listening socket's accept queue limit: the listen(2) backlog capped at net.core.somaxconn
    /// (read through TCP_INFO). FreeBSD: capped at kern.ipc.soacceptqueue (read through
    /// SO_LISTENQLIMIT). macOS has no call that reads it, so there this is the backlog asked for,
    /// which kern.ipc.somaxconn (128 by default) may have lowered, or 0 for an inherited listener.
    /// 0 for any other socket.
    /// </summary>
    public int Backlog { get; init; }
}
