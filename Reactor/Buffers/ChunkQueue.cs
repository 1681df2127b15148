using System;
using Reactor.Interop;

namespace Reactor.Buffers;

/// <summary>
/// A byte queue made of pool chunks: the output a connection accepted but the kernel has not
/// taken yet. Bytes arrive either copied (<see cref="Append"/>) or written in place
/// (<see cref="GetTailSpan"/> then <see cref="Advance"/>), or as a range of a file
/// (<see cref="AppendFile"/>) that is sent with sendfile(2) in its place in the order and closed
/// once sent. Holds no chunk while empty. Owned by one connection on one loop.
/// </summary>
internal unsafe struct ChunkQueue
{
    private struct Segment
    {
        public nint Chunk;     // 0 for a file range
        public int Length;     // bytes written into the chunk
        public int FileFd;     // a file range: the file, owned by the queue
        public long FileOffset;
        public long FileLength;

        public readonly bool IsFile => Chunk == 0;
    }

    private Segment[]? _ring;  // chunks in order, a power-of-two ring
    private int _head;         // ring index of the oldest chunk
    private int _count;        // chunks in the ring
    private int _headOffset;   // bytes of the oldest chunk already sent
    private int _files;        // file ranges in the ring

    public readonly bool IsEmpty => Length == 0;

    /// <summary>True while a file range is queued: bytes sent from elsewhere must queue behind it.</summary>
    public readonly bool HasFile => _files > 0;

    /// <summary>True when the oldest bytes are a file range (<see cref="HeadFile"/>), sent with sendfile(2) rather than gathered.</summary>
    public readonly bool HeadIsFile => _count > 0 && _ring![_head].IsFile;

    /// <summary>The oldest file range: the file, where its unsent part starts, and how long it is.</summary>
    public readonly (int Fd, long Offset, long Length) HeadFile
    {
        get
        {
            Segment s = _ring![_head];
            return (s.FileFd, s.FileOffset, s.FileLength);
        }
    }

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
        if (_count == 0 || Tail.IsFile || size - Tail.Length < Math.Max(sizeHint, 1))
        {
            byte* chunk = pool.Rent();
            if (chunk == null) return default;
            Push(new Segment { Chunk = (nint)chunk });
        }
        ref Segment tail = ref Tail;
        return new Span<byte>((byte*)tail.Chunk + tail.Length, size - tail.Length);
    }

    /// <summary>
    /// Queues <paramref name="length"/> bytes of the file <paramref name="fd"/> from
    /// <paramref name="offset"/>; the queue owns the fd from now on and closes it once the range
    /// is consumed or the queue cleared.
    /// </summary>
    public void AppendFile(int fd, long offset, long length)
    {
        Push(new Segment { FileFd = fd, FileOffset = offset, FileLength = length });
        _files++;
        Length += length;
    }

    /// <summary>Commits <paramref name="count"/> bytes written into the span of <see cref="GetTailSpan"/>.</summary>
    public void Advance(int count)
    {
        if (_count == 0) throw new InvalidOperationException("Advance without a span from GetSpan (or after a send that emptied the queue)");
        Tail.Length += count;
        Length += count;
    }

    /// <summary>Describes up to <paramref name="max"/> chunks as iovecs, oldest first, up to the first file range. Returns the count.</summary>
    public readonly int Gather(Libc.iovec* iov, int max)
    {
        int n = Math.Min(_count, max);
        for (int i = 0; i < n; i++)
        {
            Segment s = _ring![(_head + i) & (_ring.Length - 1)];
            if (s.IsFile) return i;
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
            ref Segment head = ref _ring![_head];
            if (head.IsFile)
            {
                if (bytes < head.FileLength)
                {
                    head.FileOffset += bytes;
                    head.FileLength -= bytes;
                    return;
                }
                bytes -= head.FileLength;
                Pop(pool);
                continue;
            }
            int available = head.Length - _headOffset;
            if (bytes < available)
            {
                _headOffset += (int)bytes;
                return;
            }
            bytes -= available;
            Pop(pool);
        }
        // An empty queue holds no chunk, not even a tail with room left: idle connections hold no memory.
        if (Length == 0) Clear(pool);
    }

    /// <summary>Returns every chunk to the pool, closes the queued files, and forgets the queued bytes.</summary>
    public void Clear(BufferPool pool)
    {
        while (_count > 0) Pop(pool);
        Length = 0;
    }

    private readonly ref Segment Tail => ref _ring![(_head + _count - 1) & (_ring.Length - 1)];

    private void Push(Segment segment)
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
        _ring[(_head + _count) & (_ring.Length - 1)] = segment;
        _count++;
    }

    private void Pop(BufferPool pool)
    {
        Segment head = _ring![_head];
        if (head.IsFile)
        {
            Sys.Close(head.FileFd);
            _files--;
        }
        else
        {
            pool.Return((byte*)head.Chunk);
        }
        _head = (_head + 1) & (_ring.Length - 1);
        _count--;
        _headOffset = 0;
    }
}
