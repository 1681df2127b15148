using System;
using System.Collections.Concurrent;
using Reactor.Protocols.Framing;

namespace Reactor.Tests.Protocols.Framing;

/// <summary>Keeps a copy of every frame it receives, in order, and echoes each one back framed the same way.</summary>
internal sealed class FrameRecorder(Func<Connection, ReadOnlySpan<byte>, bool> echo) : IFrameHandler
{
    public ConcurrentQueue<byte[]> Frames { get; } = new();

    /// <summary>The frames, named for line framing.</summary>
    public ConcurrentQueue<byte[]> Lines => Frames;

    public void OnFrame(Connection connection, Span<byte> frame)
    {
        Frames.Enqueue(frame.ToArray());
        echo(connection, frame);
    }
}
