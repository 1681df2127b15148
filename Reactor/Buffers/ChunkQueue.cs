using System;
using Reactor.Interop;

namespace Reactor.Buffers;

/// <summary>
/// A byte queue made of pool chunks: the output a connection accepted but the kernel has not
/// taken yet. Holds no chunk while empty. Owned by one connection on one loop.
/// </summary>
internal unsafe struct ChunkQueue
{
    private nint[]? _chunks;   // ring of chunk addresses
    private int _head;         // ring index of the oldest chunk
    private int _count;        // chunks in the ring
    private int _headOffset;   // bytes of the oldest chunk already sent
    private int _tailLength;   // bytes written into the newest chunk

    public readonly bool IsEmpty => _count == 0;

    /// <summary>Bytes queued.</summary>
    public long Length { readonly get; private set; }

    /// <summary>
    /// Copies <paramref name="data"/> to the end of the queue. Returns false when the pool ran dry
    /// part way; what was copied stays queued.
    /// </summary>
    public bool Append(ReadOnlySpan<byte> data, BufferPool pool)
    {
        int size = pool.ChunkSize;
        while (!data.IsEmpty)
        {
            if (_count == 0 || _tailLength == size)
            {
                byte* chunk = pool.Rent();
                if (chunk == null) return false;
                PushChunk(chunk);
                _tailLength = 0;
            }
            byte* tail = (byte*)_chunks![(_head + _count - 1) & (_chunks.Length - 1)];
            int n = Math.Min(size - _tailLength, data.Length);
            data[..n].CopyTo(new Span<byte>(tail + _tailLength, n));
            _tailLength += n;
            Length += n;
            data = data[n..];
        }
        return true;
    }

    /// <summary>Describes up to <paramref name="max"/> chunks as iovecs, oldest first. Returns the count.</summary>
    public readonly int Gather(Libc.iovec* iov, int max, int chunkSize)
    {
        int n = Math.Min(_count, max);
        for (int i = 0; i < n; i++)
        {
            byte* chunk = (byte*)_chunks![(_head + i) & (_chunks.Length - 1)];
            int start = i == 0 ? _headOffset : 0;
            int end = i == _count - 1 ? _tailLength : chunkSize;
            iov[i].iov_base = chunk + start;
            iov[i].iov_len = end - start;
        }
        return n;
    }

    /// <summary>Drops <paramref name="bytes"/> from the front, returning emptied chunks to the pool.</summary>
    public void Consume(long bytes, BufferPool pool)
    {
        Length -= bytes;
        while (bytes > 0)
        {
            int end = _count == 1 ? _tailLength : pool.ChunkSize;
            int available = end - _headOffset;
            if (bytes < available)
            {
                _headOffset += (int)bytes;
                return;
            }
            bytes -= available;
            PopChunk(pool);
        }
    }

    /// <summary>Returns every chunk to the pool and forgets the queued bytes.</summary>
    public void Clear(BufferPool pool)
    {
        while (_count > 0) PopChunk(pool);
        Length = 0;
    }

    private void PushChunk(byte* chunk)
    {
        if (_chunks is null)
        {
            _chunks = new nint[4];
        }
        else if (_count == _chunks.Length)
        {
            var bigger = new nint[_chunks.Length * 2];
            for (int i = 0; i < _count; i++) bigger[i] = _chunks[(_head + i) & (_chunks.Length - 1)];
            _chunks = bigger;
            _head = 0;
        }
        _chunks[(_head + _count) & (_chunks.Length - 1)] = (nint)chunk;
        _count++;
    }

    private void PopChunk(BufferPool pool)
    {
        pool.Return((byte*)_chunks![_head]);
        _head = (_head + 1) & (_chunks.Length - 1);
        _count--;
        _headOffset = 0;
        if (_count == 0) _tailLength = 0;
    }
}
