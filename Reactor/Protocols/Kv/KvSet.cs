using System;
using System.Collections.Generic;

namespace Reactor.Protocols.Kv;

/// <summary>
/// A set value: members in a dense array plus each member's index in it, so SPOP picks a member
/// uniformly at random and removes it in O(1) (swapping the last member into its place).
/// </summary>
internal sealed class KvSet : ICollectionValue
{
    private readonly Dictionary<byte[], int> _index = new(ByteKeyComparer.Instance);
    private readonly Dictionary<byte[], int>.AlternateLookup<ReadOnlySpan<byte>> _byBytes;
    private readonly List<byte[]> _members = [];

    public KvSet() => _byBytes = _index.GetAlternateLookup<ReadOnlySpan<byte>>();

    public int Count => _members.Count;

    /// <summary>Adds <paramref name="member"/>; false when it was there already (nothing is allocated then).</summary>
    public bool Add(ReadOnlySpan<byte> member)
    {
        if (_byBytes.ContainsKey(member)) return false;
        byte[] copy = member.ToArray();
        _index.Add(copy, _members.Count);
        _members.Add(copy);
        return true;
    }

    /// <summary>Removes and returns a member chosen uniformly at random; the set is not empty.</summary>
    public byte[] PopRandom()
    {
        int i = Random.Shared.Next(_members.Count);
        byte[] member = _members[i];
        int last = _members.Count - 1;
        if (i != last)
        {
            byte[] moved = _members[last];
            _members[i] = moved;
            _index[moved] = i;
        }
        _members.RemoveAt(last);
        _index.Remove(member);
        return member;
    }
}
