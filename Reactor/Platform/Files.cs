using Reactor.Interop;
using static Reactor.Interop.Libc;

namespace Reactor.Platform;

/// <summary>What a server needs to know of a file it sends.</summary>
internal readonly struct FileStatus
{
    public long Size { get; init; }
    public long ModifiedSeconds { get; init; }   // Unix time
    public bool IsRegular { get; init; }
    public bool IsDirectory { get; init; }
}

/// <summary>
/// The file calls behind static files, on NUL-terminated byte paths (no managed string per
/// request). Each returns a value or a negative <see cref="ErrorCode"/>. Linux only, like the
/// sendfile they feed (<see cref="Sockets.RequireSendFile"/>): statx(2) and the flags are Linux's.
/// </summary>
internal static unsafe class Files
{
    /// <summary>open(2) for reading, close-on-exec: the fd or a negative error.</summary>
    public static int OpenRead(byte* path)
    {
        int fd;
        do fd = Sys.Check(open(path, O_RDONLY | Linux.O_CLOEXEC)); while (fd == -(int)ErrorCode.Interrupted);
        return fd;
    }

    /// <summary>statx(2) of an open file: 0 or a negative error.</summary>
    public static int Status(int fd, out FileStatus status)
    {
        statx_t buffer;
        byte empty = 0;
        int rc = Sys.Check(statx(fd, &empty, AT_EMPTY_PATH, STATX_BASIC_STATS, &buffer));
        int type = buffer.stx_mode & S_IFMT;
        status = rc < 0 ? default : new FileStatus
        {
            Size = (long)buffer.stx_size,
            ModifiedSeconds = buffer.stx_mtime.tv_sec,
            IsRegular = type == S_IFREG,
            IsDirectory = type == S_IFDIR,
        };
        return rc;
    }

    /// <summary>
    /// realpath(3): <paramref name="path"/> with every symbolic link, <c>.</c> and <c>..</c>
    /// resolved, into <paramref name="resolved"/> (<see cref="MaxPath"/> bytes). False when the path does not exist.
    /// </summary>
    public static bool RealPath(byte* path, byte* resolved) => realpath(path, resolved) != null;

    /// <summary>PATH_MAX: the longest path, with its NUL.</summary>
    public const int MaxPath = PATH_MAX;
}
