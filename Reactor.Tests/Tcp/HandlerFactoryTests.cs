using System;
using System.Collections.Concurrent;
using System.Linq;
using System.Net.Sockets;
using System.Text;
using System.Threading.Tasks;
using Reactor.Tests.Infrastructure;
using Xunit;

namespace Reactor.Tests.Tcp;

/// <summary>LoopGroup.Serve with a handler factory: protocol state in the handler's own fields.</summary>
public class HandlerFactoryTests
{
    /// <summary>Numbers the lines of its own connection: state a shared handler would have to keep elsewhere.</summary>
    private sealed class LineNumberer(int id) : IConnectionHandler
    {
        private int _lines;

        public void OnOpen(Connection connection) { }

        public int OnData(Connection connection, Span<byte> data)
        {
            int consumed = 0;
            int end;
            while ((end = data[consumed..].IndexOf((byte)'\n')) >= 0)
            {
                connection.Write(Encoding.ASCII.GetBytes($"{id}.{++_lines}\n"));
                consumed += end + 1;
            }
            return consumed;
        }

        public void OnClose(Connection connection, CloseReason reason) { }
    }

    private static async Task<string> ReceiveLinesAsync(Socket socket, int lines)
    {
        var text = new StringBuilder();
        var buffer = new byte[256];
        while (text.ToString().Count(ch => ch == '\n') < lines)
        {
            int n = await socket.ReceiveAsync(buffer, SocketFlags.None);
            if (n == 0) throw new InvalidOperationException($"EOF after '{text}'");
            text.Append(Encoding.ASCII.GetString(buffer, 0, n));
        }
        return text.ToString();
    }

    [Fact]
    public async Task Serve_Factory_EachConnectionKeepsItsOwnStateOnItsLoop()
    {
        var created = new ConcurrentQueue<(int Id, bool OnLoopThread)>();
        int next = 0;
        using var server = new TestServer(c =>
        {
            int id = System.Threading.Interlocked.Increment(ref next);
            created.Enqueue((id, c.Loop.IsOnLoopThread));
            return new LineNumberer(id);
        });
        var sockets = await Task.WhenAll(Enumerable.Range(0, 10).Select(_ => server.ConnectAsync()));
        var replies = new string[sockets.Length];
        for (int round = 0; round < 3; round++)
        {
            for (int i = 0; i < sockets.Length; i++)
            {
                await sockets[i].SendAllAsync("a\nb\n"u8.ToArray());
                replies[i] = await ReceiveLinesAsync(sockets[i], 2).WaitAsync(TimeSpan.FromSeconds(10));
            }
        }
        // Ten handlers, each created on its connection's loop, each counting only its own lines.
        Assert.Equal(10, created.Count);
        Assert.All(created, c => Assert.True(c.OnLoopThread));
        // Three rounds of two lines: every connection's third reply is its own lines 5 and 6.
        int[] ids = replies.Select(r => int.Parse(r[..r.IndexOf('.')])).ToArray();
        Assert.Equal(Enumerable.Range(1, 10), ids.Order());
        for (int i = 0; i < replies.Length; i++) Assert.Equal($"{ids[i]}.5\n{ids[i]}.6\n", replies[i]);
        foreach (Socket s in sockets) s.Dispose();
    }
}
