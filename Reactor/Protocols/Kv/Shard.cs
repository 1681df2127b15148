using System;
using System.Collections.Generic;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Threading;

namespace Reactor.Protocols.Kv;

/// <summary>A stored value and its expiry.</summary>
internal struct Entry
{
    /// <summary>A string (byte[]), <see cref="KvList"/>, <see cref="KvSet"/> or <see cref="KvHash"/>.</summary>
    public object Value;

    /// <summary>Loop-clock milliseconds at which the key expires; 0 for never.</summary>
    public long ExpiresAt;

    public readonly bool IsExpired(long now) => ExpiresAt != 0 && ExpiresAt <= now;
}

/// <summary>
/// One shard of the <see cref="Keyspace"/>: a dictionary of keys and a heap of expiry times.
/// Every member needs <see cref="Gate"/> held. The heap may hold stale items (a key deleted or
/// given a new time since): an item only says "look at this key then", and the sweep checks the
/// key's current expiry; the heap is rebuilt when stale items outnumber live ones.
/// </summary>
internal sealed class Shard
{
    public readonly Lock Gate = new();

    private readonly Dictionary<byte[], Entry> _entries = new(ByteKeyComparer.Instance);
    private readonly Dictionary<byte[], Entry>.AlternateLookup<ReadOnlySpan<byte>> _byBytes;
    private readonly PriorityQueue<byte[], long> _expiries = new();
    private int _expiring;   // keys with an expiry

    public Shard() => _byBytes = _entries.GetAlternateLookup<ReadOnlySpan<byte>>();

    public int Count => _entries.Count;

    /// <summary>Whether the heap holds anything; read without the lock by the sweep, as a hint.</summary>
    public bool HasExpiries => Volatile.Read(ref _expiring) > 0 || _expiries.Count > 0;

    /// <summary>The live entry of <paramref name="key"/>, or a null ref; an expired one is removed on the way.</summary>
    public ref Entry Find(ReadOnlySpan<byte> key, long now)
    {
        ref Entry entry = ref CollectionsMarshal.GetValueRefOrNullRef(_byBytes, key);
        if (Unsafe.IsNullRef(ref entry) || !entry.IsExpired(now)) return ref entry;
        Remove(key);
        return ref Unsafe.NullRef<Entry>();
    }

    /// <summary>
    /// The entry of <paramref name="key"/>, added with a null value when missing (or expired: then
    /// emptied). The caller stores a value before it lets go of the lock. The ref is valid until
    /// the next change to the shard.
    /// </summary>
    public ref Entry FindOrAdd(ReadOnlySpan<byte> key, long now, out bool existed)
    {
        ref Entry entry = ref CollectionsMarshal.GetValueRefOrAddDefault(_byBytes, key, out existed);
        if (existed && entry.IsExpired(now))
        {
            Persist(ref entry);
            entry.Value = null!;
            existed = false;
        }
        return ref entry;
    }

    public bool Remove(ReadOnlySpan<byte> key)
    {
        if (!_byBytes.Remove(key, out _, out Entry removed)) return false;
        if (removed.ExpiresAt != 0) _expiring--;
        return true;
    }

    /// <summary>Gives the entry of <paramref name="key"/> (found by <see cref="Find"/> or <see cref="FindOrAdd"/>) an expiry time.</summary>
    public void Expire(ReadOnlySpan<byte> key, ref Entry entry, long expiresAt)
    {
        if (entry.ExpiresAt == 0) _expiring++;
        entry.ExpiresAt = expiresAt;
        _byBytes.TryGetValue(key, out byte[]? stored, out _);
        _expiries.Enqueue(stored!, expiresAt);
        if (_expiries.Count > 2 * _expiring + 1024) RebuildExpiries();
    }

    /// <summary>Takes the entry's expiry away (a plain SET does).</summary>
    public void Persist(ref Entry entry)
    {
        if (entry.ExpiresAt == 0) return;
        entry.ExpiresAt = 0;
        _expiring--;
    }

    public void Clear()
    {
        _entries.Clear();
        _entries.TrimExcess();
        _expiries.Clear();
        _expiries.TrimExcess();
        _expiring = 0;
    }

    /// <summary>Looks at up to <paramref name="budget"/> heap items that are due and removes the keys that expired; returns how many.</summary>
    public int Sweep(long now, int budget)
    {
        int reclaimed = 0;
        for (int i = 0; i < budget && _expiries.TryPeek(out byte[]? key, out long due) && due <= now; i++)
        {
            _expiries.Dequeue();
            ref Entry entry = ref CollectionsMarshal.GetValueRefOrNullRef(_entries, key);
            if (Unsafe.IsNullRef(ref entry) || !entry.IsExpired(now)) continue;
            Remove(key);
            reclaimed++;
        }
        return reclaimed;
    }

    private void RebuildExpiries()
    {
        _expiries.Clear();
        foreach ((byte[] key, Entry entry) in _entries)
        {
            if (entry.ExpiresAt != 0) _expiries.Enqueue(key, entry.ExpiresAt);
        }
    }
}
