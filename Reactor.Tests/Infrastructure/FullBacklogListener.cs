using System;
using System.Linq;
using System.Net;
using System.Net.Sockets;

namespace Reactor.Tests.Infrastructure;

/// <summary>
/// A loopback listener that never accepts, with a backlog of 1 and its queue full: the kernel
/// drops further SYNs, so a connect to it neither succeeds nor fails by itself (until its timeout).
/// </summary>
public sealed class FullBacklogListener : IDisposable
{
    private readonly Socket _listener = new(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
    private readonly Socket[] _fillers = new Socket[3];

    public FullBacklogListener()
    {
        _listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        _listener.Listen(1);
        EndPoint = (IPEndPoint)_listener.LocalEndPoint!;
        for (int i = 0; i < _fillers.Length; i++)
        {
            _fillers[i] = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { Blocking = false };
            try { _fillers[i].Connect(EndPoint); } catch (SocketException) { }
        }
        // Full once it holds more than the backlog of 1 (the kernel's sk_acceptq_is_full).
        IPEndPoint endPoint = EndPoint;
        TestServer.WaitUntil(() => TcpTable.Read(TcpTable.Listen).Any(e => e.Local.Equals(endPoint) && e.RxQueue > 1), "the listener's accept queue to fill");
    }

    public IPEndPoint EndPoint { get; }

    public void Dispose()
    {
        foreach (Socket f in _fillers) f.Dispose();
        _listener.Dispose();
    }
}
