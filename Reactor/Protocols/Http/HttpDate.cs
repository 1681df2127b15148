using System;
using System.Buffers;
using System.Buffers.Text;

namespace Reactor.Protocols.Http;

/// <summary>
/// The <c>Date</c> header's value (RFC 9110 §5.6.7, IMF-fixdate), formatted at most once a second
/// per loop thread instead of once per response.
/// </summary>
internal static class HttpDate
{
    /// <summary>"Sun, 06 Nov 1994 08:49:37 GMT" is always 29 bytes.</summary>
    public const int Length = 29;

    [ThreadStatic] private static byte[]? t_value;
    [ThreadStatic] private static long t_second;
    [ThreadStatic] private static long t_checkedAt;

    /// <summary>
    /// The current second, formatted. <paramref name="loopMilliseconds"/> is the loop's clock, read
    /// once per iteration: within one iteration (16 pipelined responses) the wall clock is read once.
    /// </summary>
    public static ReadOnlySpan<byte> Current(long loopMilliseconds)
    {
        byte[] value = t_value ??= new byte[Length];
        if (loopMilliseconds == t_checkedAt && t_second != 0) return value;
        t_checkedAt = loopMilliseconds;
        DateTime now = DateTime.UtcNow;
        long second = now.Ticks / TimeSpan.TicksPerSecond;
        if (second != t_second)
        {
            t_second = second;
            Format(now, value);
        }
        return value;
    }

    /// <summary>Writes <paramref name="time"/> as IMF-fixdate; returns the 29 bytes written.</summary>
    public static int Format(DateTime time, Span<byte> destination)
    {
        Utf8Formatter.TryFormat(time, destination, out int written, new StandardFormat('R'));
        return written;
    }
}
