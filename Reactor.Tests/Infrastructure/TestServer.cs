using System;
using System.IO;
using System.Net;
using System.Net.Sockets;
using System.Threading.Tasks;
using Xunit;

namespace Reactor.Tests.Infrastructure;

/// <summary>
/// A loop group serving a handler on an ephemeral loopback port. Disposing it stops the group and
/// checks that every fd the test opened is closed and every pool chunk is back.
/// </summary>
public sealed class TestServer : IDisposable
{
    private readonly int _fdsBefore;

    public TestServer(IConnectionHandler handler, Action<ReactorOptions>? configure = null, IPAddress? address = null)
        : this(_ => handler, configure, address)
    {
    }

    /// <param name="newHandler">The handler factory: runs on the loop for every accepted connection.</param>
    public TestServer(Func<Connection, IConnectionHandler> newHandler, Action<ReactorOptions>? configure = null, IPAddress? address = null)
    {
        _fdsBefore = Fds.Count();
        Options = new ReactorOptions { BindAddress = address ?? IPAddress.Loopback, Port = 0, LoopCount = 2 };
        configure?.Invoke(Options);
        Group = new LoopGroup(Options);
        Group.Serve(newHandler);
        EndPoint = Group.LocalEndPoint!;
    }

    public ReactorOptions Options { get; }
    public LoopGroup Group { get; }
    public IPEndPoint EndPoint { get; }

    public async Task<Socket> ConnectAsync()
    {
        var socket = new Socket(EndPoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        await socket.ConnectAsync(EndPoint);
        return socket;
    }

    /// <summary>
    /// Sends <paramref name="data"/> in two parts split at <paramref name="split"/>, the second only
    /// once the server has read the first: a protocol sees the split as two reads.
    /// </summary>
    public async Task SendInTwoReadsAsync(Socket socket, byte[] data, int split)
    {
        long before = SumOnLoops(l => l.Stats.BytesReceived);
        await socket.SendAllAsync(data.AsMemory(0, split));
        WaitUntil(() => SumOnLoops(l => l.Stats.BytesReceived) >= before + split, $"server read the first {split} bytes");
        await socket.SendAllAsync(data.AsMemory(split));
    }

    /// <summary>Runs <paramref name="read"/> on each loop's thread and sums the results.</summary>
    public long SumOnLoops(Func<EventLoop, long> read)
    {
        long sum = 0;
        foreach (EventLoop loop in Group.Loops) sum += OnLoop(loop, read);
        return sum;
    }

    public static T OnLoop<T>(EventLoop loop, Func<EventLoop, T> read)
    {
        var done = new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);
        loop.Post(_ => done.SetResult(read(loop)), null);
        Assert.True(done.Task.Wait(TimeSpan.FromSeconds(10)), "loop did not run posted work within 10 s");
        return done.Task.Result;
    }

    /// <summary>Waits until <paramref name="condition"/> holds, failing after <paramref name="seconds"/>.</summary>
    public static void WaitUntil(Func<bool> condition, string what, double seconds = 10) => WaitUntil(condition, () => what, seconds);

    /// <summary>As above, with a description written when the wait fails (it can show the state then).</summary>
    public static void WaitUntil(Func<bool> condition, Func<string> what, double seconds = 10)
    {
        DateTime deadline = DateTime.UtcNow.AddSeconds(seconds);
        while (!condition())
        {
            if (DateTime.UtcNow > deadline) Assert.Fail($"timed out after {seconds} s waiting for: {what()}");
            System.Threading.Thread.Sleep(10);
        }
    }

    /// <summary>Pool chunks lent out beyond what each loop holds for itself.</summary>
    public long ChunksInUse() => SumOnLoops(l => l.Buffers.RentedChunks - EventLoop.OwnChunks);

    public void Dispose()
    {
        // Connections still closing (the client just hung up) finish on their loops first.
        WaitUntil(() => SumOnLoops(l => l.RegistrationCount) == Group.Loops.Count, "every connection closed");
        Assert.Equal(0, ChunksInUse());
        Assert.Equal(0, SumOnLoops(l => l.Buffers.BlockBytes));
        Group.Stop();
        Assert.True(Group.Join(TimeSpan.FromSeconds(10)), "loops did not stop within 10 s");
        Group.Dispose();
        WaitUntil(() => Fds.Count() <= _fdsBefore, $"socket/epoll/eventfd count back to {_fdsBefore} (now {Fds.Count()})");
    }
}

/// <summary>
/// Open file descriptors of the kinds Reactor opens (sockets, epoll and eventfd instances, the
/// spare /dev/null), from /proc/self/fd. Other kinds come and go with the runtime (assemblies
/// mapped on first use, pipes of child processes) and are not Reactor's to return.
/// </summary>
public static class Fds
{
    static Fds()
    {
        // .NET's own socket engine opens its epoll fd and pipe at the first async socket call;
        // make that happen before any baseline is taken, so only Reactor's fds are compared.
        using var listener = new Socket(SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.IPv6Loopback, 0));
        listener.Listen();
        using var client = new Socket(SocketType.Stream, ProtocolType.Tcp);
        client.ConnectAsync(listener.LocalEndPoint!).GetAwaiter().GetResult();
        using Socket accepted = listener.AcceptAsync().GetAwaiter().GetResult();
    }

    public static int Count()
    {
        int count = 0;
        foreach (string fd in Directory.GetFiles("/proc/self/fd"))
        {
            string? target;
            try { target = new FileInfo(fd).LinkTarget; } catch (IOException) { continue; }
            if (target is null) continue;
            if (target.StartsWith("socket:") || target.StartsWith("anon_inode:") || target == "/dev/null") count++;
        }
        return count;
    }
}
