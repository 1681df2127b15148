using System;
using System.Diagnostics;
using System.Linq;
using System.Net;
using System.Net.Sockets;
using System.Threading.Tasks;
using Reactor.Protocols;
using Reactor.Protocols.Proxy;
using Reactor.Tests.Infrastructure;
using Xunit;

namespace Reactor.Tests.Protocols.Proxy;

/// <summary>Backends that refuse, do not answer, die or come back; and no backend at all.</summary>
public class ProxyFailoverTests
{
    private static ProxyOptions Options(IPEndPoint[] backends, int fall = 3, int rise = 2, TimeSpan checkInterval = default, TimeSpan? connectTimeout = null) => new()
    {
        Backends = backends.Select(e => new Backend(e)).ToArray(),
        Fall = fall,
        Rise = rise,
        CheckInterval = checkInterval,
        ConnectTimeout = connectTimeout ?? TimeSpan.FromSeconds(2),
    };

    private static async Task<Socket> ConnectAsync(IPEndPoint proxy)
    {
        var s = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        await s.ConnectAsync(proxy);
        return s;
    }

    [Fact]
    public async Task Refused_OneBackendUp_EveryClientServedAndTheRefusingOneMarkedDownAfterFall()
    {
        using Socket refusing = ProxyFixture.RefusingPort(out IPEndPoint refused);
        using var echo = new TestServer(new EchoHandler(), o => o.LoopCount = 1);
        var (proxy, balancer) = ProxyFixture.Start(Options([refused, echo.EndPoint], fall: 3));
        using (proxy)
        {
            for (int i = 0; i < 20; i++)
            {
                using Socket s = await ConnectAsync(proxy.EndPoint);
                Assert.Equal("ping"u8.ToArray(), await s.EchoAsync("ping"u8.ToArray()).WaitAsync(TimeSpan.FromSeconds(10)));
            }
            Backend bad = balancer.Backends[0];
            Assert.False(bad.IsUp);
            Assert.Equal(3, bad.Failures);   // once down it is skipped: no more connects to it
            Assert.Equal(20, balancer.Backends[1].Total);
            Assert.Equal(0, balancer.ClientsGivenUp + balancer.ClientsWithNoBackend);
        }
    }

    [Fact]
    public async Task ConnectTimeout_BackendNeverAnswers_ClientServedByTheNextWithinTheTimeout()
    {
        using var silent = new FullBacklogListener();
        using var echo = new TestServer(new EchoHandler(), o => o.LoopCount = 1);
        var (proxy, balancer) = ProxyFixture.Start(Options([silent.EndPoint, echo.EndPoint], connectTimeout: TimeSpan.FromMilliseconds(300)));
        using (proxy)
        {
            using Socket s = await ConnectAsync(proxy.EndPoint);
            var watch = Stopwatch.StartNew();
            Assert.Equal("ping"u8.ToArray(), await s.EchoAsync("ping"u8.ToArray()).WaitAsync(TimeSpan.FromSeconds(10)));
            Assert.InRange(watch.ElapsedMilliseconds, 250, 3000);
            Assert.Equal(1, balancer.Backends[0].Failures);
        }
    }

    [Fact]
    public async Task AllDown_ClientsClosedAtOnceAndCounted()
    {
        using Socket a = ProxyFixture.RefusingPort(out IPEndPoint ea);
        using Socket b = ProxyFixture.RefusingPort(out IPEndPoint eb);
        var (proxy, balancer) = ProxyFixture.Start(Options([ea, eb], fall: 1));
        using (proxy)
        {
            // The first client tries both (each refusal marks one down), then there is none left.
            using (Socket first = await ConnectAsync(proxy.EndPoint))
            {
                Assert.Equal(0L, await first.DrainToEofAsync().WaitAsync(TimeSpan.FromSeconds(10)));
            }
            Assert.DoesNotContain(balancer.Backends, x => x.IsUp);
            var closedAfter = new long[20];
            for (int i = 0; i < closedAfter.Length; i++)
            {
                using Socket s = await ConnectAsync(proxy.EndPoint);
                var watch = Stopwatch.StartNew();
                Assert.Equal(0L, await s.DrainToEofAsync().WaitAsync(TimeSpan.FromSeconds(10)));
                closedAfter[i] = watch.ElapsedMilliseconds;
            }
            Array.Sort(closedAfter);
            Assert.True(closedAfter[closedAfter.Length / 2] < 50, $"median time to close with every backend down: {closedAfter[closedAfter.Length / 2]} ms");
            Assert.Equal(21, balancer.ClientsWithNoBackend);
        }
    }

    [Fact]
    public async Task HealthChecks_BackendComesBack_UpAfterRiseChecksAndUsedAgain()
    {
        using Socket comesBack = ProxyFixture.RefusingPort(out IPEndPoint endPoint);
        using var echo = new TestServer(new EchoHandler(), o => o.LoopCount = 1);
        var (proxy, balancer) = ProxyFixture.Start(Options([endPoint, echo.EndPoint], fall: 2, rise: 2, checkInterval: TimeSpan.FromMilliseconds(100)));
        using (proxy)
        {
            Backend backend = balancer.Backends[0];
            TestServer.WaitUntil(() => !backend.IsUp, "the checks mark the refusing backend down");
            comesBack.Listen(64);
            var watch = Stopwatch.StartNew();
            TestServer.WaitUntil(() => backend.IsUp, "the checks mark it up again");
            // Two passed checks 100 ms apart: about 100-200 ms after it listens.
            Assert.InRange(watch.ElapsedMilliseconds, 0, 3000);
            long before = backend.Total;
            var clients = new Socket[4];
            for (int i = 0; i < clients.Length; i++) clients[i] = await ConnectAsync(proxy.EndPoint);
            TestServer.WaitUntil(() => backend.Total > before, "a client reached the backend that came back");
            foreach (Socket c in clients) c.Dispose();
            // The clients' FINs reached a backend that never accepts, so it never answers with its
            // own, and the proxy rightly holds those half-closed pairs. Closing the listener resets them.
            comesBack.Dispose();
        }
    }

    [Fact]
    public async Task BackendKilledMidStream_ItsClientsClosedOthersKeepFlowing()
    {
        using var survivor = new TestServer(new EchoHandler(), o => o.LoopCount = 1);
        using var victim = new NativeServer(["echo", "--threads", "1"]);
        var (proxy, balancer) = ProxyFixture.Start(Options([new IPEndPoint(IPAddress.Loopback, victim.Port), survivor.EndPoint]));
        using (proxy)
        {
            // Round robin from the first backend: even clients on the victim, odd ones on the survivor.
            var clients = new Socket[10];
            for (int i = 0; i < clients.Length; i++)
            {
                clients[i] = await ConnectAsync(proxy.EndPoint);
                Assert.Equal("ping"u8.ToArray(), await clients[i].EchoAsync("ping"u8.ToArray()).WaitAsync(TimeSpan.FromSeconds(10)));
            }
            Assert.Equal(5, balancer.Backends[0].Active);
            victim.Dispose();   // SIGKILL: the kernel closes its sockets
            for (int i = 0; i < clients.Length; i += 2)
            {
                // EOF or a reset, either way the stream ended; only a hang is wrong.
                Task<long> end = clients[i].DrainToEofAsync();
                Assert.True(await Task.WhenAny(end, Task.Delay(TimeSpan.FromSeconds(10))) == end, $"client {i} of the killed backend was left hanging");
            }
            for (int i = 1; i < clients.Length; i += 2)
            {
                Assert.Equal("still"u8.ToArray(), await clients[i].EchoAsync("still"u8.ToArray()).WaitAsync(TimeSpan.FromSeconds(10)));
            }
            foreach (Socket c in clients) c.Dispose();
        }
    }
}
