using System;
using System.Linq;
using System.Net;
using System.Net.Sockets;
using System.Threading.Tasks;
using Reactor.Protocols;
using Reactor.Tests.Infrastructure;
using Xunit;

namespace Reactor.Tests.Tcp;

public class EchoTests
{
    [Fact]
    public async Task Echo_BoundToIPv6Any_ServesIPv4AndIPv6Clients()
    {
        using var server = new TestServer(new EchoHandler(), address: IPAddress.IPv6Any);
        foreach (IPAddress client in new[] { IPAddress.Loopback, IPAddress.IPv6Loopback })
        {
            using var s = new Socket(client.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
            await s.ConnectAsync(new IPEndPoint(client, server.EndPoint.Port));
            Assert.Equal("dual-stack"u8.ToArray(), await s.EchoAsync("dual-stack"u8.ToArray()));
        }
    }

    [Fact]
    public async Task Echo_ThousandConcurrentConnectionsRandomPayloads_EveryByteEchoed()
    {
        const int connections = 1000;
        using var server = new TestServer(new EchoHandler());
        var random = new Random(1234);
        var payloads = Enumerable.Range(0, connections).Select(_ =>
        {
            var data = new byte[random.Next(1, (1 << 20) + 1)];
            random.NextBytes(data);
            return data;
        }).ToArray();

        var sockets = await Task.WhenAll(Enumerable.Range(0, connections).Select(_ => server.ConnectAsync()));
        try
        {
            var echoes = await Task.WhenAll(sockets.Select((s, i) => s.EchoAsync(payloads[i]))).WaitAsync(TimeSpan.FromSeconds(120));
            for (int i = 0; i < connections; i++)
            {
                Assert.True(payloads[i].AsSpan().SequenceEqual(echoes[i]), $"connection {i}: echo differs");
            }
        }
        finally
        {
            foreach (Socket s in sockets) s.Dispose();
        }
        long total = payloads.Sum(p => (long)p.Length);
        TestServer.WaitUntil(() => server.SumOnLoops(l => l.Stats.BytesSent) == total, "server counted every byte sent");
        Assert.Equal(total, server.SumOnLoops(l => l.Stats.BytesReceived));
        Assert.Equal(0, server.SumOnLoops(l => l.Stats.BytesLost));
    }

    [Fact]
    public async Task Echo_ManyConnections_LandOnBothLoops()
    {
        using var server = new TestServer(new EchoHandler());
        var sockets = await Task.WhenAll(Enumerable.Range(0, 200).Select(_ => server.ConnectAsync()));
        foreach (Socket s in sockets)
        {
            Assert.Equal("ping"u8.ToArray(), await s.EchoAsync("ping"u8.ToArray()));
        }
        long[] perLoop = server.Group.Loops.Select(l => TestServer.OnLoop(l, x => x.Stats.Accepted)).ToArray();
        foreach (Socket s in sockets) s.Dispose();
        Assert.Equal(200, perLoop.Sum());
        // SO_REUSEPORT hashes the 4-tuple: 200 connections all on one loop has odds of 2^-199.
        Assert.All(perLoop, n => Assert.True(n > 0, $"a loop got no connections: {string.Join(",", perLoop)}"));
    }

    [Fact]
    public async Task Echo_IPv6Loopback_Works()
    {
        using var server = new TestServer(new EchoHandler(), address: IPAddress.IPv6Loopback);
        Assert.Equal(AddressFamily.InterNetworkV6, server.EndPoint.AddressFamily);
        using Socket s = await server.ConnectAsync();
        var data = new byte[100_000];
        new Random(7).NextBytes(data);
        Assert.Equal(data, await s.EchoAsync(data));
    }

    [Fact]
    public async Task Echo_PeerHalfCloses_GetsEveryByteThenEof()
    {
        var handler = new RecordingHandler(new EchoHandler());
        using var server = new TestServer(handler);
        using Socket s = await server.ConnectAsync();
        var data = new byte[3 << 20];
        new Random(3).NextBytes(data);
        Task<byte[]> echo = s.ReceiveExactlyAsync(data.Length);
        await s.SendAllAsync(data);
        s.Shutdown(SocketShutdown.Send);
        Assert.Equal(data, await echo);
        Assert.Equal(0L, await s.DrainToEofAsync());
        TestServer.WaitUntil(() => handler.Closes.Count == 1, "server closed the connection");
        Assert.Equal((CloseReason.PeerClosed, 0L), handler.Closes.Single());
    }
}
