using System;
using Reactor.Protocols.Framing;

namespace Reactor.Native;

/// <summary>reactor_callbacks, as C lays it out (a uint32 size, then three function pointers).</summary>
internal unsafe struct NativeCallbacks
{
    public uint size;
    public delegate* unmanaged<ulong, void*, void> on_open;
    public delegate* unmanaged<ulong, byte*, nuint, void*, nuint> on_data;
    public delegate* unmanaged<ulong, int, ulong, void*, void> on_close;
}

/// <summary>reactor_options, as C lays it out.</summary>
internal struct NativeOptions
{
    public uint size;
    public uint loop_count;
    public uint pin_threads;
    public uint backlog;
    public uint max_pending_bytes;
    public uint idle_timeout_ms;
    public uint max_connections;
    public uint framing;
    public uint max_frame_bytes;

    // Socket options (appended after max_frame_bytes; older callers' size stops before them).
    public uint rcvbuf_bytes;
    public uint sndbuf_bytes;
    public uint nodelay;
    public uint keepalive_idle_s;
    public uint keepalive_interval_s;
    public uint keepalive_count;
}

/// <summary>reactor_nodelay.</summary>
internal enum NativeNoDelay : uint
{
    Default = 0,
    On = 1,
    Off = 2,
}

/// <summary>reactor_sockopt: which value in effect reactor_server_sockopt reads.</summary>
internal enum NativeSockopt
{
    ReceiveBuffer = 1,
    SendBuffer = 2,
    NoDelay = 3,
    KeepAlive = 4,
    KeepAliveIdle = 5,
    KeepAliveInterval = 6,
    KeepAliveCount = 7,
    Backlog = 8,
}

/// <summary>reactor_framing.</summary>
internal enum NativeFraming : uint
{
    None = 0,
    U32BigEndian = 1,
    Line = 2,
}

/// <summary>
/// Forwards connection events to the C callbacks of one embedded server: bytes as they arrive, or
/// (as the frame handler behind a decoder, with reactor_options.framing) one whole message per on_data.
/// A connection made by reactor_connect has a handler of its own whose open goes to on_connect.
/// </summary>
internal sealed unsafe class NativeHandler(int serverIndex, int serverGeneration, NativeCallbacks callbacks, void* user, ConnectionData connectionData) : IConnectionHandler, IFrameHandler
{
    /// <summary>The data pointers of this server's connections.</summary>
    public ConnectionData Data => connectionData;

    private delegate* unmanaged<ulong, int, void*, void> _onConnect;
    private void* _connectArg;

    /// <summary>The handler of one outbound connection: the same callbacks, except that its open calls <paramref name="onConnect"/>.</summary>
    public NativeHandler ForConnect(delegate* unmanaged<ulong, int, void*, void> onConnect, void* arg) =>
        new(serverIndex, serverGeneration, callbacks, user, connectionData) { _onConnect = onConnect, _connectArg = arg };

    public ulong HandleOf(Connection c) => ConnectionHandle.Pack(serverIndex, serverGeneration, c.Loop.Id, c.Token);

    public void OnOpen(Connection connection)
    {
        connectionData.Clear(connection);
        if (_onConnect != null) _onConnect(HandleOf(connection), NativeErrors.Ok, _connectArg);
        else if (callbacks.on_open != null) callbacks.on_open(HandleOf(connection), user);
    }

    /// <summary>Tells on_connect that the connect failed.</summary>
    public void OnConnectFailed(ErrorCode error) => _onConnect(0, -(int)error, _connectArg);

    public int OnData(Connection connection, Span<byte> data)
    {
        nuint consumed;
        fixed (byte* p = data) consumed = callbacks.on_data(HandleOf(connection), p, (nuint)data.Length, user);
        return consumed > (nuint)data.Length ? data.Length : (int)consumed;
    }

    public void OnFrame(Connection connection, Span<byte> frame)
    {
        fixed (byte* p = frame) callbacks.on_data(HandleOf(connection), p, (nuint)frame.Length, user);
    }

    public void OnClose(Connection connection, CloseReason reason)
    {
        if (callbacks.on_close == null) return;
        ulong handle = HandleOf(connection);
        t_closingHandle = handle;
        t_closing = connection;
        try
        {
            callbacks.on_close(handle, (int)reason, (ulong)connection.PendingBytes, user);
        }
        finally
        {
            t_closing = null;
        }
    }

    // The connection whose on_close runs on this thread: its slot is free, its data still readable.
    [ThreadStatic] private static Connection? t_closing;
    [ThreadStatic] private static ulong t_closingHandle;

    /// <summary>The connection of <paramref name="handle"/> if its on_close is running on this thread, else null.</summary>
    public static Connection? Closing(ulong handle) => t_closing is not null && t_closingHandle == handle ? t_closing : null;
}
