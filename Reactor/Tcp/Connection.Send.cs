using System;
using Reactor.Buffers;
using Reactor.Interop;

namespace Reactor;

public sealed unsafe partial class Connection
{
    // Chunks gathered into one sendmsg(2); 64 x 16 KiB = 1 MiB, the default high-water mark.
    private const int MaxIovecs = 64;

    private ChunkQueue _output;
    private bool _readPaused;    // output above the high-water mark: backpressure on the peer

    /// <summary>
    /// Sends <paramref name="data"/>: writes straight to the socket and queues (copies) only what
    /// the kernel did not take; the queue is flushed when the socket is writable. Returns true
    /// when every byte was sent or queued; false when the connection is closed or closing (nothing
    /// is taken), or when it had to be closed because the send failed or the pool was exhausted
    /// (what was not delivered is counted as lost). When queued output rises above <see cref="ReactorOptions.MaxPendingBytes"/> the
    /// loop stops reading from this peer until the queue is below half of it.
    /// </summary>
    public bool Send(ReadOnlySpan<byte> data)
    {
        if (!IsOpen) return false;
        if (data.IsEmpty) return true;
        int sent = 0;
        if (_output.IsEmpty)
        {
            nint n;
            fixed (byte* p = data) n = Sys.Check(Libc.send(_fd, p, data.Length, Libc.MSG_NOSIGNAL | Libc.MSG_DONTWAIT));
            if (n == data.Length)
            {
                _loop.Stats.bytesSent += n;
                return true;
            }
            if (n >= 0)
            {
                _loop.Stats.bytesSent += n;
                sent = (int)n;
            }
            else if (n != -Errno.EAGAIN && n != -Errno.EINTR)
            {
                RequestClose(ReasonFor(n));
                return false;
            }
        }
        if (!_output.Append(data[sent..], _loop.Buffers))
        {
            RequestClose(CloseReason.OutOfBuffers);
            return false;
        }
        if (_output.Length >= _loop.Options.MaxPendingBytes) _readPaused = true;
        UpdateInterest();
        return true;
    }

    /// <summary>Writes queued output until the kernel stops taking it.</summary>
    private void Flush()
    {
        Libc.iovec* iov = stackalloc Libc.iovec[MaxIovecs];
        while (!_output.IsEmpty)
        {
            int count = _output.Gather(iov, MaxIovecs, _loop.Buffers.ChunkSize);
            long offered = 0;
            for (int i = 0; i < count; i++) offered += iov[i].iov_len;
            Libc.msghdr msg = default;
            msg.msg_iov = iov;
            msg.msg_iovlen = count;
            nint n = Sys.Check(Libc.sendmsg(_fd, &msg, Libc.MSG_NOSIGNAL | Libc.MSG_DONTWAIT));
            if (n < 0)
            {
                if (n == -Errno.EAGAIN || n == -Errno.EINTR) break;
                RequestClose(ReasonFor(n));
                return;
            }
            _loop.Stats.bytesSent += n;
            _lastActivity = _loop.NowMilliseconds;
            _output.Consume(n, _loop.Buffers);
            if (n < offered) break;
        }
        if (_readPaused && _output.Length <= _loop.Options.MaxPendingBytes / 2) _readPaused = false;
        if (_output.IsEmpty && _closeWhenFlushed)
        {
            FinishGracefulClose();
            return;
        }
        UpdateInterest();
    }
}
