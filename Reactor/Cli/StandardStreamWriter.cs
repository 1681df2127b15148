using System;
using System.IO;
using System.Text;
using Reactor.Interop;

namespace Reactor.Cli;

/// <summary>
/// Text written as UTF-8 straight onto a standard stream's fd, one write(2) per call, so lines
/// written from several loops do not interleave. The servers use it instead of <see cref="Console"/>,
/// whose writers at first use duplicate the fd (which fails once the process is out of fds) and
/// look up the terminal's encoding: about 0.4 ms on the way to the first accept (scripts/startup.sh,
/// 40 runs).
/// </summary>
internal sealed unsafe class StandardStreamWriter(int fd) : TextWriter
{
    public static readonly StandardStreamWriter Out = new(1);
    public static readonly StandardStreamWriter Error = new(2);

    public override Encoding Encoding => Encoding.UTF8;

    public override void Write(char value) => Write(new ReadOnlySpan<char>(in value));

    public override void Write(string? value) => Write(value.AsSpan());

    public override void WriteLine(string? value) => Write(value + "\n");

    public override void Write(ReadOnlySpan<char> text)
    {
        byte[] bytes = new byte[Encoding.UTF8.GetByteCount(text)];
        Encoding.UTF8.GetBytes(text, bytes);
        fixed (byte* start = bytes)
        {
            for (int written = 0; written < bytes.Length;)
            {
                nint n = Sys.Write(fd, start + written, bytes.Length - written);
                // Console drops what a closed pipe (EPIPE) or a closed fd refuses, and so does this.
                if (n <= 0) return;
                written += (int)n;
            }
        }
    }
}
