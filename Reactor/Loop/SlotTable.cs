using System;

namespace Reactor.Loop;

/// <summary>
/// Maps poller tokens to registrations. A token is (generation &lt;&lt; 32 | slot index); each time
/// a slot is freed its generation moves on, so an event still queued for the old occupant
/// (for example one that was closed earlier in the same batch) finds no match and is dropped.
/// </summary>
internal sealed class SlotTable
{
    private Registration?[] _items;
    private uint[] _generations;
    private int[] _free;
    private int _freeCount;
    private int _used;

    public SlotTable(int initialCapacity)
    {
        _items = new Registration?[initialCapacity];
        _generations = new uint[initialCapacity];
        _free = new int[initialCapacity];
    }

    /// <summary>Registrations currently held.</summary>
    public int Count { get; private set; }

    /// <summary>Stores <paramref name="item"/> and returns its token.</summary>
    public ulong Add(Registration item)
    {
        int index;
        if (_freeCount > 0)
        {
            index = _free[--_freeCount];
        }
        else
        {
            if (_used == _items.Length) Grow();
            index = _used++;
        }
        _items[index] = item;
        Count++;
        return ((ulong)_generations[index] << 32) | (uint)index;
    }

    /// <summary>The registration for <paramref name="token"/>, or null when the token is stale.</summary>
    public Registration? Get(ulong token) => Get((uint)token, (uint)(token >> 32), uint.MaxValue);

    /// <summary>
    /// The registration in slot <paramref name="index"/> if its generation matches
    /// <paramref name="generation"/> in the bits of <paramref name="mask"/> (handles that carry
    /// only part of the generation), or null.
    /// </summary>
    public Registration? Get(uint index, uint generation, uint mask)
    {
        if (index >= (uint)_used || (_generations[index] & mask) != (generation & mask)) return null;
        return _items[index];
    }

    /// <summary>Frees the slot of <paramref name="token"/>; the token and any event carrying it go stale.</summary>
    public void Remove(ulong token)
    {
        int index = (int)(uint)token;
        if (Get(token) is null) throw new InvalidOperationException("slot token is stale or was never issued");
        _items[index] = null;
        // Generation 0xFFFFFFFF with index 0xFFFFFFFF would collide with the wake token; skip it.
        _generations[index] = _generations[index] + 1 == uint.MaxValue ? 0 : _generations[index] + 1;
        if (_freeCount == _free.Length) Array.Resize(ref _free, _free.Length * 2);
        _free[_freeCount++] = index;
        Count--;
    }

    /// <summary>Copies the live registrations out, for shutdown.</summary>
    public Registration[] Snapshot()
    {
        var list = new Registration[Count];
        int n = 0;
        for (int i = 0; i < _used; i++)
        {
            if (_items[i] is { } item) list[n++] = item;
        }
        return list;
    }

    private void Grow()
    {
        int size = _items.Length * 2;
        Array.Resize(ref _items, size);
        Array.Resize(ref _generations, size);
    }
}
