using System;
using System.Collections.Generic;
using System.Linq;
using System.Text;
using Reactor.Protocols.Kv;
using Xunit;

namespace Reactor.Tests.Protocols.Kv;

public class RespParserTests
{
    // Multibulk and inline commands, an empty multibulk, a blank line, binary and empty arguments,
    // and a bulk string larger than the rest together.
    private static readonly byte[] Stream = Encoding.Latin1.GetBytes(
        "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$5\r\nv\r\n\0x\r\n" +
        "PING\r\n" +
        "*0\r\n" +
        "\r\n" +
        "set  \"a b\" 'c\\'d'  \"\\x41\\n\"\n" +
        "*2\r\n$4\r\nECHO\r\n$0\r\n\r\n" +
        "*-1\r\n" +
        "*2\r\n$4\r\nECHO\r\n$300\r\n" + new string('z', 300) + "\r\n");

    private static readonly string[][] Expected =
    [
        ["SET", "k", "v\r\n\0x"],
        ["PING"],
        [],
        [],
        ["set", "a b", "c'd", "A\n"],
        ["ECHO", ""],
        [],
        ["ECHO", new string('z', 300)],
    ];

    [Fact]
    public void Parse_WholeStream_EveryCommandWithItsArguments()
    {
        Assert.Equal(Expected, Feed(Stream, [Stream.Length]));
    }

    [Fact]
    public void Parse_SplitAtEveryByteBoundary_SameCommands()
    {
        for (int split = 1; split < Stream.Length; split++)
        {
            Assert.Equal(Expected, Feed(Stream, [split, Stream.Length]));
        }
    }

    [Fact]
    public void Parse_OneByteAtATime_SameCommands()
    {
        Assert.Equal(Expected, Feed(Stream, Enumerable.Range(1, Stream.Length).ToArray()));
    }

    [Fact]
    public void Parse_BulkLengthKnown_NeededNamesTheWholeCommand()
    {
        byte[] command = RespCommand("SET", "key", new string('v', 100_000));
        var parser = new RespParser(1 << 20);
        int header = Encoding.ASCII.GetByteCount("*3\r\n$3\r\nSET\r\n$3\r\nkey\r\n$100000\r\n");
        Assert.Equal(ParseResult.Incomplete, parser.Parse(command.AsSpan(0, header + 10)));
        Assert.Equal(command.Length, parser.Needed);
        Assert.Equal(ParseResult.Command, parser.Parse(command));
        Assert.Equal(command.Length, parser.Consumed);
    }

    [Theory]
    [InlineData("*abc\r\n", nameof(ProtocolError.InvalidMultibulkLength))]
    [InlineData("*+1\r\n", nameof(ProtocolError.InvalidMultibulkLength))]
    [InlineData("*01\r\n", nameof(ProtocolError.InvalidMultibulkLength))]
    [InlineData("*3000000000\r\n", nameof(ProtocolError.InvalidMultibulkLength))]
    [InlineData("*1\r\n:3\r\n", nameof(ProtocolError.ExpectedDollar))]
    [InlineData("*1\r\n$-1\r\n", nameof(ProtocolError.InvalidBulkLength))]
    [InlineData("*1\r\n$x\r\n", nameof(ProtocolError.InvalidBulkLength))]
    [InlineData("*1\r\n$2000\r\n", nameof(ProtocolError.InvalidBulkLength))]
    [InlineData("SET \"a\r\n", nameof(ProtocolError.UnbalancedQuotes))]
    [InlineData("SET \"a\"b\r\n", nameof(ProtocolError.UnbalancedQuotes))]
    [InlineData("SET 'a\r\n", nameof(ProtocolError.UnbalancedQuotes))]
    public void Parse_BadInput_ProtocolError(string input, string expected)
    {
        var parser = new RespParser(1024);
        Assert.Equal(ParseResult.ProtocolError, parser.Parse(Encoding.Latin1.GetBytes(input)));
        Assert.Equal(expected, parser.Error.ToString());
    }

    [Fact]
    public void Parse_ExpectedDollar_NamesTheByteFound()
    {
        var parser = new RespParser(1024);
        Assert.Equal(ParseResult.ProtocolError, parser.Parse("*1\r\n+OK\r\n"u8.ToArray()));
        Assert.Equal((byte)'+', parser.Unexpected);
    }

    [Fact]
    public void Parse_InlineLongerThan64KiBWithoutNewline_TooBigInlineRequest()
    {
        var parser = new RespParser(16 << 20);
        byte[] line = Enumerable.Repeat((byte)'a', RespParser.InlineMax).ToArray();
        Assert.Equal(ParseResult.Incomplete, parser.Parse(line));
        Assert.Equal(ParseResult.ProtocolError, parser.Parse([.. line, (byte)'a']));
        Assert.Equal(ProtocolError.TooBigInlineRequest, parser.Error);
    }

    [Fact]
    public void Parse_IncompleteCommandReachesTheLimit_ProtocolErrorNotAWait()
    {
        // Without the error the connection would hold the limit's worth of input and be closed without a reply.
        var parser = new RespParser(1024);
        byte[] input = Encoding.ASCII.GetBytes("*1000\r\n" + string.Concat(Enumerable.Repeat("$1\r\na\r\n", 145)) + "$1");
        Assert.Equal(1024, input.Length);
        Assert.Equal(ParseResult.ProtocolError, parser.Parse(input));
        Assert.Equal(ProtocolError.TooBigBulkCount, parser.Error);
    }

    /// <summary>
    /// Delivers <paramref name="stream"/> as a connection would: the first <c>ends[0]</c> bytes, then
    /// what was left unconsumed plus the bytes up to <c>ends[1]</c>, and so on. Returns every command's arguments.
    /// </summary>
    private static List<string[]> Feed(byte[] stream, int[] ends)
    {
        var parser = new RespParser(1 << 20);
        var commands = new List<string[]>();
        byte[] buffer = new byte[stream.Length];
        int start = 0;
        foreach (int end in ends)
        {
            // A fresh copy each time: inline parsing unescapes in place, and a connection re-presents the raw bytes.
            stream.AsSpan(start, end - start).CopyTo(buffer);
            Span<byte> input = buffer.AsSpan(0, end - start);
            while (!input.IsEmpty)
            {
                ParseResult result = parser.Parse(input);
                Assert.NotEqual(ParseResult.ProtocolError, result);
                if (result == ParseResult.Incomplete) break;
                string[] arguments = new string[parser.Count];
                for (int i = 0; i < arguments.Length; i++) arguments[i] = Encoding.Latin1.GetString(parser.Argument(input, i));
                commands.Add(arguments);
                start += parser.Consumed;
                input = input[parser.Consumed..];
            }
        }
        Assert.Equal(stream.Length, start);
        return commands;
    }

    private static byte[] RespCommand(params string[] arguments) => Infrastructure.RespClient.Encode(arguments);
}
