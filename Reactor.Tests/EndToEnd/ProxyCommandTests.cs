using System;
using System.Linq;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Threading.Tasks;
using Reactor.Tests.Infrastructure;
using Xunit;

namespace Reactor.Tests.EndToEnd;

/// <summary><c>reactor proxy</c>, the published native binary, in front of native echo servers.</summary>
public class ProxyCommandTests
{
    [Fact]
    public async Task Proxy_TwoEchoBackends_EchoesThroughAndStatsCountEachBackend()
    {
        using var a = new NativeServer(["echo", "--threads", "1"]);
        using var b = new NativeServer(["echo", "--threads", "1"]);
        using var proxy = new NativeServer(["proxy", "--threads", "1", "--stats", "--check-interval", "100ms",
            "--backend", $"127.0.0.1:{a.Port}", "--backend", $"127.0.0.1:{b.Port},weight=2"]);
        await proxy.AssertEchoesAsync(connections: 10, bytes: 256 << 10);

        string[] Lines() => proxy.StderrLines.Reverse().Where(l => l.StartsWith("backend ")).Take(2).Reverse().ToArray();
        TestServer.WaitUntil(() => Lines().Length == 2 && Lines().Sum(l => NativeServer.Stat(l, "total")) == 10, "--stats lines with 10 clients in total");
        string[] lines = Lines();
        Assert.StartsWith($"backend 0 127.0.0.1:{a.Port}: up weight 1 active 0 total 5 ", lines[0]);
        Assert.StartsWith($"backend 1 127.0.0.1:{b.Port}: up weight 2 active 0 total 5 ", lines[1]);
        Assert.Equal(5L * (256 << 10), NativeServer.Stat(lines[0], "to-backend"));
        Assert.Equal(5L * (256 << 10), NativeServer.Stat(lines[1], "from-backend"));
        Assert.Equal(0, proxy.Terminate());
    }

    [Fact]
    public async Task Backpressure_ClientSends256MiBAndReadsNothing_ProxyRssBoundedThenEveryByteBack()
    {
        const int maxPending = 1 << 20, chunkSize = 16 << 10;
        const int blockSize = 1 << 20, blocks = 256;
        using var echo = new NativeServer(["echo", "--threads", "1"]);
        using var proxy = new NativeServer(["proxy", "--threads", "1", "--max-pending", "1MiB", "--stats", "--check-interval", "0s",
            "--backend", $"127.0.0.1:{echo.Port}"]);
        using Socket s = await proxy.ConnectAsync();
        Assert.Equal("warm"u8.ToArray(), await s.EchoAsync("warm"u8.ToArray()));
        TestServer.WaitUntil(() => proxy.LastStats() is not null, "the first --stats report");
        long rssBefore = proxy.RssKiB();

        using var sentHash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        Task send = Task.Run(async () =>
        {
            for (int i = 0; i < blocks; i++)
            {
                byte[] block = RandomNumberGenerator.GetBytes(blockSize);
                sentHash.AppendData(block);
                await s.SendAllAsync(block);
            }
        });
        // The echoes pile up towards the client until max-pending; then the proxy stops reading the
        // backend, the backend stops reading the proxy, and the proxy stops reading the client.
        TestServer.WaitUntil(() => (proxy.LastChunksInUse() - EventLoop.OwnChunks) * chunkSize >= maxPending,
            $"the proxy queued max-pending for the client (now {proxy.LastChunksInUse()} chunks in use)");
        await Task.Delay(500);   // the stall must hold: a proxy that kept reading would grow meanwhile
        Assert.False(send.IsCompleted, "256 MiB cannot all be sent through to a client that reads nothing");
        long growthKiB = proxy.RssKiB() - rssBefore;
        // One high-water mark per direction, plus the pool's slab granularity.
        Assert.True(growthKiB * 1024 < 4L * maxPending, $"proxy RSS grew by {growthKiB} KiB for one client; max-pending is 1 MiB per direction");

        using var receivedHash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var buffer = new byte[1 << 20];
        long received = 0;
        while (received < (long)blockSize * blocks)
        {
            int n = await s.ReceiveAsync(buffer, SocketFlags.None).WaitAsync(TimeSpan.FromSeconds(60));
            Assert.True(n > 0, $"EOF after {received} bytes");
            receivedHash.AppendData(buffer, 0, n);
            received += n;
        }
        await send.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(sentHash.GetHashAndReset(), receivedHash.GetHashAndReset());
        Assert.Equal(0, proxy.Terminate());
    }

    [Fact]
    public async Task Leaks_TwentyThousandProxiedConnections_FdsBackToBaseline()
    {
        using var echo = new NativeServer(["echo", "--threads", "1"]);
        using var proxy = new NativeServer(["proxy", "--threads", "2", "--check-interval", "0s", "--backend", $"127.0.0.1:{echo.Port}"]);
        int fdsBefore = proxy.OpenFds();
        const int workers = 8, perWorker = 2500;
        byte[] payload = RandomNumberGenerator.GetBytes(512);
        await Task.WhenAll(Enumerable.Range(0, workers).Select(_ => Task.Run(async () =>
        {
            for (int i = 0; i < perWorker; i++)
            {
                using Socket c = await proxy.ConnectAsync();
                Assert.Equal(payload, await c.EchoAsync(payload).WaitAsync(TimeSpan.FromSeconds(10)));
            }
        }))).WaitAsync(TimeSpan.FromMinutes(4));
        TestServer.WaitUntil(() => proxy.OpenFds() == fdsBefore, $"proxy fds back to {fdsBefore} (now {proxy.OpenFds()})", seconds: 30);
        Assert.Equal(0, proxy.Terminate());
    }

    [Theory]
    [InlineData("--balance", "fastest", "--balance must be")]
    [InlineData("--backend", "127.0.0.1", "--backend must be ADDR:PORT")]
    [InlineData("--backend", "127.0.0.1:80,weight=0", "weight=N")]
    [InlineData("--retries", "-1", "--retries")]
    public void Proxy_BadFlag_ExitTwoNamingIt(string flag, string value, string message)
    {
        var (code, _, stderr) = NativeBinary.Run("proxy", "--backend", "127.0.0.1:9", flag, value);
        Assert.Equal(2, code);
        Assert.Contains(message, stderr);
    }

    [Fact]
    public void Proxy_NoBackendOrListenWithPort_ExitTwo()
    {
        var (code, _, stderr) = NativeBinary.Run("proxy", "--listen", "127.0.0.1:0");
        Assert.Equal(2, code);
        Assert.Contains("--backend ADDR:PORT is required", stderr);
        (code, _, stderr) = NativeBinary.Run("proxy", "--listen", "127.0.0.1:0", "--port", "0", "--backend", "127.0.0.1:9");
        Assert.Equal(2, code);
        Assert.Contains("not both", stderr);
    }
}
