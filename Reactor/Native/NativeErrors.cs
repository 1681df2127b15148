using System;
using System.Collections.Concurrent;
using System.Runtime.InteropServices;
using Reactor.Interop;

namespace Reactor.Native;

/// <summary>The error codes of reactor.h, their texts, and the per-thread last error message.</summary>
internal static unsafe class NativeErrors
{
    internal const int Ok = 0;
    internal const int ENOENT = -(int)ErrorCode.NoSuchFile;
    internal const int EBADF = -(int)ErrorCode.BadDescriptor;
    internal const int EINVAL = -(int)ErrorCode.InvalidArgument;
    internal const int EDEADLK = -35;
    internal const int ENOTCONN = -(int)ErrorCode.NotConnected;
    internal const int ETIMEDOUT = -(int)ErrorCode.TimedOut;
    internal const int EMSGSIZE = -90;
    internal const int EALREADY = -114;
    internal const int ECANCELED = -(int)ErrorCode.Canceled;
    internal const int EINTERNAL = -4000;
    internal const int ELIMIT = -4001;
    internal const int EWRONGTHREAD = -4002;

    // Texts handed to C live for the whole process: one native copy per distinct code.
    private static readonly ConcurrentDictionary<int, nint> Texts = new();

    [ThreadStatic]
    private static nint t_lastError;

    public static byte* Text(int code) => (byte*)Texts.GetOrAdd(code, static c => Marshal.StringToCoTaskMemUTF8(Describe(c)));

    private static string Describe(int code) => code switch
    {
        Ok => "ok",
        EINTERNAL => "internal error in Reactor",
        ELIMIT => "too many servers",
        EWRONGTHREAD => "called from a thread other than the connection's loop",
        ENOTCONN => "connection is closed or the handle is stale",
        EBADF => "not a live server handle",
        ENOENT => "no such timer: it already ran its last time or was cancelled",
        < 0 and > -4000 => Sys.StrError((ErrorCode)(-code)).ToLowerInvariant(),
        _ => "unknown error",
    };

    /// <summary>Records <paramref name="message"/> as this thread's last error and returns <paramref name="code"/>.</summary>
    public static int Fail(int code, string message)
    {
        nint previous = t_lastError;
        // One line, whatever the exception's text: a C program logs it as it is.
        t_lastError = Marshal.StringToCoTaskMemUTF8(message.ReplaceLineEndings(" "));
        if (previous != 0) Marshal.FreeCoTaskMem(previous);
        return code;
    }

    /// <summary>Turns an exception into a code and a last-error message; nothing crosses into C.</summary>
    public static int Fail(Exception e) => e switch
    {
        ReactorException r when r.Error != ErrorCode.None => Fail(-(int)r.Error, r.Message),
        ArgumentException a => Fail(EINVAL, a.Message),
        OutOfMemoryException => Fail(-(int)ErrorCode.OutOfMemory, "out of memory"),
        _ => Fail(EINTERNAL, $"{e.GetType().Name}: {e.Message}"),
    };

    public static byte* LastError() =>
        t_lastError != 0 ? (byte*)t_lastError : (byte*)System.Runtime.CompilerServices.Unsafe.AsPointer(ref MemoryMarshal.GetReference("\0"u8));
}
