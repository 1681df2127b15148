using System;

namespace Reactor.Protocols;

/// <summary>Sends every datagram back to where it came from. Stateless: one instance serves every loop.</summary>
public sealed class UdpEchoHandler : IDatagramHandler
{
    public void OnDatagram(UdpSocket socket, Span<byte> datagram, in UdpPeer peer) => socket.SendTo(datagram, peer);
}
