using System;
using System.Net;
using System.Threading;
using Reactor.Platform;
using Reactor.Protocols.Framing;

namespace Reactor.Native;

/// <summary>
/// A loop group started from C, and the table that maps reactor_server_t handles to it. A handle
/// is (generation &lt;&lt; 6 | index) + 1, so a destroyed server's handle is refused even after its
/// index is reused.
/// </summary>
internal sealed unsafe class EmbeddedServer
{
    private static readonly EmbeddedServer?[] Table = new EmbeddedServer?[ConnectionHandle.MaxServers];
    private static readonly int[] Generations = new int[ConnectionHandle.MaxServers];
    private static readonly Lock TableLock = new();

    private readonly NativeFraming _framing;
    private readonly int _maxFrameBytes;
    private readonly Lock _udpLock = new();
    private NativeUdp[] _udp = [];
    private int _nextLoop;
    private int _stopped;

    private EmbeddedServer(int index, int generation, LoopGroup group, NativeHandler handler, NativeFraming framing, int maxFrameBytes)
    {
        Index = index;
        Generation = generation;
        Group = group;
        Handler = handler;
        _framing = framing;
        _maxFrameBytes = maxFrameBytes;
    }

    public int Index { get; }
    public int Generation { get; }
    public LoopGroup Group { get; }
    public NativeHandler Handler { get; }

    /// <summary>True once reactor_server_stop or destroy began stopping the server.</summary>
    public bool IsStopping => Volatile.Read(ref _stopped) != 0;

    /// <summary>
    /// Binds and starts a server (with <paramref name="address"/> null: starts its loops without a
    /// listener); returns its handle, or 0 when all <see cref="ConnectionHandle.MaxServers"/>
    /// entries are in use. Throws <see cref="ReactorException"/> or <see cref="ArgumentException"/>.
    /// </summary>
    public static int Start(string? address, int port, in NativeOptions o, NativeCallbacks callbacks, void* user)
    {
        IPAddress? ip = IPAddress.Loopback;
        if (address is not null && !Sockets.TryParseAddress(address, out ip))
            throw new ArgumentException(BadAddress(address));
        if (port is < 0 or > 65535) throw new ArgumentException($"bad port {port}: must be 0..65535");
        var options = new ReactorOptions
        {
            BindAddress = ip,
            Port = port,
            LoopCount = o.loop_count == 0 ? Math.Min(Environment.ProcessorCount, ConnectionHandle.MaxLoops) : (int)o.loop_count,
            PinThreads = o.pin_threads != 0,
            Backlog = o.backlog == 0 ? 4096 : (int)Math.Min(o.backlog, int.MaxValue),
            MaxPendingBytes = o.max_pending_bytes == 0 ? 1 << 20 : (int)Math.Min(o.max_pending_bytes, int.MaxValue),
            IdleTimeout = TimeSpan.FromMilliseconds(o.idle_timeout_ms),
            MaxConnections = (int)Math.Min(o.max_connections, int.MaxValue),
        };
        ApplySocketOptions(o, options);
        if (options.LoopCount > ConnectionHandle.MaxLoops) throw new ArgumentException($"loop_count {o.loop_count} is above {ConnectionHandle.MaxLoops}");
        if (o.framing > (uint)NativeFraming.Line) throw new ArgumentException($"framing {o.framing} is not a reactor_framing (0 none, 1 u32 big-endian, 2 line)");
        if (o.max_frame_bytes > 1u << 30) throw new ArgumentException($"max_frame_bytes {o.max_frame_bytes} is above 1 GiB");

        int index, generation;
        lock (TableLock)
        {
            index = Array.IndexOf(Table, null);
            if (index < 0) return 0;
            Table[index] = Placeholder;
            generation = Generations[index];
        }
        try
        {
            var group = new LoopGroup(options);
            var handler = new NativeHandler(index, generation, callbacks, user, new ConnectionData(options.LoopCount));
            var server = new EmbeddedServer(index, generation, group, handler, (NativeFraming)o.framing, (int)o.max_frame_bytes);
            // In the table before the loops start: the first connection may be served at once, and
            // its callbacks' reactor_send must find the server (it used to fail with ENOTCONN).
            lock (TableLock) Table[index] = server;
            try
            {
                if (address is null) group.Start();
                else group.Serve(server.AcceptedHandlers());
            }
            catch
            {
                group.Dispose();
                throw;
            }
            return (generation << 6 | index) + 1;
        }
        catch
        {
            lock (TableLock) Table[index] = null;
            throw;
        }
    }

    /// <summary>
    /// The socket option fields of reactor_options, checked here so that a message names the C
    /// field (in seconds) rather than the <see cref="ReactorOptions"/> property.
    /// </summary>
    private static void ApplySocketOptions(in NativeOptions o, ReactorOptions options)
    {
        if (o.nodelay > (uint)NativeNoDelay.Off) throw new ArgumentException($"nodelay {o.nodelay} is not a reactor_nodelay (0 default on, 1 on, 2 off)");
        if (o.keepalive_idle_s > ReactorOptions.MaxKeepAliveSeconds) throw new ArgumentException($"keepalive_idle_s {o.keepalive_idle_s} is above {ReactorOptions.MaxKeepAliveSeconds}");
        if (o.keepalive_interval_s > ReactorOptions.MaxKeepAliveSeconds) throw new ArgumentException($"keepalive_interval_s {o.keepalive_interval_s} is above {ReactorOptions.MaxKeepAliveSeconds}");
        if (o.keepalive_count > ReactorOptions.MaxKeepAliveCount) throw new ArgumentException($"keepalive_count {o.keepalive_count} is above {ReactorOptions.MaxKeepAliveCount}");
        if (o.keepalive_idle_s == 0 && (o.keepalive_interval_s != 0 || o.keepalive_count != 0))
            throw new ArgumentException("keepalive_interval_s and keepalive_count need keepalive_idle_s: without it keep-alive is off");
        // The kernel caps a buffer size at net.core.rmem_max / wmem_max anyway; the value in effect is reported.
        options.ReceiveBufferSize = (int)Math.Min(o.rcvbuf_bytes, int.MaxValue);
        options.SendBufferSize = (int)Math.Min(o.sndbuf_bytes, int.MaxValue);
        options.NoDelay = (NativeNoDelay)o.nodelay != NativeNoDelay.Off;
        options.KeepAliveIdle = TimeSpan.FromSeconds(o.keepalive_idle_s);
        options.KeepAliveInterval = TimeSpan.FromSeconds(o.keepalive_interval_s);
        options.KeepAliveCount = (int)o.keepalive_count;
    }

    /// <summary>
    /// The value in effect of one reactor_sockopt on the server's listeners, -1 for an unknown one,
    /// or null for loops that listen nowhere (reactor_loops_start).
    /// </summary>
    public int? SocketOption(NativeSockopt which)
    {
        if (Group.SocketSettings is not { } s) return null;
        return which switch
        {
            NativeSockopt.ReceiveBuffer => s.ReceiveBufferBytes,
            NativeSockopt.SendBuffer => s.SendBufferBytes,
            NativeSockopt.NoDelay => s.NoDelay ? 1 : 0,
            NativeSockopt.KeepAlive => s.KeepAlive ? 1 : 0,
            NativeSockopt.KeepAliveIdle => (int)s.KeepAliveIdle.TotalSeconds,
            NativeSockopt.KeepAliveInterval => (int)s.KeepAliveInterval.TotalSeconds,
            NativeSockopt.KeepAliveCount => s.KeepAliveCount,
            NativeSockopt.Backlog => s.Backlog,
            _ => -1,
        };
    }

    /// <summary>What every call taking an address text says when it is not one.</summary>
    public static string BadAddress(string text) => $"bad address '{text}': not an IPv4 or IPv6 address or localhost";

    /// <summary>
    /// The loop of a C call's <c>loop</c> argument: an index, or <c>REACTOR_ANY_LOOP</c> (-1) for
    /// the next in turn. Throws <see cref="ArgumentException"/> for any other value.
    /// </summary>
    public EventLoop PickLoop(int loop)
    {
        int count = Group.Loops.Count;
        if (loop == -1) return Group.Loops[(int)((uint)Interlocked.Increment(ref _nextLoop) % (uint)count)];
        if (loop < 0 || loop >= count) throw new ArgumentException($"loop {loop} is not 0 to {count - 1} or REACTOR_ANY_LOOP");
        return Group.Loops[loop];
    }

    /// <summary>
    /// Connects from <paramref name="loop"/> (on its thread, later) to <paramref name="remote"/>;
    /// the outcome reaches the handler's on_connect, ECANCELED included when the server stops first.
    /// </summary>
    public void Connect(EventLoop loop, IPEndPoint remote, TimeSpan timeout, NativeHandler handler)
    {
        IConnectionHandler connection = HandlerFor(handler);
        loop.Post(_ =>
        {
            // A stopping loop starts no connect and calls nobody back; C is told it was cancelled.
            if (IsStopping) handler.OnConnectFailed(ErrorCode.Canceled);
            else loop.Connect(remote, connection, handler.OnConnectFailed, timeout: timeout);
        }, null);
    }

    /// <summary>Binds a UDP socket on every loop (from a thread that is not one of them) and returns its binding.</summary>
    public NativeUdp BindUdp(IPEndPoint local, delegate* unmanaged<ulong, byte*, nuint, void*, void*, void> onDatagram, void* arg)
    {
        lock (_udpLock)
        {
            var udp = new NativeUdp(this, _udp.Length, onDatagram, arg);
            udp.Sockets = Group.OpenUdp(local, udp);
            // Copy on write: reactor_udp_send reads the array without a lock.
            NativeUdp[] grown = [.. _udp, udp];
            Volatile.Write(ref _udp, grown);
            return udp;
        }
    }

    /// <summary>The UDP binding with index <paramref name="index"/>, or null.</summary>
    public NativeUdp? UdpAt(long index)
    {
        NativeUdp[] udp = Volatile.Read(ref _udp);
        return index >= 0 && index < udp.Length ? udp[index] : null;
    }

    /// <summary>The handler of one connection: the C callbacks, behind a decoder when the server frames messages.</summary>
    private IConnectionHandler HandlerFor(NativeHandler handler) => _framing switch
    {
        NativeFraming.U32BigEndian => new LengthPrefixFraming(handler, _maxFrameBytes == 0 ? LengthPrefixFraming.DefaultMaxFrameBytes : _maxFrameBytes),
        NativeFraming.Line => new LineFraming(handler, _maxFrameBytes == 0 ? LineFraming.DefaultMaxLineBytes : _maxFrameBytes),
        _ => handler,
    };

    /// <summary>
    /// The handler of each accepted connection. A length prefix decoder keeps its state on the
    /// connection, so one serves them all; a line decoder keeps the partial line, so one each.
    /// </summary>
    private Func<Connection, IConnectionHandler> AcceptedHandlers()
    {
        if (_framing == NativeFraming.Line) return _ => HandlerFor(Handler);
        IConnectionHandler shared = HandlerFor(Handler);
        return _ => shared;
    }

    // Holds a table entry while a server binds, outside the lock.
    private static readonly EmbeddedServer Placeholder = new(-1, -1, null!, null!, NativeFraming.None, 0);

    /// <summary>The live server of <paramref name="handle"/>, or null.</summary>
    public static EmbeddedServer? Find(int handle)
    {
        int raw = handle - 1;
        if (raw < 0) return null;
        int index = raw & (ConnectionHandle.MaxServers - 1);
        lock (TableLock)
        {
            EmbeddedServer? s = Table[index];
            return s is not null && s != Placeholder && Generations[index] == raw >> 6 ? s : null;
        }
    }

    /// <summary>
    /// The live server of a connection handle's <paramref name="index"/> and low 8 bits of
    /// <paramref name="generation"/>, or null. No lock: it is on every reactor_send, and a table
    /// entry is one reference whose server never changes its index or generation.
    /// </summary>
    public static EmbeddedServer? AtIndex(int index, int generation)
    {
        EmbeddedServer? s = Volatile.Read(ref Table[index]);
        return s is not null && s != Placeholder && (s.Generation & 0xFF) == generation ? s : null;
    }

    /// <summary>True on one of this server's loop threads, where waiting for the server would deadlock.</summary>
    public bool IsOwnLoopThread()
    {
        foreach (EventLoop loop in Group.Loops)
        {
            if (loop.IsOnLoopThread) return true;
        }
        return false;
    }

    /// <summary>Returns false when the server was already stopping.</summary>
    public bool Stop()
    {
        if (Interlocked.Exchange(ref _stopped, 1) != 0) return false;
        Group.Stop();
        return true;
    }

    /// <summary>Stops, waits and frees the server, and retires its handle.</summary>
    public void Destroy()
    {
        Stop();
        Group.Dispose();
        NativeTimer.ForgetAll(this);
        lock (TableLock)
        {
            Table[Index] = null;
            Generations[Index] = (Generations[Index] + 1) & 0xFFFFFF;
        }
    }
}
