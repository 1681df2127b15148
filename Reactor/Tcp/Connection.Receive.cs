using System;
using Reactor.Interop;

namespace Reactor;

public sealed unsafe partial class Connection
{
    // Reads per readiness event while each read fills the buffer; then the loop moves on so one
    // busy peer cannot starve the rest (level-triggered, so the rest is reported again).
    private const int ReadBudget = 4;

    private byte* _input;        // chunk holding input the handler left unconsumed, or null
    private int _inputLength;

    private void Receive()
    {
        int size = _loop.Buffers.ChunkSize;
        for (int reads = 0; reads < ReadBudget; reads++)
        {
            byte* start = _input != null ? _input : _loop.ReceiveBuffer;
            int room = size - _inputLength;
            nint n = Sys.Check(Libc.recv(_fd, start + _inputLength, room, 0));
            if (n > 0)
            {
                _loop.Stats.bytesReceived += n;
                _lastActivity = _loop.NowMilliseconds;
                if (!Deliver(start, _inputLength + (int)n)) return;
                if (n < room || _closeWhenFlushed || (_interest & Backends.Interest.Read) == 0) return;
                continue;
            }
            if (n == 0)
            {
                // EOF: the peer half-closed. Deliver what is queued, then close.
                CloseAfterFlush(CloseReason.PeerClosed);
                return;
            }
            if (n == -Errno.EAGAIN || n == -Errno.EINTR) return;
            CloseNow(ReasonFor(n));
            return;
        }
    }

    /// <summary>Hands input to the handler and keeps what it left. Returns false once the connection closed.</summary>
    private bool Deliver(byte* start, int length)
    {
        int consumed;
        _inCallback = true;
        try
        {
            consumed = _handler.OnData(this, new Span<byte>(start, length));
            if ((uint)consumed > (uint)length) throw new InvalidOperationException("OnData returned more than it was given");
        }
        catch (Exception)
        {
            consumed = length;
            RequestClose(CloseReason.HandlerError);
        }
        finally
        {
            _inCallback = false;
        }
        if (_closeDeferred)
        {
            CloseNow(_closeReason);
            return false;
        }
        if (_fd < 0) return false;
        int rest = length - consumed;
        if (rest == 0 || _closeWhenFlushed)
        {
            ReleaseInput();
        }
        else if (rest == _loop.Buffers.ChunkSize)
        {
            // A whole buffer and the handler still cannot make progress: the message is too large.
            CloseNow(CloseReason.ProtocolError);
            return false;
        }
        else
        {
            if (_input == null)
            {
                _input = _loop.Buffers.Rent();
                if (_input == null)
                {
                    CloseNow(CloseReason.OutOfBuffers);
                    return false;
                }
            }
            // Buffer.MemoryCopy is memmove: the remainder may overlap its destination.
            Buffer.MemoryCopy(start + consumed, _input, _loop.Buffers.ChunkSize, rest);
            _inputLength = rest;
        }
        UpdateInterest();
        return _fd >= 0;
    }

    private void ReleaseInput()
    {
        if (_input == null) return;
        _loop.Buffers.Return(_input);
        _input = null;
        _inputLength = 0;
    }
}
