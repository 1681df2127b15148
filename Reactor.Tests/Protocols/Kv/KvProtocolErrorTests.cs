using System.Text;
using System.Threading.Tasks;
using Reactor.Tests.Infrastructure;
using Xunit;

namespace Reactor.Tests.Protocols.Kv;

/// <summary>Malformed input and the command limit: redis's protocol error after the replies before it, then a close.</summary>
public class KvProtocolErrorTests
{
    [Theory]
    [InlineData("*1\r\n:x\r\n", "-ERR Protocol error: expected '$', got ':'\r\n")]
    [InlineData("*1\r\n$-5\r\n", "-ERR Protocol error: invalid bulk length\r\n")]
    [InlineData("*x\r\n", "-ERR Protocol error: invalid multibulk length\r\n")]
    [InlineData("SET \"unterminated\r\n", "-ERR Protocol error: unbalanced quotes in request\r\n")]
    public async Task Malformed_AfterAValidCommand_PongThenErrorThenClose(string malformed, string error)
    {
        using var server = new KvTestServer();
        using (RespClient c = await server.ConnectAsync())
        {
            await c.SendAsync(Encoding.Latin1.GetBytes("PING\r\n" + malformed + "PING\r\n"));
            Assert.Equal("+PONG\r\n" + error, Encoding.Latin1.GetString(await c.ReadToEndAsync()));
        }
        // Closing the client ends the server's lingering close at once (it waits up to 2 s for our FIN).
        TestServer.WaitUntil(() => server.Server.SumOnLoops(l => l.Stats.Closed(CloseReason.ProtocolError)) == 1, "the close counted as ProtocolError");
    }

    [Fact]
    public async Task BulkOverTheLimit_InvalidBulkLengthAndClose_UnderItServed()
    {
        const int limit = 64 * 1024;
        using var server = new KvTestServer(maxCommandBytes: limit);
        using (RespClient c = await server.ConnectAsync())
        {
            // The whole command must fit: 64 KiB less the command's own framing.
            Assert.Equal("+OK\r\n", await c.CallAsync("SET", "k", new string('v', limit - 40)));
        }
        using (RespClient c = await server.ConnectAsync())
        {
            await c.SendAsync(RespClient.Encode("SET", "k", new string('v', limit + 1)));
            Assert.Equal("-ERR Protocol error: invalid bulk length\r\n", Encoding.Latin1.GetString(await c.ReadToEndAsync()));
        }
        TestServer.WaitUntil(() => server.Server.SumOnLoops(l => l.Stats.Closed(CloseReason.ProtocolError)) == 1, "the close counted as ProtocolError");
    }

    [Fact]
    public async Task InlineWithoutNewline_Over64KiB_TooBigInlineRequest()
    {
        using var server = new KvTestServer();
        using RespClient c = await server.ConnectAsync();
        await c.SendAsync(Encoding.ASCII.GetBytes(new string('a', 70_000)));
        Assert.Equal("-ERR Protocol error: too big inline request\r\n", Encoding.Latin1.GetString(await c.ReadToEndAsync()));
    }

    [Fact]
    public async Task Quit_RepliesOkThenCloses()
    {
        using var server = new KvTestServer();
        using RespClient c = await server.ConnectAsync();
        await c.SendAsync("PING\r\nQUIT\r\nPING\r\n"u8.ToArray());
        Assert.Equal("+PONG\r\n+OK\r\n", Encoding.Latin1.GetString(await c.ReadToEndAsync()));
    }
}
