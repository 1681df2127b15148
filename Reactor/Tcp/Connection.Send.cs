using System;
using System.Runtime.CompilerServices;
using Reactor.Buffers;
using Reactor.Interop;
using Reactor.Platform;

namespace Reactor;

public sealed unsafe partial class Connection
{
    // Chunks gathered into one sendmsg(2); 64 x 16 KiB = 1 MiB, the default high-water mark.
    private const int MaxIovecs = 64;

    private ChunkQueue _output;
    private bool _outputBlocked;   // the kernel refused part of the output: armed for writability
    private bool _flushScheduled;  // output batched this iteration: flushed in the deferred pass
    private bool _unwritable;      // output reached the high-water mark and has not drained to the low one
    private bool _drainedPending;  // OnDrained is due in the deferred pass
    private int _writerSpan;       // length of the span GetSpan lent: 0 none, -1 the loop's scratch buffer

    /// <summary>
    /// False from the moment queued output reaches <see cref="ReactorOptions.MaxPendingBytes"/>
    /// until it drains to half of it (then <see cref="IConnectionHandler.OnDrained"/> runs), and
    /// once the connection can no longer send. Sends are still accepted meanwhile; a handler that
    /// produces output from another source (a proxy) stops reading that source instead.
    /// </summary>
    public bool IsWritable => CanSend && !_unwritable;

    /// <summary>
    /// Whether the loop stops reading from this connection while it is not
    /// <see cref="IsWritable"/>: a peer that sends requests but does not read the replies is
    /// slowed down instead of filling memory. A proxy turns this off and pauses the other side,
    /// since the bytes it reads here go elsewhere. Defaults to true.
    /// </summary>
    public bool PauseReadingWhileUnwritable
    {
        get;
        set
        {
            if (field == value) return;
            field = value;
            UpdateInterest();
            ScheduleRedelivery();
        }
    } = true;

    private bool CanSend => Fd >= 0 && !_writeShut && !_closeDeferred;

    /// <summary>
    /// Sends <paramref name="data"/> now: bytes written earlier in this iteration
    /// (<see cref="Write"/>) and <paramref name="data"/> go out in one gathered syscall, straight
    /// from the caller's memory, and only what the kernel does not take is copied into the queue
    /// (flushed when the socket is writable). Returns true when every byte was sent or queued;
    /// false when the connection cannot send (closed, closing, or after <see cref="ShutdownWrite"/>:
    /// nothing is taken), or when it had to be closed because the send failed or the pool was at
    /// its limit (what was not delivered is counted as lost).
    /// </summary>
    // The iovec array is 1 KiB, and every entry is written before it is read: skip zeroing it on each call.
    [SkipLocalsInit]
    public bool Send(ReadOnlySpan<byte> data)
    {
        if (!CanSend) return false;
        _writerSpan = 0;
        if (data.IsEmpty) return true;
        // The kernel is full: queue behind what waits for writability.
        if (_outputBlocked) return Enqueue(data);
        // A queued file range goes out by sendfile in the deferred pass: these bytes go after it.
        if (_output.HasFile) return Write(data);
        Libc.iovec* iov = stackalloc Libc.iovec[MaxIovecs];
        int count = _output.IsEmpty ? 0 : _output.Gather(iov, MaxIovecs);
        if (count == MaxIovecs) return Write(data);   // more batched than one call takes: queue behind it
        long queued = _output.Length;
        nint n;
        fixed (byte* p = data)
        {
            if (count == 0)
            {
                n = Sockets.Send(Fd, p, data.Length);
            }
            else
            {
                iov[count].iov_base = p;
                iov[count].iov_len = data.Length;
                n = Sockets.SendGathered(Fd, iov, count + 1);
            }
        }
        OwnerLoop.Stats.sendCalls++;
        if (n < 0)
        {
            ErrorCode error = Sys.ErrorOf(n);
            if (error != ErrorCode.WouldBlock)
            {
                RequestClose(ReasonFor(error));
                return false;
            }
            n = 0;
        }
        Sent(n);
        long fromQueue = Math.Min(n, queued);
        if (fromQueue > 0) _output.Consume(fromQueue, OwnerLoop.Buffers);
        int fromData = (int)(n - fromQueue);
        if (fromData == data.Length && _output.IsEmpty)
        {
            OutputShrank();
            return true;
        }
        // The kernel took less than offered: queue the rest and wait for writability (a flush
        // scheduled for the deferred pass would only meet EAGAIN).
        if (!Enqueue(data[fromData..])) return false;
        _outputBlocked = true;
        _flushScheduled = false;
        UpdateInterest();
        return true;
    }

    /// <summary>
    /// Queues <paramref name="data"/> (copied into pool memory) to leave with everything else
    /// written during this loop iteration, in one syscall at its end: many small responses to one
    /// read of pipelined requests cost one sendmsg(2). Returns as <see cref="Send"/> does.
    /// </summary>
    public bool Write(ReadOnlySpan<byte> data)
    {
        if (!CanSend) return false;
        _writerSpan = 0;
        if (data.IsEmpty) return true;
        if (!Enqueue(data)) return false;
        ScheduleFlush();
        return true;
    }

    /// <summary>
    /// Queues <paramref name="count"/> bytes of the file <paramref name="fileFd"/>, from
    /// <paramref name="offset"/>, behind everything written so far, to be sent with sendfile(2)
    /// (no copy through user space) in the deferred pass and, for what the kernel does not take at
    /// once, on writability. Output written later follows it. The connection owns
    /// <paramref name="fileFd"/> from this call on and closes it once the range is sent or the
    /// connection closes (its unsent bytes are then counted as lost). The range counts towards
    /// <see cref="PendingBytes"/> and the high-water mark. Returns false, with the fd closed, when
    /// the connection cannot send. Linux only: elsewhere it throws <see cref="PlatformNotSupportedException"/>.
    /// </summary>
    public bool SendFile(int fileFd, long offset, long count)
    {
        Sockets.RequireSendFile();
        ArgumentOutOfRangeException.ThrowIfNegative(offset);
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        if (!CanSend || count == 0)
        {
            Sys.Close(fileFd);
            return CanSend;
        }
        _writerSpan = 0;
        _output.AppendFile(fileFd, offset, count);
        OutputGrew();
        ScheduleFlush();
        return true;
    }

    /// <summary>
    /// Lends pool memory at the end of the output, at least <paramref name="sizeHint"/> bytes (at
    /// most <see cref="ReactorOptions.BufferSize"/>), to format output into in place; commit with
    /// <see cref="Advance"/>, which batches it like <see cref="Write"/>, in the same callback and
    /// with no other output member in between. When the connection cannot send, the span is scratch memory whose bytes
    /// are dropped, so a writer never checks for null (check <see cref="IsOpen"/> to skip the work).
    /// </summary>
    public Span<byte> GetSpan(int sizeHint = 0)
    {
        int chunkSize = OwnerLoop.Buffers.ChunkSize;
        if ((uint)sizeHint > (uint)chunkSize)
            throw new ArgumentOutOfRangeException(nameof(sizeHint), sizeHint, $"GetSpan lends at most one buffer ({chunkSize} bytes)");
        if (CanSend)
        {
            Span<byte> span = _output.GetTailSpan(sizeHint, OwnerLoop.Buffers);
            if (!span.IsEmpty)
            {
                _writerSpan = span.Length;
                // Flushed (or, if never advanced, given back) in the deferred pass.
                ScheduleFlush();
                return span;
            }
            RequestClose(CloseReason.OutOfBuffers);
        }
        _writerSpan = -1;
        return new Span<byte>(OwnerLoop.ScratchBuffer, chunkSize);
    }

    /// <summary>Commits <paramref name="count"/> bytes written into the span from <see cref="GetSpan"/>.</summary>
    public void Advance(int count)
    {
        int lent = _writerSpan;
        _writerSpan = 0;
        if (lent == 0) throw new InvalidOperationException("Advance without a span from GetSpan");
        int limit = lent < 0 ? OwnerLoop.Buffers.ChunkSize : lent;
        if ((uint)count > (uint)limit) throw new ArgumentOutOfRangeException(nameof(count), count, $"Advance past the {limit} bytes GetSpan lent");
        if (lent < 0 || !CanSend || count == 0) return;
        _output.Advance(count);
        OutputGrew();
    }

    /// <summary>Copies <paramref name="data"/> behind the queued output. Returns false when the pool ran dry (the connection is closing).</summary>
    private bool Enqueue(ReadOnlySpan<byte> data)
    {
        if (!_output.Append(data, OwnerLoop.Buffers))
        {
            RequestClose(CloseReason.OutOfBuffers);
            return false;
        }
        OutputGrew();
        return true;
    }

    /// <summary>Flushes batched output in this iteration's deferred pass, unless it already waits for writability.</summary>
    private void ScheduleFlush()
    {
        if (_outputBlocked || _flushScheduled) return;
        _flushScheduled = true;
        Defer();
    }

    /// <summary>Writes queued output until the kernel stops taking it.</summary>
    [SkipLocalsInit]
    private void Flush()
    {
        _flushScheduled = false;
        _writerSpan = 0;   // a span lent in an earlier callback and never advanced is void now
        Libc.iovec* iov = stackalloc Libc.iovec[MaxIovecs];
        while (!_output.IsEmpty)
        {
            long offered = 0;
            nint n;
            if (_output.HeadIsFile)
            {
                (int file, long offset, offered) = _output.HeadFile;
                n = Sockets.SendFile(Fd, file, ref offset, offered);
                // The file ended before the range did (it shrank): the promised bytes can never be sent.
                if (n == 0)
                {
                    RequestClose(CloseReason.Error);
                    return;
                }
            }
            else
            {
                int count = _output.Gather(iov, MaxIovecs);
                for (int i = 0; i < count; i++) offered += iov[i].iov_len;
                n = Sockets.SendGathered(Fd, iov, count);
            }
            OwnerLoop.Stats.sendCalls++;
            if (n < 0)
            {
                ErrorCode error = Sys.ErrorOf(n);
                if (error == ErrorCode.WouldBlock) break;
                RequestClose(ReasonFor(error));
                return;
            }
            Sent(n);
            _output.Consume(n, OwnerLoop.Buffers);
            if (n < offered) break;
        }
        _outputBlocked = !_output.IsEmpty;
        // A chunk GetSpan lent that was never advanced goes back: an idle connection holds no memory.
        if (!_outputBlocked) _output.Clear(OwnerLoop.Buffers);
        OutputShrank();
        if (_output.IsEmpty && _writeShut && !_finSent)
        {
            FinishWrite();
            return;
        }
        UpdateInterest();
    }

    private void Sent(nint bytes)
    {
        if (bytes == 0) return;
        OwnerLoop.Stats.bytesSent += bytes;
        _lastActivity = OwnerLoop.NowMilliseconds;
    }

    private void OutputGrew()
    {
        if (_unwritable || _output.Length < OwnerLoop.Options.MaxPendingBytes) return;
        _unwritable = true;
        if (PauseReadingWhileUnwritable) UpdateInterest();
    }

    private void OutputShrank()
    {
        if (!_unwritable || _output.Length > OwnerLoop.Options.MaxPendingBytes / 2) return;
        _unwritable = false;
        _drainedPending = true;
        Defer();
        ScheduleRedelivery();
    }
}
