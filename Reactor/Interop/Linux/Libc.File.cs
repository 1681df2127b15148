using System.Runtime.InteropServices;

namespace Reactor.Interop;

// sendfile(2), statx(2), realpath(3) and open(2) on a NUL-terminated path, for files served to sockets.
internal static unsafe partial class Libc
{
    internal const int O_NOFOLLOW = 0x20000;
    internal const int AT_FDCWD = -100;
    internal const int AT_EMPTY_PATH = 0x1000;
    internal const uint STATX_BASIC_STATS = 0x7ff;
    internal const int S_IFMT = 0xF000;
    internal const int S_IFREG = 0x8000;
    internal const int S_IFDIR = 0x4000;
    internal const int PATH_MAX = 4096;

    internal struct statx_timestamp
    {
        public long tv_sec;
        public uint tv_nsec;
        public int __reserved;
    }

    /// <summary>struct statx: the same layout on every architecture (unlike struct stat), 256 bytes.</summary>
    [StructLayout(LayoutKind.Sequential, Size = 256)]
    internal struct statx_t
    {
        public uint stx_mask;
        public uint stx_blksize;
        public ulong stx_attributes;
        public uint stx_nlink;
        public uint stx_uid;
        public uint stx_gid;
        public ushort stx_mode;
        public ushort __spare0;
        public ulong stx_ino;
        public ulong stx_size;
        public ulong stx_blocks;
        public ulong stx_attributes_mask;
        public statx_timestamp stx_atime;
        public statx_timestamp stx_btime;
        public statx_timestamp stx_ctime;
        public statx_timestamp stx_mtime;
    }

    [LibraryImport(Name, EntryPoint = "open", SetLastError = true)]
    internal static partial int open(byte* path, int flags);

    [LibraryImport(Name, SetLastError = true)]
    internal static partial nint sendfile(int out_fd, int in_fd, long* offset, nint count);

    [LibraryImport(Name, SetLastError = true)]
    internal static partial int statx(int dirfd, byte* pathname, int flags, uint mask, statx_t* statxbuf);

    [LibraryImport(Name, SetLastError = true)]
    internal static partial byte* realpath(byte* path, byte* resolved_path);
}
