using System;
using System.Linq;
using System.Net;
using System.Net.Sockets;
using Reactor.Protocols.Proxy;
using Reactor.Tests.Infrastructure;

namespace Reactor.Tests.Protocols.Proxy;

/// <summary>Shared pieces of the proxy tests: a proxy in front of given backends, and ports that refuse.</summary>
internal static class ProxyFixture
{
    /// <summary>
    /// A proxy serving on an ephemeral port. Health checks are off unless asked for, so counts of
    /// backend connections are the clients' only. Declare it after the backends: disposed first,
    /// its fd check then does not count theirs.
    /// </summary>
    public static (TestServer Proxy, LoadBalancer Balancer) Start(ProxyOptions options, Action<ReactorOptions>? configure = null)
    {
        var balancer = new LoadBalancer(options);
        var proxy = new TestServer(c => new ProxySession(balancer, c), o =>
        {
            o.LoopCount = 2;
            configure?.Invoke(o);
        });
        HealthChecks.Start(balancer, proxy.Group.Loops[0]);
        return (proxy, balancer);
    }

    public static ProxyOptions Options(params TestServer[] backends) => new()
    {
        Backends = backends.Select(b => new Backend(b.EndPoint)).ToArray(),
        CheckInterval = TimeSpan.Zero,
    };

    /// <summary>
    /// A socket bound to a loopback port but not listening: connects to it are refused. Calling
    /// <see cref="Socket.Listen()"/> on it later brings the "backend" up on the same port.
    /// </summary>
    public static Socket RefusingPort(out IPEndPoint endPoint)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        endPoint = (IPEndPoint)socket.LocalEndPoint!;
        return socket;
    }
}
