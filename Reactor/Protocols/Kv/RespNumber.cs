using System;
using System.Buffers.Text;

namespace Reactor.Protocols.Kv;

/// <summary>Integers as RESP and redis spell them.</summary>
internal static class RespNumber
{
    /// <summary>Room for any <see cref="long"/> in decimal, sign included.</summary>
    public const int MaxDigits = 20;

    /// <summary>
    /// Parses a decimal integer as redis's string2ll does: an optional '-', no '+', no spaces, no
    /// leading zeros (except "0" itself), at most 20 characters, within the range of a long.
    /// </summary>
    public static bool TryParse(ReadOnlySpan<byte> text, out long value)
    {
        value = 0;
        if (text.IsEmpty || text.Length > MaxDigits) return false;
        if (text.Length == 1 && text[0] == '0') return true;
        bool negative = text[0] == '-';
        int i = negative ? 1 : 0;
        if (i == text.Length || text[i] < '1' || text[i] > '9') return false;
        ulong magnitude = 0;
        for (; i < text.Length; i++)
        {
            uint digit = (uint)(text[i] - '0');
            if (digit > 9) return false;
            if (magnitude > (ulong.MaxValue - digit) / 10) return false;
            magnitude = magnitude * 10 + digit;
        }
        if (negative)
        {
            if (magnitude > (ulong)long.MaxValue + 1) return false;
            value = (long)(0 - magnitude);
        }
        else
        {
            if (magnitude > long.MaxValue) return false;
            value = (long)magnitude;
        }
        return true;
    }

    /// <summary>Writes <paramref name="value"/> in decimal; <paramref name="destination"/> holds at least <see cref="MaxDigits"/> bytes.</summary>
    public static int Format(long value, Span<byte> destination)
    {
        Utf8Formatter.TryFormat(value, destination, out int written);
        return written;
    }
}
