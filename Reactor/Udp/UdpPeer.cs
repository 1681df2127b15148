using System;
using System.Net;
using Reactor.Platform;
using static Reactor.Interop.Libc;

namespace Reactor;

/// <summary>
/// The address a datagram came from or goes to, kept as the kernel's sockaddr so that receiving
/// and answering allocate nothing. <see cref="ToEndPoint"/> makes an <see cref="IPEndPoint"/> when one is needed.
/// </summary>
public unsafe struct UdpPeer
{
    // sockaddr_in or sockaddr_in6: at most 28 bytes.
    internal const int MaxLength = 28;

    internal fixed byte Address[MaxLength];
    internal int Length;

    /// <summary>The peer of an <see cref="IPEndPoint"/>.</summary>
    public static UdpPeer From(IPEndPoint endPoint)
    {
        sockaddr_storage sa;
        uint length = Sockets.ToSockaddr(endPoint.Address, endPoint.Port, &sa);
        return From(&sa, length);
    }

    internal static UdpPeer From(sockaddr_storage* sa, uint length)
    {
        UdpPeer peer = default;
        peer.Length = (int)Math.Min(length, MaxLength);
        Buffer.MemoryCopy(sa, peer.Address, MaxLength, peer.Length);
        return peer;
    }

    /// <summary>The peer as an <see cref="IPEndPoint"/> (allocates).</summary>
    public readonly IPEndPoint ToEndPoint()
    {
        sockaddr_storage sa = default;
        fixed (byte* address = Address) Buffer.MemoryCopy(address, &sa, sizeof(sockaddr_storage), Length);
        return Sockets.FromSockaddr(&sa);
    }

    public override readonly string ToString()
    {
        IPEndPoint endPoint = ToEndPoint();
        return Sockets.Format(endPoint.Address, endPoint.Port);
    }
}
