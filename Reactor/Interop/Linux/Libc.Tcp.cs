using System.Runtime.InteropServices;

namespace Reactor.Interop;

// getsockopt(TCP_INFO): Linux's struct tcp_info. FreeBSD's and macOS's (TCP_CONNECTION_INFO) lay
// out other fields and say nothing of a listener's accept queue.
internal static unsafe partial class Libc
{
    /// <summary>
    /// The start of struct tcp_info (linux/tcp.h), as far as Reactor reads it; the kernel copies
    /// only the length asked for. On a listening socket tcpi_unacked is the accept queue's length
    /// and tcpi_sacked its limit (the listen backlog after the net.core.somaxconn cap).
    /// </summary>
    [StructLayout(LayoutKind.Sequential)]
    internal struct tcp_info
    {
        public byte tcpi_state;
        public byte tcpi_ca_state;
        public byte tcpi_retransmits;
        public byte tcpi_probes;
        public byte tcpi_backoff;
        public byte tcpi_options;
        public byte tcpi_wscale;          // snd_wscale:4, rcv_wscale:4
        public byte tcpi_flags;           // delivery_rate_app_limited:1, fastopen_client_fail:2
        public uint tcpi_rto;
        public uint tcpi_ato;
        public uint tcpi_snd_mss;
        public uint tcpi_rcv_mss;
        public uint tcpi_unacked;
        public uint tcpi_sacked;
    }
}
