using System;
using System.Numerics;

namespace Reactor.LoadGen;

/// <summary>
/// Latencies in microseconds in fixed memory: exact below 64 µs, then 32 linear buckets per power
/// of two (at most 3% wide), up to 2^36 µs (19 hours); recording is a few instructions and never
/// allocates. The same buckets as scripts/loadgen/echo_client.c, so the two clients compare.
/// </summary>
public sealed class LatencyHistogram
{
    private const int Exact = 64;
    private const int SubBuckets = 32;
    private const int BucketCount = 1024;

    private readonly long[] _counts = new long[BucketCount];

    public long Count { get; private set; }

    /// <summary>The largest value recorded, exactly.</summary>
    public long Max { get; private set; }

    public void Record(long microseconds)
    {
        if (microseconds < 0) microseconds = 0;
        _counts[BucketOf(microseconds)]++;
        Count++;
        if (microseconds > Max) Max = microseconds;
    }

    /// <summary>Adds another histogram's counts into this one.</summary>
    public void Add(LatencyHistogram other)
    {
        for (int i = 0; i < BucketCount; i++) _counts[i] += other._counts[i];
        Count += other.Count;
        Max = Math.Max(Max, other.Max);
    }

    /// <summary>
    /// The value at quantile <paramref name="q"/> (0.5 for the median): the top of the bucket that
    /// holds it, so never below the true value; <paramref name="q"/> = 1 gives <see cref="Max"/>.
    /// </summary>
    public long Percentile(double q)
    {
        if (Count == 0) return 0;
        if (q >= 1) return Max;
        long rank = Math.Max(1, (long)Math.Ceiling(q * Count));
        long seen = 0;
        for (int i = 0; i < BucketCount; i++)
        {
            seen += _counts[i];
            if (seen >= rank) return Math.Min(BucketTop(i), Max);
        }
        return Max;
    }

    private static int BucketOf(long value)
    {
        if (value < Exact) return (int)value;
        int exponent = 63 - BitOperations.LeadingZeroCount((ulong)value);   // >= 6
        int index = Exact + (exponent - 6) * SubBuckets + (int)((value >> (exponent - 5)) - SubBuckets);
        return Math.Min(index, BucketCount - 1);
    }

    private static long BucketTop(int index)
    {
        if (index < Exact) return index;
        int exponent = (index - Exact) / SubBuckets + 6;
        long sub = (index - Exact) % SubBuckets + SubBuckets;
        return ((sub + 1) << (exponent - 5)) - 1;
    }
}
