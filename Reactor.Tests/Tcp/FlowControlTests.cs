using System;
using System.Linq;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Threading;
using System.Threading.Tasks;
using Reactor.Tests.Infrastructure;
using Xunit;

namespace Reactor.Tests.Tcp;

/// <summary>PauseReading/ResumeReading, IsWritable and OnDrained on real sockets.</summary>
public class FlowControlTests
{
    /// <summary>
    /// Sends from a nonblocking socket until the kernel refuses more: the client's send buffer and
    /// the server's receive buffer are then both full. Returns the bytes the kernel took.
    /// </summary>
    private static int SendUntilWouldBlock(Socket socket, byte[] data)
    {
        socket.Blocking = false;
        int sent = 0;
        try
        {
            while (sent < data.Length) sent += socket.Send(data, sent, data.Length - sent, SocketFlags.None);
        }
        catch (SocketException e) when (e.SocketErrorCode == SocketError.WouldBlock)
        {
        }
        finally
        {
            socket.Blocking = true;
        }
        return sent;
    }

    [Fact]
    public async Task PauseReading_PeerKeepsSending_KernelBufferFillsNothingLostReadingResumes()
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        long received = 0;
        Connection? paused = null;
        var handler = new RecordingHandler(new DelegateHandler
        {
            Data = (c, data) =>
            {
                hash.AppendData(data);
                Interlocked.Add(ref received, data.Length);
                // Stop reading after the first bytes, until the test resumes.
                if (paused is null)
                {
                    c.PauseReading();
                    Volatile.Write(ref paused, c);
                }
                return data.Length;
            },
            PeerShutdown = c =>
            {
                c.Send(BitConverter.GetBytes(Interlocked.Read(ref received)));
                c.ShutdownWrite();
            },
        });
        using var server = new TestServer(handler, o => o.LoopCount = 1);
        using Socket s = await server.ConnectAsync();
        byte[] data = RandomNumberGenerator.GetBytes(64 << 20);

        await s.SendAllAsync(data.AsMemory(0, 1000));
        TestServer.WaitUntil(() => Volatile.Read(ref paused) is not null, "the handler paused reading");
        // While paused, the kernel buffers fill: the peer is held back, the server reads nothing more.
        int taken = 1000 + SendUntilWouldBlock(s, data.AsSpan(1000).ToArray());
        Assert.True(taken < data.Length, "64 MiB cannot fit in the kernel buffers");
        long readWhilePaused = Interlocked.Read(ref received);
        Assert.True(readWhilePaused < taken, $"read {readWhilePaused} of {taken} bytes while paused");
        Assert.True(TestServer.OnLoop(server.Group.Loops[0], _ => paused!.IsReadingPaused));

        server.Group.Loops[0].Post(_ => paused!.ResumeReading(), null);
        await s.SendAllAsync(data.AsMemory(taken)).WaitAsync(TimeSpan.FromSeconds(60));
        s.Shutdown(SocketShutdown.Send);
        byte[] count = await s.ReceiveExactlyAsync(8).WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal(data.Length, BitConverter.ToInt64(count));
        Assert.Equal(SHA256.HashData(data), hash.GetHashAndReset());
    }

    /// <summary>
    /// The proxy case on one loop: bytes read from the source connection go to the sink
    /// connection. When the sink cannot keep up (its peer does not read) the handler pauses the
    /// source; the sink's OnDrained resumes it. The source's FIN becomes the sink's.
    /// </summary>
    private sealed class Pipe
    {
        public Connection? Sink, Source;
        public int Pauses, Drains;

        public IConnectionHandler NewHandler(Connection c)
        {
            if (Sink is null)
            {
                Sink = c;
                // The sink's own input is not what fills its output: never pause it for that.
                c.PauseReadingWhileUnwritable = false;
                return new DelegateHandler
                {
                    Drained = _ =>
                    {
                        Drains++;
                        Source?.ResumeReading();
                    },
                };
            }
            Source = c;
            return new DelegateHandler
            {
                Data = (source, data) =>
                {
                    Sink.Send(data);
                    if (!Sink.IsWritable)
                    {
                        Pauses++;
                        source.PauseReading();
                    }
                    return data.Length;
                },
                // The source's FIN ends the sink's stream; the source has nothing to send back.
                PeerShutdown = source =>
                {
                    Sink.ShutdownWrite();
                    source.ShutdownWrite();
                },
            };
        }
    }

    [Fact]
    public async Task OnDrained_SinkPeerNotReading_SourcePausedMemoryBoundedAllBytesArrive()
    {
        const int maxPending = 256 * 1024;
        var pipe = new Pipe();
        using var server = new TestServer(pipe.NewHandler, o =>
        {
            o.LoopCount = 1;
            o.MaxPendingBytes = maxPending;
        });
        using Socket sink = await server.ConnectAsync();
        sink.ReceiveBufferSize = 64 * 1024;
        TestServer.WaitUntil(() => TestServer.OnLoop(server.Group.Loops[0], _ => pipe.Sink is not null), "the sink connection is open");
        using Socket source = await server.ConnectAsync();
        byte[] data = RandomNumberGenerator.GetBytes(64 << 20);

        // Nobody reads the sink: the server pauses the source and holds about one high-water
        // mark of output (plus one read), however much the source offers.
        Task send = source.SendAllAsync(data);
        TestServer.WaitUntil(() => TestServer.OnLoop(server.Group.Loops[0], _ => pipe.Pauses) > 0, "the source was paused");
        long heldBytes = server.ChunksInUse() * server.Options.BufferSize;
        Assert.InRange(heldBytes, maxPending, 2 * maxPending);
        Assert.False(send.IsCompleted, "64 MiB went through a pipe nobody reads");

        byte[] received = await sink.ReceiveExactlyAsync(data.Length).WaitAsync(TimeSpan.FromSeconds(60));
        await send;
        source.Shutdown(SocketShutdown.Send);
        Assert.Equal(0L, await sink.DrainToEofAsync().WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.True(data.AsSpan().SequenceEqual(received), "bytes through the pipe differ");
        var (pauses, drains) = TestServer.OnLoop(server.Group.Loops[0], _ => (pipe.Pauses, pipe.Drains));
        Assert.True(pauses > 0 && drains >= pauses - 1, $"{pauses} pauses, {drains} drains");
    }

    [Fact]
    public async Task PauseReading_PeerResetsWhilePausedAndIdle_LoopDoesNotSpinResetSeenOnResume()
    {
        // A paused connection with nothing queued is out of the poller: epoll reports EPOLLHUP and
        // EPOLLERR even to an fd armed for nothing, and level-triggered that would spin the loop.
        Connection? paused = null;
        var handler = new RecordingHandler(new DelegateHandler
        {
            Data = (c, data) =>
            {
                c.PauseReading();
                Volatile.Write(ref paused, c);
                return data.Length;
            },
        });
        using var server = new TestServer(handler, o => o.LoopCount = 1);
        EventLoop loop = server.Group.Loops[0];
        int loopThread = TestServer.OnLoop(loop, _ => ProcCpu.CurrentThreadId());
        using (Socket s = await server.ConnectAsync())
        {
            await s.SendAllAsync("pause"u8.ToArray());
            TestServer.WaitUntil(() => Volatile.Read(ref paused) is not null, "the handler paused");
            s.LingerState = new LingerOption(true, 0);   // close with RST
        }
        // The measurement window is the scenario: a spinning loop burns its whole core meanwhile.
        double before = ProcCpu.ThreadSeconds(loopThread);
        Thread.Sleep(500);
        double used = ProcCpu.ThreadSeconds(loopThread) - before;
        Assert.True(used < 0.1, $"the loop thread used {used:F2} s of CPU in 0.5 s: it spins on the reset connection");
        Assert.Empty(handler.Closes);

        loop.Post(_ => paused!.ResumeReading(), null);
        TestServer.WaitUntil(() => handler.Closes.Count == 1, "the reset is seen once reading resumes");
        Assert.Equal(CloseReason.Reset, handler.Closes.Single().Reason);
    }

    [Fact]
    public async Task Unwritable_HandlerStopsConsumingAtItsInputLimit_InputWaitsAndIsRedeliveredOnDrain()
    {
        // Pipelined 8-byte requests, 4 KiB responses, and a handler that stops parsing while its
        // output is full (as an HTTP server should): what it leaves may exceed MaxInputBytes, and
        // since reading is paused that is no protocol error. When the client reads, the output
        // drains and the kept requests are handed over again with no new byte.
        const int requests = 1000, responseSize = 4096;
        var handler = new RecordingHandler(new DelegateHandler
        {
            Open = c => c.MaxInputBytes = 1024,
            Data = (c, data) =>
            {
                int consumed = 0;
                for (; data.Length - consumed >= 8 && c.IsWritable; consumed += 8)
                {
                    Span<byte> span = c.GetSpan(responseSize);
                    span[..responseSize].Fill(data[consumed]);
                    c.Advance(responseSize);
                }
                return consumed;
            },
        });
        using var server = new TestServer(handler, o =>
        {
            o.LoopCount = 1;
            o.MaxPendingBytes = 16 * 1024;
        });
        using Socket s = await server.ConnectAsync();
        byte[] all = Enumerable.Range(0, requests).SelectMany(i => Enumerable.Repeat((byte)i, 8)).ToArray();

        await s.SendAllAsync(all).WaitAsync(TimeSpan.FromSeconds(30));
        byte[] responses = await s.ReceiveExactlyAsync(requests * responseSize).WaitAsync(TimeSpan.FromSeconds(30));

        for (int i = 0; i < requests; i++) Assert.True(responses.AsSpan(i * responseSize, responseSize).IndexOfAnyExcept((byte)i) < 0, $"response {i} is wrong");
        Assert.Empty(handler.Closes);
    }

    [Fact]
    public async Task ResumeReading_InsideItsOwnOnData_NoRedeliveryOfTheCallInProgress()
    {
        // Pausing and resuming within one delivery (a response that completed at once) changes
        // nothing: the remainder waits for new bytes as usual. Re-delivering it would call OnData
        // again with the same bytes, and a handler doing this on every call would spin the loop.
        int calls = 0;
        var handler = new RecordingHandler(new DelegateHandler
        {
            Data = (c, data) =>
            {
                calls++;
                c.PauseReading();
                c.ResumeReading();
                return data.Length - 1;   // always keeps the last byte
            },
        });
        using var server = new TestServer(handler, o => o.LoopCount = 1);
        EventLoop loop = server.Group.Loops[0];
        using Socket s = await server.ConnectAsync();

        await s.SendAllAsync("abc"u8.ToArray());
        TestServer.WaitUntil(() => TestServer.OnLoop(loop, _ => calls) >= 1, "the first delivery");
        // A posted item runs after the deferred pass of the iteration that delivered: by then any
        // re-delivery would have happened.
        Assert.Equal(1, TestServer.OnLoop(loop, _ => calls));
        await s.SendAllAsync("d"u8.ToArray());
        TestServer.WaitUntil(() => TestServer.OnLoop(loop, _ => calls) >= 2, "the next bytes delivered");
        Assert.Equal(2, TestServer.OnLoop(loop, _ => calls));
    }
}
