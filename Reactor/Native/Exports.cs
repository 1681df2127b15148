using System;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Reactor.Native;

/// <summary>
/// The C entry points of reactor.h. Each is coarse (one transition into managed code per call),
/// validates its arguments, and catches everything: no exception ever crosses into C.
/// </summary>
internal static unsafe partial class Exports
{
    private const int AbiVersion = 2;

    [UnmanagedCallersOnly(EntryPoint = "reactor_abi_version")]
    public static int AbiVersionExport() => AbiVersion;

    [UnmanagedCallersOnly(EntryPoint = "reactor_version")]
    public static byte* Version() => (byte*)Unsafe.AsPointer(ref MemoryMarshal.GetReference("0.1.0\0"u8));

    [UnmanagedCallersOnly(EntryPoint = "reactor_strerror")]
    public static byte* StrError(int code) => NativeErrors.Text(code);

    [UnmanagedCallersOnly(EntryPoint = "reactor_last_error")]
    public static byte* LastError() => NativeErrors.LastError();

    [UnmanagedCallersOnly(EntryPoint = "reactor_server_start")]
    public static int ServerStart(byte* address, int port, NativeOptions* options, NativeCallbacks* callbacks, void* user, int* server)
    {
        if (address == null) return NativeErrors.Fail(NativeErrors.EINVAL, "reactor_server_start: address must not be NULL (reactor_loops_start starts loops that listen nowhere)");
        return Start("reactor_server_start", address, port, options, callbacks, user, server);
    }

    [UnmanagedCallersOnly(EntryPoint = "reactor_loops_start")]
    public static int LoopsStart(NativeOptions* options, NativeCallbacks* callbacks, void* user, int* server) =>
        Start("reactor_loops_start", null, 0, options, callbacks, user, server);

    /// <summary>Starts a server; with <paramref name="address"/> null its loops listen nowhere.</summary>
    private static int Start(string call, byte* address, int port, NativeOptions* options, NativeCallbacks* callbacks, void* user, int* server)
    {
        try
        {
            if (callbacks == null || server == null)
                return NativeErrors.Fail(NativeErrors.EINVAL, $"{call}: callbacks and server must not be NULL");
            if (callbacks->size < sizeof(NativeCallbacks))
                return NativeErrors.Fail(NativeErrors.EINVAL, $"{call}: callbacks->size is {callbacks->size}, expected {sizeof(NativeCallbacks)}");
            if (callbacks->on_data == null)
                return NativeErrors.Fail(NativeErrors.EINVAL, $"{call}: callbacks->on_data must not be NULL");
            // Read only the option fields the caller's struct has (older callers pass a smaller size).
            NativeOptions o = default;
            if (options != null)
            {
                if (options->size < sizeof(uint))
                    return NativeErrors.Fail(NativeErrors.EINVAL, $"{call}: options->size must be sizeof(reactor_options)");
                Buffer.MemoryCopy(options, &o, sizeof(NativeOptions), Math.Min(options->size, (uint)sizeof(NativeOptions)));
            }
            string? text = address == null ? null : Marshal.PtrToStringUTF8((nint)address) ?? "";
            int handle = EmbeddedServer.Start(text, port, o, *callbacks, user);
            if (handle == 0) return NativeErrors.Fail(NativeErrors.ELIMIT, $"{call}: too many servers ({ConnectionHandle.MaxServers})");
            *server = handle;
            return NativeErrors.Ok;
        }
        catch (Exception e)
        {
            return NativeErrors.Fail(e);
        }
    }

    [UnmanagedCallersOnly(EntryPoint = "reactor_server_port")]
    public static int ServerPort(int server)
    {
        try
        {
            EmbeddedServer? s = EmbeddedServer.Find(server);
            if (s is null) return BadServer("reactor_server_port", server);
            return s.Group.LocalEndPoint is { } local ? local.Port
                : NativeErrors.Fail(NativeErrors.EINVAL, "reactor_server_port: the server listens nowhere (started by reactor_loops_start)");
        }
        catch (Exception e)
        {
            return NativeErrors.Fail(e);
        }
    }

    [UnmanagedCallersOnly(EntryPoint = "reactor_server_stop")]
    public static int ServerStop(int server)
    {
        try
        {
            EmbeddedServer? s = EmbeddedServer.Find(server);
            if (s is null) return BadServer("reactor_server_stop", server);
            return s.Stop() ? NativeErrors.Ok : NativeErrors.Fail(NativeErrors.EALREADY, "reactor_server_stop: the server is already stopping");
        }
        catch (Exception e)
        {
            return NativeErrors.Fail(e);
        }
    }

    [UnmanagedCallersOnly(EntryPoint = "reactor_server_wait")]
    public static int ServerWait(int server, int timeoutMs)
    {
        try
        {
            EmbeddedServer? s = EmbeddedServer.Find(server);
            if (s is null) return BadServer("reactor_server_wait", server);
            if (s.IsOwnLoopThread()) return NativeErrors.Fail(NativeErrors.EDEADLK, "reactor_server_wait: called from the server's own loop thread");
            TimeSpan timeout = timeoutMs < 0 ? System.Threading.Timeout.InfiniteTimeSpan : TimeSpan.FromMilliseconds(timeoutMs);
            return s.Group.Join(timeout) ? NativeErrors.Ok : NativeErrors.Fail(NativeErrors.ETIMEDOUT, $"reactor_server_wait: loops still running after {timeoutMs} ms");
        }
        catch (Exception e)
        {
            return NativeErrors.Fail(e);
        }
    }

    [UnmanagedCallersOnly(EntryPoint = "reactor_server_destroy")]
    public static int ServerDestroy(int server)
    {
        try
        {
            EmbeddedServer? s = EmbeddedServer.Find(server);
            if (s is null) return BadServer("reactor_server_destroy", server);
            if (s.IsOwnLoopThread()) return NativeErrors.Fail(NativeErrors.EDEADLK, "reactor_server_destroy: called from the server's own loop thread");
            s.Destroy();
            return NativeErrors.Ok;
        }
        catch (Exception e)
        {
            return NativeErrors.Fail(e);
        }
    }

    [UnmanagedCallersOnly(EntryPoint = "reactor_send")]
    public static int Send(ulong conn, byte* data, nuint length)
    {
        try
        {
            if (data == null && length != 0) return NativeErrors.Fail(NativeErrors.EINVAL, "reactor_send: data is NULL");
            if (length > int.MaxValue) return NativeErrors.Fail(NativeErrors.EINVAL, "reactor_send: length above 2 GiB");
            var bytes = new ReadOnlySpan<byte>(data, (int)length);
            return OnConnection("reactor_send", conn, bytes, static (c, payload) => c.Send(payload));
        }
        catch (Exception e)
        {
            return NativeErrors.Fail(e);
        }
    }

    [UnmanagedCallersOnly(EntryPoint = "reactor_close")]
    public static int Close(ulong conn)
    {
        try
        {
            return OnConnection("reactor_close", conn, default, static (c, _) =>
            {
                if (!c.IsOpen) return false;
                c.Close();
                return true;
            });
        }
        catch (Exception e)
        {
            return NativeErrors.Fail(e);
        }
    }

    private delegate bool ConnectionAction(Connection connection, ReadOnlySpan<byte> payload);

    /// <summary>
    /// Runs <paramref name="action"/> on the connection of <paramref name="handle"/>: now when
    /// called on its loop thread, else posted to that loop with a copy of the payload.
    /// </summary>
    private static int OnConnection(string call, ulong handle, ReadOnlySpan<byte> payload, ConnectionAction action)
    {
        var (serverIndex, serverGeneration, loopIndex, slot, generation) = ConnectionHandle.Unpack(handle);
        EmbeddedServer? server = EmbeddedServer.AtIndex(serverIndex, serverGeneration);
        if (server is null || loopIndex >= server.Group.Loops.Count)
            return NativeErrors.Fail(NativeErrors.ENOTCONN, $"{call}: no such connection (handle 0x{handle:x})");
        EventLoop loop = server.Group.Loops[loopIndex];
        if (loop.IsOnLoopThread)
        {
            if (loop.Slots.Get(slot, generation, ConnectionHandle.GenerationMask) is not Connection c || !action(c, payload))
                return NativeErrors.Fail(NativeErrors.ENOTCONN, $"{call}: the connection is closed (handle 0x{handle:x})");
            return NativeErrors.Ok;
        }
        byte[] copy = payload.ToArray();
        loop.Post(_ =>
        {
            if (loop.Slots.Get(slot, generation, ConnectionHandle.GenerationMask) is Connection c) action(c, copy);
        }, null);
        return NativeErrors.Ok;
    }

    private static int BadServer(string call, int server) =>
        NativeErrors.Fail(NativeErrors.EBADF, $"{call}: {server} is not a live server handle");

    // ---- socket options in effect (reactor_server_sockopt) ----

    [UnmanagedCallersOnly(EntryPoint = "reactor_server_sockopt")]
    public static int ServerSockopt(int server, int which)
    {
        try
        {
            EmbeddedServer? s = EmbeddedServer.Find(server);
            if (s is null) return BadServer("reactor_server_sockopt", server);
            return s.SocketOption((NativeSockopt)which) switch
            {
                null => NativeErrors.Fail(NativeErrors.EINVAL, "reactor_server_sockopt: the server listens nowhere (started by reactor_loops_start)"),
                < 0 => NativeErrors.Fail(NativeErrors.EINVAL, $"reactor_server_sockopt: {which} is not a reactor_sockopt (1 to 8)"),
                int value => value,
            };
        }
        catch (Exception e)
        {
            return NativeErrors.Fail(e);
        }
    }
}
