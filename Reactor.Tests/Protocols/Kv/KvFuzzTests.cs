using System;
using System.Collections.Generic;
using System.Linq;
using System.Net.Sockets;
using System.Text;
using System.Threading.Tasks;
using Reactor.Tests.Infrastructure;
using Xunit;

namespace Reactor.Tests.Protocols.Kv;

/// <summary>Mutated requests against a running server: it never fails, always answers or closes, and serves valid commands afterwards.</summary>
public class KvFuzzTests
{
    private static readonly byte[][] Corpus =
    [
        RespClient.Encode("SET", "fuzz:k", "value", "EX", "100"),
        RespClient.Encode("GET", "fuzz:k"),
        RespClient.Encode("MSET", "fuzz:a", "1", "fuzz:b", "2"),
        RespClient.Encode("MGET", "fuzz:a", "fuzz:b", "fuzz:c"),
        RespClient.Encode("INCRBY", "fuzz:n", "42"),
        RespClient.Encode("LPUSH", "fuzz:l", "x", "y"),
        RespClient.Encode("LRANGE", "fuzz:l", "0", "-1"),
        RespClient.Encode("SADD", "fuzz:s", "m1", "m2"),
        RespClient.Encode("SPOP", "fuzz:s", "1"),
        RespClient.Encode("HSET", "fuzz:h", "f", "v"),
        RespClient.Encode("PEXPIRE", "fuzz:a", "1000", "NX"),
        RespClient.Encode("CONFIG", "GET", "save"),
        "SET fuzz:i \"quoted \\x41 value\" PX 500\r\n"u8.ToArray(),
        "PING 'single \\' quoted'\r\n"u8.ToArray(),
    ];

    [Fact]
    public async Task Fuzz_TenThousandMutatedRequests_AnsweredOrClosedAndServerStillServes()
    {
        const int cases = 10_000;
        using var server = new KvTestServer(maxCommandBytes: 1 << 20);
        var random = new Random(20261123);
        byte[][] inputs = Enumerable.Range(0, cases).Select(_ => Mutate(random)).ToArray();
        for (int start = 0; start < cases; start += 50)
        {
            await Task.WhenAll(inputs.Skip(start).Take(50).Select(input => RunCaseAsync(server, input))).WaitAsync(TimeSpan.FromSeconds(60));
        }
        Assert.Equal(0, server.Server.SumOnLoops(l => l.Stats.CallbackErrors));
        // The mutations reach the parser's error paths, not only its happy one.
        long refused = server.Server.SumOnLoops(l => l.Stats.Closed(CloseReason.ProtocolError));
        Assert.True(refused > cases / 20, $"only {refused} of {cases} cases were protocol errors");
        using RespClient c = await server.ConnectAsync();
        Assert.Equal("+OK\r\n", await c.CallAsync("SET", "after", "fuzz"));
        Assert.Equal("$4\r\nfuzz\r\n", await c.CallAsync("GET", "after"));
    }

    /// <summary>
    /// Sends <paramref name="input"/>, then ends the stream: the server must answer what was whole
    /// and close. What came back must be whole replies, a protocol error only as the last.
    /// </summary>
    private static async Task RunCaseAsync(KvTestServer server, byte[] input)
    {
        using RespClient c = await server.ConnectAsync();
        await c.SendAsync(input);
        c.Socket.Shutdown(SocketShutdown.Send);
        byte[] output = await c.ReadToEndAsync(30);
        int at = 0;
        while (at < output.Length)
        {
            int length = RespClient.ReplyLength(output.AsSpan(at));
            Assert.True(length > 0, $"a partial reply {Show(output.AsSpan(at))} to {Show(input)}");
            if (output.AsSpan(at).StartsWith("-ERR Protocol error"u8))
                Assert.True(at + length == output.Length, $"replies after a protocol error to {Show(input)}");
            at += length;
        }
    }

    /// <summary>One to four corpus requests in a row, with one to three mutations: a byte flipped, the input cut, a stretch duplicated, or random bytes inserted.</summary>
    private static byte[] Mutate(Random random)
    {
        var bytes = new List<byte>();
        for (int i = random.Next(1, 5); i > 0; i--) bytes.AddRange(Corpus[random.Next(Corpus.Length)]);
        for (int m = random.Next(1, 4); m > 0 && bytes.Count > 1; m--)
        {
            int at = random.Next(bytes.Count);
            switch (random.Next(4))
            {
                case 0:
                    bytes[at] ^= (byte)(1 << random.Next(8));
                    break;
                case 1:
                    bytes.RemoveRange(at, bytes.Count - at);
                    break;
                case 2:
                    int length = random.Next(1, Math.Min(32, bytes.Count - at) + 1);
                    bytes.InsertRange(at, bytes.GetRange(at, length));
                    break;
                default:
                    var noise = new byte[random.Next(1, 8)];
                    random.NextBytes(noise);
                    bytes.InsertRange(at, noise);
                    break;
            }
        }
        return bytes.ToArray();
    }

    private static string Show(ReadOnlySpan<byte> bytes) => "'" + Encoding.Latin1.GetString(bytes[..Math.Min(bytes.Length, 300)]).Replace("\r", "\\r").Replace("\n", "\\n") + "'";
}
