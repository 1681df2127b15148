using System;
using System.Collections.Generic;
using System.Linq;
using System.Text;
using System.Threading.Tasks;
using Reactor.Tests.Infrastructure;
using Xunit;

namespace Reactor.Tests.Protocols.Kv;

/// <summary>The keyspace shared by two loops: every command atomic, whichever loop runs it.</summary>
public class KvConcurrencyTests
{
    [Fact]
    public async Task Incr_EightConnectionsOverTwoLoops_HundredThousandIncrementsExact()
    {
        const int perConnection = 12_500;
        string[] keys = ["counter:a", "counter:b", "counter:c", "counter:d"];
        using var server = new KvTestServer();
        List<RespClient> clients = await ConnectSpreadAsync(server, perLoop: 4);
        try
        {
            // Each connection pipelines its INCRs in batches of 500, round-robin over the keys.
            await Task.WhenAll(clients.Select(c => Task.Run(async () =>
            {
                for (int sent = 0; sent < perConnection; sent += 500)
                {
                    byte[] batch = Enumerable.Range(sent, 500).SelectMany(i => RespClient.Encode("INCR", keys[i % keys.Length])).ToArray();
                    await c.SendAsync(batch);
                    for (int i = 0; i < 500; i++) Assert.Equal((byte)':', (await c.ReadReplyAsync(30))[0]);
                }
            }))).WaitAsync(TimeSpan.FromSeconds(120));
            foreach (string key in keys)
            {
                Assert.Equal($"$5\r\n{8 * perConnection / keys.Length}\r\n", await clients[0].CallAsync("GET", key));
            }
        }
        finally
        {
            foreach (RespClient c in clients) c.Dispose();
        }
    }

    [Fact]
    public async Task MSet_WhileOtherLoopReadsWithMGet_NeverSeenHalfDone()
    {
        // Eight keys, so they spread over several shards: MSET takes all their locks at once.
        string[] keys = Enumerable.Range(0, 8).Select(i => $"pair:{i}").ToArray();
        using var server = new KvTestServer();
        List<RespClient> clients = await ConnectSpreadAsync(server, perLoop: 1);
        try
        {
            Task writer = Task.Run(async () =>
            {
                for (int round = 0; round < 2000; round++)
                {
                    Assert.Equal("+OK\r\n", await clients[0].CallAsync(["MSET", .. keys.SelectMany(k => new[] { k, round.ToString() })]));
                }
            });
            int reads = 0;
            while (!writer.IsCompleted)
            {
                string reply = await clients[1].CallAsync(["MGET", .. keys]);
                string[] values = reply.Split("\r\n").Skip(1).Where((_, i) => i % 2 == 1).Take(keys.Length).ToArray();
                Assert.True(values.Distinct().Count() == 1, $"MGET saw a half-done MSET: {reply.Replace("\r\n", " ")}");
                reads++;
            }
            await writer;
            Assert.True(reads > 10, $"only {reads} reads overlapped the writes");
        }
        finally
        {
            foreach (RespClient c in clients) c.Dispose();
        }
    }

    /// <summary>Opens connections until each of the two loops serves <paramref name="perLoop"/> (the kernel picks the loop); the rest are closed.</summary>
    private static async Task<List<RespClient>> ConnectSpreadAsync(KvTestServer server, int perLoop)
    {
        var kept = new List<RespClient>[] { [], [] };
        for (int attempt = 0; kept.Any(k => k.Count < perLoop); attempt++)
        {
            Assert.True(attempt < 200, "200 connections did not reach both loops");
            long[] before = server.Server.Group.Loops.Select(l => TestServer.OnLoop(l, x => x.Stats.Accepted)).ToArray();
            RespClient client = await server.ConnectAsync();
            Assert.Equal("+PONG\r\n", await client.CallAsync("PING"));
            int loop = Enumerable.Range(0, 2).Single(i => TestServer.OnLoop(server.Server.Group.Loops[i], x => x.Stats.Accepted) > before[i]);
            if (kept[loop].Count < perLoop) kept[loop].Add(client);
            else client.Dispose();
        }
        return [.. kept[0], .. kept[1]];
    }
}
