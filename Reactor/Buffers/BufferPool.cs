using System;
using System.Runtime.InteropServices;

namespace Reactor.Buffers;

/// <summary>
/// Fixed-size chunks of native memory for one loop. Memory comes in slabs allocated up front;
/// when every chunk is lent out the pool grows by one slab, up to <see cref="MaxSlabs"/>, after
/// which <see cref="Rent"/> returns null and the caller closes the connection that asked
/// (its unsent bytes are reported lost). Not thread-safe: only the owning loop touches it.
/// </summary>
public sealed unsafe class BufferPool : IDisposable
{
    private readonly nint[] _slabs;
    private nint[] _free;
    private int _freeCount;
    private int _slabCount;

    /// <param name="chunkSize">Bytes per chunk.</param>
    /// <param name="chunksPerSlab">Chunks allocated together in one slab.</param>
    /// <param name="initialSlabs">Slabs allocated up front.</param>
    /// <param name="maxSlabs">The most slabs the pool will ever hold.</param>
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

    /// <summary>Chunks the pool owns (lent out or free).</summary>
    public int TotalChunks => _slabCount * ChunksPerSlab;

    /// <summary>Chunks currently lent out.</summary>
    public int RentedChunks => TotalChunks - _freeCount;

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

    private bool AddSlab()
    {
        if (_slabCount == MaxSlabs) return false;
        nint slab = (nint)NativeMemory.AlignedAlloc((nuint)((long)ChunkSize * ChunksPerSlab), 4096);
        _slabs[_slabCount++] = slab;
        if (_free.Length < TotalChunks) Array.Resize(ref _free, TotalChunks);
        for (int i = ChunksPerSlab - 1; i >= 0; i--) _free[_freeCount++] = slab + (nint)i * ChunkSize;
        return true;
    }

    public void Dispose()
    {
        for (int i = 0; i < _slabCount; i++) NativeMemory.AlignedFree((void*)_slabs[i]);
        _slabCount = 0;
        _freeCount = 0;
    }
}
