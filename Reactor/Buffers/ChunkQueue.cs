using System;
using Reactor.Interop;

namespace Reactor.Buffers;

/// <summary>
/// A byte queue made of pool chunks: the output a connection accepted but the kernel has not
/// taken yet. Bytes arrive either copied (<see cref="Append"/>) or written in place
/// (<see cref="GetTailSpan"/> then <see cref="Advance"/>). Holds no chunk while empty. Owned by
/// one connection on one loop.
/// </summary>
internal unsafe struct ChunkQueue
{
    private struct Segment
    {
        public nint Chunk;
        public int Length;     // bytes written into the chunk
    }

    private Segment[]? _ring;  // chunks in order, a power-of-two ring
    private int _head;         // ring index of the oldest chunk
    private int _count;        // chunks in the ring
    private int _headOffset;   // bytes of the oldest chunk already sent

    public readonly bool IsEmpty => Length == 0;

    /// <summary>Bytes queued.</summary>
    public long Length { readonly get; private set; }

    /// <summary>
    /// Copies <paramref name="data"/> to the end of the queue. Returns false when the pool ran dry
    /// part way; what was copied stays queued.
    /// </summary>
    public bool Append(ReadOnlySpan<byte> data, BufferPool pool)
    {
        while (!data.IsEmpty)
        {
            Span<byte> tail = GetTailSpan(1, pool);
            if (tail.IsEmpty) return false;
            int n = Math.Min(tail.Length, data.Length);
            data[..n].CopyTo(tail);
            Advance(n);
            data = data[n..];
        }
        return true;
    }

    /// <summary>
    /// The free space after the last byte, at least <paramref name="sizeHint"/> bytes (at most a
    /// chunk): the tail chunk's room when it is enough, else a new chunk (the old one keeps its
    /// shorter length). Empty when the pool is at its limit.
    /// </summary>
    public Span<byte> GetTailSpan(int sizeHint, BufferPool pool)
    {
        int size = pool.ChunkSize;
        if (_count == 0 || size - Tail.Length < Math.Max(sizeHint, 1))
        {
            byte* chunk = pool.Rent();
            if (chunk == null) return default;
            PushChunk(chunk);
        }
        ref Segment tail = ref Tail;
        return new Span<byte>((byte*)tail.Chunk + tail.Length, size - tail.Length);
    }

    /// <summary>Commits <paramref name="count"/> bytes written into the span of <see cref="GetTailSpan"/>.</summary>
    public void Advance(int count)
    {
        if (_count == 0) throw new InvalidOperationException("Advance without a span from GetSpan (or after a send that emptied the queue)");
        Tail.Length += count;
        Length += count;
    }

    /// <summary>Describes up to <paramref name="max"/> chunks as iovecs, oldest first. Returns the count.</summary>
    public readonly int Gather(Libc.iovec* iov, int max)
    {
        int n = Math.Min(_count, max);
        for (int i = 0; i < n; i++)
        {
            Segment s = _ring![(_head + i) & (_ring.Length - 1)];
            int start = i == 0 ? _headOffset : 0;
            iov[i].iov_base = (byte*)s.Chunk + start;
            iov[i].iov_len = s.Length - start;
        }
        return n;
    }

    /// <summary>Drops <paramref name="bytes"/> from the front, returning emptied chunks to the pool.</summary>
    public void Consume(long bytes, BufferPool pool)
    {
        Length -= bytes;
        while (bytes > 0)
        {
            int available = _ring![_head].Length - _headOffset;
            if (bytes < available)
            {
                _headOffset += (int)bytes;
                return;
            }
            bytes -= available;
            PopChunk(pool);
        }
        // An empty queue holds no chunk, not even a tail with room left: idle connections hold no memory.
        if (Length == 0) Clear(pool);
    }

    /// <summary>Returns every chunk to the pool and forgets the queued bytes.</summary>
    public void Clear(BufferPool pool)
    {
        while (_count > 0) PopChunk(pool);
        Length = 0;
    }

    private readonly ref Segment Tail => ref _ring![(_head + _count - 1) & (_ring.Length - 1)];

    private void PushChunk(byte* chunk)
    {
        if (_ring is null)
        {
            _ring = new Segment[4];
        }
        else if (_count == _ring.Length)
        {
            var bigger = new Segment[_ring.Length * 2];
            for (int i = 0; i < _count; i++) bigger[i] = _ring[(_head + i) & (_ring.Length - 1)];
            _ring = bigger;
            _head = 0;
        }
        _ring[(_head + _count) & (_ring.Length - 1)] = new Segment { Chunk = (nint)chunk };
        _count++;
    }

    private void PopChunk(BufferPool pool)
    {
        pool.Return((byte*)_ring![_head].Chunk);
        _head = (_head + 1) & (_ring.Length - 1);
        _count--;
        _headOffset = 0;
    }
}
