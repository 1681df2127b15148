using System;
using System.Net.Sockets;
using System.Threading.Tasks;

namespace Reactor.Tests.Infrastructure;

public static class SocketExtensions
{
    /// <summary>Sends all of <paramref name="data"/>.</summary>
    public static async Task SendAllAsync(this Socket socket, ReadOnlyMemory<byte> data)
    {
        while (!data.IsEmpty)
        {
            int n = await socket.SendAsync(data, SocketFlags.None);
            data = data[n..];
        }
    }

    /// <summary>Reads exactly <paramref name="count"/> bytes; fails on early EOF.</summary>
    public static async Task<byte[]> ReceiveExactlyAsync(this Socket socket, int count)
    {
        var buffer = new byte[count];
        int have = 0;
        while (have < count)
        {
            int n = await socket.ReceiveAsync(buffer.AsMemory(have), SocketFlags.None);
            if (n == 0) throw new InvalidOperationException($"EOF after {have} of {count} bytes");
            have += n;
        }
        return buffer;
    }

    /// <summary>Reads until EOF and returns how many bytes came.</summary>
    public static async Task<long> DrainToEofAsync(this Socket socket)
    {
        var buffer = new byte[64 * 1024];
        long total = 0;
        int n;
        while ((n = await socket.ReceiveAsync(buffer, SocketFlags.None)) > 0) total += n;
        return total;
    }

    /// <summary>Sends <paramref name="data"/> while reading the echo, and returns what came back.</summary>
    public static async Task<byte[]> EchoAsync(this Socket socket, byte[] data)
    {
        Task send = socket.SendAllAsync(data);
        byte[] received = await socket.ReceiveExactlyAsync(data.Length);
        await send;
        return received;
    }
}
