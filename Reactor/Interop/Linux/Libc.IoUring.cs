using System.Runtime.InteropServices;

namespace Reactor.Interop;

// io_uring(7): the three system calls, which glibc does not wrap, and the structures they share
// with the kernel (include/uapi/linux/io_uring.h), plus mmap(2) for the rings.
internal static unsafe partial class Libc
{
    // The same numbers on every architecture: io_uring came after the syscall tables were unified.
    internal const long SYS_io_uring_setup = 425;
    internal const long SYS_io_uring_enter = 426;
    internal const long SYS_io_uring_register = 427;

    /// <summary>syscall(2) with six integer arguments; the unused ones are ignored by the kernel.</summary>
    [LibraryImport(Name, SetLastError = true)]
    internal static partial long syscall(long number, long a1, long a2, long a3, long a4, long a5, long a6);

    [LibraryImport(Name, SetLastError = true)]
    internal static partial void* mmap(void* addr, nuint length, int prot, int flags, int fd, long offset);

    [LibraryImport(Name, SetLastError = true)]
    internal static partial int munmap(void* addr, nuint length);

    internal const int PROT_READ = 1;
    internal const int PROT_WRITE = 2;
    internal const int MAP_SHARED = 0x01;
    internal const int MAP_POPULATE = 0x8000;

    internal const long IORING_OFF_SQ_RING = 0;
    internal const long IORING_OFF_SQES = 0x10000000;

    internal const uint IORING_SETUP_CQSIZE = 1 << 3;
    internal const uint IORING_SETUP_CLAMP = 1 << 4;
    internal const uint IORING_SETUP_SUBMIT_ALL = 1 << 7;
    internal const uint IORING_SETUP_R_DISABLED = 1 << 6;
    internal const uint IORING_SETUP_SINGLE_ISSUER = 1 << 12;
    internal const uint IORING_SETUP_DEFER_TASKRUN = 1 << 13;

    internal const uint IORING_FEAT_SINGLE_MMAP = 1 << 0;
    internal const uint IORING_FEAT_NODROP = 1 << 1;
    internal const uint IORING_FEAT_EXT_ARG = 1 << 8;
    internal const uint IORING_FEAT_REG_REG_RING = 1 << 13;

    internal const uint IORING_ENTER_GETEVENTS = 1 << 0;
    internal const uint IORING_ENTER_EXT_ARG = 1 << 3;

    internal const byte IORING_OP_POLL_ADD = 6;
    internal const byte IORING_OP_ACCEPT = 13;
    internal const byte IORING_OP_ASYNC_CANCEL = 14;
    internal const byte IORING_OP_RECV = 27;

    internal const byte IOSQE_BUFFER_SELECT = 1 << 5;

    // In sqe->ioprio.
    internal const ushort IORING_ACCEPT_MULTISHOT = 1 << 0;

    // In sqe->cancel_flags.
    internal const uint IORING_ASYNC_CANCEL_ALL = 1 << 0;
    internal const uint IORING_ASYNC_CANCEL_FD = 1 << 1;

    internal const uint IORING_CQE_F_BUFFER = 1 << 0;
    internal const uint IORING_CQE_F_MORE = 1 << 1;
    internal const int IORING_CQE_BUFFER_SHIFT = 16;

    internal const uint IORING_REGISTER_ENABLE_RINGS = 12;
    internal const uint IORING_REGISTER_PBUF_RING = 22;

    // errno values the poller returns or meets that ErrorCode has no name for.
    internal const int EEXIST = 17;
    internal const int EBUSY = 16;
    internal const int ETIME = 62;

    internal struct io_sqring_offsets
    {
        public uint head, tail, ring_mask, ring_entries, flags, dropped, array, resv1;
        public ulong user_addr;
    }

    internal struct io_cqring_offsets
    {
        public uint head, tail, ring_mask, ring_entries, overflow, cqes, flags, resv1;
        public ulong user_addr;
    }

    /// <summary>struct io_uring_params, 120 bytes: what setup asks for and where the kernel put the rings.</summary>
    internal struct io_uring_params
    {
        public uint sq_entries, cq_entries, flags, sq_thread_cpu, sq_thread_idle, features, wq_fd;
        public fixed uint resv[3];
        public io_sqring_offsets sq_off;
        public io_cqring_offsets cq_off;
    }

    /// <summary>struct io_uring_sqe, 64 bytes, with the unions named for the operations used here.</summary>
    [StructLayout(LayoutKind.Explicit, Size = 64)]
    internal struct io_uring_sqe
    {
        [FieldOffset(0)] public byte opcode;
        [FieldOffset(1)] public byte flags;
        [FieldOffset(2)] public ushort ioprio;
        [FieldOffset(4)] public int fd;
        [FieldOffset(8)] public ulong off;
        [FieldOffset(16)] public ulong addr;
        [FieldOffset(24)] public uint len;
        /// <summary>poll32_events, accept_flags, msg_flags, cancel_flags: one field, by operation.</summary>
        [FieldOffset(28)] public uint op_flags;
        [FieldOffset(32)] public ulong user_data;
        [FieldOffset(40)] public ushort buf_group;
    }

    /// <summary>struct io_uring_cqe, 16 bytes.</summary>
    internal struct io_uring_cqe
    {
        public ulong user_data;
        public int res;
        public uint flags;
    }

    /// <summary>struct io_uring_getevents_arg: the timeout for IORING_ENTER_EXT_ARG.</summary>
    internal struct io_uring_getevents_arg
    {
        public ulong sigmask;
        public uint sigmask_sz;
        public uint pad;
        public ulong ts;
    }

    /// <summary>struct io_uring_buf: one entry of a provided buffer ring, 16 bytes; the first entry's last 2 bytes are the ring's tail.</summary>
    internal struct io_uring_buf
    {
        public ulong addr;
        public uint len;
        public ushort bid;
        public ushort resv;
    }

    /// <summary>struct io_uring_buf_reg: registers a provided buffer ring.</summary>
    internal struct io_uring_buf_reg
    {
        public ulong ring_addr;
        public uint ring_entries;
        public ushort bgid;
        public ushort flags;
        public fixed ulong resv[3];
    }
}
