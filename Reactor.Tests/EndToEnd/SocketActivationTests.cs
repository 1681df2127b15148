using System;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Threading;
using System.Threading.Tasks;
using Reactor.Platform;
using Reactor.Tests.Infrastructure;
using Xunit;

namespace Reactor.Tests.EndToEnd;

/// <summary>
/// The test plays systemd: it binds a listening socket and starts native servers on it with
/// LISTEN_FDS. A restart starts the new server on the same socket, then stops the old one.
/// </summary>
public class SocketActivationTests
{
    /// <summary>A listening socket on 127.0.0.1 that children inherit (no SOCK_CLOEXEC, unlike .NET's sockets).</summary>
    private sealed class InheritableListener : IDisposable
    {
        public InheritableListener()
        {
            Fd = socket(2 /* AF_INET */, 1 /* SOCK_STREAM */, 0);
            Assert.True(Fd >= 0, $"socket: errno {Marshal.GetLastPInvokeError()}");
            var address = new byte[16];   // sockaddr_in: family 2, port 0, 127.0.0.1
            address[0] = 2;
            address[4] = 127;
            address[7] = 1;
            Assert.Equal(0, bind(Fd, address, address.Length));
            Assert.Equal(0, listen(Fd, 4096));
            int length = address.Length;
            Assert.Equal(0, getsockname(Fd, address, ref length));
            Port = address[2] << 8 | address[3];
        }

        public int Fd { get; }
        public int Port { get; }

        public void Dispose() => close(Fd);

        [DllImport("libc", SetLastError = true)] private static extern int socket(int domain, int type, int protocol);
        [DllImport("libc", SetLastError = true)] private static extern int bind(int fd, byte[] address, int length);
        [DllImport("libc", SetLastError = true)] private static extern int listen(int fd, int backlog);
        [DllImport("libc", SetLastError = true)] private static extern int getsockname(int fd, byte[] address, ref int length);
        [DllImport("libc", SetLastError = true)] private static extern int close(int fd);
    }

    [Fact]
    public async Task ListenFds_InheritedSocket_ServedOnItsPortWithTwoLoops()
    {
        using var listener = new InheritableListener();
        using var server = new NativeServer(["echo", "--threads", "2"], listenFd: listener.Fd);
        Assert.Equal(listener.Port, server.Port);   // the "listening on" line names the inherited socket, not --port 0
        await server.AssertEchoesAsync(connections: 20, bytes: 64 << 10);
        Assert.Equal(0, server.Terminate());
    }

    [Fact]
    public void TakeListenFds_VariablesForAnotherProcess_IgnoredAndRemoved()
    {
        Environment.SetEnvironmentVariable("LISTEN_FDS", "1");
        Environment.SetEnvironmentVariable("LISTEN_PID", (Environment.ProcessId + 1).ToString());
        Assert.Empty(SocketActivation.TakeListenFds());
        Assert.Null(Environment.GetEnvironmentVariable("LISTEN_FDS"));
        Assert.Null(Environment.GetEnvironmentVariable("LISTEN_PID"));
    }

    [Fact]
    public async Task Restart_NewServerOnTheSameSocketThenSigtermTheOld_NoConnectFailsOrIsReset()
    {
        using var listener = new InheritableListener();
        var endPoint = new IPEndPoint(IPAddress.Loopback, listener.Port);
        var old = new NativeServer(["echo", "--threads", "1"], listenFd: listener.Fd);
        NativeServer? successor = null;
        long completed = 0, connectFailures = 0, resets = 0, endedEarly = 0;
        using var stop = new CancellationTokenSource();
        // Eight clients connecting over and over: connect, 16 bytes there and back, close.
        Task[] clients = new Task[8];
        for (int i = 0; i < clients.Length; i++)
        {
            clients[i] = Task.Run(async () =>
            {
                byte[] message = new byte[16];
                while (!stop.IsCancellationRequested)
                {
                    using var s = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
                    try
                    {
                        await s.ConnectAsync(endPoint).WaitAsync(TimeSpan.FromSeconds(10));
                    }
                    catch (Exception)
                    {
                        Interlocked.Increment(ref connectFailures);
                        continue;
                    }
                    try
                    {
                        await s.EchoAsync(message).WaitAsync(TimeSpan.FromSeconds(10));
                        Interlocked.Increment(ref completed);
                    }
                    catch (SocketException e) when (e.SocketErrorCode == SocketError.ConnectionReset)
                    {
                        Interlocked.Increment(ref resets);
                    }
                    catch (InvalidOperationException)
                    {
                        // EOF before the echo: the old server closed a connection it had just accepted.
                        Interlocked.Increment(ref endedEarly);
                    }
                }
            });
        }
        try
        {
            TestServer.WaitUntil(() => Interlocked.Read(ref completed) > 200, "clients served by the first server");
            successor = new NativeServer(["echo", "--threads", "1"], listenFd: listener.Fd);
            long beforeStop = Interlocked.Read(ref completed);
            TestServer.WaitUntil(() => Interlocked.Read(ref completed) > beforeStop + 200, "clients served by both");
            Assert.Equal(0, old.Terminate());
            long afterStop = Interlocked.Read(ref completed);
            TestServer.WaitUntil(() => Interlocked.Read(ref completed) > afterStop + 500, "clients served by the successor alone");
        }
        finally
        {
            stop.Cancel();
            try
            {
                await Task.WhenAll(clients).WaitAsync(TimeSpan.FromSeconds(30));
            }
            finally
            {
                old.Dispose();
                successor?.Dispose();
            }
        }
        Assert.True(connectFailures == 0 && resets == 0,
            $"{completed} echoed, {connectFailures} connects failed, {resets} reset, {endedEarly} ended before the echo");
    }
}
