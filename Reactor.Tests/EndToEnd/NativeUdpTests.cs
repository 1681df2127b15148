using System;
using System.Linq;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using System.Threading.Tasks;
using Reactor.Tests.Infrastructure;
using Xunit;

namespace Reactor.Tests.EndToEnd;

/// <summary><c>reactor udp-echo</c> as a user runs it, driven by <c>reactor bench udp</c> and by sockperf.</summary>
public class NativeUdpTests
{
    [Theory]
    [InlineData(64)]
    [InlineData(1400)]
    public void BenchUdp_MillionDatagramsFromFourSockets_EveryReplyCheckedNoneLost(int size)
    {
        using var server = new NativeServer(["udp-echo", "--threads", "2"]);
        var (code, stdout, stderr) = NativeBinary.Run("bench", "udp", "--port", server.Port.ToString(), "--sockets", "4",
            "--size", size.ToString(), "--count", "1000000", "--timeout", "100s", "--json");
        Assert.True(code == 0, $"bench udp exited {code}\n{stdout}\n{stderr}");
        using JsonDocument result = JsonDocument.Parse(stdout);
        JsonElement r = result.RootElement;
        // The window (4 x 16 datagrams) stays far below the socket buffers: on loopback nothing may be lost.
        Assert.Equal(1_000_000, r.GetProperty("received").GetInt64());
        Assert.Equal(0, r.GetProperty("lost").GetInt64());
        Assert.Equal(0, r.GetProperty("mismatches").GetInt64());
        Assert.Equal(0, server.Terminate());
    }

    [Fact]
    public void Sockperf_PingPong_AnsweredWithNothingDropped()
    {
        string sockperf = NativeBinary.Tool("sockperf", "sockperf");
        using var server = new NativeServer(["udp-echo", "--threads", "1", "--sockperf"]);
        var (code, stdout, stderr) = NativeBinary.RunProgram(sockperf, ["ping-pong", "-i", "127.0.0.1", "-p", server.Port.ToString(), "-t", "1", "-m", "64"], timeoutMs: 30_000);
        string output = stdout + stderr;
        Assert.True(code == 0, $"sockperf exited {code}\n{output}");
        Assert.Contains("Summary: Latency is", output);
        Assert.Contains("# dropped messages = 0;", output);
        Assert.Equal(0, server.Terminate());
    }

    [Fact]
    public async Task Flood_ClientNeverReads_ServerMemoryBoundedAndStillAnswering()
    {
        using var server = new NativeServer(["udp-echo", "--threads", "1"]);
        var target = new IPEndPoint(IPAddress.Loopback, server.Port);
        long rssBefore = server.RssKiB();
        using (var flooder = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp))
        {
            // 140 MB of datagrams whose replies nobody reads: they can only be dropped, never queued.
            var datagram = new byte[1400];
            for (int i = 0; i < 100_000; i++) flooder.SendTo(datagram, target);
        }
        using var client = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        client.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        byte[] answer = new byte[16];
        Task<SocketReceiveFromResult> reply = client.ReceiveFromAsync(answer, new IPEndPoint(IPAddress.Any, 0));
        // The server may still be working through the flood (and drop while its buffer is full):
        // ping again every 200 ms until an answer comes, for at most 20 s.
        for (int attempt = 0; attempt < 100 && !reply.IsCompleted; attempt++)
        {
            await client.SendToAsync("ping"u8.ToArray(), target);
            await Task.WhenAny(reply, Task.Delay(200));
        }
        Assert.True(reply.IsCompleted, "the server did not answer within 20 s of the flood");
        int n = reply.Result.ReceivedBytes;
        Assert.Equal("ping", System.Text.Encoding.ASCII.GetString(answer, 0, n));
        Assert.True(server.RssKiB() < rssBefore + 8 * 1024, $"RSS grew from {rssBefore} KiB to {server.RssKiB()} KiB");
        Assert.Equal(0, server.Terminate());
    }
}
