using System;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Reactor.Interop;

/// <summary>
/// The one place that turns a libc result of -1 into a negative <see cref="ErrorCode"/>,
/// retrying EINTR where a call may be repeated. Hot-path callers get <c>-(int)error</c> back as a
/// value; setup code calls <see cref="ThrowIfError(int, string)"/>. On Linux errno and <see cref="ErrorCode"/>
/// have the same numbers, so the translation is free; on BSD it is a table lookup on the error path only.
/// </summary>
internal static unsafe class Sys
{
    /// <summary>Returns <paramref name="result"/>, or <c>-errno</c> when it is -1.</summary>
    internal static int Check(int result) => result >= 0 ? result : -(int)LastError();

    /// <summary>Returns <paramref name="result"/>, or <c>-errno</c> when it is -1.</summary>
    internal static nint Check(nint result) => result >= 0 ? result : -(int)LastError();

    /// <summary>This system's errno value (e.g. from SO_ERROR or a kevent's data) as an <see cref="ErrorCode"/>.</summary>
    internal static ErrorCode FromErrno(int errno) => OperatingSystem.IsLinux() ? (ErrorCode)errno : OsConstants.Current.ToErrorCode(errno);

    private static ErrorCode LastError() => FromErrno(Marshal.GetLastPInvokeError());

    /// <summary>The error of a negative result from <see cref="Check(int)"/>, or <see cref="ErrorCode.None"/>.</summary>
    internal static ErrorCode ErrorOf(nint result) => result < 0 ? (ErrorCode)(int)-result : ErrorCode.None;

    /// <summary>Throws a <see cref="ReactorException"/> naming the call when <paramref name="result"/> is a negative errno.</summary>
    internal static int ThrowIfError(int result, string call)
    {
        if (result < 0) throw new ReactorException(call, ErrorOf(result));
        return result;
    }

    /// <summary>
    /// As <see cref="ThrowIfError(int, string)"/>, with the call's name written as an interpolated
    /// string that is formatted only when <paramref name="result"/> is an error.
    /// </summary>
    internal static int ThrowIfError(int result, [InterpolatedStringHandlerArgument(nameof(result))] ref FailedCallName call)
    {
        if (result < 0) throw new ReactorException(call.ToStringAndClear(), ErrorOf(result));
        return result;
    }

    /// <summary>
    /// The name of a call that may have failed, e.g. <c>$"bind {address}"</c>, formatted only when
    /// it did. Names formatted on success put first uses on the way to `reactor echo`'s first
    /// accept: address and number formatting and, as <c>$"bind {Format(address, port)}"</c> nests
    /// one interpolation in another, the shared array pool's per-core stacks, whose first use times
    /// processor-id lookups (0.7 ms under perf).
    /// </summary>
    [InterpolatedStringHandler]
    internal ref struct FailedCallName
    {
        private DefaultInterpolatedStringHandler _text;

        public FailedCallName(int literalLength, int formattedCount, int result, out bool failed)
        {
            failed = result < 0;
            if (failed) _text = new DefaultInterpolatedStringHandler(literalLength, formattedCount);
        }

        public void AppendLiteral(string value) => _text.AppendLiteral(value);

        public void AppendFormatted<T>(T value) => _text.AppendFormatted(value);

        public string ToStringAndClear() => _text.ToStringAndClear();
    }

    /// <summary>strerror(3): the C library's text for an error.</summary>
    internal static string StrError(ErrorCode error) =>
        Marshal.GetPInvokeErrorMessage(OperatingSystem.IsLinux() ? (int)error : OsConstants.Current.ToErrno(error));

    internal static int Close(int fd)
    {
        // close(2): on Linux the fd is released even when close reports EINTR, so never retry.
        return Check(Libc.close(fd));
    }

    internal static nint Read(int fd, void* buffer, nint count)
    {
        nint n;
        do n = Check(Libc.read(fd, buffer, count)); while (n == -(int)ErrorCode.Interrupted);
        return n;
    }

    internal static nint Write(int fd, void* buffer, nint count)
    {
        nint n;
        do n = Check(Libc.write(fd, buffer, count)); while (n == -(int)ErrorCode.Interrupted);
        return n;
    }
}
