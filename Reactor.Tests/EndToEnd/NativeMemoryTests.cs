using System;
using System.Linq;
using System.Net.Sockets;
using System.Threading.Tasks;
using Reactor.Buffers;
using Reactor.Tests.Infrastructure;
using Xunit;

namespace Reactor.Tests.EndToEnd;

/// <summary>The published native server gives memory back after a burst, watched through /proc.</summary>
public class NativeMemoryTests
{
    /// <summary>
    /// How far above its pre-burst value RSS may stay: the 2 MiB. Measured after this
    /// burst (scripts/proc_stats.sh, smaps_rollup): 0.7 MiB stays, the GC heap's gen0 (0.47 MiB of
    /// connection objects and output rings no collection has run for since) and the loop thread's
    /// malloc arena (0.2 MiB); between runs it varied by less than 0.1 MiB.
    /// </summary>
    private const long SlackKiB = 2 * 1024;

    [Fact]
    public async Task Burst_FiftyWritersThatNeverRead_RssBackWithinTwoMiBAfterTheyClose()
    {
        const int clients = 50, chunkSize = 16 << 10;
        const long burstBytes = 40L << 20;   // of the ~50 MiB the server queues (50 x --max-pending)
        using var server = new NativeServer(["echo", "--threads", "1", "--max-pending", "1MiB", "--buffer-size", "16KiB", "--stats"]);
        await server.AssertEchoesAsync(1, 1024);
        TestServer.WaitUntil(() => server.LastStats() is not null, "the first --stats report");
        long before = server.RssKiB();

        var sockets = new Socket[clients];
        for (int i = 0; i < clients; i++) sockets[i] = await server.ConnectAsync();
        byte[] block = TestData.Block(2, 0, 64 << 10);
        Task[] writers = sockets.Select(s => Task.Run(async () =>
        {
            try
            {
                while (true) await s.SendAllAsync(block);
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException)
            {
                // The socket was closed under the writer: the burst is over.
            }
        })).ToArray();
        TestServer.WaitUntil(() => ((long)server.LastChunksInUse()! - EventLoop.OwnChunks) * chunkSize >= burstBytes,
            $"the server to queue {burstBytes >> 20} MiB for peers that do not read (now {server.LastChunksInUse()} chunks)", 30);
        long peak = server.RssKiB();
        Assert.True(peak - before >= burstBytes / 1024, $"RSS grew only from {before} KiB to {peak} KiB: no burst to give back");

        foreach (Socket s in sockets) s.Dispose();
        await Task.WhenAll(writers).WaitAsync(TimeSpan.FromSeconds(10));
        // Pages go back one to two trim intervals after their last use; 15 s leaves room for a loaded machine.
        TestServer.WaitUntil(() => server.RssKiB() <= before + SlackKiB,
            () => $"RSS back within {SlackKiB} KiB of {before} KiB (peak {peak} KiB, now {server.RssKiB()} KiB; trim every {BufferPool.TrimInterval.TotalSeconds} s)", 15);

        // Chunks whose pages went back serve again.
        await server.AssertEchoesAsync(8, 1 << 20);
        Assert.Equal(0, server.Terminate());
    }
}
