using System;
using System.Diagnostics.CodeAnalysis;

namespace Reactor;

/// <summary>A timer scheduled on a loop; pass it to <see cref="TimerHeap.Cancel"/>. The default value is no timer.</summary>
public readonly record struct TimerHandle(int Id, uint Generation)
{
    public bool IsNone => Generation == 0;
}

/// <summary>
/// The timers of one loop: a binary min-heap over a preallocated entry table, O(log n) add and
/// cancel, O(1) next deadline (which bounds epoll_wait), and no allocation per timer once the
/// table has grown to the peak count. A heap rather than a timer wheel because Reactor's timers
/// are per connection, not per message (an idle timeout is re-armed lazily when it fires, never
/// on each read), so the log n sits off the hot path while the exact deadline saves wakeups.
/// Loop thread only.
/// </summary>
internal sealed class TimerHeap
{
    private struct Entry
    {
        public long Due;
        public Action<object?>? Callback;
        public object? State;
        public int HeapIndex;     // position in _heap, or -1 when free
        public uint Generation;   // moves on at every free, so old handles go stale
        public int NextFree;
    }

    private Entry[] _entries;
    private int[] _heap;
    private int _count;
    private int _freeHead = -1;
    private int _used;

    public TimerHeap(int initialCapacity = 64)
    {
        _entries = new Entry[initialCapacity];
        _heap = new int[initialCapacity];
    }

    /// <summary>Timers scheduled and not yet fired or cancelled.</summary>
    public int Count => _count;

    /// <summary>The earliest due time, or <see cref="long.MaxValue"/> when there is no timer.</summary>
    public long NextDue => _count == 0 ? long.MaxValue : _entries[_heap[0]].Due;

    /// <summary>Schedules <paramref name="callback"/>(<paramref name="state"/>) at loop time <paramref name="due"/> (ms).</summary>
    public TimerHandle Add(long due, Action<object?> callback, object? state)
    {
        int id = AllocateEntry();
        ref Entry e = ref _entries[id];
        e.Due = due;
        e.Callback = callback;
        e.State = state;
        if (_count == _heap.Length) Array.Resize(ref _heap, _heap.Length * 2);
        _heap[_count] = id;
        e.HeapIndex = _count;
        _count++;
        SiftUp(e.HeapIndex);
        return new TimerHandle(id, e.Generation);
    }

    /// <summary>Cancels a pending timer. Returns false when it already fired, was cancelled, or is none.</summary>
    public bool Cancel(TimerHandle handle)
    {
        if (handle.IsNone || (uint)handle.Id >= (uint)_used) return false;
        ref Entry e = ref _entries[handle.Id];
        if (e.Generation != handle.Generation || e.HeapIndex < 0) return false;
        RemoveAt(e.HeapIndex);
        FreeEntry(handle.Id);
        return true;
    }

    /// <summary>
    /// Takes the earliest timer due at or before <paramref name="now"/> off the heap and returns
    /// its callback, or false when none is due. The caller runs it, so it decides what a throwing
    /// callback means (the loop contains it).
    /// </summary>
    public bool TryTakeDue(long now, [NotNullWhen(true)] out Action<object?>? callback, out object? state)
    {
        callback = null;
        state = null;
        if (_count == 0) return false;
        int id = _heap[0];
        ref Entry e = ref _entries[id];
        if (e.Due > now) return false;
        callback = e.Callback!;
        state = e.State;
        RemoveAt(0);
        FreeEntry(id);
        return true;
    }

    private int AllocateEntry()
    {
        if (_freeHead >= 0)
        {
            int id = _freeHead;
            _freeHead = _entries[id].NextFree;
            return id;
        }
        if (_used == _entries.Length) Array.Resize(ref _entries, _entries.Length * 2);
        _entries[_used].Generation = 1;
        return _used++;
    }

    private void FreeEntry(int id)
    {
        ref Entry e = ref _entries[id];
        e.Callback = null;
        e.State = null;
        e.HeapIndex = -1;
        e.Generation = e.Generation == uint.MaxValue ? 1 : e.Generation + 1;
        e.NextFree = _freeHead;
        _freeHead = id;
    }

    private void RemoveAt(int index)
    {
        _count--;
        if (index == _count) return;
        _heap[index] = _heap[_count];
        _entries[_heap[index]].HeapIndex = index;
        SiftDown(index);
        SiftUp(index);
    }

    private void SiftUp(int index)
    {
        int id = _heap[index];
        long due = _entries[id].Due;
        while (index > 0)
        {
            int parent = (index - 1) >> 1;
            int parentId = _heap[parent];
            if (_entries[parentId].Due <= due) break;
            _heap[index] = parentId;
            _entries[parentId].HeapIndex = index;
            index = parent;
        }
        _heap[index] = id;
        _entries[id].HeapIndex = index;
    }

    private void SiftDown(int index)
    {
        int id = _heap[index];
        long due = _entries[id].Due;
        while (true)
        {
            int child = 2 * index + 1;
            if (child >= _count) break;
            if (child + 1 < _count && _entries[_heap[child + 1]].Due < _entries[_heap[child]].Due) child++;
            int childId = _heap[child];
            if (_entries[childId].Due >= due) break;
            _heap[index] = childId;
            _entries[childId].HeapIndex = index;
            index = child;
        }
        _heap[index] = id;
        _entries[id].HeapIndex = index;
    }
}
