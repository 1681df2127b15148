using System;
using System.Buffers.Binary;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Reactor.Protocols.ProxyProtocol;

/// <summary>
/// Writes and parses PROXY protocol headers, versions 1 and 2, as HAProxy's
/// doc/proxy-protocol.txt specifies them: the header a proxy puts before the client's bytes so
/// the server behind it learns the client's address. Parsing is strict: anything that does not
/// match the specification exactly is <see cref="ParseStatus.Invalid"/>.
/// </summary>
public static class ProxyHeader
{
    /// <summary>Enough for either version's longest header with addresses and no TLVs: a v1 line (107 bytes).</summary>
    public const int MaxWrittenLength = 108;

    /// <summary>The longest v1 line the receiver must accept, CRLF included.</summary>
    public const int MaxV1Length = 107;

    /// <summary>The longest v2 header: 16 bytes and a 16-bit length.</summary>
    public const int MaxV2Length = 16 + ushort.MaxValue;

    private static ReadOnlySpan<byte> V2Signature => [0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A];
    private static ReadOnlySpan<byte> V1Prefix => "PROXY "u8;

    public enum ParseStatus
    {
        /// <summary>A valid prefix of a header: wait for more bytes.</summary>
        Incomplete,

        /// <summary>A whole header; its length and addresses are out.</summary>
        Complete,

        /// <summary>Not a PROXY header, or a malformed one: the connection must be dropped.</summary>
        Invalid,
    }

    /// <summary>
    /// Writes the header for a connection from <paramref name="source"/> to
    /// <paramref name="destination"/> into <paramref name="output"/> (at least
    /// <see cref="MaxWrittenLength"/> bytes) and returns its length. Without both addresses, or
    /// with different families, v1 says <c>PROXY UNKNOWN</c> and v2 sends a LOCAL command.
    /// </summary>
    public static int Write(ProxyProtocolVersion version, IPEndPoint? source, IPEndPoint? destination, Span<byte> output)
    {
        bool known = source is not null && destination is not null && source.AddressFamily == destination.AddressFamily
            && source.AddressFamily is AddressFamily.InterNetwork or AddressFamily.InterNetworkV6;
        return version switch
        {
            ProxyProtocolVersion.V1 => WriteV1(known ? source : null, destination, output),
            ProxyProtocolVersion.V2 => WriteV2(known ? source : null, destination, output),
            _ => throw new ArgumentOutOfRangeException(nameof(version), version, "no header to write"),
        };
    }

    private static int WriteV1(IPEndPoint? source, IPEndPoint? destination, Span<byte> output)
    {
        string line = source is null
            ? "PROXY UNKNOWN\r\n"
            : string.Create(CultureInfo.InvariantCulture,
                $"PROXY {(source.AddressFamily == AddressFamily.InterNetwork ? "TCP4" : "TCP6")} {Bare(source.Address)} {Bare(destination!.Address)} {source.Port} {destination.Port}\r\n");
        return Encoding.ASCII.GetBytes(line, output);
    }

    /// <summary>The address without an IPv6 scope id, which the header has no room for.</summary>
    private static string Bare(IPAddress address) =>
        address.AddressFamily != AddressFamily.InterNetworkV6 || address.ScopeId == 0 ? address.ToString() : new IPAddress(address.GetAddressBytes()).ToString();

    private static int WriteV2(IPEndPoint? source, IPEndPoint? destination, Span<byte> output)
    {
        V2Signature.CopyTo(output);
        if (source is null)
        {
            output[12] = 0x20;   // version 2, LOCAL
            output[13] = 0x00;   // UNSPEC
            BinaryPrimitives.WriteUInt16BigEndian(output[14..], 0);
            return 16;
        }
        bool v4 = source.AddressFamily == AddressFamily.InterNetwork;
        int addressLength = v4 ? 4 : 16;
        output[12] = 0x21;                 // version 2, PROXY
        output[13] = v4 ? (byte)0x11 : (byte)0x21;   // TCP over IPv4 / IPv6
        BinaryPrimitives.WriteUInt16BigEndian(output[14..], (ushort)(2 * addressLength + 4));
        source.Address.TryWriteBytes(output[16..], out _);
        destination!.Address.TryWriteBytes(output[(16 + addressLength)..], out _);
        BinaryPrimitives.WriteUInt16BigEndian(output[(16 + 2 * addressLength)..], (ushort)source.Port);
        BinaryPrimitives.WriteUInt16BigEndian(output[(18 + 2 * addressLength)..], (ushort)destination.Port);
        return 16 + 2 * addressLength + 4;
    }

    /// <summary>
    /// Parses a header, version 1 or 2, at the start of <paramref name="input"/>. On
    /// <see cref="ParseStatus.Complete"/>, <paramref name="length"/> is the header's length and
    /// the addresses are the client's (<paramref name="source"/>) and the one it connected to;
    /// both are null when the header says the real connection's addresses apply (v1 UNKNOWN,
    /// v2 LOCAL, or a family other than TCP over IPv4/IPv6).
    /// </summary>
    public static ParseStatus TryParse(ReadOnlySpan<byte> input, out int length, out IPEndPoint? source, out IPEndPoint? destination)
    {
        length = 0;
        source = destination = null;
        if (input.IsEmpty) return ParseStatus.Incomplete;
        if (input[0] == V2Signature[0])
        {
            int n = Math.Min(input.Length, V2Signature.Length);
            if (!input[..n].SequenceEqual(V2Signature[..n])) return ParseStatus.Invalid;
            return ParseV2(input, out length, out source, out destination);
        }
        int m = Math.Min(input.Length, V1Prefix.Length);
        if (!input[..m].SequenceEqual(V1Prefix[..m])) return ParseStatus.Invalid;
        return ParseV1(input, out length, out source, out destination);
    }

    private static ParseStatus ParseV2(ReadOnlySpan<byte> input, out int length, out IPEndPoint? source, out IPEndPoint? destination)
    {
        length = 0;
        source = destination = null;
        if (input.Length < 16) return input.Length > 12 && input[12] >> 4 != 2 ? ParseStatus.Invalid : ParseStatus.Incomplete;
        int versionCommand = input[12], family = input[13];
        if (versionCommand >> 4 != 2 || (versionCommand & 0xF) > 1) return ParseStatus.Invalid;
        if (family is not (0x00 or 0x11 or 0x12 or 0x21 or 0x22 or 0x31 or 0x32)) return ParseStatus.Invalid;
        int addressLength = BinaryPrimitives.ReadUInt16BigEndian(input[14..]);
        if (input.Length < 16 + addressLength) return ParseStatus.Incomplete;
        length = 16 + addressLength;
        bool proxied = (versionCommand & 0xF) == 1;
        ReadOnlySpan<byte> a = input.Slice(16, addressLength);
        if (proxied && family == 0x11)
        {
            if (addressLength < 12) return ParseStatus.Invalid;
            source = new IPEndPoint(new IPAddress(a[..4]), BinaryPrimitives.ReadUInt16BigEndian(a[8..]));
            destination = new IPEndPoint(new IPAddress(a[4..8]), BinaryPrimitives.ReadUInt16BigEndian(a[10..]));
        }
        else if (proxied && family == 0x21)
        {
            if (addressLength < 36) return ParseStatus.Invalid;
            source = new IPEndPoint(new IPAddress(a[..16]), BinaryPrimitives.ReadUInt16BigEndian(a[32..]));
            destination = new IPEndPoint(new IPAddress(a[16..32]), BinaryPrimitives.ReadUInt16BigEndian(a[34..]));
        }
        // LOCAL, UNSPEC, UDP and UNIX: the real connection's addresses stand; TLVs after the addresses are skipped.
        return ParseStatus.Complete;
    }

    private static ParseStatus ParseV1(ReadOnlySpan<byte> input, out int length, out IPEndPoint? source, out IPEndPoint? destination)
    {
        length = 0;
        source = destination = null;
        int lf = input[..Math.Min(input.Length, MaxV1Length)].IndexOf((byte)'\n');
        if (lf < 0) return input.Length >= MaxV1Length ? ParseStatus.Invalid : ParseStatus.Incomplete;
        // A lone LF (no CR before it) does not end the line.
        if (lf == 0 || input[lf - 1] != '\r') return ParseStatus.Invalid;
        length = lf + 1;
        ReadOnlySpan<byte> line = input[V1Prefix.Length..(lf - 1)];
        // The rest of an UNKNOWN line is ignored.
        if (line.StartsWith("UNKNOWN"u8) && (line.Length == 7 || line[7] == ' ')) return ParseStatus.Complete;
        Span<Range> fields = stackalloc Range[5];
        if (!SplitExactly(line, (byte)' ', fields)) return ParseStatus.Invalid;
        ReadOnlySpan<byte> protocol = line[fields[0]];
        bool v4 = protocol.SequenceEqual("TCP4"u8);
        if (!v4 && !protocol.SequenceEqual("TCP6"u8)) return ParseStatus.Invalid;
        if (!TryAddress(line[fields[1]], v4, out IPAddress? from) || !TryAddress(line[fields[2]], v4, out IPAddress? to)
            || !TryPort(line[fields[3]], out int fromPort) || !TryPort(line[fields[4]], out int toPort))
            return ParseStatus.Invalid;
        source = new IPEndPoint(from, fromPort);
        destination = new IPEndPoint(to, toPort);
        return ParseStatus.Complete;
    }

    /// <summary>IPv4: four decimal numbers 0-255 without leading zeros; IPv6: hex groups and colons only.</summary>
    private static bool TryAddress(ReadOnlySpan<byte> text, bool v4, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out IPAddress? address)
    {
        address = null;
        if (text.IsEmpty || text.Length > 39) return false;
        if (v4)
        {
            Span<Range> parts = stackalloc Range[4];
            if (!SplitExactly(text, (byte)'.', parts)) return false;
            Span<byte> bytes = stackalloc byte[4];
            for (int i = 0; i < 4; i++)
            {
                if (!TryDecimal(text[parts[i]], 255, out int value)) return false;
                bytes[i] = (byte)value;
            }
            address = new IPAddress(bytes);
            return true;
        }
        foreach (byte b in text)
        {
            if (b != ':' && !char.IsAsciiHexDigit((char)b)) return false;
        }
        return IPAddress.TryParse(Encoding.ASCII.GetString(text), out address) && address.AddressFamily == AddressFamily.InterNetworkV6;
    }

    /// <summary>True when <paramref name="text"/> splits at single <paramref name="separator"/>s into exactly <paramref name="fields"/>.Length fields.</summary>
    private static bool SplitExactly(ReadOnlySpan<byte> text, byte separator, Span<Range> fields)
    {
        int start = 0;
        for (int i = 0; i < fields.Length; i++)
        {
            int end = i == fields.Length - 1 ? text.Length : text[start..].IndexOf(separator) is int at and >= 0 ? start + at : -1;
            if (end < 0 || text[start..end].Contains(separator)) return false;
            fields[i] = start..end;
            start = end + 1;
        }
        return true;
    }

    private static bool TryPort(ReadOnlySpan<byte> text, out int port) => TryDecimal(text, 65535, out port);

    /// <summary>Decimal digits only, no leading zero (but "0" itself), at most <paramref name="max"/>.</summary>
    private static bool TryDecimal(ReadOnlySpan<byte> text, int max, out int value)
    {
        value = 0;
        if (text.IsEmpty || text.Length > 5 || (text[0] == '0' && text.Length > 1)) return false;
        foreach (byte b in text)
        {
            if (b is < (byte)'0' or > (byte)'9') return false;
            value = value * 10 + (b - '0');
        }
        return value <= max;
    }
}
