using System;
using System.Linq;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Threading;
using System.Threading.Tasks;
using Reactor.Protocols;
using Reactor.Tests.Infrastructure;
using Xunit;

namespace Reactor.Tests.Protocols.Proxy;

/// <summary>Bytes through the proxy: intact both ways, flow control both ways, half-close, resets, idle timeout.</summary>
public class ProxyPipeTests
{
    [Fact]
    public async Task Pipe_LargeTransferThroughEchoBackend_SameBytesBothWays()
    {
        const int blockSize = 1 << 20, blocks = 64;   // 64 MiB up and 64 MiB back
        using var backend = new TestServer(new EchoHandler());
        var (proxy, _) = ProxyFixture.Start(ProxyFixture.Options(backend));
        using (proxy)
        {
            using Socket s = await proxy.ConnectAsync();
            using var sent = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            using var received = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            Task send = Task.Run(async () =>
            {
                for (int i = 0; i < blocks; i++)
                {
                    byte[] block = TestData.Block(7, i, blockSize);
                    sent.AppendData(block);
                    await s.SendAllAsync(block);
                }
            });
            var buffer = new byte[1 << 20];
            long total = 0;
            while (total < (long)blockSize * blocks)
            {
                int n = await s.ReceiveAsync(buffer, SocketFlags.None).WaitAsync(TimeSpan.FromSeconds(60));
                Assert.True(n > 0, $"EOF after {total} bytes");
                received.AppendData(buffer, 0, n);
                total += n;
            }
            await send.WaitAsync(TimeSpan.FromSeconds(10));
            Assert.Equal(sent.GetHashAndReset(), received.GetHashAndReset());
        }
    }

    [Fact]
    public async Task Pipe_ThousandConcurrentClients_EachGetsItsOwnBytesBack()
    {
        using var backend = new TestServer(new EchoHandler());
        var (proxy, _) = ProxyFixture.Start(ProxyFixture.Options(backend));
        using (proxy)
        {
            var clients = new Socket[1000];
            try
            {
                for (int i = 0; i < clients.Length; i++) clients[i] = await proxy.ConnectAsync();
                byte[][] payloads = Enumerable.Range(0, clients.Length).Select(i => TestData.Block(3, i, 4096)).ToArray();
                byte[][] echoes = await Task.WhenAll(clients.Select((c, i) => c.EchoAsync(payloads[i]))).WaitAsync(TimeSpan.FromSeconds(60));
                for (int i = 0; i < clients.Length; i++) Assert.True(payloads[i].AsSpan().SequenceEqual(echoes[i]), $"client {i} got other bytes back");
            }
            finally
            {
                foreach (Socket? c in clients) c?.Dispose();
            }
        }
    }

    [Fact]
    public async Task HalfClose_ClientShutsDownSending_BackendSeesEofAndItsReplyStillArrives()
    {
        // The backend hashes what it gets and answers with the hash only after the client's FIN.
        IncrementalHash? hash = null;
        var hashing = new DelegateHandler
        {
            Open = _ => hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256),
            Data = (_, data) =>
            {
                hash!.AppendData(data);
                return data.Length;
            },
            PeerShutdown = c =>
            {
                c.Send(hash!.GetHashAndReset());
                c.ShutdownWrite();
            },
        };
        using var backend = new TestServer(hashing, o => o.LoopCount = 1);
        var (proxy, _) = ProxyFixture.Start(ProxyFixture.Options(backend));
        using (proxy)
        {
            using Socket s = await proxy.ConnectAsync();
            byte[] request = RandomNumberGenerator.GetBytes(3 << 20);
            await s.SendAllAsync(request);
            s.Shutdown(SocketShutdown.Send);
            byte[] reply = await s.ReceiveExactlyAsync(32).WaitAsync(TimeSpan.FromSeconds(30));
            Assert.Equal(SHA256.HashData(request), reply);
            Assert.Equal(0L, await s.DrainToEofAsync().WaitAsync(TimeSpan.FromSeconds(10)));
        }
    }

    [Fact]
    public async Task HalfClose_BackendShutsDownSending_ClientSeesEofAndCanStillSend()
    {
        // The backend greets, ends its stream at once, then counts what still arrives until the client's FIN.
        long countedAtFin = -1, counted = 0;
        var backendHandler = new DelegateHandler
        {
            Open = c =>
            {
                c.Send("bye"u8);
                c.ShutdownWrite();
            },
            Data = (_, data) =>
            {
                Interlocked.Add(ref counted, data.Length);
                return data.Length;
            },
            PeerShutdown = _ => Volatile.Write(ref countedAtFin, Volatile.Read(ref counted)),
        };
        using var backend = new TestServer(backendHandler, o => o.LoopCount = 1);
        var (proxy, _) = ProxyFixture.Start(ProxyFixture.Options(backend));
        using (proxy)
        {
            using Socket s = await proxy.ConnectAsync();
            Assert.Equal("bye"u8.ToArray(), await s.ReceiveExactlyAsync(3).WaitAsync(TimeSpan.FromSeconds(10)));
            Assert.Equal(0L, await s.DrainToEofAsync().WaitAsync(TimeSpan.FromSeconds(10)));
            await s.SendAllAsync(RandomNumberGenerator.GetBytes(2 << 20));
            s.Shutdown(SocketShutdown.Send);
            TestServer.WaitUntil(() => Volatile.Read(ref countedAtFin) >= 0, "the backend saw the client's FIN");
            Assert.Equal(2L << 20, Volatile.Read(ref countedAtFin));
        }
    }

    [Fact]
    public async Task Reset_ClientResets_BackendConnectionIsReset()
    {
        var backendHandler = new RecordingHandler(new DelegateHandler());
        using var backend = new TestServer(backendHandler, o => o.LoopCount = 1);
        var (proxy, balancer) = ProxyFixture.Start(ProxyFixture.Options(backend));
        using (proxy)
        {
            using (Socket s = await proxy.ConnectAsync())
            {
                await s.SendAllAsync("hello"u8.ToArray());
                TestServer.WaitUntil(() => balancer.Backends[0].BytesToBackend == 5, "the bytes reached the backend");
                s.LingerState = new LingerOption(true, 0);   // close with RST
            }
            TestServer.WaitUntil(() => backendHandler.Closes.Count == 1, "the backend connection closed");
            Assert.Equal(CloseReason.Reset, backendHandler.Closes.Single().Reason);
        }
    }

    [Fact]
    public async Task Reset_BackendResets_ClientSeesConnectionReset()
    {
        var backendHandler = new DelegateHandler
        {
            Data = (c, data) =>
            {
                c.Reset(CloseReason.Local);
                return data.Length;
            },
        };
        using var backend = new TestServer(backendHandler, o => o.LoopCount = 1);
        var (proxy, _) = ProxyFixture.Start(ProxyFixture.Options(backend));
        using (proxy)
        {
            using Socket s = await proxy.ConnectAsync();
            await s.SendAllAsync("reset me"u8.ToArray());
            var e = await Assert.ThrowsAsync<SocketException>(async () =>
            {
                var buffer = new byte[16];
                while (await s.ReceiveAsync(buffer, SocketFlags.None).WaitAsync(TimeSpan.FromSeconds(10)) > 0) { }
            });
            Assert.Equal(SocketError.ConnectionReset, e.SocketErrorCode);
        }
    }

    [Fact]
    public async Task Backpressure_ClientNeverReadsWhileBackendStreams_ProxyMemoryBoundedThenEveryByteArrives()
    {
        const int maxPending = 256 << 10, chunk = 16 << 10;
        const int blockSize = 64 << 10, blocks = 512;   // 32 MiB
        // The backend streams as fast as it is let: a block whenever its own output is writable.
        int nextBlock = 0;
        bool backendBlocked = false;
        void Stream(Connection c)
        {
            while (c.IsWritable && nextBlock < blocks) c.Send(TestData.Block(5, nextBlock++, blockSize));
            Volatile.Write(ref backendBlocked, !c.IsWritable);
            if (nextBlock == blocks) c.ShutdownWrite();
        }
        var streaming = new DelegateHandler
        {
            Open = c => c.Loop.Schedule(TimeSpan.Zero, _ => Stream(c), null),
            Drained = Stream,
        };
        using var backend = new TestServer(streaming, o =>
        {
            o.LoopCount = 1;
            o.MaxPendingBytes = maxPending;
        });
        var (proxy, _) = ProxyFixture.Start(ProxyFixture.Options(backend), o => o.MaxPendingBytes = maxPending);
        using (proxy)
        {
            using Socket s = await proxy.ConnectAsync();
            s.ReceiveBufferSize = 64 << 10;
            // The proxy stops reading the backend once the client side holds max-pending, so the
            // backend's own output fills up and stays full while the client reads nothing.
            TestServer.WaitUntil(() => Volatile.Read(ref backendBlocked), "the backend is held back");
            long held = proxy.ChunksInUse() * chunk;
            Assert.True(held <= maxPending + 2 * chunk, $"the proxy holds {held} bytes for one non-reading client; max-pending is {maxPending}");
            Thread.Sleep(200);   // the bound must hold while the stall lasts, not just at one instant
            Assert.True(proxy.ChunksInUse() * chunk <= maxPending + 2 * chunk, "the proxy kept buffering for a client that reads nothing");
            Assert.True(Volatile.Read(ref nextBlock) < blocks, "the backend was not held back");

            using var expected = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            for (int i = 0; i < blocks; i++) expected.AppendData(TestData.Block(5, i, blockSize));
            using var received = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            var buffer = new byte[1 << 20];
            long total = 0;
            int n;
            while ((n = await s.ReceiveAsync(buffer, SocketFlags.None).WaitAsync(TimeSpan.FromSeconds(60))) > 0)
            {
                received.AppendData(buffer, 0, n);
                total += n;
            }
            Assert.Equal((long)blocks * blockSize, total);
            Assert.Equal(expected.GetHashAndReset(), received.GetHashAndReset());
        }
    }

    [Fact]
    public async Task IdleTimeout_SilentClient_BothConnectionsClosed()
    {
        var backendHandler = new RecordingHandler(new DelegateHandler());
        using var backend = new TestServer(backendHandler, o => o.LoopCount = 1);
        var (proxy, _) = ProxyFixture.Start(ProxyFixture.Options(backend), o => o.IdleTimeout = TimeSpan.FromMilliseconds(300));
        using (proxy)
        {
            using Socket s = await proxy.ConnectAsync();
            var watch = System.Diagnostics.Stopwatch.StartNew();
            Assert.Equal(0L, await s.DrainToEofAsync().WaitAsync(TimeSpan.FromSeconds(10)));
            Assert.InRange(watch.ElapsedMilliseconds, 250, 5000);
            TestServer.WaitUntil(() => backendHandler.Closes.Count == 1, "the backend connection closed too");
        }
    }

    [Fact]
    public async Task Pipe_IPv6ListenerAndBackend_BytesIntact()
    {
        using var backend = new TestServer(new EchoHandler(), o => o.LoopCount = 1, System.Net.IPAddress.IPv6Loopback);
        var balancer = new Reactor.Protocols.Proxy.LoadBalancer(ProxyFixture.Options(backend));
        using var proxy = new TestServer(c => new Reactor.Protocols.Proxy.ProxySession(balancer, c), o => o.LoopCount = 1, System.Net.IPAddress.IPv6Loopback);
        using Socket s = await proxy.ConnectAsync();
        byte[] data = RandomNumberGenerator.GetBytes(1 << 20);
        Assert.Equal(data, await s.EchoAsync(data).WaitAsync(TimeSpan.FromSeconds(30)));
        Assert.Equal(System.Net.Sockets.AddressFamily.InterNetworkV6, balancer.Backends[0].EndPoint.AddressFamily);
    }
}
