using System;
using System.Collections.Generic;
using System.Linq;
using System.Net;
using System.Net.Sockets;
using System.Threading.Tasks;
using Reactor.Protocols;
using Reactor.Protocols.Proxy;
using Reactor.Tests.Infrastructure;
using Xunit;

namespace Reactor.Tests.Protocols.Proxy;

/// <summary>Where real clients land: counted by the backends themselves.</summary>
public class ProxyBalanceTests
{
    private static (TestServer[] Servers, RecordingHandler[] Handlers) EchoBackends(int count)
    {
        var handlers = Enumerable.Range(0, count).Select(_ => new RecordingHandler(new EchoHandler())).ToArray();
        var servers = handlers.Select(h => new TestServer(h, o => o.LoopCount = 1)).ToArray();
        return (servers, handlers);
    }

    /// <summary>Each server's fd check counts the fds open when it started: the later ones go first.</summary>
    private static void DisposeNewestFirst(TestServer[] servers)
    {
        for (int i = servers.Length - 1; i >= 0; i--) servers[i].Dispose();
    }

    /// <summary>Connects, proves the path with one echo, and returns the open client.</summary>
    private static async Task<Socket> EchoOnceAsync(IPEndPoint proxy, IPAddress? from = null)
    {
        var s = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        if (from is not null) s.Bind(new IPEndPoint(from, 0));
        await s.ConnectAsync(proxy);
        Assert.Equal("ping"u8.ToArray(), await s.EchoAsync("ping"u8.ToArray()).WaitAsync(TimeSpan.FromSeconds(10)));
        return s;
    }

    [Fact]
    public async Task RoundRobin_ThreeBackends_ExactlyEqualCounts()
    {
        var (servers, handlers) = EchoBackends(3);
        try
        {
            var (proxy, _) = ProxyFixture.Start(ProxyFixture.Options(servers));
            using (proxy)
            {
                // Sequential, so the rotation order is the clients' order, across both proxy loops.
                for (int i = 0; i < 300; i++)
                {
                    using Socket s = await EchoOnceAsync(proxy.EndPoint);
                }
                Assert.Equal([100, 100, 100], handlers.Select(h => h.Opened));
            }
        }
        finally
        {
            DisposeNewestFirst(servers);
        }
    }

    [Fact]
    public async Task Weighted_OneTwoThree_SixHundredClientsInProportion()
    {
        var (servers, handlers) = EchoBackends(3);
        try
        {
            var options = new ProxyOptions
            {
                Backends = servers.Select((s, i) => new Backend(s.EndPoint, i + 1)).ToArray(),
                Balance = BalanceMode.Weighted,
                CheckInterval = TimeSpan.Zero,
            };
            var (proxy, _) = ProxyFixture.Start(options);
            using (proxy)
            {
                for (int batch = 0; batch < 6; batch++)
                {
                    Socket[] clients = await Task.WhenAll(Enumerable.Range(0, 100).Select(_ => EchoOnceAsync(proxy.EndPoint)));
                    foreach (Socket c in clients) c.Dispose();
                }
                int[] counts = handlers.Select(h => h.Opened).ToArray();
                Assert.True(Math.Abs(counts[0] - 100) <= 5 && Math.Abs(counts[1] - 200) <= 10 && Math.Abs(counts[2] - 300) <= 15,
                    $"weights 1:2:3 over 600 clients gave {string.Join(":", counts)}");
            }
        }
        finally
        {
            DisposeNewestFirst(servers);
        }
    }

    [Fact]
    public async Task LeastConnections_NewClientGoesToTheBackendWithFewestOpen()
    {
        var (servers, handlers) = EchoBackends(3);
        try
        {
            var options = ProxyFixture.Options(servers);
            options = new ProxyOptions { Backends = options.Backends, Balance = BalanceMode.LeastConnections, CheckInterval = TimeSpan.Zero };
            var (proxy, balancer) = ProxyFixture.Start(options);
            using (proxy)
            {
                var held = new List<Socket>();
                for (int i = 0; i < 6; i++) held.Add(await EchoOnceAsync(proxy.EndPoint));
                Assert.Equal([2, 2, 2], handlers.Select(h => h.Opened));
                foreach (Socket s in held) s.Dispose();
                held.Clear();
                TestServer.WaitUntil(() => balancer.Backends.All(b => b.Active == 0), "every client released");
                for (int i = 0; i < 5; i++) held.Add(await EchoOnceAsync(proxy.EndPoint));
                // 5 clients over 3 idle backends: 2, 2, 1 in some order; the next goes to the one with 1.
                int least = Array.FindIndex(balancer.Backends.ToArray(), b => b.Active == 1);
                Assert.True(least >= 0, "one backend has a single client");
                int openedBefore = handlers[least].Opened;
                held.Add(await EchoOnceAsync(proxy.EndPoint));
                Assert.Equal(openedBefore + 1, handlers[least].Opened);
                Assert.All(balancer.Backends, b => Assert.Equal(2, b.Active));
                foreach (Socket s in held) s.Dispose();
            }
        }
        finally
        {
            DisposeNewestFirst(servers);
        }
    }

    [Fact]
    public async Task Source_OneClientAddress_AlwaysTheSameBackend()
    {
        var (servers, handlers) = EchoBackends(3);
        try
        {
            var options = new ProxyOptions { Backends = ProxyFixture.Options(servers).Backends, Balance = BalanceMode.Source, CheckInterval = TimeSpan.Zero };
            var (proxy, _) = ProxyFixture.Start(options);
            using (proxy)
            {
                foreach (string from in new[] { "127.0.0.1", "127.0.0.2", "127.0.0.3", "127.0.0.4" })
                {
                    int[] before = handlers.Select(h => h.Opened).ToArray();
                    for (int i = 0; i < 20; i++)
                    {
                        using Socket s = await EchoOnceAsync(proxy.EndPoint, IPAddress.Parse(from));
                    }
                    int[] gained = handlers.Select((h, i) => h.Opened - before[i]).ToArray();
                    Assert.True(gained.Count(g => g == 20) == 1 && gained.Sum() == 20, $"20 clients from {from} landed {string.Join(", ", gained)}");
                }
            }
        }
        finally
        {
            DisposeNewestFirst(servers);
        }
    }
}
