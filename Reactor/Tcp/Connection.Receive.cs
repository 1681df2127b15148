using System;
using Reactor.Buffers;
using Reactor.Interop;
using Reactor.Platform;

namespace Reactor;

public sealed unsafe partial class Connection
{
    // Reads per readiness event while each read fills the buffer; then the loop moves on so one
    // busy peer cannot starve the rest (level-triggered, so the rest is reported again).
    private const int ReadBudget = 4;

    // Input the handler left unconsumed lives in [_input + _inputStart, + _inputLength) of a block
    // of _inputCapacity bytes: one pool chunk, or a block of its own when a protocol allows more
    // (MaxInputBytes). Reads go straight to the free space after it, so a large message is copied
    // at most once more on average (blocks grow by doubling, or to the size NeedInput names).
    private byte* _input;
    private int _inputCapacity;
    private int _inputStart;
    private int _inputLength;
    private int _inputNeeded;      // no OnData until this many bytes are buffered (NeedInput)
    private int _maxInput;
    private bool _delivering;      // inside OnData: the input block must stay where it is
    private bool _readPaused;      // PauseReading
    private bool _redeliver;       // reading resumed with input buffered: hand it over again
    private bool _inputEnded;      // the peer's end of stream was read

    /// <summary>
    /// The most unconsumed input the connection keeps for its handler. A protocol sets it to its
    /// own limit (a header block, a maximum frame) and decides itself what reaching it means;
    /// as a backstop, a handler that consumes nothing of this many bytes while reading gets the
    /// connection closed with <see cref="CloseReason.ProtocolError"/>. Input beyond one pool chunk
    /// is held in a block of its own, counted against <see cref="ReactorOptions.MaxPoolBytes"/>.
    /// Defaults to <see cref="ReactorOptions.BufferSize"/>.
    /// </summary>
    public int MaxInputBytes
    {
        get => _maxInput;
        set
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(value, 1);
            _maxInput = value;
        }
    }

    /// <summary>True while <see cref="PauseReading"/> holds reading off.</summary>
    public bool IsReadingPaused => _readPaused;

    /// <summary>
    /// Stops reading from the peer until <see cref="ResumeReading"/>: the kernel's receive buffer
    /// fills and TCP flow control slows the peer down; nothing is lost. Independent of the pause
    /// that output above the high-water mark causes (<see cref="PauseReadingWhileUnwritable"/>).
    /// </summary>
    public void PauseReading()
    {
        if (_readPaused) return;
        _readPaused = true;
        UpdateInterest();
    }

    /// <summary>
    /// Reads again after <see cref="PauseReading"/>. Input kept while paused is handed to
    /// <see cref="IConnectionHandler.OnData"/> again after the running callback returns, even if
    /// no new byte arrives.
    /// </summary>
    public void ResumeReading()
    {
        if (!_readPaused) return;
        _readPaused = false;
        UpdateInterest();
        ScheduleRedelivery();
    }

    /// <summary>
    /// Asks for the next <see cref="IConnectionHandler.OnData"/> only once at least
    /// <paramref name="length"/> bytes of unconsumed input are buffered, instead of a call for
    /// every partial read: a frame decoder that read a length prefix names the whole frame here.
    /// The buffer is sized for it at once, so the frame is copied at most once. Applies to the next
    /// call only; 0 clears it. At most <see cref="MaxInputBytes"/>.
    /// </summary>
    public void NeedInput(int length)
    {
        if ((uint)length > (uint)_maxInput)
            throw new ArgumentOutOfRangeException(nameof(length), length, $"NeedInput takes 0 to MaxInputBytes ({_maxInput})");
        _inputNeeded = length;
    }

    private void Receive()
    {
        int chunkSize = OwnerLoop.Buffers.ChunkSize;
        for (int reads = 0; reads < ReadBudget; reads++)
        {
            byte* target;
            int room;
            if (_input != null)
            {
                if (!MakeRoom()) return;
                target = _input + _inputStart + _inputLength;
                room = _inputCapacity - _inputStart - _inputLength;
            }
            else
            {
                target = OwnerLoop.ReceiveBuffer;
                room = chunkSize;
            }
            nint n = Sockets.Receive(Fd, target, room);
            if (n > 0)
            {
                OwnerLoop.Stats.bytesReceived += n;
                _lastActivity = OwnerLoop.NowMilliseconds;
                if (_input != null)
                {
                    _inputLength += (int)n;
                    Deliver(_input + _inputStart, _inputLength, fromInput: true);
                }
                else
                {
                    Deliver(target, (int)n, fromInput: false);
                }
                // Close and PauseReading inside OnData stop the reads here too (a lingering close
                // keeps Read armed, to see the peer's FIN, but delivers nothing more).
                if (n < room || Fd < 0 || _closeDeferred || !WantsInput) return;
                continue;
            }
            if (n == 0)
            {
                OnEndOfStream();
                return;
            }
            ErrorCode error = Sys.ErrorOf(n);
            if (error != ErrorCode.WouldBlock) CloseNow(ReasonFor(error));
            return;
        }
    }

    /// <summary>
    /// What the kernel received for the connection (io_uring): <paramref name="n"/> bytes at
    /// <paramref name="data"/> (valid until the next wait), 0 at the end of the stream, or a
    /// negative errno. Bytes that arrive while reading is paused left the socket before the pause
    /// reached the kernel: they are kept for the re-delivery on resume. An end of stream then waits
    /// too: the receive armed on resume reads it again.
    /// </summary>
    private void OnReceived(byte* data, int n)
    {
        if (_lingering)
        {
            // Discarding until the peer's FIN, as DiscardInput does.
            if (n <= 0) CloseNow(_closeReason);
            return;
        }
        if (n < 0)
        {
            CloseNow(ReasonFor(Sys.ErrorOf(n)));
            return;
        }
        if (_closing || _inputEnded) return;
        if (n == 0)
        {
            if (WantsInput) OnEndOfStream();
            return;
        }
        OwnerLoop.Stats.bytesReceived += n;
        _lastActivity = OwnerLoop.NowMilliseconds;
        if (!WantsInput)
        {
            AppendInput(data, n);
            return;
        }
        if (_input == null)
        {
            Deliver(data, n, fromInput: false);
            return;
        }
        if (AppendInput(data, n)) Deliver(_input + _inputStart, _inputLength, fromInput: true);
    }

    /// <summary>
    /// Appends <paramref name="n"/> received bytes to the input block, which grows as needed: past
    /// <see cref="MaxInputBytes"/> too, since the kernel already took the bytes (the no-progress
    /// backstop still applies at delivery). Returns false when the connection had to close.
    /// </summary>
    private bool AppendInput(byte* data, int n)
    {
        if (_input == null)
        {
            byte* block = RentInput(Math.Max(n, _inputNeeded), out int capacity);
            if (block == null) return false;
            _input = block;
            _inputCapacity = capacity;
        }
        else if (_inputStart + _inputLength + n > _inputCapacity)
        {
            int needed = _inputLength + n;
            if (needed <= _inputCapacity && _inputLength <= _inputCapacity / 2)
            {
                Buffer.MemoryCopy(_input + _inputStart, _input, _inputCapacity, _inputLength);
                OwnerLoop.Stats.inputBytesCopied += _inputLength;
                _inputStart = 0;
            }
            else if (!MoveInput(Math.Max(needed, (int)Math.Min(2L * _inputCapacity, _maxInput))))
            {
                return false;
            }
        }
        Buffer.MemoryCopy(data, _input + _inputStart + _inputLength, _inputCapacity - _inputStart - _inputLength, n);
        OwnerLoop.Stats.inputBytesCopied += n;
        _inputLength += n;
        return true;
    }

    /// <summary>
    /// Hands <paramref name="length"/> bytes of input to the handler (unless it asked for more
    /// with <see cref="NeedInput"/>) and keeps what it did not consume. <paramref name="fromInput"/>
    /// says the bytes are the connection's own input block rather than the loop's receive buffer.
    /// </summary>
    private void Deliver(byte* data, int length, bool fromInput)
    {
        int consumed = 0;
        if (length >= _inputNeeded)
        {
            _inputNeeded = 0;
            _delivering = true;
            OwnerLoop.CallbackDepth++;
            try
            {
                consumed = _handler.OnData(this, new Span<byte>(data, length));
                if ((uint)consumed > (uint)length) throw new InvalidOperationException($"OnData returned {consumed}, more than the {length} bytes it was given");
            }
            catch (Exception e)
            {
                consumed = length;
                HandlerFailed(e);
            }
            finally
            {
                OwnerLoop.CallbackDepth--;
                _delivering = false;
            }
            if (_closeDeferred)
            {
                CloseNow(_closeReason);
                return;
            }
        }
        KeepUnconsumed(data, length, consumed, fromInput);
        UpdateInterest();
    }

    /// <summary>Keeps the <paramref name="length"/> - <paramref name="consumed"/> bytes the handler left of the delivered input.</summary>
    private void KeepUnconsumed(byte* data, int length, int consumed, bool fromInput)
    {
        int rest = length - consumed;
        if (rest == 0 || _closing || _inputEnded)
        {
            ReleaseInput();
            return;
        }
        if (rest >= _maxInput && WantsInput)
        {
            // As much input as the handler allows, it made no progress, and reading would go on: nothing
            // more may be read. (While paused, by the handler or by full output, the input waits for
            // the re-delivery on resume.)
            CloseNow(CloseReason.ProtocolError);
            return;
        }
        int chunkSize = OwnerLoop.Buffers.ChunkSize;
        if (fromInput)
        {
            _inputStart += consumed;
            _inputLength = rest;
            // A large block that now holds a small remainder goes back: an idle connection keeps at most a chunk.
            if (_inputCapacity > chunkSize && Math.Max(rest, _inputNeeded) <= chunkSize) MoveInput(chunkSize);
            return;
        }
        // The bytes are in the loop's receive buffer, which the next read reuses: copy them out,
        // into a block big enough for the message the handler said it needs.
        byte* block = RentInput(Math.Max(rest, _inputNeeded), out int capacity);
        if (block == null) return;
        Buffer.MemoryCopy(data + consumed, block, capacity, rest);
        OwnerLoop.Stats.inputBytesCopied += rest;
        _input = block;
        _inputCapacity = capacity;
        _inputStart = 0;
        _inputLength = rest;
    }

    /// <summary>
    /// Makes room after the buffered input for the next read: at least one byte, and the whole
    /// message <see cref="NeedInput"/> named. Compacts the block when that is cheap (it is at most
    /// half full) and grows it otherwise, by doubling, so each received byte is copied at most
    /// about twice however large the message. Returns false when the connection had to close.
    /// </summary>
    private bool MakeRoom()
    {
        int needed = Math.Max(_inputNeeded, _inputLength + 1);
        if (_inputStart + needed <= _inputCapacity) return true;
        if (needed > _maxInput)
        {
            // MaxInputBytes was lowered below what is buffered, or below what NeedInput asked for.
            CloseNow(CloseReason.ProtocolError);
            return false;
        }
        if (needed <= _inputCapacity && (_inputLength <= _inputCapacity / 2 || _inputCapacity >= _maxInput))
        {
            // Buffer.MemoryCopy is memmove: the input may overlap its new place.
            Buffer.MemoryCopy(_input + _inputStart, _input, _inputCapacity, _inputLength);
            OwnerLoop.Stats.inputBytesCopied += _inputLength;
            _inputStart = 0;
            return true;
        }
        return MoveInput((int)Math.Min(_maxInput, Math.Max(needed, 2L * _inputCapacity)));
    }

    /// <summary>Moves the buffered input into a block of at least <paramref name="size"/> bytes. Returns false when the connection had to close.</summary>
    private bool MoveInput(int size)
    {
        byte* block = RentInput(size, out int capacity);
        if (block == null) return false;
        Buffer.MemoryCopy(_input + _inputStart, block, capacity, _inputLength);
        OwnerLoop.Stats.inputBytesCopied += _inputLength;
        int length = _inputLength;
        ReleaseInput();
        _input = block;
        _inputCapacity = capacity;
        _inputLength = length;
        return true;
    }

    /// <summary>A pool chunk when <paramref name="size"/> fits one, else a block of at least that size; null (and the connection closed) when the pool is at its limit.</summary>
    private byte* RentInput(int size, out int capacity)
    {
        BufferPool pool = OwnerLoop.Buffers;
        byte* block;
        if (size <= pool.ChunkSize)
        {
            capacity = pool.ChunkSize;
            block = pool.Rent();
        }
        else
        {
            block = pool.RentBlock(size, out capacity);
        }
        if (block == null) CloseNow(CloseReason.OutOfBuffers);
        return block;
    }

    private void ReleaseInput()
    {
        // Inside OnData the handler still reads the block; Deliver releases it once the call returns.
        if (_input == null || _delivering) return;
        BufferPool pool = OwnerLoop.Buffers;
        if (_inputCapacity == pool.ChunkSize) pool.Return(_input);
        else pool.ReturnBlock(_input, _inputCapacity);
        _input = null;
        _inputCapacity = 0;
        _inputStart = 0;
        _inputLength = 0;
    }

    /// <summary>
    /// Reading became possible again: input kept meanwhile goes to the handler in the deferred
    /// pass. Not from inside the connection's own OnData: that call is the delivery, and handing
    /// its bytes over again would loop for a handler that pauses and resumes on every call.
    /// </summary>
    private void ScheduleRedelivery()
    {
        if (_inputLength == 0 || _delivering || !WantsInput) return;
        _redeliver = true;
        Defer();
    }

    /// <summary>
    /// The peer sent FIN. Input it left incomplete can never be completed and is dropped; the
    /// handler decides what our side does (by default: finish sending, then close). When our own
    /// FIN went out already, both directions are done.
    /// </summary>
    private void OnEndOfStream()
    {
        _inputEnded = true;
        ReleaseInput();
        Notify(static (handler, connection) => handler.OnPeerShutdown(connection));
        if (_closeDeferred) CloseNow(_closeReason);
        else if (_finSent) CloseNow(_closing ? _closeReason : CloseReason.PeerClosed);
        else UpdateInterest();
    }
}
