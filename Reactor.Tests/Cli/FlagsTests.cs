using System;
using System.Collections.Generic;
using Reactor.Cli;
using Xunit;

namespace Reactor.Tests.Cli;

public class FlagsTests
{
    private static readonly HashSet<string> Valued = ["port", "threads", "bind"];
    private static readonly HashSet<string> Switches = ["pin"];

    [Theory]
    [InlineData("65536", 65536)]
    [InlineData("64KiB", 65536)]
    [InlineData("1MiB", 1 << 20)]
    [InlineData("2m", 2 << 20)]
    [InlineData("1GiB", 1L << 30)]
    public void Size_ValidText_Parses(string text, long expected)
    {
        Assert.True(Flags.TryParseSize(text, out long value));
        Assert.Equal(expected, value);
    }

    [Theory]
    [InlineData("")]
    [InlineData("MiB")]
    [InlineData("-5")]
    [InlineData("1.5MiB")]
    [InlineData("10 MiB")]
    [InlineData("99999999999999999999")]
    public void Size_Malformed_Rejected(string text) => Assert.False(Flags.TryParseSize(text, out _));

    [Theory]
    [InlineData("500ms", 500)]
    [InlineData("2s", 2000)]
    [InlineData("1m", 60_000)]
    public void Duration_ValidText_Parses(string text, int ms)
    {
        Assert.True(Flags.TryParseDuration(text, out TimeSpan value));
        Assert.Equal(TimeSpan.FromMilliseconds(ms), value);
    }

    [Theory]
    [InlineData("5")]
    [InlineData("2x")]
    [InlineData("s")]
    [InlineData("1.5s")]
    public void Duration_Malformed_Rejected(string text) => Assert.False(Flags.TryParseDuration(text, out _));

    [Fact]
    public void Flags_BothSpellings_AndSwitch()
    {
        var flags = new Flags(["--port", "80", "--threads=3", "--pin"], Valued, Switches);
        Assert.Equal(80, flags.Int("port", 0, 0, 65535));
        Assert.Equal(3, flags.Int("threads", 1, 1, 8));
        Assert.True(flags.Switch("pin"));
        Assert.Null(flags.String("bind"));
    }

    [Fact]
    public void Flags_UnknownFlag_NamedInError()
    {
        var e = Assert.Throws<UsageException>(() => new Flags(["--port", "80", "--prot", "81"], Valued, Switches));
        Assert.Equal("unknown flag --prot", e.Message);
    }

    [Fact]
    public void Flags_BadValues_NameTheFlag()
    {
        Assert.Contains("--port", Assert.Throws<UsageException>(() => new Flags(["--port", "99999"], Valued, Switches).Int("port", 0, 0, 65535)).Message);
        Assert.Contains("--bind", Assert.Throws<UsageException>(() => new Flags(["--bind", "nowhere"], Valued, Switches).Address("bind", System.Net.IPAddress.Loopback)).Message);
        Assert.Contains("--port needs a value", Assert.Throws<UsageException>(() => new Flags(["--port"], Valued, Switches)).Message);
        Assert.Contains("given twice", Assert.Throws<UsageException>(() => new Flags(["--port", "1", "--port", "2"], Valued, Switches)).Message);
        Assert.Contains("takes no value", Assert.Throws<UsageException>(() => new Flags(["--pin=yes"], Valued, Switches)).Message);
    }

    [Theory]
    [InlineData("localhost", "127.0.0.1")]
    [InlineData("LOCALHOST", "127.0.0.1")]
    [InlineData("::", "::")]
    [InlineData("[::1]", "::1")]
    [InlineData("0.0.0.0", "0.0.0.0")]
    public void Flags_Address_AsUsersWriteIt(string text, string expected)
    {
        Assert.Equal(System.Net.IPAddress.Parse(expected), new Flags(["--bind", text], Valued, Switches).Address("bind", System.Net.IPAddress.Loopback));
    }

    [Fact]
    public void Flags_RepeatableFlag_KeepsEveryValueInOrder()
    {
        HashSet<string> valued = ["backend", "port"];
        var flags = new Flags(["--backend", "a:1", "--port", "5", "--backend=b:2,weight=3"], valued, Switches, new HashSet<string> { "backend" });
        Assert.Equal(["a:1", "b:2,weight=3"], flags.All("backend"));
        Assert.Empty(new Flags(["--port", "5"], valued, Switches, new HashSet<string> { "backend" }).All("backend"));
        // Only the declared flag repeats; the others are still refused twice.
        Assert.Contains("given twice", Assert.Throws<UsageException>(() => new Flags(["--port", "1", "--port", "2"], valued, Switches, new HashSet<string> { "backend" })).Message);
    }
}
