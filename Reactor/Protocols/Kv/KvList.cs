using System;

namespace Reactor.Protocols.Kv;

/// <summary>A list value: a ring buffer of elements, O(1) push and pop at both ends and O(1) indexing (LRANGE).</summary>
internal sealed class KvList : ICollectionValue
{
    private byte[][] _items = new byte[4][];
    private int _head;

    public int Count { get; private set; }

    public byte[] this[int index] => _items[(_head + index) & (_items.Length - 1)];

    public void PushFront(byte[] item)
    {
        Grow();
        _head = (_head - 1) & (_items.Length - 1);
        _items[_head] = item;
        Count++;
    }

    public void PushBack(byte[] item)
    {
        Grow();
        _items[(_head + Count) & (_items.Length - 1)] = item;
        Count++;
    }

    public byte[] PopFront()
    {
        byte[] item = _items[_head];
        _items[_head] = null!;
        _head = (_head + 1) & (_items.Length - 1);
        Count--;
        return item;
    }

    public byte[] PopBack()
    {
        int last = (_head + Count - 1) & (_items.Length - 1);
        byte[] item = _items[last];
        _items[last] = null!;
        Count--;
        return item;
    }

    // The capacity stays a power of two, so positions wrap with a mask.
    private void Grow()
    {
        if (Count < _items.Length) return;
        var larger = new byte[_items.Length * 2][];
        for (int i = 0; i < Count; i++) larger[i] = this[i];
        _items = larger;
        _head = 0;
    }
}
