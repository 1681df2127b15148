using System;
using System.Net;

namespace Reactor;

/// <summary>
/// Settings for a loop group and its loops. Every member has a default that suits an echo or
/// HTTP server on loopback; the CLI flags map one to one onto these.
/// </summary>
public sealed class ReactorOptions
{
    /// <summary>Address to listen on. Defaults to 127.0.0.1; use <see cref="IPAddress.IPv6Loopback"/> or <see cref="IPAddress.Any"/> as needed.</summary>
    public IPAddress BindAddress { get; set; } = IPAddress.Loopback;

    /// <summary>TCP port; 0 asks the kernel for a free one (all loops then share it). Defaults to 0.</summary>
    public int Port { get; set; }

    /// <summary>
    /// Listening sockets to serve instead of binding <see cref="BindAddress"/>:<see cref="Port"/>,
    /// e.g. from socket activation (<see cref="Platform.SocketActivation.TakeListenFds"/>). Every
    /// loop accepts from each of them through its own duplicate; the group closes them when it
    /// stops (the supervisor that passed them keeps its own copy, and the port stays open).
    /// Defaults to none.
    /// </summary>
    public System.Collections.Generic.IReadOnlyList<int> ListenFds { get; set; } = [];

    /// <summary>Number of loops, each on its own thread with its own listener. Defaults to one per core.</summary>
    public int LoopCount { get; set; } = Environment.ProcessorCount;

    /// <summary>Pin loop i to core i modulo the core count. Defaults to false.</summary>
    public bool PinThreads { get; set; }

    /// <summary>
    /// listen(2) backlog per listener; the kernel caps it at net.core.somaxconn
    /// (<see cref="LoopGroup.SocketSettings"/> gives the value in effect). Listeners passed in
    /// <see cref="ListenFds"/> keep the backlog their creator gave them. Defaults to 4096.
    /// </summary>
    public int Backlog { get; set; } = 4096;

    /// <summary>
    /// TCP_NODELAY on every TCP socket: small replies leave at once instead of waiting for an ACK
    /// (Nagle), as every latency guide advises. Set on the listeners, whose accepted sockets inherit
    /// it, and on outgoing connections. Defaults to true.
    /// </summary>
    public bool NoDelay { get; set; } = true;

    /// <summary>
    /// SO_RCVBUF in bytes for every socket Reactor makes: set on the listeners before listen(2), so
    /// accepted sockets inherit it and their handshake offers a window scale that fits it; on
    /// outgoing connections before connect(2); on UDP sockets. A size set by hand turns receive
    /// autotuning off for the socket. The kernel doubles it and caps it at twice net.core.rmem_max:
    /// <see cref="LoopGroup.SocketSettings"/> gives the value in effect. 0 leaves the kernel's default
    /// and autotuning. Defaults to 0.
    /// </summary>
    public int ReceiveBufferSize { get; set; }

    /// <summary>
    /// SO_SNDBUF in bytes, set where <see cref="ReceiveBufferSize"/> is; capped at twice
    /// net.core.wmem_max. 0 leaves the kernel's default and autotuning. Defaults to 0.
    /// </summary>
    public int SendBufferSize { get; set; }

    /// <summary>
    /// Turns TCP keep-alive on (SO_KEEPALIVE) for every TCP socket with this much silence before the
    /// first probe (TCP_KEEPIDLE), so a peer that vanished without a FIN or RST is found and its
    /// connection closed with <see cref="CloseReason.Error"/> (ETIMEDOUT). Whole seconds, up to
    /// 32767 s. Set on the listeners (inherited by accepted sockets) and on outgoing connections.
    /// <see cref="TimeSpan.Zero"/> leaves keep-alive off. Defaults to off.
    /// </summary>
    public TimeSpan KeepAliveIdle { get; set; }

    /// <summary>
    /// Time between keep-alive probes (TCP_KEEPINTVL), whole seconds up to 32767 s; only with
    /// <see cref="KeepAliveIdle"/>. <see cref="TimeSpan.Zero"/> leaves the kernel's default
    /// (net.ipv4.tcp_keepalive_intvl, 75 s). Defaults to zero.
    /// </summary>
    public TimeSpan KeepAliveInterval { get; set; }

    /// <summary>
    /// Unanswered keep-alive probes before the connection is dropped (TCP_KEEPCNT), 1 to 127; only
    /// with <see cref="KeepAliveIdle"/>. 0 leaves the kernel's default (net.ipv4.tcp_keepalive_probes, 9).
    /// Defaults to 0.
    /// </summary>
    public int KeepAliveCount { get; set; }

    /// <summary>
    /// Size of one pool chunk and of one recv(2), and the default of
    /// <see cref="Connection.MaxInputBytes"/> (the most unconsumed input a connection keeps;
    /// a protocol raises it per connection). Defaults to 16 KiB.
    /// </summary>
    public int BufferSize { get; set; } = 16 * 1024;

    /// <summary>Pool memory each loop allocates up front. Defaults to 1 MiB.</summary>
    public long InitialPoolBytes { get; set; } = 1L << 20;

    /// <summary>
    /// The most pool memory one loop may hold; a connection that needs a chunk beyond it is
    /// closed with <see cref="CloseReason.OutOfBuffers"/>. Defaults to 1 GiB.
    /// </summary>
    public long MaxPoolBytes { get; set; } = 1L << 30;

    /// <summary>
    /// Output high-water mark per connection: when queued output reaches it the connection turns
    /// unwritable (<see cref="Connection.IsWritable"/>) and, unless the handler turned
    /// <see cref="Connection.PauseReadingWhileUnwritable"/> off, the loop stops reading from it;
    /// at half of it (the low-water mark) it is writable again and
    /// <see cref="IConnectionHandler.OnDrained"/> runs. Defaults to 1 MiB.
    /// </summary>
    public int MaxPendingBytes { get; set; } = 1 << 20;

    /// <summary>
    /// Close a connection that has neither received nor delivered a byte for this long
    /// (<see cref="CloseReason.Timeout"/>). <see cref="TimeSpan.Zero"/> turns it off. Defaults to off.
    /// </summary>
    public TimeSpan IdleTimeout { get; set; }

    /// <summary>
    /// Most connections the whole group holds; beyond it new ones are accepted and closed at once
    /// (counted in <see cref="LoopStats.Rejected"/>). 0 means no limit. Defaults to 0.
    /// </summary>
    public int MaxConnections { get; set; }

    /// <summary>
    /// The kernel interface the loops wait with: the operating system's readiness API (epoll,
    /// kqueue), or io_uring, where the kernel accepts and receives for the loops (Linux 6.3+; where
    /// the kernel refuses it the loops use epoll and say so once on stderr). Defaults to the
    /// environment variable REACTOR_BACKEND (<c>epoll</c>, <c>kqueue</c> or <c>io_uring</c>) when it is set, else <see cref="LoopBackend.Native"/>.
    /// </summary>
    public LoopBackend Backend { get; set; } = ParseBackend(Environment.GetEnvironmentVariable("REACTOR_BACKEND"), "REACTOR_BACKEND");

    /// <summary>
    /// The backend a user named: <c>io_uring</c>, or this system's own (<c>epoll</c> on Linux,
    /// <c>kqueue</c> on macOS and FreeBSD); null or empty means the system's own.
    /// </summary>
    internal static LoopBackend ParseBackend(string? name, string source)
    {
        string native = OperatingSystem.IsLinux() ? "epoll" : "kqueue";
        if (string.IsNullOrEmpty(name) || name == native) return LoopBackend.Native;
        if (name == "io_uring") return LoopBackend.IoUring;
        throw Invalid($"{source} is '{name}': it must be {native} or io_uring");
    }

    /// <summary>Events taken from the kernel per wait. Defaults to 256.</summary>
    public int BatchSize { get; set; } = 256;

    /// <summary>How long a stopping loop keeps flushing queued output before it aborts what is left. Defaults to 5 s.</summary>
    public TimeSpan ShutdownTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Called on the loop thread with every exception user code threw there (a handler callback,
    /// a timer, posted work, a connect callback) after the loop contained it: the connection, if
    /// any, was closed with <see cref="CloseReason.HandlerError"/> and the loop went on. Counted in
    /// <see cref="LoopStats.CallbackErrors"/> either way. The library itself never prints; the
    /// <c>reactor</c> command sets this to write one line to stderr. Defaults to null.
    /// </summary>
    public Action<EventLoop, Exception>? CallbackError { get; set; }

    /// <summary>
    /// UDP datagrams per recvmmsg(2) and sendmmsg(2) call. Defaults to 32: measured with
    /// scripts/bench-udp.sh, CPU per datagram falls from 7.1 µs at 1 to 2.6 µs at 16 and stays flat
    /// up to 128; 32 sits in the flat part.
    /// </summary>
    public int DatagramBatch { get; set; } = 32;

    /// <summary>
    /// The largest UDP datagram a socket receives whole (larger ones are counted as truncated and
    /// dropped) or sends. Each socket reserves <see cref="DatagramBatch"/> receive slots of this size
    /// (virtual memory; pages are touched only by datagrams that large). Defaults to 65535: any datagram.
    /// </summary>
    public int MaxDatagramBytes { get; set; } = 65535;

    internal const int ChunksPerSlab = 64;

    /// <summary>
    /// Throws <see cref="ArgumentException"/> for the first bad setting. Each message is one plain
    /// sentence naming the setting and its value: the AOT build has no resource strings, so the
    /// parameter-name and actual-value suffixes of ArgumentOutOfRangeException would reach a user
    /// (through reactor_last_error) as resource keys on a second line.
    /// </summary>
    internal void Validate()
    {
        if (Port is < 0 or > 65535) throw Invalid($"Port is {Port}: it must be 0 to 65535");
        if (LoopCount < 1) throw Invalid($"LoopCount is {LoopCount}: at least one loop is needed");
        if (Backlog < 1) throw Invalid($"Backlog is {Backlog}: it must be positive");
        if (ReceiveBufferSize < 0) throw Invalid($"ReceiveBufferSize is {ReceiveBufferSize}: it must be 0 (the kernel's default) or a number of bytes");
        if (SendBufferSize < 0) throw Invalid($"SendBufferSize is {SendBufferSize}: it must be 0 (the kernel's default) or a number of bytes");
        ValidateKeepAliveSeconds(KeepAliveIdle, nameof(KeepAliveIdle));
        ValidateKeepAliveSeconds(KeepAliveInterval, nameof(KeepAliveInterval));
        if (KeepAliveCount is < 0 or > MaxKeepAliveCount) throw Invalid($"KeepAliveCount is {KeepAliveCount}: it must be 0 (the kernel's default) to {MaxKeepAliveCount}");
        if (KeepAliveIdle == TimeSpan.Zero && (KeepAliveInterval != TimeSpan.Zero || KeepAliveCount != 0))
            throw Invalid("KeepAliveInterval and KeepAliveCount need KeepAliveIdle: without it keep-alive is off");
        if (BufferSize < 1024) throw Invalid($"BufferSize is {BufferSize}: it must be at least 1 KiB");
        if (MaxPendingBytes < BufferSize) throw Invalid($"MaxPendingBytes is {MaxPendingBytes}: it must be at least BufferSize ({BufferSize})");
        if (MaxPoolBytes < (long)BufferSize * ChunksPerSlab) throw Invalid($"MaxPoolBytes is {MaxPoolBytes}: it must hold at least one slab ({(long)BufferSize * ChunksPerSlab} bytes)");
        if (IdleTimeout < TimeSpan.Zero) throw Invalid($"IdleTimeout is {IdleTimeout}: it must not be negative");
        if (MaxConnections < 0) throw Invalid($"MaxConnections is {MaxConnections}: it must not be negative");
        if (BatchSize < 1) throw Invalid($"BatchSize is {BatchSize}: it must be positive");
        if (Backend is not (LoopBackend.Native or LoopBackend.IoUring)) throw Invalid($"Backend is {(int)Backend}: it must be Native or IoUring");
        if (DatagramBatch is < 1 or > 1024) throw Invalid($"DatagramBatch is {DatagramBatch}: it must be 1 to 1024");
        if (MaxDatagramBytes is < 1 or > 65535) throw Invalid($"MaxDatagramBytes is {MaxDatagramBytes}: it must be 1 to 65535");
    }

    // tcp(7): TCP_KEEPIDLE and TCP_KEEPINTVL take 1 to 32767 s (MAX_TCP_KEEPIDLE), TCP_KEEPCNT 1 to 127.
    internal const int MaxKeepAliveSeconds = 32767;
    internal const int MaxKeepAliveCount = 127;

    private static void ValidateKeepAliveSeconds(TimeSpan value, string name)
    {
        if (value != TimeSpan.Zero && (value.Ticks % TimeSpan.TicksPerSecond != 0 || value < TimeSpan.FromSeconds(1) || value > TimeSpan.FromSeconds(MaxKeepAliveSeconds)))
            throw Invalid($"{name} is {value}: it must be zero or whole seconds from 1 to {MaxKeepAliveSeconds}");
    }

    private static ArgumentException Invalid(string message) => new(message);
}

/// <summary>The kernel interface a loop waits with (<see cref="ReactorOptions.Backend"/>).</summary>
public enum LoopBackend
{
    /// <summary>The operating system's readiness API: epoll on Linux, kqueue on macOS and FreeBSD.</summary>
    Native,
    /// <summary>io_uring: multishot accept and multishot recv into provided buffers, one io_uring_enter per loop iteration.</summary>
    IoUring,
}
