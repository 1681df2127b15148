using System;
using System.Linq;
using System.Net.Sockets;
using System.Text;
using System.Threading.Tasks;
using Reactor.Protocols.Framing;
using Reactor.Tests.Infrastructure;
using Xunit;

namespace Reactor.Tests.Protocols.Framing;

public class LineFramingTests
{
    private static (TestServer Server, FrameRecorder Lines) Serve(int maxLine = LineFraming.DefaultMaxLineBytes)
    {
        var recorder = new FrameRecorder(LineFraming.WriteLine);
        var server = new TestServer(_ => new LineFraming(recorder, maxLine));
        return (server, recorder);
    }

    private static async Task<string> ReceiveText(Socket s, int length) => Encoding.ASCII.GetString(await s.ReceiveExactlyAsync(length).WaitAsync(TimeSpan.FromSeconds(10)));

    [Fact]
    public async Task OnFrame_CrLfAndLf_EndingsStripped()
    {
        var (server, recorder) = Serve();
        using (server)
        {
            using Socket s = await server.ConnectAsync();
            await s.SendAllAsync("one\r\ntwo\n\n\r\nthree\rx\n"u8.ToArray());
            const string expected = "one\ntwo\n\n\nthree\rx\n";
            Assert.Equal(expected, await ReceiveText(s, expected.Length));
            Assert.Equal(["one", "two", "", "", "three\rx"], recorder.Lines.Select(Encoding.ASCII.GetString));
        }
    }

    [Fact]
    public async Task OnFrame_StreamSplitAtEveryByte_SameLinesInOrder()
    {
        byte[] stream = "a\r\n\nhello world\r\nlast line\n"u8.ToArray();
        string[] lines = ["a", "", "hello world", "last line"];
        string echoed = string.Concat(lines.Select(l => l + "\n"));
        var (server, _) = Serve();
        using (server)
        {
            for (int split = 0; split <= stream.Length; split++)
            {
                using Socket s = await server.ConnectAsync();
                await server.SendInTwoReadsAsync(s, stream, split);
                Assert.Equal(echoed, await ReceiveText(s, echoed.Length));
            }
        }
    }

    [Fact]
    public async Task OnFrame_LineAtLimitInPieces_HandedOverWhole()
    {
        const int limit = 40_000;   // more than one pool chunk
        var (server, recorder) = Serve(limit);
        using (server)
        {
            using Socket s = await server.ConnectAsync();
            byte[] line = Enumerable.Range(0, limit).Select(i => (byte)('a' + i % 26)).Concat("\r\n"u8.ToArray()).ToArray();
            for (int offset = 0; offset < line.Length; offset += 7000)
            {
                int end = Math.Min(offset + 7000, line.Length);
                await s.SendAllAsync(line.AsMemory(offset, end - offset));
                TestServer.WaitUntil(() => server.SumOnLoops(l => l.Stats.BytesReceived) >= end, $"server read {end} bytes");
            }
            byte[] back = await s.ReceiveExactlyAsync(limit + 1).WaitAsync(TimeSpan.FromSeconds(10));
            Assert.True(line.AsSpan(0, limit).SequenceEqual(back.AsSpan(0, limit)));
            Assert.Equal(limit, recorder.Lines.Single().Length);
        }
    }

    [Theory]
    [InlineData("0123456789x\n")]          // complete, one byte over
    [InlineData("0123456789xy")]           // incomplete, two bytes over: no ending can make it fit
    public async Task OnData_LineOverLimit_EarlierLinesAnsweredThenClosedAsProtocolError(string tooLong)
    {
        var (server, recorder) = Serve(maxLine: 10);
        using (server)
        {
            using Socket s = await server.ConnectAsync();
            await s.SendAllAsync(Encoding.ASCII.GetBytes("0123456789\r\n" + tooLong));
            Assert.Equal("0123456789\n", await ReceiveText(s, 11));
            Assert.Equal(0L, await s.DrainToEofAsync().WaitAsync(TimeSpan.FromSeconds(10)));
            TestServer.WaitUntil(() => server.SumOnLoops(l => l.Stats.Closed(CloseReason.ProtocolError)) == 1, "close counted as a protocol error");
            Assert.Single(recorder.Lines);
        }
    }

    [Fact]
    public async Task OnData_IncompleteLineAtLimitWithCr_StaysOpenUntilEnded()
    {
        var (server, recorder) = Serve(maxLine: 10);
        using (server)
        {
            using Socket s = await server.ConnectAsync();
            await s.SendAllAsync("0123456789\r"u8.ToArray());
            TestServer.WaitUntil(() => server.SumOnLoops(l => l.Stats.BytesReceived) >= 11, "server read the line");
            await s.SendAllAsync("\n"u8.ToArray());
            Assert.Equal("0123456789\n", await ReceiveText(s, 11));
            Assert.Equal(0L, server.SumOnLoops(l => l.Stats.Closed(CloseReason.ProtocolError)));
        }
    }
}
