using System;
using System.Net;
using System.Text;
using Reactor.Protocols.ProxyProtocol;
using Xunit;
using static Reactor.Protocols.ProxyProtocol.ProxyHeader;

namespace Reactor.Tests.Protocols.ProxyProtocol;

/// <summary>Headers byte for byte against the examples and rules of HAProxy's doc/proxy-protocol.txt.</summary>
public class ProxyHeaderTests
{
    private static readonly IPEndPoint SpecSource = IPEndPoint.Parse("192.168.0.1:56324");
    private static readonly IPEndPoint SpecDestination = IPEndPoint.Parse("192.168.0.11:443");

    private static byte[] Written(ProxyProtocolVersion version, IPEndPoint? source, IPEndPoint? destination)
    {
        var buffer = new byte[MaxWrittenLength];
        return buffer[..Write(version, source, destination, buffer)];
    }

    [Fact]
    public void WriteV1_SpecExample_ExactLine()
    {
        // Section 2.1: "PROXY TCP4 192.168.0.1 192.168.0.11 56324 443\r\n".
        Assert.Equal("PROXY TCP4 192.168.0.1 192.168.0.11 56324 443\r\n"u8.ToArray(), Written(ProxyProtocolVersion.V1, SpecSource, SpecDestination));
    }

    [Fact]
    public void WriteV1_IPv6AndUnknown()
    {
        Assert.Equal("PROXY TCP6 2001:db8::1 ::1 65535 8080\r\n"u8.ToArray(),
            Written(ProxyProtocolVersion.V1, IPEndPoint.Parse("[2001:db8::1]:65535"), IPEndPoint.Parse("[::1]:8080")));
        Assert.Equal("PROXY UNKNOWN\r\n"u8.ToArray(), Written(ProxyProtocolVersion.V1, null, SpecDestination));
    }

    [Fact]
    public void WriteV2_TcpOverIPv4_SignatureCommandFamilyLengthAddressesPorts()
    {
        byte[] expected =
        [
            0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A,   // signature
            0x21,                                                                     // version 2, PROXY
            0x11,                                                                     // TCP over IPv4
            0x00, 0x0C,                                                               // 12 address bytes
            192, 168, 0, 1, 192, 168, 0, 11,                                          // source, destination
            0xDC, 0x04, 0x01, 0xBB,                                                   // 56324, 443
        ];
        Assert.Equal(expected, Written(ProxyProtocolVersion.V2, SpecSource, SpecDestination));
    }

    [Fact]
    public void WriteV2_TcpOverIPv6_ThirtySixAddressBytes()
    {
        byte[] header = Written(ProxyProtocolVersion.V2, IPEndPoint.Parse("[2001:db8::1]:1"), IPEndPoint.Parse("[::1]:2"));
        Assert.Equal(16 + 36, header.Length);
        Assert.Equal([0x21, 0x21, 0x00, 0x24], header[12..16]);
        Assert.Equal(IPAddress.Parse("2001:db8::1").GetAddressBytes(), header[16..32]);
        Assert.Equal(IPAddress.IPv6Loopback.GetAddressBytes(), header[32..48]);
        Assert.Equal([0, 1, 0, 2], header[48..52]);
    }

    [Fact]
    public void WriteV2_NoAddresses_LocalCommand()
    {
        Assert.Equal([0x20, 0x00, 0x00, 0x00], Written(ProxyProtocolVersion.V2, null, null)[12..16]);
    }

    [Theory]
    [InlineData(ProxyProtocolVersion.V1, "192.168.0.1:56324", "192.168.0.11:443")]
    [InlineData(ProxyProtocolVersion.V2, "192.168.0.1:56324", "192.168.0.11:443")]
    [InlineData(ProxyProtocolVersion.V1, "[2001:db8::7]:5", "[fe80::1]:6")]
    [InlineData(ProxyProtocolVersion.V2, "[2001:db8::7]:5", "[fe80::1]:6")]
    public void Parse_WhatWriteWrote_SameAddressesAndLength(ProxyProtocolVersion version, string from, string to)
    {
        byte[] header = Written(version, IPEndPoint.Parse(from), IPEndPoint.Parse(to));
        byte[] input = [.. header, .. "GET / HTTP/1.1\r\n"u8];
        Assert.Equal(ParseStatus.Complete, TryParse(input, out int length, out IPEndPoint? source, out IPEndPoint? destination));
        Assert.Equal(header.Length, length);
        Assert.Equal(IPEndPoint.Parse(from), source);
        Assert.Equal(IPEndPoint.Parse(to), destination);
    }

    [Fact]
    public void Parse_EveryPrefixOfAValidHeader_Incomplete()
    {
        foreach (ProxyProtocolVersion version in new[] { ProxyProtocolVersion.V1, ProxyProtocolVersion.V2 })
        {
            byte[] header = Written(version, SpecSource, SpecDestination);
            for (int n = 0; n < header.Length; n++) Assert.Equal(ParseStatus.Incomplete, TryParse(header.AsSpan(0, n), out _, out _, out _));
        }
    }

    [Fact]
    public void Parse_UnknownAndLocal_CompleteWithoutAddresses()
    {
        Assert.Equal(ParseStatus.Complete, TryParse("PROXY UNKNOWN\r\n"u8, out int length, out IPEndPoint? source, out _));
        Assert.Equal(15, length);
        Assert.Null(source);
        Assert.Equal(ParseStatus.Complete, TryParse("PROXY UNKNOWN ffff::1 ffff::2 65535 65535\r\nrest"u8, out length, out source, out _));
        Assert.Equal(43, length);
        Assert.Null(source);
        // A LOCAL command with a TLV block: its length is honoured and its addresses ignored.
        byte[] local = [0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A, 0x20, 0x11, 0x00, 0x0F, .. new byte[15]];
        Assert.Equal(ParseStatus.Complete, TryParse(local, out length, out source, out _));
        Assert.Equal(31, length);
        Assert.Null(source);
    }

    [Fact]
    public void Parse_V2WithTlvs_LengthCoversThemAndAddressesRead()
    {
        byte[] header = Written(ProxyProtocolVersion.V2, SpecSource, SpecDestination);
        header[15] = 12 + 7;   // the address block plus a 7-byte TLV (type, length 4, value)
        byte[] input = [.. header, 0x04, 0x00, 0x04, 1, 2, 3, 4, (byte)'x'];
        Assert.Equal(ParseStatus.Complete, TryParse(input, out int length, out IPEndPoint? source, out _));
        Assert.Equal(16 + 19, length);
        Assert.Equal(SpecSource, source);
    }

    [Theory]
    [InlineData("GET / HTTP/1.1\r\n")]                                        // no header at all
    [InlineData("PROXY TCP4 192.168.0.1 192.168.0.11 56324 443\n")]            // LF without CR
    [InlineData("PROXY TCP4 192.168.0.1 192.168.0.11 56324 443\r\r\n")]        // stray CR
    [InlineData("PROXY TCP4 192.168.0.1  192.168.0.11 56324 443\r\n")]         // two spaces
    [InlineData("PROXY TCP4 192.168.0.01 192.168.0.11 56324 443\r\n")]         // leading zero
    [InlineData("PROXY TCP4 192.168.0.1 192.168.0.11 056324 443\r\n")]         // leading zero in a port
    [InlineData("PROXY TCP4 192.168.0.1 192.168.0.11 65536 443\r\n")]          // port out of range
    [InlineData("PROXY TCP4 192.168.0.256 192.168.0.11 1 443\r\n")]            // octet out of range
    [InlineData("PROXY TCP4 ::1 ::1 1 2\r\n")]                                 // family mismatch
    [InlineData("PROXY TCP6 1.2.3.4 ::1 1 2\r\n")]
    [InlineData("PROXY UDP4 192.168.0.1 192.168.0.11 1 2\r\n")]
    [InlineData("PROXY TCP4 192.168.0.1 192.168.0.11 56324\r\n")]              // a field missing
    [InlineData("proxy TCP4 192.168.0.1 192.168.0.11 56324 443\r\n")]          // case matters
    public void ParseV1_Malformed_Invalid(string text)
    {
        Assert.Equal(ParseStatus.Invalid, TryParse(Encoding.ASCII.GetBytes(text), out _, out _, out _));
    }

    [Fact]
    public void ParseV1_NoCrlfWithin107Bytes_Invalid()
    {
        byte[] longLine = Encoding.ASCII.GetBytes("PROXY UNKNOWN " + new string('f', 200));
        Assert.Equal(ParseStatus.Invalid, TryParse(longLine, out _, out _, out _));
        Assert.Equal(ParseStatus.Incomplete, TryParse(longLine.AsSpan(0, 106), out _, out _, out _));
    }

    [Theory]
    [InlineData(12, 0x11)]   // version 1 in the version nibble
    [InlineData(12, 0x22)]   // command 2 is unassigned
    [InlineData(13, 0x41)]   // family 4
    [InlineData(13, 0x13)]   // transport 3
    [InlineData(15, 11)]     // an IPv4 block shorter than its 12 bytes
    [InlineData(3, 0x0B)]    // a damaged signature
    public void ParseV2_Malformed_Invalid(int offset, byte value)
    {
        byte[] header = Written(ProxyProtocolVersion.V2, SpecSource, SpecDestination);
        header[offset] = value;
        Assert.Equal(ParseStatus.Invalid, TryParse(header, out _, out _, out _));
    }
}
