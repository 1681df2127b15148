using System;
using Reactor.Interop;
using static Reactor.Interop.Libc;

namespace Reactor.Bench.Tcp;

/// <summary>
/// A <see cref="Connection"/> on one end of an AF_UNIX stream pair, registered with a loop that the
/// benchmark drives itself; the other end is the peer the benchmark writes and drains.
/// </summary>
internal static unsafe class ConnectionPair
{
    public static (Connection Connection, int PeerFd) Open(EventLoop loop, IConnectionHandler handler) => Open(loop, _ => handler);

    /// <summary>As <see cref="Open(EventLoop, IConnectionHandler)"/>, with a handler made for the connection (a protocol's per-connection state).</summary>
    public static (Connection Connection, int PeerFd) Open(EventLoop loop, Func<Connection, IConnectionHandler> newHandler)
    {
        int* sv = stackalloc int[2];
        Sys.ThrowIfError(Sys.Check(socketpair(AF_UNIX, SOCK_STREAM | Linux.SOCK_NONBLOCK | Linux.SOCK_CLOEXEC, 0, sv)), "socketpair(AF_UNIX)");
        var connection = new Connection(loop, sv[0], null);
        if (connection.Open(newHandler(connection)) != ErrorCode.None) throw new InvalidOperationException("the poller refused the connection");
        return (connection, sv[1]);
    }

    /// <summary>
    /// The peer writes <paramref name="length"/> request bytes, the loop runs one iteration (read,
    /// handler, batched replies flushed), and the peer reads until <paramref name="replyBytes"/>
    /// came back into <paramref name="drain"/> (64 KiB). Returns the bytes read.
    /// </summary>
    public static long RoundTrip(EventLoop loop, int peer, byte* requests, int length, long replyBytes, byte* drain)
    {
        if (Sys.Check(send(peer, requests, length, Linux.MSG_DONTWAIT)) != length) throw new InvalidOperationException("the peer could not write its requests");
        loop.RunOnce(0);
        long got = 0;
        while (got < replyBytes)
        {
            nint n = Sys.Check(recv(peer, drain, 64 * 1024, Linux.MSG_DONTWAIT));
            if (n <= 0) throw new InvalidOperationException($"replies missing: {got} of {replyBytes} bytes");
            got += n;
        }
        return got;
    }
}
