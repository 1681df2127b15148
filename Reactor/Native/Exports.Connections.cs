using System;
using System.Net;
using System.Text;
using System.Runtime.InteropServices;
using Reactor.Interop;
using Reactor.Platform;

namespace Reactor.Native;

/// <summary>ABI v2: per-connection data, addresses and flow control (the connection's loop thread only, except where reactor.h says).</summary>
internal static unsafe partial class Exports
{
    [UnmanagedCallersOnly(EntryPoint = "reactor_conn_set_data")]
    public static int ConnSetData(ulong conn, void* data)
    {
        try
        {
            int rc = OnOwnLoop("reactor_conn_set_data", conn, out Connection? c, out EmbeddedServer? server);
            if (rc == NativeErrors.Ok) server!.Handler.Data.Set(c!, (nint)data);
            return rc;
        }
        catch (Exception e)
        {
            return NativeErrors.Fail(e);
        }
    }

    [UnmanagedCallersOnly(EntryPoint = "reactor_conn_get_data")]
    public static int ConnGetData(ulong conn, void** data)
    {
        try
        {
            if (data == null) return NativeErrors.Fail(NativeErrors.EINVAL, "reactor_conn_get_data: data is NULL");
            int rc = OnOwnLoop("reactor_conn_get_data", conn, out Connection? c, out EmbeddedServer? server);
            if (rc == NativeErrors.Ok) *data = (void*)server!.Handler.Data.Get(c!);
            return rc;
        }
        catch (Exception e)
        {
            return NativeErrors.Fail(e);
        }
    }

    [UnmanagedCallersOnly(EntryPoint = "reactor_conn_peer_address")]
    public static int ConnPeerAddress(ulong conn, Libc.sockaddr_storage* address) => Address("reactor_conn_peer_address", conn, address, peer: true);

    [UnmanagedCallersOnly(EntryPoint = "reactor_conn_local_address")]
    public static int ConnLocalAddress(ulong conn, Libc.sockaddr_storage* address) => Address("reactor_conn_local_address", conn, address, peer: false);

    private static int Address(string call, ulong conn, Libc.sockaddr_storage* address, bool peer)
    {
        try
        {
            if (address == null) return NativeErrors.Fail(NativeErrors.EINVAL, $"{call}: address is NULL");
            int rc = OnOwnLoop(call, conn, out Connection? c, out _);
            if (rc != NativeErrors.Ok) return rc;
            IPEndPoint? endPoint = peer ? c!.RemoteEndPoint : c!.LocalEndPoint;
            if (endPoint is null) return NativeErrors.Fail(NativeErrors.ENOTCONN, $"{call}: the kernel no longer knows the address (the peer reset)");
            Sockets.ToSockaddr(endPoint.Address, endPoint.Port, address);
            return NativeErrors.Ok;
        }
        catch (Exception e)
        {
            return NativeErrors.Fail(e);
        }
    }

    [UnmanagedCallersOnly(EntryPoint = "reactor_format_address")]
    public static int FormatAddress(Libc.sockaddr_storage* address, byte* text, nuint size)
    {
        const int TextMax = 56; // REACTOR_ADDRESS_TEXT_MAX: "[" + 45 characters of IPv6 + "]:65535" + NUL
        try
        {
            if (address == null || text == null) return NativeErrors.Fail(NativeErrors.EINVAL, "reactor_format_address: address and text must not be NULL");
            if (size < TextMax) return NativeErrors.Fail(NativeErrors.EINVAL, $"reactor_format_address: size {size} is below REACTOR_ADDRESS_TEXT_MAX ({TextMax})");
            if (Sockets.SockaddrLength(address) == 0)
                return NativeErrors.Fail(NativeErrors.EINVAL, $"reactor_format_address: address family {Sockets.FamilyOf(address)} is not AF_INET or AF_INET6");
            IPEndPoint endPoint = Sockets.FromSockaddr(address);
            string formatted = Sockets.Format(endPoint.Address, endPoint.Port);
            int length = Encoding.ASCII.GetBytes(formatted, new Span<byte>(text, TextMax - 1));
            text[length] = 0;
            return length;
        }
        catch (Exception e)
        {
            return NativeErrors.Fail(e);
        }
    }

    [UnmanagedCallersOnly(EntryPoint = "reactor_pause")]
    public static int Pause(ulong conn) => SetReading("reactor_pause", conn, static (c, _) =>
    {
        c.PauseReading();
        return c.IsOpen;
    });

    [UnmanagedCallersOnly(EntryPoint = "reactor_resume")]
    public static int Resume(ulong conn) => SetReading("reactor_resume", conn, static (c, _) =>
    {
        c.ResumeReading();
        return c.IsOpen;
    });

    private static int SetReading(string call, ulong conn, ConnectionAction action)
    {
        try
        {
            return OnConnection(call, conn, default, action);
        }
        catch (Exception e)
        {
            return NativeErrors.Fail(e);
        }
    }

    [UnmanagedCallersOnly(EntryPoint = "reactor_pending_bytes")]
    public static int PendingBytes(ulong conn, ulong* bytes)
    {
        try
        {
            if (bytes == null) return NativeErrors.Fail(NativeErrors.EINVAL, "reactor_pending_bytes: bytes is NULL");
            int rc = OnOwnLoop("reactor_pending_bytes", conn, out Connection? c, out _);
            if (rc == NativeErrors.Ok) *bytes = (ulong)c!.PendingBytes;
            return rc;
        }
        catch (Exception e)
        {
            return NativeErrors.Fail(e);
        }
    }

    [UnmanagedCallersOnly(EntryPoint = "reactor_conn_loop")]
    public static int ConnLoop(ulong conn)
    {
        try
        {
            var (serverIndex, serverGeneration, loopIndex, _, _) = ConnectionHandle.Unpack(conn);
            EmbeddedServer? server = EmbeddedServer.AtIndex(serverIndex, serverGeneration);
            if (server is null || loopIndex >= server.Group.Loops.Count)
                return NativeErrors.Fail(NativeErrors.ENOTCONN, $"reactor_conn_loop: no such connection (handle 0x{conn:x})");
            return loopIndex;
        }
        catch (Exception e)
        {
            return NativeErrors.Fail(e);
        }
    }

    /// <summary>
    /// The connection of <paramref name="handle"/> for a call that reads or changes its own state:
    /// only its loop's thread may make it, since the connection may close at any moment elsewhere.
    /// </summary>
    private static int OnOwnLoop(string call, ulong handle, out Connection? connection, out EmbeddedServer? server)
    {
        connection = null;
        var (serverIndex, serverGeneration, loopIndex, slot, generation) = ConnectionHandle.Unpack(handle);
        server = EmbeddedServer.AtIndex(serverIndex, serverGeneration);
        if (server is null || loopIndex >= server.Group.Loops.Count)
            return NativeErrors.Fail(NativeErrors.ENOTCONN, $"{call}: no such connection (handle 0x{handle:x})");
        EventLoop loop = server.Group.Loops[loopIndex];
        if (!loop.IsOnLoopThread)
            return NativeErrors.Fail(NativeErrors.EWRONGTHREAD, $"{call}: only loop {loopIndex}'s thread may ask (from a callback there, or reactor_post)");
        // Inside on_close the slot is already free, yet the data is still asked for.
        connection = loop.Slots.Get(slot, generation, ConnectionHandle.GenerationMask) as Connection ?? NativeHandler.Closing(handle);
        if (connection is null)
            return NativeErrors.Fail(NativeErrors.ENOTCONN, $"{call}: the connection is closed (handle 0x{handle:x})");
        return NativeErrors.Ok;
    }
}
