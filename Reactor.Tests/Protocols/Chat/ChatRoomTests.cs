using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Net.Sockets;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using Reactor.Protocols.Chat;
using Reactor.Tests.Infrastructure;
using Xunit;

namespace Reactor.Tests.Protocols.Chat;

public class ChatRoomTests
{
    private static TestServer Serve(Action<ReactorOptions>? configure = null)
    {
        ChatRoom? room = null;
        return new TestServer(c => room!.Join(c), o =>
        {
            configure?.Invoke(o);
            room = new ChatRoom(o.LoopCount);
        });
    }

    /// <summary>Reads lines until <paramref name="count"/> arrived (or the deadline passes).</summary>
    private static async Task<List<string>> ReadLines(Socket s, int count, CancellationToken deadline)
    {
        using var reader = new StreamReader(new NetworkStream(s, ownsSocket: false), Encoding.ASCII);
        var lines = new List<string>(count);
        while (lines.Count < count)
        {
            string? line = await reader.ReadLineAsync(deadline);
            if (line is null) break;
            lines.Add(line);
        }
        return lines;
    }

    [Fact]
    public async Task Broadcast_FiftyClientsOnTwoLoops_EveryLineToTheOthersInOrderPerSender()
    {
        const int clients = 50, linesEach = 20;
        using var server = Serve();
        var sockets = new List<Socket>();
        try
        {
            for (int i = 0; i < clients; i++) sockets.Add(await server.ConnectAsync());
            TestServer.WaitUntil(() => server.SumOnLoops(l => l.Stats.Open) == clients, "all clients joined");
            Assert.All(server.Group.Loops, l => Assert.True(l.Stats.Accepted > 0, $"loop {l.Id} got no client: the test would not cross loops"));

            using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            Task<List<string>>[] reading = sockets.Select(s => ReadLines(s, (clients - 1) * linesEach, deadline.Token)).ToArray();
            // Every client sends its lines in several writes, all at once.
            await Task.WhenAll(sockets.Select(async (s, k) =>
            {
                for (int seq = 0; seq < linesEach; seq += 5)
                {
                    string batch = string.Concat(Enumerable.Range(seq, 5).Select(n => $"c{k} {n}\r\n"));
                    await s.SendAllAsync(Encoding.ASCII.GetBytes(batch));
                }
            }));

            var idOfSender = new Dictionary<string, string>();
            for (int k = 0; k < clients; k++)
            {
                List<string> lines = await reading[k];
                Assert.Equal((clients - 1) * linesEach, lines.Count);
                var next = new Dictionary<string, int>();
                foreach (string line in lines)
                {
                    // "<id>: c<sender> <seq>"
                    string[] parts = line.Split(' ');
                    Assert.Equal(3, parts.Length);
                    string id = parts[0].TrimEnd(':'), sender = parts[1];
                    Assert.NotEqual($"c{k}", sender);
                    Assert.Equal(idOfSender.TryAdd(sender, id) ? id : idOfSender[sender], id);
                    int expected = next.GetValueOrDefault(sender);
                    Assert.Equal(expected.ToString(), parts[2]);
                    next[sender] = expected + 1;
                }
                Assert.Equal(clients - 1, next.Count);
            }
            Assert.Equal(clients, idOfSender.Values.Distinct().Count());
        }
        finally
        {
            foreach (Socket s in sockets) s.Dispose();
        }
    }

    [Fact]
    public async Task Broadcast_ClientStopsReading_DisconnectedAtMaxPendingOthersGetEveryLine()
    {
        using var server = Serve(o =>
        {
            o.LoopCount = 1;
            o.MaxPendingBytes = 64 * 1024;
        });
        var slow = new Socket(server.EndPoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { ReceiveBufferSize = 4096 };
        await slow.ConnectAsync(server.EndPoint);
        using (slow)
        using (Socket reader = await server.ConnectAsync())
        using (Socket sender = await server.ConnectAsync())
        {
            TestServer.WaitUntil(() => server.SumOnLoops(l => l.Stats.Open) == 3, "three clients joined");
            using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            var readLines = new List<string>();
            Task reading = Task.Run(async () =>
            {
                using var text = new StreamReader(new NetworkStream(reader, ownsSocket: false), Encoding.ASCII);
                while (await text.ReadLineAsync(deadline.Token) is { } line)
                {
                    readLines.Add(line);
                    if (line.EndsWith(": done", StringComparison.Ordinal)) break;
                }
            });

            // Lines of 1000 bytes until the silent client's output passes 64 KiB (plus what the kernel buffers).
            byte[] batch = Encoding.ASCII.GetBytes(string.Concat(Enumerable.Repeat(new string('x', 999) + "\n", 100)));
            int sent = 0;
            while (server.SumOnLoops(l => l.Stats.Closed(CloseReason.Limit)) == 0)
            {
                Assert.False(deadline.IsCancellationRequested, $"the silent client was not disconnected after {sent} lines");
                await sender.SendAllAsync(batch);
                sent += 100;
            }
            await sender.SendAllAsync("done\n"u8.ToArray());
            await reading.WaitAsync(deadline.Token);

            Assert.Equal(sent + 1, readLines.Count);
            Assert.All(readLines.Take(sent), l => Assert.EndsWith(": " + new string('x', 999), l));
            Assert.Equal(2L, server.SumOnLoops(l => l.Stats.Open));
        }
    }
}
