using System;
using System.Numerics;
using System.Runtime.InteropServices;
using System.Threading;
using Reactor.Interop;
using static Reactor.Interop.Libc;

namespace Reactor.Backends;

/// <summary>
/// io_uring, where the kernel accepts and receives for the loop: Read interest on a listener is a
/// multishot accept, on a stream a recv into a ring of provided buffers. Everything else
/// (write interest, UDP, connects in progress, the wakeup eventfd) is a one-shot poll that is armed
/// again at the next wait while it is still wanted, so it is level-triggered like epoll.
/// </summary>
/// <remarks>
/// Add, Modify and Remove only note what each fd wants; the next <see cref="Wait"/> turns the
/// differences into requests and submits them with the same io_uring_enter that waits: one system
/// call per loop iteration. The exception is <see cref="Remove"/> of an fd the kernel still holds
/// requests for: it cancels them at once, because an accept or recv in flight keeps the socket
/// open after close(2). A registration's entry outlives its fd until the kernel has returned
/// every request; what arrives for it meanwhile is dropped (buffers go back to the ring, accepted
/// sockets are closed).
/// </remarks>
internal sealed unsafe class IoUringPoller : Poller
{
    // The low byte of a request's user_data says which request it is; the rest is the entry index.
    // The values are bits, so an entry's requests in flight fit in one byte.
    private const byte PollOp = 1, RecvOp = 2, AcceptOp = 4, CancelOp = 8;
    private const ulong WakeUserData = ulong.MaxValue;
    private const ushort BufferGroup = 0;
    private const int SubmissionEntries = 1024;
    private const int CompletionEntries = 8192;

    private struct Entry
    {
        public int Fd;
        public ulong Token;
        public Interest Interest;
        public ReadKind Kind;
        public byte InFlight;       // requests the kernel holds
        public byte Canceling;      // requests a cancel was sent for
        public uint PollMask;       // what the poll in flight waits for
        public bool Removed;        // the fd is gone; the entry waits for its requests to come back
        public bool Queued;         // listed in _changed
    }

    private readonly int _capacity;
    private readonly int _eventfd;
    private int _ring = -1;
    private bool _enabled;           // by the loop thread, at its first wait
    private byte* _rings;
    private nuint _ringsLength;
    private io_uring_sqe* _sqes;
    private nuint _sqesLength;
    private uint* _sqHead, _sqTail, _sqArray;
    private uint _sqMask, _sqEntries;
    private uint* _cqHead, _cqTail;
    private io_uring_cqe* _cqes;
    private uint _cqMask;
    private uint _sqLocalTail;

    // The provided buffer ring: up to _bufferCount buffers of _bufferSize bytes for receives. Only
    // _published of them are in the ring at a time, the most recently used first (a stack of
    // spares), so a loop with few busy connections touches few buffers; the kernel running out
    // (ENOBUFS) doubles the number.
    private const int MinPublished = 16;
    private io_uring_buf* _bufferRing;
    private byte* _buffers;
    private readonly int _bufferSize;
    private readonly ushort _bufferCount;
    private ushort _bufferTail;
    private int _published;          // buffers in the ring now
    private int _publishTarget;
    private readonly ushort[] _spare;
    private int _spareCount;
    private readonly ushort[] _lent; // buffers the last batch delivered: spares again at the next wait
    private int _lentCount;
    private bool _receivedSinceTrim;
    private bool _buffersTouched;    // pages of the receive buffers may be resident

    private Entry[] _entries = new Entry[64];
    private int[] _freeEntries = new int[64];
    private int _freeCount;
    private int _usedEntries;
    private int[] _entryByFd = new int[1024];   // fd -> entry index + 1; 0: none
    private int[] _changed = new int[64];
    private int _changedCount;
    private bool _wakeArmed;

    private IoUringPoller(int batchSize, int bufferSize, int eventfd)
    {
        _capacity = batchSize;
        _eventfd = eventfd;
        _bufferSize = bufferSize;
        _bufferCount = (ushort)Math.Min(32768, BitOperations.RoundUpToPowerOf2((uint)Math.Max(batchSize, 64)));
        _lent = new ushort[_bufferCount];
        _spare = new ushort[_bufferCount];
        // Buffer 0 on top: the first ones used are the first pages touched.
        for (int i = _bufferCount - 1; i >= 0; i--) _spare[_spareCount++] = (ushort)i;
        _publishTarget = Math.Min(MinPublished, (int)_bufferCount);
    }

    public override string Name => "io_uring";

    public override bool CompletesReads => true;

    /// <summary>
    /// A poller with <paramref name="batchSize"/> buffers of <paramref name="bufferSize"/> bytes
    /// for receives, or why the kernel refuses io_uring (disabled by sysctl or seccomp, a kernel
    /// older than 6.3).
    /// </summary>
    public static bool TryCreate(int batchSize, int bufferSize, out IoUringPoller? poller, out string? refusal)
    {
        poller = null;
        io_uring_params p = default;
        int ring = -1;
        // On a thread of its own: a thread that made a ring is sent task work (TIF_NOTIFY_SIGNAL)
        // when the ring is destroyed, which fails its blocking calls with EINTR; in an embedding C
        // program that was the host's own recv(). The ring starts disabled, and the loop thread
        // enables it at its first wait, which makes that thread the one that may submit.
        var maker = new System.Threading.Thread(() => ring = Setup(out p));
        maker.Start();
        maker.Join();
        if (ring < 0)
        {
            refusal = $"io_uring_setup: {Sys.StrError(Sys.ErrorOf(ring))}";
            return false;
        }
        // Multishot accept and provided buffer rings came in 5.19, DEFER_TASKRUN in 6.1;
        // FEAT_REG_REG_RING (6.3) is the newest of the features used here that the kernel reports.
        const uint needed = IORING_FEAT_SINGLE_MMAP | IORING_FEAT_NODROP | IORING_FEAT_EXT_ARG | IORING_FEAT_REG_REG_RING;
        int eventfd = (p.features & needed) == needed ? EventFd.Create() : 0;
        if ((p.features & needed) != needed || eventfd < 0)
        {
            Sys.Close(ring);
            refusal = eventfd < 0 ? $"eventfd: {Sys.StrError(Sys.ErrorOf(eventfd))}" : "the kernel is older than 6.3";
            return false;
        }
        poller = new IoUringPoller(batchSize, bufferSize, eventfd);
        try
        {
            poller.Map(ring, p);
        }
        catch (ReactorException e)
        {
            poller.Dispose();
            refusal = e.Message;
            poller = null;
            return false;
        }
        refusal = null;
        return true;
    }

    private static int Setup(out io_uring_params p)
    {
        p = default;
        // Completions are processed only inside the loop's own io_uring_enter, where it asks for
        // them (DEFER_TASKRUN), not whenever the kernel has one: fewer interruptions, and batches.
        p.flags = IORING_SETUP_CQSIZE | IORING_SETUP_CLAMP | IORING_SETUP_SUBMIT_ALL
            | IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN | IORING_SETUP_R_DISABLED;
        p.cq_entries = CompletionEntries;
        fixed (io_uring_params* at = &p) return (int)Sys.Check((nint)syscall(SYS_io_uring_setup, SubmissionEntries, (long)at, 0, 0, 0, 0));
    }

    /// <summary>Maps the rings of <paramref name="ring"/> and registers the buffer ring; the poller owns the ring from here on.</summary>
    private void Map(int ring, in io_uring_params p)
    {
        _ring = ring;
        _ringsLength = Math.Max(p.sq_off.array + p.sq_entries * sizeof(uint), p.cq_off.cqes + p.cq_entries * (uint)sizeof(io_uring_cqe));
        _sqesLength = p.sq_entries * (nuint)sizeof(io_uring_sqe);
        byte* rings = (byte*)mmap(null, _ringsLength, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, ring, IORING_OFF_SQ_RING);
        if (rings == (byte*)-1) throw new ReactorException("mmap of the io_uring rings", ErrorCode.OutOfMemory);
        _rings = rings;
        byte* sqes = (byte*)mmap(null, _sqesLength, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, ring, IORING_OFF_SQES);
        if (sqes == (byte*)-1) throw new ReactorException("mmap of the io_uring submission queue", ErrorCode.OutOfMemory);
        _sqes = (io_uring_sqe*)sqes;
        _sqHead = (uint*)(rings + p.sq_off.head);
        _sqTail = (uint*)(rings + p.sq_off.tail);
        _sqArray = (uint*)(rings + p.sq_off.array);
        _sqMask = *(uint*)(rings + p.sq_off.ring_mask);
        _sqEntries = *(uint*)(rings + p.sq_off.ring_entries);
        _cqHead = (uint*)(rings + p.cq_off.head);
        _cqTail = (uint*)(rings + p.cq_off.tail);
        _cqes = (io_uring_cqe*)(rings + p.cq_off.cqes);
        _cqMask = *(uint*)(rings + p.cq_off.ring_mask);
        _sqLocalTail = *_sqTail;
        _bufferRing = (io_uring_buf*)NativeMemory.AlignedAlloc((nuint)(_bufferCount * sizeof(io_uring_buf)), 4096);
        NativeMemory.Clear(_bufferRing, (nuint)(_bufferCount * sizeof(io_uring_buf)));
        // Large enough for malloc to map it: pages the kernel never receives into cost no memory.
        _buffers = (byte*)NativeMemory.AlignedAlloc((nuint)_bufferCount * (nuint)_bufferSize, 4096);
        io_uring_buf_reg reg = new() { ring_addr = (ulong)_bufferRing, ring_entries = _bufferCount, bgid = BufferGroup };
        Sys.ThrowIfError((int)Sys.Check((nint)syscall(SYS_io_uring_register, ring, IORING_REGISTER_PBUF_RING, (long)&reg, 1, 0, 0)), "io_uring_register(PBUF_RING)");
        PublishBuffers();
    }

    public override int Add(int fd, ulong token, Interest interest, ReadKind kind)
    {
        if (EntryOf(fd) >= 0) return -EEXIST;
        int index = NewEntry();
        ref Entry e = ref _entries[index];
        e = new Entry { Fd = fd, Token = token, Interest = interest, Kind = kind };
        if (fd >= _entryByFd.Length) Array.Resize(ref _entryByFd, Math.Max(fd + 1, _entryByFd.Length * 2));
        _entryByFd[fd] = index + 1;
        Changed(index);
        return 0;
    }

    public override int Modify(int fd, ulong token, Interest interest, ReadKind kind)
    {
        int index = EntryOf(fd);
        if (index < 0) return -(int)ErrorCode.NoSuchFile;
        ref Entry e = ref _entries[index];
        e.Token = token;
        e.Interest = interest;
        e.Kind = kind;
        Changed(index);
        return 0;
    }

    public override int Remove(int fd)
    {
        int index = EntryOf(fd);
        if (index < 0) return -(int)ErrorCode.NoSuchFile;
        _entryByFd[fd] = 0;
        ref Entry e = ref _entries[index];
        e.Removed = true;
        e.Interest = Interest.None;
        if (e.InFlight != 0)
        {
            // Now, not at the next wait: the requests hold the socket open past close(2).
            io_uring_sqe* sqe = NextSqe();
            sqe->opcode = IORING_OP_ASYNC_CANCEL;
            sqe->fd = fd;
            sqe->op_flags = IORING_ASYNC_CANCEL_FD | IORING_ASYNC_CANCEL_ALL;
            sqe->user_data = UserData(index, CancelOp);
            e.Canceling = e.InFlight;
            // GETEVENTS runs the deferred completions, which drop the requests' hold on the socket.
            Enter(0, IORING_ENTER_GETEVENTS, null);
        }
        Changed(index);
        return 0;
    }

    /// <summary>
    /// Once a whole trim interval passed without a receive: gives back the pages of every receive
    /// buffer and lets the ring shrink to <see cref="MinPublished"/> buffers. The buffers in the ring
    /// may go too: with DEFER_TASKRUN the kernel writes them only inside this thread's
    /// io_uring_enter, so never while this runs, and a given-back page reads as zeros when next used.
    /// </summary>
    public override bool Trim()
    {
        if (_receivedSinceTrim)
        {
            _receivedSinceTrim = false;
            return true;
        }
        if (!_buffersTouched) return false;
        _publishTarget = Math.Min(MinPublished, (int)_bufferCount);
        Platform.Memory.ReleasePages((nint)_buffers, (nint)_bufferCount * _bufferSize);
        _buffersTouched = false;
        return false;
    }

    public override bool IsAccepting(int fd)
    {
        int index = EntryOf(fd);
        return index >= 0 && (_entries[index].InFlight & AcceptOp) != 0;
    }

    public override int Wait(Span<ReadyEvent> events, int timeoutMs)
    {
        if (!_enabled)
        {
            Sys.ThrowIfError((int)Sys.Check((nint)syscall(SYS_io_uring_register, _ring, IORING_REGISTER_ENABLE_RINGS, 0, 0, 0, 0)), "io_uring_register(ENABLE_RINGS)");
            _enabled = true;
        }
        int max = Math.Min(events.Length, _capacity);
        PublishBuffers();
        if (!_wakeArmed) ArmWakeup();
        for (int i = 0; i < _changedCount; i++) Apply(_changed[i]);
        _changedCount = 0;
        if (Volatile.Read(ref *_cqTail) != *_cqHead || timeoutMs == 0)
        {
            Enter(0, IORING_ENTER_GETEVENTS, null);
        }
        else if (timeoutMs < 0)
        {
            Enter(1, IORING_ENTER_GETEVENTS, null);
        }
        else
        {
            var ts = new timespec { tv_sec = timeoutMs / 1000, tv_nsec = timeoutMs % 1000 * 1_000_000L };
            var arg = new io_uring_getevents_arg { sigmask_sz = 8, ts = (ulong)&ts };
            Enter(1, IORING_ENTER_GETEVENTS | IORING_ENTER_EXT_ARG, &arg);
        }
        return Harvest(events[..max]);
    }

    public override void Wake() => EventFd.Signal(_eventfd);

    public override void ClearWake() => EventFd.Clear(_eventfd);

    public override void Dispose()
    {
        Sys.Close(_eventfd);
        // Connections the kernel accepted that nobody took: closing the ring would leak them.
        if (_cqes != null)
        {
            for (uint head = *_cqHead, tail = Volatile.Read(ref *_cqTail); head != tail; head++)
            {
                io_uring_cqe* cqe = &_cqes[head & _cqMask];
                if (cqe->user_data != WakeUserData && (byte)cqe->user_data == AcceptOp && cqe->res >= 0) Sys.Close(cqe->res);
            }
        }
        Sys.Close(_ring);
        if (_rings != null) munmap(_rings, _ringsLength);
        if (_sqes != null) munmap(_sqes, _sqesLength);
        NativeMemory.AlignedFree(_bufferRing);
        NativeMemory.AlignedFree(_buffers);
    }

    /// <summary>Turns what entry <paramref name="index"/> wants into requests: arms what is missing, cancels what is no longer wanted.</summary>
    private void Apply(int index)
    {
        ref Entry e = ref _entries[index];
        e.Queued = false;
        if (e.Removed)
        {
            if (e.InFlight == 0) FreeEntry(index);
            return;
        }
        byte readOp = e.Kind switch { ReadKind.Accept => AcceptOp, ReadKind.Stream => RecvOp, _ => 0 };
        bool wantRead = (e.Interest & Interest.Read) != 0;
        // A stream that switched to reading itself: its receive must be back before a poll reports
        // it readable, or a direct read could overtake the bytes in that receive.
        if ((e.InFlight & RecvOp) != 0 && (readOp != RecvOp || !wantRead)) CancelRequest(ref e, index, RecvOp);
        if ((e.InFlight & AcceptOp) != 0 && !wantRead) CancelRequest(ref e, index, AcceptOp);
        uint pollMask = PollMaskOf(e.Interest, e.Kind);
        if ((e.InFlight & RecvOp) != 0) pollMask &= ~(EPOLLIN | EPOLLRDHUP);
        if ((e.InFlight & PollOp) != 0)
        {
            if (pollMask != e.PollMask) CancelRequest(ref e, index, PollOp);
        }
        else if (pollMask != 0)
        {
            io_uring_sqe* sqe = NextSqe();
            sqe->opcode = IORING_OP_POLL_ADD;
            sqe->fd = e.Fd;
            sqe->op_flags = pollMask;
            sqe->user_data = UserData(index, PollOp);
            e.PollMask = pollMask;
            e.InFlight |= PollOp;
        }
        if (readOp == 0 || !wantRead || (e.InFlight & readOp) != 0) return;
        io_uring_sqe* read = NextSqe();
        read->fd = e.Fd;
        read->user_data = UserData(index, readOp);
        if (readOp == AcceptOp)
        {
            read->opcode = IORING_OP_ACCEPT;
            read->ioprio = IORING_ACCEPT_MULTISHOT;
            read->op_flags = (uint)(Linux.SOCK_NONBLOCK | Linux.SOCK_CLOEXEC);
        }
        else
        {
            // One-shot, armed again at the next wait while wanted: a multishot receive keeps
            // reading ahead into the ring after the connection paused (measured: 7 MiB held for
            // one connection whose peer does not read), where this holds at most one buffer.
            read->opcode = IORING_OP_RECV;
            read->flags = IOSQE_BUFFER_SELECT;
            read->buf_group = BufferGroup;
        }
        e.InFlight |= readOp;
    }

    private void CancelRequest(ref Entry e, int index, byte op)
    {
        if ((e.Canceling & op) != 0) return;
        io_uring_sqe* sqe = NextSqe();
        sqe->opcode = IORING_OP_ASYNC_CANCEL;
        sqe->addr = UserData(index, op);
        sqe->user_data = UserData(index, CancelOp);
        e.Canceling |= op;
    }

    /// <summary>Takes completions off the ring into <paramref name="events"/>; what does not fit stays for the next wait.</summary>
    private int Harvest(Span<ReadyEvent> events)
    {
        int n = 0;
        uint head = *_cqHead;
        uint tail = Volatile.Read(ref *_cqTail);
        for (; head != tail && n < events.Length; head++)
        {
            io_uring_cqe cqe = _cqes[head & _cqMask];
            if (cqe.user_data == WakeUserData)
            {
                _wakeArmed = false;
                events[n++] = new ReadyEvent { Token = WakeToken };
                continue;
            }
            byte op = (byte)cqe.user_data;
            if (op == CancelOp) continue;
            int index = (int)(cqe.user_data >> 8);
            ref Entry e = ref _entries[index];
            bool more = (cqe.flags & IORING_CQE_F_MORE) != 0;
            if (!more)
            {
                e.InFlight &= (byte)~op;
                e.Canceling &= (byte)~op;
                Changed(index);   // armed again at the next wait if still wanted, or freed once removed
            }
            switch (op)
            {
                case PollOp:
                    if (e.Removed || cqe.res <= 0) break;
                    Readiness readiness = ReadinessOf((uint)cqe.res, e.Kind);
                    if (readiness != Readiness.None) events[n++] = new ReadyEvent { Token = e.Token, Readiness = readiness };
                    break;
                case RecvOp:
                    byte* data = null;
                    if ((cqe.flags & IORING_CQE_F_BUFFER) != 0)
                    {
                        ushort id = (ushort)(cqe.flags >> IORING_CQE_BUFFER_SHIFT);
                        data = _buffers + (nint)id * _bufferSize;
                        _published--;
                        _lent[_lentCount++] = id;
                        _receivedSinceTrim = _buffersTouched = true;
                    }
                    if (cqe.res == -(int)ErrorCode.NoBufferSpace) _publishTarget = Math.Min(_bufferCount, _publishTarget * 2);
                    // Out of buffers, or cancelled: nothing happened to the stream; armed again while wanted.
                    if (e.Removed || cqe.res == -(int)ErrorCode.NoBufferSpace || cqe.res == -(int)ErrorCode.Canceled) break;
                    events[n++] = new ReadyEvent { Token = e.Token, Readiness = Readiness.Received, Result = cqe.res, Data = data };
                    break;
                case AcceptOp:
                    if (e.Removed)
                    {
                        if (cqe.res >= 0) Sys.Close(cqe.res);
                        break;
                    }
                    // Every result, the last one (often Canceled) too: a stopping listener closes after it.
                    events[n++] = new ReadyEvent { Token = e.Token, Readiness = Readiness.Accepted, Result = cqe.res };
                    break;
            }
        }
        Volatile.Write(ref *_cqHead, head);
        return n;
    }

    private static uint PollMaskOf(Interest interest, ReadKind kind)
    {
        uint mask = (interest & Interest.Write) != 0 ? EPOLLOUT : 0;
        // A listener's or stream's reads are requests of their own, not polls.
        if (kind == ReadKind.Readiness && (interest & Interest.Read) != 0) mask |= EPOLLIN | EPOLLRDHUP;
        return mask;
    }

    private static Readiness ReadinessOf(uint revents, ReadKind kind)
    {
        // A stream that the kernel receives for polls only to write: an error or hang-up is for the
        // send path to find, since a read of its own could overtake the bytes of a receive. (A
        // listener's poll from before it went back to accepting is stale: nothing to report.)
        if (kind == ReadKind.Stream) return Readiness.Writable;
        if (kind == ReadKind.Accept) return Readiness.None;
        Readiness r = Readiness.None;
        if ((revents & EPOLLIN) != 0) r |= Readiness.Readable;
        if ((revents & EPOLLOUT) != 0) r |= Readiness.Writable;
        if ((revents & (EPOLLRDHUP | EPOLLHUP)) != 0) r |= Readiness.Hangup;
        if ((revents & EPOLLERR) != 0) r |= Readiness.Error;
        return r;
    }

    private void ArmWakeup()
    {
        io_uring_sqe* sqe = NextSqe();
        sqe->opcode = IORING_OP_POLL_ADD;
        sqe->fd = _eventfd;
        sqe->op_flags = EPOLLIN;
        sqe->user_data = WakeUserData;
        _wakeArmed = true;
    }

    /// <summary>A zeroed submission entry at the tail of the queue; submits what is queued first when the queue is full.</summary>
    private io_uring_sqe* NextSqe()
    {
        if (Unsubmitted == _sqEntries) Enter(0, IORING_ENTER_GETEVENTS, null);
        uint slot = _sqLocalTail & _sqMask;
        io_uring_sqe* sqe = &_sqes[slot];
        *sqe = default;
        _sqArray[slot] = slot;
        _sqLocalTail++;
        return sqe;
    }

    private uint Unsubmitted => _sqLocalTail - Volatile.Read(ref *_sqHead);

    /// <summary>Submits the queued requests and, with <see cref="IORING_ENTER_GETEVENTS"/>, waits for <paramref name="waitFor"/> completions.</summary>
    private void Enter(uint waitFor, uint flags, io_uring_getevents_arg* arg)
    {
        Volatile.Write(ref *_sqTail, _sqLocalTail);
        long rc = syscall(SYS_io_uring_enter, _ring, Unsubmitted, waitFor, flags, (long)arg, arg == null ? 0 : sizeof(io_uring_getevents_arg));
        if (rc >= 0) return;
        int errno = -(int)Sys.Check((nint)rc);
        // Timed out, interrupted by a signal, or completions to reap first: the caller harvests and comes back.
        if (errno is ETIME or EBUSY or (int)ErrorCode.Interrupted or (int)ErrorCode.WouldBlock) return;
        throw new ReactorException("io_uring_enter", (ErrorCode)errno);
    }

    /// <summary>
    /// Makes the buffers the last batch delivered spares again (their bytes were consumed or
    /// copied by now) and fills the ring up to the target from the top of the spares.
    /// </summary>
    private void PublishBuffers()
    {
        for (int i = 0; i < _lentCount; i++) _spare[_spareCount++] = _lent[i];
        _lentCount = 0;
        if (_published >= _publishTarget || _spareCount == 0) return;
        ushort mask = (ushort)(_bufferCount - 1);
        while (_published < _publishTarget && _spareCount > 0)
        {
            ushort id = _spare[--_spareCount];
            io_uring_buf* b = &_bufferRing[_bufferTail & mask];
            // Field by field: entry 0's resv is the ring's tail.
            b->addr = (ulong)(_buffers + (nint)id * _bufferSize);
            b->len = (uint)_bufferSize;
            b->bid = id;
            _bufferTail++;
            _published++;
        }
        Volatile.Write(ref _bufferRing->resv, _bufferTail);
    }

    private int EntryOf(int fd) => (uint)fd < (uint)_entryByFd.Length ? _entryByFd[fd] - 1 : -1;

    private static ulong UserData(int index, byte op) => ((ulong)index << 8) | op;

    private int NewEntry()
    {
        if (_freeCount > 0) return _freeEntries[--_freeCount];
        if (_usedEntries == _entries.Length) Array.Resize(ref _entries, _entries.Length * 2);
        return _usedEntries++;
    }

    private void FreeEntry(int index)
    {
        _entries[index] = default;
        if (_freeCount == _freeEntries.Length) Array.Resize(ref _freeEntries, _freeEntries.Length * 2);
        _freeEntries[_freeCount++] = index;
    }

    private void Changed(int index)
    {
        ref Entry e = ref _entries[index];
        if (e.Queued) return;
        e.Queued = true;
        if (_changedCount == _changed.Length) Array.Resize(ref _changed, _changed.Length * 2);
        _changed[_changedCount++] = index;
    }
}
