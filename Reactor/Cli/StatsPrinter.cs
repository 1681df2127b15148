using System;
using System.IO;
using System.Text;

namespace Reactor.Cli;

/// <summary>
/// Writes one line of counters per loop, for <c>--stats</c>, to a writer taken at start-up.
/// </summary>
internal static class StatsPrinter
{
    // Pool counts are read from this thread without synchronization: each is one int, good enough
    // for a once-a-second view, never used for decisions.
    public static void Print(LoopGroup group, TextWriter output)
    {
        var line = new StringBuilder();
        foreach (EventLoop loop in group.Loops)
        {
            LoopStats s = loop.Stats;
            line.Clear();
            line.Append($"loop {loop.Id}: open {s.Open} accepted {s.Accepted} rejected {s.Rejected} accept-errors {s.AcceptErrors} in {s.BytesReceived} out {s.BytesSent} lost {s.BytesLost} sends {s.SendCalls} input-copied {s.InputBytesCopied} callback-errors {s.CallbackErrors} datagrams-in {s.DatagramsReceived} datagrams-out {s.DatagramsSent} truncated {s.DatagramsTruncated} dropped {s.DatagramsDropped} datagram-errors {s.DatagramErrors} datagram-syscalls {s.DatagramSyscalls} chunks {loop.Buffers.RentedChunks}/{loop.Buffers.TotalChunks} closed");
            foreach (CloseReason reason in Enum.GetValues<CloseReason>())
            {
                line.Append($" {reason}={s.Closed(reason)}");
            }
            output.WriteLine(line.ToString());
        }
    }
}
