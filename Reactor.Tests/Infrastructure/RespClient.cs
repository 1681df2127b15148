using System;
using System.Collections.Generic;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Threading.Tasks;

namespace Reactor.Tests.Infrastructure;

/// <summary>
/// A plain RESP2 client over a real socket for the key-value tests: sends commands as multibulk
/// arrays (or any raw bytes) and reads whole replies as the raw bytes the server sent, so replies
/// can be compared byte for byte.
/// </summary>
public sealed class RespClient : IDisposable
{
    private readonly Socket _socket;
    private byte[] _buffer = new byte[64 * 1024];
    private int _length;

    private RespClient(Socket socket) => _socket = socket;

    public static async Task<RespClient> ConnectAsync(EndPoint endPoint)
    {
        ProtocolType protocol = endPoint is UnixDomainSocketEndPoint ? ProtocolType.Unspecified : ProtocolType.Tcp;
        var socket = new Socket(endPoint.AddressFamily, SocketType.Stream, protocol);
        if (protocol == ProtocolType.Tcp) socket.NoDelay = true;
        await socket.ConnectAsync(endPoint);
        return new RespClient(socket);
    }

    public Socket Socket => _socket;

    /// <summary>A command as a multibulk array of bulk strings.</summary>
    public static byte[] Encode(params string[] arguments) => Encode(Array.ConvertAll(arguments, Encoding.UTF8.GetBytes));

    public static byte[] Encode(params byte[][] arguments)
    {
        var bytes = new List<byte>();
        bytes.AddRange(Encoding.ASCII.GetBytes($"*{arguments.Length}\r\n"));
        foreach (byte[] a in arguments)
        {
            bytes.AddRange(Encoding.ASCII.GetBytes($"${a.Length}\r\n"));
            bytes.AddRange(a);
            bytes.AddRange("\r\n"u8.ToArray());
        }
        return bytes.ToArray();
    }

    public Task SendAsync(byte[] bytes) => _socket.SendAllAsync(bytes);

    /// <summary>Sends a command and returns its reply as text (Latin-1, so every byte maps to one char).</summary>
    public async Task<string> CallAsync(params string[] arguments)
    {
        await SendAsync(Encode(arguments));
        return Encoding.Latin1.GetString(await ReadReplyAsync());
    }

    /// <summary>Reads one whole reply (nested arrays included) and returns its raw bytes; fails after <paramref name="seconds"/> or on EOF.</summary>
    public async Task<byte[]> ReadReplyAsync(double seconds = 10)
    {
        DateTime deadline = DateTime.UtcNow.AddSeconds(seconds);
        while (true)
        {
            int length = ReplyLength(_buffer.AsSpan(0, _length));
            if (length >= 0)
            {
                byte[] reply = _buffer.AsSpan(0, length).ToArray();
                _buffer.AsSpan(length, _length - length).CopyTo(_buffer);
                _length -= length;
                return reply;
            }
            if (_length == _buffer.Length) Array.Resize(ref _buffer, _buffer.Length * 2);
            TimeSpan left = deadline - DateTime.UtcNow;
            if (left <= TimeSpan.Zero) throw new TimeoutException($"no whole reply within {seconds} s; have: {Encoding.Latin1.GetString(_buffer, 0, Math.Min(_length, 200))}");
            int n = await _socket.ReceiveAsync(_buffer.AsMemory(_length), SocketFlags.None).AsTask().WaitAsync(left);
            if (n == 0) throw new InvalidOperationException($"EOF before a whole reply; have: {Encoding.Latin1.GetString(_buffer, 0, Math.Min(_length, 200))}");
            _length += n;
        }
    }

    /// <summary>Reads what is left until the server closes; returns it. Fails after <paramref name="seconds"/>.</summary>
    public async Task<byte[]> ReadToEndAsync(double seconds = 10)
    {
        using var rest = new System.IO.MemoryStream();
        rest.Write(_buffer, 0, _length);
        _length = 0;
        var chunk = new byte[64 * 1024];
        Task<int> Receive() => _socket.ReceiveAsync(chunk.AsMemory(), SocketFlags.None).AsTask();
        DateTime deadline = DateTime.UtcNow.AddSeconds(seconds);
        while (true)
        {
            TimeSpan left = deadline - DateTime.UtcNow;
            if (left <= TimeSpan.Zero) throw new TimeoutException($"the server did not close within {seconds} s");
            int n;
            try
            {
                n = await Receive().WaitAsync(left);
            }
            catch (SocketException e) when (e.SocketErrorCode == SocketError.ConnectionReset)
            {
                n = 0;
            }
            if (n == 0) return rest.ToArray();
            rest.Write(chunk, 0, n);
        }
    }

    /// <summary>The length of the first whole reply in <paramref name="data"/>, or -1 when it is not all there.</summary>
    public static int ReplyLength(ReadOnlySpan<byte> data)
    {
        int lineEnd = data.IndexOf("\r\n"u8);
        if (lineEnd < 0) return -1;
        int header = lineEnd + 2;
        switch (data[0])
        {
            case (byte)'+' or (byte)'-' or (byte)':':
                return header;
            case (byte)'$':
                int length = int.Parse(data[1..lineEnd]);
                if (length < 0) return header;
                return data.Length >= header + length + 2 ? header + length + 2 : -1;
            case (byte)'*':
                int count = int.Parse(data[1..lineEnd]);
                int at = header;
                for (int i = 0; i < count; i++)
                {
                    int element = ReplyLength(data[at..]);
                    if (element < 0) return -1;
                    at += element;
                }
                return at;
            default:
                throw new InvalidOperationException($"not a RESP reply: {Encoding.Latin1.GetString(data[..Math.Min(data.Length, 80)])}");
        }
    }

    public void Dispose() => _socket.Dispose();
}
