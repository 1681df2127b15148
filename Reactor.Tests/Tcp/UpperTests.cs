using System;
using System.Text;
using System.Threading.Tasks;
using Reactor.Protocols;
using Reactor.Tests.Infrastructure;
using Xunit;

namespace Reactor.Tests.Tcp;

public class UpperTests
{
    [Fact]
    public async Task Upper_AsciiText_ComesBackUpperCased()
    {
        using var server = new TestServer(new UpperHandler());
        using var s = await server.ConnectAsync();
        byte[] reply = await s.EchoAsync(Encoding.ASCII.GetBytes("Hello, Reactor! abc xyz 09 {}"));
        Assert.Equal("HELLO, REACTOR! ABC XYZ 09 {}", Encoding.ASCII.GetString(reply));
    }

    [Fact]
    public async Task Upper_AllByteValues_OnlyLowercaseLettersChange()
    {
        using var server = new TestServer(new UpperHandler());
        using var s = await server.ConnectAsync();
        var data = new byte[256 * 1000];
        for (int i = 0; i < data.Length; i++) data[i] = (byte)i;
        byte[] reply = await s.EchoAsync(data);
        for (int i = 0; i < data.Length; i++)
        {
            byte expected = data[i] is >= (byte)'a' and <= (byte)'z' ? (byte)(data[i] - 32) : data[i];
            Assert.Equal(expected, reply[i]);
        }
    }
}
