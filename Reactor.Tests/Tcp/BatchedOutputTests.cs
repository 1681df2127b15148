using System;
using System.Buffers.Text;
using System.Linq;
using System.Net.Sockets;
using System.Text;
using System.Threading.Tasks;
using Reactor.Tests.Infrastructure;
using Xunit;

namespace Reactor.Tests.Tcp;

/// <summary>Write, GetSpan/Advance and Send: output leaves in as few syscalls as the loop can manage.</summary>
public class BatchedOutputTests
{
    private const int RequestSize = 8;    // "GET 0042"
    private const int Pipelined = 16;

    /// <summary>
    /// Answers fixed-size requests "GET nnnn" with "OK nnnn\n", all 16 of a batch in one OnData
    /// (it asks for them with NeedInput), through <see cref="Connection.Write"/> and
    /// <see cref="Connection.GetSpan"/> in turn, or with one <see cref="Connection.Send"/> each.
    /// </summary>
    private sealed class Responder(bool batched) : IConnectionHandler
    {
        public void OnOpen(Connection connection) => connection.NeedInput(Pipelined * RequestSize);

        public int OnData(Connection connection, Span<byte> data)
        {
            int consumed = 0;
            for (int i = 0; data.Length - consumed >= RequestSize; i++, consumed += RequestSize)
            {
                ReadOnlySpan<byte> number = data.Slice(consumed + 4, 4);
                if (!batched)
                {
                    connection.Send([.. "OK "u8, .. number, (byte)'\n']);
                }
                else if (i % 2 == 0)
                {
                    connection.Write([.. "OK "u8, .. number, (byte)'\n']);
                }
                else
                {
                    Span<byte> span = connection.GetSpan(8);
                    "OK "u8.CopyTo(span);
                    number.CopyTo(span[3..]);
                    span[7] = (byte)'\n';
                    connection.Advance(8);
                }
            }
            connection.NeedInput(Pipelined * RequestSize);
            return consumed;
        }

        public void OnClose(Connection connection, CloseReason reason) { }
    }

    private static async Task<long> SendCallsForOneBatch(bool batched)
    {
        using var server = new TestServer(_ => new Responder(batched), o => o.LoopCount = 1);
        EventLoop loop = server.Group.Loops[0];
        using Socket s = await server.ConnectAsync();
        byte[] requests = Encoding.ASCII.GetBytes(string.Concat(Enumerable.Range(0, Pipelined).Select(i => $"GET {i:D4}")));
        string expected = string.Concat(Enumerable.Range(0, Pipelined).Select(i => $"OK {i:D4}\n"));

        long before = TestServer.OnLoop(loop, l => l.Stats.SendCalls);
        await s.SendAllAsync(requests);
        byte[] responses = await s.ReceiveExactlyAsync(expected.Length).WaitAsync(TimeSpan.FromSeconds(10));
        long after = TestServer.OnLoop(loop, l => l.Stats.SendCalls);

        Assert.Equal(expected, Encoding.ASCII.GetString(responses));
        return after - before;
    }

    [Fact]
    public async Task Write_SixteenPipelinedRequestsInOneRead_OneSendCall()
    {
        Assert.Equal(1, await SendCallsForOneBatch(batched: true));
    }

    [Fact]
    public async Task Send_SixteenPipelinedRequestsInOneRead_SixteenSendCalls()
    {
        // The contrast: Send writes now, so each response is its own syscall.
        Assert.Equal(Pipelined, await SendCallsForOneBatch(batched: false));
    }

    [Fact]
    public async Task Send_AfterWrite_HeaderAndBodyLeaveInOneGatheredCall()
    {
        byte[] body = Enumerable.Range(0, 4096).Select(i => (byte)i).ToArray();
        var handler = new DelegateHandler
        {
            Data = (c, data) =>
            {
                c.Write("header: 4096 bytes\n"u8);
                c.Send(body);
                return data.Length;
            },
        };
        using var server = new TestServer(handler, o => o.LoopCount = 1);
        EventLoop loop = server.Group.Loops[0];
        using Socket s = await server.ConnectAsync();

        long before = TestServer.OnLoop(loop, l => l.Stats.SendCalls);
        await s.SendAllAsync("go"u8.ToArray());
        byte[] reply = await s.ReceiveExactlyAsync(19 + body.Length).WaitAsync(TimeSpan.FromSeconds(10));
        long after = TestServer.OnLoop(loop, l => l.Stats.SendCalls);

        Assert.Equal("header: 4096 bytes\n"u8.ToArray(), reply[..19]);
        Assert.Equal(body, reply[19..]);
        Assert.Equal(1, after - before);
    }

    [Fact]
    public async Task GetSpan_ResponsesOfEverySizeAcrossChunkBoundaries_ArriveIntactInOrder()
    {
        // Each request byte n asks for a response of n * 4 + 1 bytes (1 to 1021) in 1 KiB chunks,
        // so GetSpan often has to start a new chunk and leave the old one short.
        static byte At(int response, int i) => (byte)(response * 31 + i);
        var handler = new DelegateHandler
        {
            Data = (c, data) =>
            {
                foreach (byte n in data)
                {
                    int size = n * 4 + 1;
                    Span<byte> span = c.GetSpan(size);
                    for (int i = 0; i < size; i++) span[i] = At(n, i);
                    c.Advance(size);
                }
                return data.Length;
            },
        };
        using var server = new TestServer(handler, o =>
        {
            o.LoopCount = 1;
            o.BufferSize = 1024;
        });
        using Socket s = await server.ConnectAsync();
        byte[] requests = Enumerable.Range(0, 20_000).Select(i => (byte)(i * 7 % 256)).ToArray();
        byte[] expected = requests.SelectMany(n => Enumerable.Range(0, n * 4 + 1).Select(i => At(n, i))).ToArray();

        Task send = s.SendAllAsync(requests);
        byte[] responses = await s.ReceiveExactlyAsync(expected.Length).WaitAsync(TimeSpan.FromSeconds(30));
        await send;
        Assert.True(expected.AsSpan().SequenceEqual(responses), "responses differ");
    }

    [Fact]
    public async Task GetSpan_AfterClose_LendsScratchAndDropsIt()
    {
        var handler = new RecordingHandler(new DelegateHandler
        {
            Data = (c, data) =>
            {
                c.Close();
                Span<byte> span = c.GetSpan(100);
                Assert.True(span.Length >= 100);
                "dropped"u8.CopyTo(span);
                c.Advance(7);
                Assert.False(c.Write("dropped too"u8));
                Assert.Equal(0, c.PendingBytes);
                return data.Length;
            },
        });
        using var server = new TestServer(handler, o => o.LoopCount = 1);
        using Socket s = await server.ConnectAsync();
        await s.SendAllAsync("x"u8.ToArray());
        Assert.Equal(0L, await s.DrainToEofAsync().WaitAsync(TimeSpan.FromSeconds(10)));
        TestServer.WaitUntil(() => handler.Closes.Count == 1, "server closed");
        Assert.Equal((CloseReason.Local, 0L), handler.Closes.Single());
    }

    [Fact]
    public async Task Advance_WithoutGetSpan_ClosesWithHandlerErrorLoopServesOn()
    {
        var handler = new RecordingHandler(new DelegateHandler
        {
            Data = (c, data) =>
            {
                if (data[0] == (byte)'!') c.Advance(1);
                else c.Send(data);
                return data.Length;
            },
        });
        using var server = new TestServer(handler, o => o.LoopCount = 1);
        using (Socket bad = await server.ConnectAsync())
        {
            await bad.SendAllAsync("!"u8.ToArray());
            Assert.Equal(0L, await bad.DrainToEofAsync().WaitAsync(TimeSpan.FromSeconds(10)));
        }
        TestServer.WaitUntil(() => handler.Closes.Count == 1, "server closed the misbehaving connection");
        Assert.Equal(CloseReason.HandlerError, handler.Closes.Single().Reason);
        Assert.Equal(1, TestServer.OnLoop(server.Group.Loops[0], l => l.Stats.CallbackErrors));
        using Socket good = await server.ConnectAsync();
        Assert.Equal("fine"u8.ToArray(), await good.EchoAsync("fine"u8.ToArray()));
    }
}
