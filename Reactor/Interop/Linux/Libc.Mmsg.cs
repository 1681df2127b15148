using System.Runtime.InteropServices;

namespace Reactor.Interop;

// recvmmsg(2), sendmmsg(2): Linux's datagram batches (FreeBSD's struct mmsghdr differs, macOS has none).
internal static unsafe partial class Libc
{
    [StructLayout(LayoutKind.Sequential)]
    internal struct mmsghdr
    {
        public msghdr msg_hdr;
        public uint msg_len;       // bytes received, or sent
    }

    /// <summary>Receives up to <paramref name="vlen"/> datagrams in one call (recvmmsg(2)).</summary>
    [LibraryImport(Name, SetLastError = true)]
    internal static partial int recvmmsg(int sockfd, mmsghdr* msgvec, uint vlen, int flags, void* timeout);

    /// <summary>Sends up to <paramref name="vlen"/> datagrams in one call (sendmmsg(2)); returns how many were sent.</summary>
    [LibraryImport(Name, SetLastError = true)]
    internal static partial int sendmmsg(int sockfd, mmsghdr* msgvec, uint vlen, int flags);
}
