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
/// </summary>
internal sealed unsafe class NativeHandler(int serverIndex, int serverGeneration, NativeCallbacks callbacks, void* user) : IConnectionHandler, IFrameHandler
{
    public ulong HandleOf(Connection c) => ConnectionHandle.Pack(serverIndex, serverGeneration, c.Loop.Id, c.Token);

    public void OnOpen(Connection connection)
    {
        if (callbacks.on_open != null) callbacks.on_open(HandleOf(connection), user);
    }

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
        if (callbacks.on_close != null) callbacks.on_close(HandleOf(connection), (int)reason, (ulong)connection.PendingBytes, user);
    }
}
