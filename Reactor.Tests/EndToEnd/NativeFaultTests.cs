using System;
using System.Collections.Generic;
using System.Linq;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Threading;
using System.Threading.Tasks;
using Reactor.Tests.Infrastructure;
using Xunit;

namespace Reactor.Tests.EndToEnd;

/// <summary>The published native server against hostile and broken peers, watched through /proc.</summary>
public class NativeFaultTests
{
    [Fact]
    public async Task Backpressure_WriterThatNeverReads_RssBoundedThenAllDataIntact()
    {
        const int maxPending = 1 << 20, chunkSize = 16 << 10;
        const int blockSize = 1 << 20, blocks = 256;    // 256 MiB
        using var server = new NativeServer(["echo", "--threads", "1", "--max-pending", "1MiB", "--buffer-size", "16KiB", "--stats"]);
        using Socket s = await server.ConnectAsync();
        Assert.Equal("warm"u8.ToArray(), await s.EchoAsync("warm"u8.ToArray()));
        // The baseline after a first report, so printing them is not counted as growth.
        TestServer.WaitUntil(() => server.LastStats() is not null, "the first --stats report");
        long rssBefore = server.RssKiB();

        using var sentHash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        Task send = Task.Run(async () =>
        {
            for (int i = 0; i < blocks; i++)
            {
                byte[] block = TestData.Block(1, i, blockSize);
                sentHash.AppendData(block);
                await s.SendAllAsync(block);
            }
        });
        // Measure once the server holds max-pending of output, the point where it stops reading.
        TestServer.WaitUntil(() => (server.LastChunksInUse() - EventLoop.OwnChunks) * chunkSize >= maxPending,
            $"server queued max-pending of output (now {server.LastChunksInUse()} chunks in use)");
        Assert.False(send.IsCompleted, "256 MiB cannot all be sent to a peer that reads nothing");
        long growthKiB = server.RssKiB() - rssBefore;
        Assert.True(growthKiB * 1024 < 2 * maxPending, $"server RSS grew by {growthKiB} KiB with one connection, more than 2 x max-pending");

        using var receivedHash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var buffer = new byte[1 << 20];
        long received = 0;
        while (received < (long)blockSize * blocks)
        {
            int n = await s.ReceiveAsync(buffer, SocketFlags.None).WaitAsync(TimeSpan.FromSeconds(30));
            Assert.True(n > 0, $"EOF after {received} bytes");
            receivedHash.AppendData(buffer, 0, n);
            received += n;
        }
        await send;
        Assert.Equal(sentHash.GetHashAndReset(), receivedHash.GetHashAndReset());
        Assert.Equal(0, server.Terminate());
    }

    [Fact]
    public async Task FdExhaustion_UlimitN64_NoSpinServedConnectionsKeepEchoing()
    {
        using var server = new NativeServer(["echo", "--threads", "1", "--stats"], fileLimit: 64);
        int fdsIdle = server.OpenFds();
        var served = new List<Socket>();
        for (int i = 0; i < 20; i++)
        {
            Socket s = await server.ConnectAsync();
            Assert.Equal("hello"u8.ToArray(), await s.EchoAsync("hello"u8.ToArray()));
            served.Add(s);
        }
        // 180 more: the server runs out of fds part way; pending connections must not make the
        // listener spin (they are shed: accepted with the spare fd and closed).
        var extra = new List<Socket>();
        for (int i = 0; i < 180; i++) extra.Add(await server.ConnectAsync());
        TestServer.WaitUntil(() => server.LastStats()?.Contains(" accept-errors 0 ") == false, "server hit the fd limit (accept failed with EMFILE)");
        double cpuBefore = server.CpuSeconds();
        await Task.Delay(2000);   // the measurement window: a spinning loop would burn most of it
        double cpuUsed = server.CpuSeconds() - cpuBefore;
        Assert.True(cpuUsed < 0.2, $"server used {cpuUsed:F2} s of CPU in 2 s of fd exhaustion: it is spinning");

        foreach (Socket s in served)
        {
            Assert.Equal("still"u8.ToArray(), await s.EchoAsync("still"u8.ToArray()).WaitAsync(TimeSpan.FromSeconds(5)));
        }
        // The limit was really hit: accept failed with EMFILE and connections were shed.
        string stats = server.StderrLines.Last(l => l.StartsWith("loop 0:"));
        Assert.DoesNotContain(" accept-errors 0 ", stats);
        Assert.DoesNotContain(" rejected 0 ", stats);

        foreach (Socket s in extra) s.Dispose();
        foreach (Socket s in served) s.Dispose();
        // Once fds are free again new connections are served.
        TestServer.WaitUntil(() => server.OpenFds() <= fdsIdle, $"server closed every connection (fds back to {fdsIdle}, now {server.OpenFds()})");
        for (int i = 0; i < 10; i++)
        {
            using Socket s = await server.ConnectAsync();
            Assert.Equal("again"u8.ToArray(), await s.EchoAsync("again"u8.ToArray()).WaitAsync(TimeSpan.FromSeconds(5)));
        }
        Assert.Equal(0, server.Terminate());
    }

    [Fact]
    public async Task Leaks_TwentyThousandConnectSendClose_FdsAndPoolBackToBaseline()
    {
        using var server = new NativeServer(["echo", "--threads", "2", "--stats"]);
        TestServer.WaitUntil(() => server.LastChunksInUse() is not null, "the first --stats report");
        int fdsBefore = server.OpenFds();
        int? chunksBefore = server.LastChunksInUse();
        Assert.NotNull(chunksBefore);

        const int workers = 8, perWorker = 2500;
        byte[] payload = RandomNumberGenerator.GetBytes(3000);
        await Task.WhenAll(Enumerable.Range(0, workers).Select(_ => Task.Run(async () =>
        {
            for (int i = 0; i < perWorker; i++)
            {
                using Socket s = await server.ConnectAsync();
                Assert.Equal(payload, await s.EchoAsync(payload));
            }
        })));

        TestServer.WaitUntil(() => server.OpenFds() == fdsBefore, $"server fds back to {fdsBefore} (now {server.OpenFds()})");
        // Compare chunks from a report made after the last close: both loops report every connection accepted and none open.
        TestServer.WaitUntil(() => server.LastStats(0) is string l0 && server.LastStats(1) is string l1
                && NativeServer.Stat(l0, "accepted") + NativeServer.Stat(l1, "accepted") == workers * perWorker
                && NativeServer.Stat(l0, "open") == 0 && NativeServer.Stat(l1, "open") == 0,
            "a --stats report made after the last close");
        Assert.Equal(chunksBefore, server.LastChunksInUse());
        string[] lines = server.StderrLines;
        Assert.Equal(0, server.Terminate());
        long accepted = server.StderrLines.Where(l => l.StartsWith("loop ")).TakeLast(2)
            .Sum(l => long.Parse(l.Split(" accepted ")[1].Split(' ')[0]));
        Assert.Equal(workers * perWorker, accepted);
        Assert.NotEmpty(lines);
    }

    [Fact]
    public async Task Sigterm_WithQueuedOutputForSlowReader_DeliversAllThenExitsZero()
    {
        using var server = new NativeServer(["echo", "--threads", "1", "--max-pending", "64MiB", "--stats"]);
        var s = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { ReceiveBufferSize = 16 * 1024 };
        await s.ConnectAsync(new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, server.Port));
        byte[] data = RandomNumberGenerator.GetBytes(16 << 20);
        await s.SendAllAsync(data);

        // Wait until the server has read all of it (input it never read would make the kernel
        // answer the close with RST) and holds output in its own queue (the kernel buffers cannot
        // take 16 MiB for a peer with a 16 KiB receive buffer), then ask it to stop.
        TestServer.WaitUntil(() => server.StderrLines.LastOrDefault(l => l.StartsWith("loop 0:"))?.Contains($" in {data.Length} ") == true, "server read all input");
        Assert.True(server.LastChunksInUse() > 16, "server should hold queued output in its pool");
        server.SendSigterm();

        byte[] echo = await s.ReceiveExactlyAsync(data.Length).WaitAsync(TimeSpan.FromSeconds(30));
        Assert.True(data.AsSpan().SequenceEqual(echo), "queued output was not delivered intact");
        Assert.Equal(0L, await s.DrainToEofAsync());
        Assert.Equal(0, server.WaitForExit(seconds: 6));
        Assert.Contains(server.StderrLines, l => l.StartsWith("loop 0:") && l.Contains(" Shutdown=1 ") && l.Contains(" lost 0 "));
        s.Dispose();
    }

    [Fact]
    public async Task PeerResetsWhileOutputQueued_ServerSurvivesNoSigpipe()
    {
        using var server = new NativeServer(["echo", "--threads", "1", "--stats"]);
        for (int round = 0; round < 5; round++)
        {
            var s = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { ReceiveBufferSize = 16 * 1024 };
            await s.ConnectAsync(new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, server.Port));
            _ = s.SendAllAsync(new byte[8 << 20]).ContinueWith(t => t.Exception);
            // Reset once a report shows this round's connection, the only one open, with output queued.
            int accepted = round + 1;
            TestServer.WaitUntil(() => server.LastStats() is string l && NativeServer.Stat(l, "accepted") == accepted
                && NativeServer.Stat(l, "open") == 1 && NativeServer.Stat(l, "chunks") > EventLoop.OwnChunks, $"server queued output for peer {accepted}");
            s.LingerState = new LingerOption(true, 0);
            s.Close();
        }
        TestServer.WaitUntil(() => server.HasExited || server.LastStats() is string l && NativeServer.Stat(l, "accepted") == 5 && NativeServer.Stat(l, "open") == 0,
            "server closed the five reset connections");
        Assert.False(server.HasExited, "the server died when peers reset");
        using (Socket ok = await server.ConnectAsync())
        {
            Assert.Equal("alive"u8.ToArray(), await ok.EchoAsync("alive"u8.ToArray()));
        }
        Assert.Equal(0, server.Terminate());
    }
}
