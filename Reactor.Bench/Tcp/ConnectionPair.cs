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
        Sys.ThrowIfError(Sys.Check(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, sv)), "socketpair(AF_UNIX)");
        var connection = new Connection(loop, sv[0], null);
        if (connection.Open(newHandler(connection)) != ErrorCode.None) throw new InvalidOperationException("the poller refused the connection");
        return (connection, sv[1]);
    }
}
