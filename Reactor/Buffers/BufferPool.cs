using System;
using System.Runtime.InteropServices;

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
public sealed unsafe class BufferPool : IDisposable
{
    private readonly nint[] _slabs;
    private nint[] _free;
    private int _freeCount;
    private int _slabCount;
    private byte* _keptBlock;   // the largest block returned, for the next RentBlock; null when none
    private int _keptBlockSize;

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

    /// <summary>Bytes currently lent out as blocks (<see cref="RentBlock"/>).</summary>
    public long BlockBytes { get; private set; }

    private long SlabBytes => (long)ChunkSize * ChunksPerSlab;

    /// <summary>Bytes the pool holds from the system: slabs, lent blocks and the kept block.</summary>
    private long HeldBytes => _slabCount * SlabBytes + BlockBytes + _keptBlockSize;

    /// <summary>Lends a chunk of <see cref="ChunkSize"/> bytes, or returns null when the pool is at its limit.</summary>
    public byte* Rent()
    {
        if (_freeCount == 0 && !AddSlab()) return null;
        return (byte*)_free[--_freeCount];
    }

    /// <summary>Takes back a chunk that <see cref="Rent"/> lent.</summary>
    public void Return(byte* chunk)
    {
        _free[_freeCount++] = (nint)chunk;
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
        if (_free.Length < TotalChunks) Array.Resize(ref _free, TotalChunks);
        for (int i = ChunksPerSlab - 1; i >= 0; i--) _free[_freeCount++] = slab + (nint)i * ChunkSize;
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
