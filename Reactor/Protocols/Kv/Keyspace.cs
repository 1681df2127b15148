using System;
using System.Numerics;
using System.Threading;

namespace Reactor.Protocols.Kv;

/// <summary>
/// The keys and values of <c>reactor kv</c>, shared by every loop. Keys are spread by hash over
/// 64 shards, each a dictionary behind its own lock: a command on one key takes one lock, so loops
/// rarely meet, and a command on several keys (MSET, MGET, DEL, EXISTS) takes the locks of all the
/// shards involved in ascending order, which makes it atomic and cannot deadlock. Expired keys are
/// never returned: they are removed when a command meets them, and an active sweep on a loop timer
/// reclaims the ones no command touches (<see cref="StartSweeping"/>). In memory only.
/// </summary>
public sealed class Keyspace
{
    private const int ShardBits = 6;

    /// <summary>How often the active sweep runs; redis's hz 10 does the same.</summary>
    private static readonly TimeSpan SweepInterval = TimeSpan.FromMilliseconds(100);

    // Expired keys reclaimed per shard per sweep, so a sweep never holds a lock for long: up to
    // 64 x 256 x 10 = 164k keys a second, beyond which lazy expiry on access still applies.
    private const int SweepBudget = 256;

    private static readonly Action<object?> SweepTick = static state => ((Keyspace)state!).SweepAndReschedule();

    private readonly Shard[] _shards = new Shard[ShardCount];
    private EventLoop? _sweeper;

    /// <summary>Shards, each with its own lock: a bit per shard in a <see cref="ulong"/> mask.</summary>
    private const int ShardCount = 1 << ShardBits;

    /// <summary>Every shard's bit.</summary>
    private const ulong AllShards = ulong.MaxValue;

    public Keyspace()
    {
        for (int i = 0; i < _shards.Length; i++) _shards[i] = new Shard();
    }

    /// <summary>Keys stored, expired ones not yet reclaimed included (as redis's DBSIZE). Any thread.</summary>
    public long Count
    {
        get
        {
            Enter(AllShards);
            try
            {
                long count = 0;
                foreach (Shard shard in _shards) count += shard.Count;
                return count;
            }
            finally
            {
                Exit(AllShards);
            }
        }
    }

    /// <summary>Removes every key, atomically for every other command (FLUSHALL). Any thread.</summary>
    public void Clear()
    {
        Enter(AllShards);
        try
        {
            foreach (Shard shard in _shards) shard.Clear();
        }
        finally
        {
            Exit(AllShards);
        }
    }

    /// <summary>
    /// Starts the active expiry sweep on <paramref name="loop"/> (from its thread), unless one
    /// runs already: every 100 ms it reclaims expired keys in every shard. It ends with the loop.
    /// </summary>
    public void StartSweeping(EventLoop loop)
    {
        if (Interlocked.CompareExchange(ref _sweeper, loop, null) is null) loop.Schedule(SweepInterval, SweepTick, this);
    }

    /// <summary>Reclaims expired keys in every shard, at most <see cref="SweepBudget"/> each; returns how many.</summary>
    private int Sweep(long now)
    {
        int reclaimed = 0;
        foreach (Shard shard in _shards)
        {
            if (!shard.HasExpiries) continue;
            shard.Gate.Enter();
            try
            {
                reclaimed += shard.Sweep(now, SweepBudget);
            }
            finally
            {
                shard.Gate.Exit();
            }
        }
        return reclaimed;
    }

    private void SweepAndReschedule()
    {
        EventLoop loop = _sweeper!;
        Sweep(loop.NowMilliseconds);
        loop.Schedule(SweepInterval, SweepTick, this);
    }

    /// <summary>The shard that holds <paramref name="key"/>.</summary>
    internal static int ShardIndex(ReadOnlySpan<byte> key) => (int)((uint)ByteKeyComparer.Hash(key) >> (32 - ShardBits));

    internal Shard this[int index] => _shards[index];

    /// <summary>Takes the locks of the shards in <paramref name="mask"/>, lowest first: every multi-shard command locks in the same order.</summary>
    internal void Enter(ulong mask)
    {
        for (ulong m = mask; m != 0; m &= m - 1) _shards[BitOperations.TrailingZeroCount(m)].Gate.Enter();
    }

    internal void Exit(ulong mask)
    {
        for (ulong m = mask; m != 0; m &= m - 1) _shards[BitOperations.TrailingZeroCount(m)].Gate.Exit();
    }
}
