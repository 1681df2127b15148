using System;

namespace Reactor.LoadGen;

/// <summary>
/// The bytes a load connection sends: byte i of connection c's stream is
/// <c>Table[(i + seed(c)) % Period]</c>. A prime period never lines up with message sizes, so a
/// reordered, duplicated or dropped message shows up as a mismatch; and since any run of the
/// stream is one slice of <see cref="Table"/>, both sending and checking work on spans without
/// copying or storing what was sent.
/// </summary>
internal static class EchoPattern
{
    public const int Period = 251;

    /// <summary>The longest slice one call may take.</summary>
    public const int MaxSlice = 64 * 1024;

    private static readonly byte[] Table = Build();

    public static int SeedOf(int connection) => (int)((uint)connection * 97u % Period);

    /// <summary>The <paramref name="length"/> (at most <see cref="MaxSlice"/>) bytes at stream <paramref name="offset"/>.</summary>
    public static ReadOnlySpan<byte> At(long offset, int seed, int length) =>
        Table.AsSpan((int)((offset + seed) % Period), length);

    /// <summary>How many bytes of <paramref name="received"/>, found at stream <paramref name="offset"/>, are wrong.</summary>
    public static int CountMismatches(ReadOnlySpan<byte> received, long offset, int seed)
    {
        int wrong = 0;
        while (!received.IsEmpty)
        {
            int n = Math.Min(received.Length, MaxSlice);
            ReadOnlySpan<byte> expected = At(offset, seed, n);
            ReadOnlySpan<byte> got = received[..n];
            if (!got.SequenceEqual(expected))
            {
                for (int i = 0; i < n; i++) wrong += got[i] != expected[i] ? 1 : 0;
            }
            received = received[n..];
            offset += n;
        }
        return wrong;
    }

    private static byte[] Build()
    {
        var table = new byte[Period + MaxSlice];
        // Mixed bytes: letters, digits, punctuation, control and high bytes, so a server that
        // rewrites any class of them (upper-casing, line endings, 7-bit paths) is caught.
        for (int i = 0; i < table.Length; i++) table[i] = (byte)(i % Period * 181 + 7);
        return table;
    }
}
