using System;
using System.Net;
using System.Runtime.InteropServices;
using Reactor.Interop;
using Reactor.Platform;

namespace Reactor.Native;

/// <summary>ABI v2: UDP sockets bound on every loop of a server.</summary>
internal static unsafe partial class Exports
{
    [UnmanagedCallersOnly(EntryPoint = "reactor_udp_bind")]
    public static int UdpBind(int server, byte* address, int port, delegate* unmanaged<ulong, byte*, nuint, void*, void*, void> onDatagram, void* arg, ulong* socket)
    {
        try
        {
            if (address == null || onDatagram == null || socket == null)
                return NativeErrors.Fail(NativeErrors.EINVAL, "reactor_udp_bind: address, on_datagram and socket must not be NULL");
            string text = Marshal.PtrToStringUTF8((nint)address) ?? "";
            if (!Sockets.TryParseAddress(text, out IPAddress? ip))
                return NativeErrors.Fail(NativeErrors.EINVAL, $"reactor_udp_bind: {EmbeddedServer.BadAddress(text)}");
            if (port is < 0 or > 65535) return NativeErrors.Fail(NativeErrors.EINVAL, $"reactor_udp_bind: bad port {port}: must be 0..65535");
            EmbeddedServer? s = EmbeddedServer.Find(server);
            if (s is null) return BadServer("reactor_udp_bind", server);
            if (s.IsOwnLoopThread()) return NativeErrors.Fail(NativeErrors.EDEADLK, "reactor_udp_bind: called from the server's own loop thread");
            if (s.IsStopping) return NativeErrors.Fail(NativeErrors.ECANCELED, "reactor_udp_bind: the server is stopping");
            *socket = s.BindUdp(new IPEndPoint(ip, port), onDatagram, arg).HandleOf(0);
            return NativeErrors.Ok;
        }
        catch (Exception e)
        {
            return NativeErrors.Fail(e);
        }
    }

    [UnmanagedCallersOnly(EntryPoint = "reactor_udp_port")]
    public static int UdpPort(ulong socket)
    {
        try
        {
            return FindUdp("reactor_udp_port", socket, out UdpSocket? s) is var rc && rc != NativeErrors.Ok ? rc : s!.LocalEndPoint.Port;
        }
        catch (Exception e)
        {
            return NativeErrors.Fail(e);
        }
    }

    [UnmanagedCallersOnly(EntryPoint = "reactor_udp_send")]
    public static int UdpSend(ulong socket, Libc.sockaddr_storage* to, byte* data, nuint length)
    {
        try
        {
            if (to == null || (data == null && length != 0)) return NativeErrors.Fail(NativeErrors.EINVAL, "reactor_udp_send: to and data must not be NULL");
            uint addressLength = Sockets.SockaddrLength(to);
            if (addressLength == 0) return NativeErrors.Fail(NativeErrors.EINVAL, $"reactor_udp_send: address family {Sockets.FamilyOf(to)} is not AF_INET or AF_INET6");
            int rc = FindUdp("reactor_udp_send", socket, out UdpSocket? s);
            if (rc != NativeErrors.Ok) return rc;
            if (length > (nuint)s!.Loop.Options.MaxDatagramBytes)
                return NativeErrors.Fail(NativeErrors.EMSGSIZE, $"reactor_udp_send: {length} bytes is above the largest datagram, {s.Loop.Options.MaxDatagramBytes}");
            UdpPeer peer = UdpPeer.From(to, addressLength);
            var datagram = new ReadOnlySpan<byte>(data, (int)length);
            if (s.Loop.IsOnLoopThread)
            {
                return s.SendTo(datagram, peer) ? NativeErrors.Ok : NativeErrors.Fail(NativeErrors.ENOTCONN, "reactor_udp_send: the socket is closed (its server stopped)");
            }
            byte[] copy = datagram.ToArray();
            s.Loop.Post(_ => s.SendTo(copy, peer), null);
            return NativeErrors.Ok;
        }
        catch (Exception e)
        {
            return NativeErrors.Fail(e);
        }
    }

    /// <summary>The loop's socket a reactor_udp_t names.</summary>
    private static int FindUdp(string call, ulong handle, out UdpSocket? socket)
    {
        socket = null;
        var (serverIndex, serverGeneration, loop, binding) = NativeUdp.Unpack(handle);
        NativeUdp? udp = EmbeddedServer.AtIndex(serverIndex, serverGeneration)?.UdpAt(binding);
        if (udp is null || loop >= udp.Sockets.Length) return NativeErrors.Fail(NativeErrors.EBADF, $"{call}: 0x{handle:x} is not a UDP socket of a live server");
        socket = udp.Sockets[loop];
        return NativeErrors.Ok;
    }
}
