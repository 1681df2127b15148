using System;
using System.Net.Sockets;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using Reactor.Protocols;
using Reactor.Tests.Infrastructure;
using Xunit;

namespace Reactor.Tests.Loop;

public class LoopGroupTests
{
    [Fact]
    public async Task Run_TwoLoops_LoopZeroOnCallingThreadServesUntilStop()
    {
        int fdsBefore = Fds.Count();
        using (var group = new LoopGroup(new ReactorOptions { Port = 0, LoopCount = 2 }))
        {
            group.Listen(_ => new EchoHandler());
            int runnerId = 0;
            var runner = new Thread(() =>
            {
                Volatile.Write(ref runnerId, Environment.CurrentManagedThreadId);
                group.Run();
            });
            runner.Start();

            Assert.Equal(TestServer.OnLoop(group.Loops[0], _ => Environment.CurrentManagedThreadId), Volatile.Read(ref runnerId));
            Assert.NotEqual(TestServer.OnLoop(group.Loops[1], _ => Environment.CurrentManagedThreadId), Volatile.Read(ref runnerId));
            using (var client = new Socket(SocketType.Stream, ProtocolType.Tcp))
            {
                await client.ConnectAsync(group.LocalEndPoint!);
                Assert.Equal("ping"u8.ToArray(), await client.EchoAsync(Encoding.ASCII.GetBytes("ping")));
            }

            group.Stop();
            Assert.True(runner.Join(TimeSpan.FromSeconds(10)), "Run did not return within 10 s of Stop");
            Assert.True(group.Join(TimeSpan.Zero), "Run returned before every loop exited");
        }
        TestServer.WaitUntil(() => Fds.Count() <= fdsBefore, $"socket/epoll/eventfd count back to {fdsBefore}");
    }

    [Fact]
    public void Listen_Twice_Throws()
    {
        using var group = new LoopGroup(new ReactorOptions { Port = 0, LoopCount = 1 });
        group.Listen(_ => new EchoHandler());
        Assert.Throws<InvalidOperationException>(() => group.Listen(_ => new EchoHandler()));
    }

    [Fact]
    public void Dispose_ListeningNeverRun_ClosesListeners()
    {
        int fdsBefore = Fds.Count();
        var group = new LoopGroup(new ReactorOptions { Port = 0, LoopCount = 2 });
        group.Listen(_ => new EchoHandler());
        group.Dispose();
        TestServer.WaitUntil(() => Fds.Count() <= fdsBefore, $"socket/epoll/eventfd count back to {fdsBefore}");
    }
}
