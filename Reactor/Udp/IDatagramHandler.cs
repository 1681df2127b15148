using System;

namespace Reactor;

/// <summary>
/// What a UDP socket does with the datagrams it receives. Runs on the socket's loop thread, inline:
/// it must not block. An exception is counted (<see cref="LoopStats.CallbackErrors"/>) and the
/// next datagram is delivered; the socket stays open.
/// </summary>
public interface IDatagramHandler
{
    /// <summary>
    /// One whole datagram from <paramref name="peer"/> (a datagram larger than
    /// <see cref="ReactorOptions.MaxDatagramBytes"/> is counted as truncated and never handed over).
    /// <paramref name="datagram"/> is valid only during the call and may be modified in place:
    /// an echo answers with <c>socket.SendTo(datagram, peer)</c>.
    /// </summary>
    void OnDatagram(UdpSocket socket, Span<byte> datagram, in UdpPeer peer);
}
