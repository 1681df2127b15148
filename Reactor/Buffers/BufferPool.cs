using System;
using System.Runtime.InteropServices;
using Reactor.Platform;

namespace Reactor.Buffers;

/// <summary>
/// Native memory for one loop. Fixed-size chunks come from slabs allocated up front; when every
/// chunk is lent out the pool grows by one slab. Input larger than a chunk (a frame or a header
/// block a protocol allows to be bigger) gets a block of its own, allocated when needed; the
/// largest block returned is kept for the next one, since fresh pages cost a page fault each
/// (a 5 MiB frame through a doubling buffer took 46 ms instead of 0.5 ms on this project's VM,
/// all in faults: LargeInputBenchmarks). Slabs, blocks and the kept block share one budget of
/// <see cref="MaxBytes"/>; beyond it
/// <see cref="Rent"/> and <see cref="RentBlock"/> return null and the caller closes the connection
/// that asked (its unsent bytes are reported lost). Not thread-safe: only the owning loop touches it.
/// </summary>
/// <remarks>
/// Memory goes back to the kernel after a burst: <see cref="Trim"/>, run by the owner every
/// <see cref="TrimInterval"/> while <see cref="TrimPending"/>, gives back the pages of free chunks
/// no <see cref="Rent"/> reached for a whole interval (madvise, so the slabs stay mapped and the
/// budget is unchanged) and frees a kept block nobody took. The free list is a stack, so the chunks
/// in use stay at its top and the cold ones sink to the bottom: the lowest depth the stack reached
/// since the last trim marks them, and keeping that mark is one compare per <see cref="Rent"/>.
/// </remarks>
public sealed unsafe class BufferPool : IDisposable
{
    private readonly nint[] _slabs;
    private nint[] _free;
    private int _freeCount;
    private int _slabCount;
    private byte* _keptBlock;   // the largest block returned, for the next RentBlock; null when none
    private int _keptBlockSize;
    private int _keptBlockTrims;    // trims the kept block has waited through untaken
    private int _released;          // _free[0.._released) hold chunks whose pages were given back
    private int _untouched;         // the lowest _freeCount since the last trim: _free[0.._untouched) sat unused

    /// <param name="chunkSize">Bytes per chunk.</param>
    /// <param name="chunksPerSlab">Chunks allocated together in one slab.</param>
    /// <param name="initialSlabs">Slabs allocated up front.</param>
    /// <param name="maxSlabs">The budget, in slabs: slabs and blocks together stay within maxSlabs slabs' bytes.</param>
    public BufferPool(int chunkSize, int chunksPerSlab, int initialSlabs, int maxSlabs)
    {
        if (chunkSize < 64 || chunksPerSlab < 1 || initialSlabs < 0 || maxSlabs < Math.Max(1, initialSlabs))
            throw new ArgumentOutOfRangeException(nameof(chunkSize), "invalid buffer pool geometry");
        ChunkSize = chunkSize;
        ChunksPerSlab = chunksPerSlab;
        MaxSlabs = maxSlabs;
        _slabs = new nint[maxSlabs];
        _free = new nint[chunksPerSlab * Math.Max(1, initialSlabs)];
        for (int i = 0; i < initialSlabs; i++) AddSlab();
    }

    public int ChunkSize { get; }
    public int ChunksPerSlab { get; }
    public int MaxSlabs { get; }

    /// <summary>The most bytes slabs and blocks may hold together.</summary>
    public long MaxBytes => (long)MaxSlabs * SlabBytes;

    /// <summary>Chunks the pool owns (lent out or free).</summary>
    public int TotalChunks => _slabCount * ChunksPerSlab;

    /// <summary>Chunks currently lent out.</summary>
    public int RentedChunks => TotalChunks - _freeCount;

    /// <summary>
    /// How often the owner runs <see cref="Trim"/>: a free chunk's pages go back to the kernel one
    /// to two intervals after its last use. 2 s: after a burst, RSS is back within 4 s (the
    /// issue asks for 10 s), and a connection that comes back within 2 s finds its chunks warm.
    /// </summary>
    public static readonly TimeSpan TrimInterval = TimeSpan.FromSeconds(2);

    /// <summary>
    /// True while <see cref="Trim"/> may have memory to give back (the owner keeps it scheduled);
    /// false once every free chunk is given back and no block is kept.
    /// </summary>
    public bool TrimPending { get; private set; }

    /// <summary>
    /// Called when <see cref="TrimPending"/> turns true (a chunk or block came back): the owner
    /// schedules <see cref="Trim"/> after <see cref="TrimInterval"/>.
    /// </summary>
    public Action? TrimNeeded { get; set; }

    /// <summary>Free chunks whose pages have been given back to the kernel.</summary>
    public int ReleasedChunks => _released;

    /// <summary>Bytes currently lent out as blocks (<see cref="RentBlock"/>).</summary>
    public long BlockBytes { get; private set; }

    private long SlabBytes => (long)ChunkSize * ChunksPerSlab;

    /// <summary>Bytes the pool holds from the system: slabs, lent blocks and the kept block.</summary>
    private long HeldBytes => _slabCount * SlabBytes + BlockBytes + _keptBlockSize;

    /// <summary>Lends a chunk of <see cref="ChunkSize"/> bytes, or returns null when the pool is at its limit.</summary>
    public byte* Rent()
    {
        if (_freeCount == 0 && !AddSlab()) return null;
        byte* chunk = (byte*)_free[--_freeCount];
        if (_freeCount < _untouched) _untouched = _freeCount;
        return chunk;
    }

    /// <summary>Takes back a chunk that <see cref="Rent"/> lent.</summary>
    public void Return(byte* chunk)
    {
        _free[_freeCount++] = (nint)chunk;
        if (!TrimPending) RequestTrim();
    }

    /// <summary>
    /// Lends a block of at least <paramref name="size"/> bytes (the kept block when it is big
    /// enough; its real size is in <paramref name="capacity"/>), or returns null when it would
    /// pass <see cref="MaxBytes"/>.
    /// </summary>
    public byte* RentBlock(int size, out int capacity)
    {
        byte* block;
        if (_keptBlockSize >= size)
        {
            block = _keptBlock;
            capacity = _keptBlockSize;
            _keptBlock = null;
            _keptBlockSize = 0;
        }
        else
        {
            FreeKeptBlock();
            capacity = size;
            if (HeldBytes + size > MaxBytes) return null;
            block = (byte*)NativeMemory.Alloc((nuint)size);
        }
        BlockBytes += capacity;
        return block;
    }

    /// <summary>Takes back a block that <see cref="RentBlock"/> lent, with its <paramref name="capacity"/>.</summary>
    public void ReturnBlock(byte* block, int capacity)
    {
        BlockBytes -= capacity;
        if (capacity <= _keptBlockSize)
        {
            NativeMemory.Free(block);
            return;
        }
        FreeKeptBlock();
        _keptBlock = block;
        _keptBlockSize = capacity;
        _keptBlockTrims = 0;
        if (!TrimPending) RequestTrim();
    }

    /// <summary>
    /// Gives back to the kernel the pages of the free chunks no <see cref="Rent"/> reached since
    /// the last call, and frees a kept block left untaken through two calls. Returns
    /// <see cref="TrimPending"/>: whether to call again after another <see cref="TrimInterval"/>.
    /// </summary>
    public bool Trim()
    {
        // A chunk rented from the given-back part and returned is in use again: that part ends
        // where the stack was lowest.
        int released = Math.Min(_released, _untouched);
        if (_untouched > released)
        {
            // Cold chunks may be reordered: sorted, neighbours merge into one madvise per run
            // (a 1 MiB slab of 16 KiB chunks is one call instead of 64).
            Span<nint> cold = _free.AsSpan(released, _untouched - released);
            cold.Sort();
            nint start = cold[0], end = start + ChunkSize;
            for (int i = 1; i < cold.Length; i++)
            {
                if (cold[i] == end)
                {
                    end += ChunkSize;
                    continue;
                }
                Memory.ReleasePages(start, end - start);
                start = cold[i];
                end = start + ChunkSize;
            }
            Memory.ReleasePages(start, end - start);
            released = _untouched;
        }
        _released = released;
        _untouched = _freeCount;
        if (_keptBlock != null && ++_keptBlockTrims >= 2) FreeKeptBlock();
        TrimPending = _released < _freeCount || _keptBlock != null;
        return TrimPending;
    }

    private void RequestTrim()
    {
        TrimPending = true;
        TrimNeeded?.Invoke();
    }

    private void FreeKeptBlock()
    {
        if (_keptBlock == null) return;
        NativeMemory.Free(_keptBlock);
        _keptBlock = null;
        _keptBlockSize = 0;
    }

    private bool AddSlab()
    {
        if (_slabCount == MaxSlabs) return false;
        if (HeldBytes + SlabBytes > MaxBytes) FreeKeptBlock();
        if (HeldBytes + SlabBytes > MaxBytes) return false;
        nint slab = (nint)NativeMemory.AlignedAlloc((nuint)SlabBytes, 4096);
        _slabs[_slabCount++] = slab;
        // Doubling: growing by one slab at a time left 650 KB of discarded arrays in the GC heap
        // after a 50 MiB burst, which stayed committed (no allocation afterwards to collect it).
        if (_free.Length < TotalChunks) Array.Resize(ref _free, Math.Min(Math.Max(TotalChunks, 2 * _free.Length), MaxSlabs * ChunksPerSlab));
        for (int i = ChunksPerSlab - 1; i >= 0; i--) _free[_freeCount++] = slab + (nint)i * ChunkSize;
        // A slab is added at construction or when no chunk is free, so the free stack holds only
        // chunks never touched: nothing in it is resident to give back.
        _released = _untouched = _freeCount;
        return true;
    }

    public void Dispose()
    {
        FreeKeptBlock();
        for (int i = 0; i < _slabCount; i++) NativeMemory.AlignedFree((void*)_slabs[i]);
        _slabCount = 0;
        _freeCount = 0;
    }
}
