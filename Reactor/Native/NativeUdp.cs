using System;

namespace Reactor.Native;

/// <summary>
/// One reactor_udp_bind: a UDP socket on every loop of an embedded server, delivering to a C
/// callback. reactor_udp_t is server index (6 bits) | server generation (8) | loop index (6) |
/// binding index (44), so the handle on_datagram gets names the receiving loop's socket.
/// </summary>
internal sealed unsafe class NativeUdp(EmbeddedServer server, int index, delegate* unmanaged<ulong, byte*, nuint, void*, void*, void> onDatagram, void* arg) : IDatagramHandler
{
    private const int BindingBits = 44;

    /// <summary>The sockets, in loop order; set once, before the first datagram can arrive.</summary>
    public UdpSocket[] Sockets { get; set; } = [];

    public ulong HandleOf(int loop) =>
        ((ulong)server.Index << 58) | ((ulong)(server.Generation & 0xFF) << 50) | ((ulong)loop << BindingBits) | (uint)index;

    public static (int Server, int ServerGeneration, int Loop, long Binding) Unpack(ulong handle) =>
        ((int)(handle >> 58), (int)((handle >> 50) & 0xFF), (int)((handle >> BindingBits) & 63), (long)(handle & ((1UL << BindingBits) - 1)));

    public void OnDatagram(UdpSocket socket, Span<byte> datagram, in UdpPeer peer)
    {
        fixed (byte* data = datagram)
        fixed (byte* from = peer.Address)
        {
            onDatagram(HandleOf(socket.Loop.Id), data, (nuint)datagram.Length, from, arg);
        }
    }
}
