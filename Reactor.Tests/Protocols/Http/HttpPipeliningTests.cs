using System;
using System.Text;
using System.Threading.Tasks;
using Reactor.Protocols.Http;
using Reactor.Tests.Infrastructure;
using Xunit;

namespace Reactor.Tests.Protocols.Http;

public class HttpPipeliningTests
{
    // Four requests of every framing: no body, Content-Length, chunked with a trailer, and one after an empty line.
    private const string Pipeline =
        "GET /plaintext HTTP/1.1\r\nHost: a\r\n\r\n" +
        "POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nhello" +
        "POST /echo HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2;e=1\r\nde\r\n0\r\nX: y\r\n\r\n" +
        "\r\nGET /json HTTP/1.1\r\nHost: a\r\n\r\n";

    private static async Task AssertPipelineAnswered(RawHttp client)
    {
        Assert.Equal("Hello, World!", (await client.ReadAsync()).BodyText);
        Assert.Equal("hello", (await client.ReadAsync()).BodyText);
        Assert.Equal("abcde", (await client.ReadAsync()).BodyText);
        Assert.Equal("""{"message":"Hello, World!"}""", (await client.ReadAsync()).BodyText);
    }

    [Fact]
    public async Task Pipeline_InOneRead_AnsweredInOrderInOneSend()
    {
        using var server = RawHttp.Server();
        using RawHttp client = await RawHttp.ConnectAsync(server);
        long sendsBefore = server.SumOnLoops(l => l.Stats.SendCalls);
        await client.SendAsync(Pipeline);
        await AssertPipelineAnswered(client);
        Assert.Equal(1, server.SumOnLoops(l => l.Stats.SendCalls) - sendsBefore);
    }

    [Fact]
    public async Task Pipeline_SplitAtEveryByte_EachSplitAnsweredInOrder()
    {
        using var server = RawHttp.Server();
        byte[] bytes = Encoding.ASCII.GetBytes(Pipeline);
        for (int split = 1; split < bytes.Length; split++)
        {
            using RawHttp client = await RawHttp.ConnectAsync(server);
            long received = server.SumOnLoops(l => l.Stats.BytesReceived);
            await client.SendAsync(bytes[..split]);
            // The server has read the first part before the second is sent: two reads, split here.
            TestServer.WaitUntil(() => server.SumOnLoops(l => l.Stats.BytesReceived) == received + split, $"the server read the first {split} bytes");
            await client.SendAsync(bytes[split..]);
            await AssertPipelineAnswered(client);
        }
    }

    /// <summary>Answers <c>/later</c> 50 ms after the request, from a timer; everything else at once.</summary>
    private sealed class LaterHandler : IHttpHandler
    {
        public void OnRequest(HttpConnection connection, HttpRequest request)
        {
            if (!request.Path.SequenceEqual("/later"u8))
            {
                connection.Respond(200, "text/plain"u8, "now"u8);
                return;
            }
            connection.Transport.Loop.Schedule(TimeSpan.FromMilliseconds(50), static c => ((HttpConnection)c!).Respond(200, "text/plain"u8, "later"u8), connection);
        }
    }

    [Fact]
    public async Task ResponseFinishedLater_FollowedByPipelinedRequests_ResponsesInRequestOrder()
    {
        using var server = RawHttp.Server(handler: new LaterHandler());
        using RawHttp client = await RawHttp.ConnectAsync(server);
        await client.SendAsync("GET /later HTTP/1.1\r\nHost: a\r\n\r\nGET /now HTTP/1.1\r\nHost: a\r\n\r\nGET /later HTTP/1.1\r\nHost: a\r\n\r\nGET /now HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n");
        Assert.Equal("later", (await client.ReadAsync()).BodyText);
        Assert.Equal("now", (await client.ReadAsync()).BodyText);
        Assert.Equal("later", (await client.ReadAsync()).BodyText);
        Assert.Equal("now", (await client.ReadAsync()).BodyText);
        Assert.True(await client.ClosedAsync());
    }

    [Fact]
    public async Task Stop_ResponseOwedAndIdleConnection_OwedOneFinishedWithCloseIdleClosedAtOnce()
    {
        var server = RawHttp.Server(handler: new LaterHandler());
        using RawHttp idle = await RawHttp.ConnectAsync(server);
        await idle.SendAsync("GET /now HTTP/1.1\r\nHost: a\r\n\r\n");
        Assert.Equal("now", (await idle.ReadAsync()).BodyText);
        using RawHttp waiting = await RawHttp.ConnectAsync(server);
        long received = server.SumOnLoops(l => l.Stats.BytesReceived);
        const string later = "GET /later HTTP/1.1\r\nHost: a\r\n\r\n";
        await waiting.SendAsync(later);
        TestServer.WaitUntil(() => server.SumOnLoops(l => l.Stats.BytesReceived) == received + later.Length, "the server read the request");

        server.Group.Stop();
        Assert.True(await idle.ClosedAsync(), "the idle connection stayed open");
        RawResponse response = await waiting.ReadAsync();
        Assert.Equal("later", response.BodyText);
        Assert.Equal("close", response.Header("Connection"));
        Assert.True(await waiting.ClosedAsync());
        Assert.True(server.Group.Join(TimeSpan.FromSeconds(10)));
        server.Group.Dispose();
    }

    [Fact]
    public async Task ChunkedResponse_Http11AndHttp10_ChunkedOrCloseDelimited()
    {
        using var server = RawHttp.Server(handler: new ChunkedHandler());
        using (RawHttp client = await RawHttp.ConnectAsync(server))
        {
            await client.SendAsync("GET / HTTP/1.1\r\nHost: a\r\n\r\n");
            RawResponse response = await client.ReadAsync();
            Assert.Equal("chunked", response.Header("Transfer-Encoding"));
            Assert.Equal("one-two", response.BodyText);
        }
        using (RawHttp client = await RawHttp.ConnectAsync(server))
        {
            await client.SendAsync("GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
            byte[] all = new byte[4096];
            int n = 0, r;
            while ((r = await client.Socket.ReceiveAsync(all.AsMemory(n))) > 0) n += r;
            string text = Encoding.ASCII.GetString(all, 0, n);
            Assert.Contains("Connection: close\r\n", text);
            Assert.DoesNotContain("Transfer-Encoding", text);
            Assert.EndsWith("\r\n\r\none-two", text);
        }
    }

    private sealed class ChunkedHandler : IHttpHandler
    {
        public void OnRequest(HttpConnection connection, HttpRequest request)
        {
            connection.StartResponse(200);
            connection.StartChunkedBody();
            connection.WriteChunk("one-"u8);
            connection.WriteChunk("two"u8);
            connection.EndChunkedBody();
        }
    }
}
