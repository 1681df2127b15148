using System;
using System.IO;
using System.Linq;
using System.Net.Sockets;
using System.Threading.Tasks;
using Reactor.Interop;
using Reactor.Tests.Infrastructure;
using Xunit;

namespace Reactor.Tests.Tcp;

public sealed class SendFileTests : IDisposable
{
    private readonly string _path = Path.GetTempFileName();
    private readonly byte[] _content = System.Security.Cryptography.RandomNumberGenerator.GetBytes(3 << 20);

    public SendFileTests() => File.WriteAllBytes(_path, _content);

    public void Dispose() => File.Delete(_path);

    /// <summary>Open fds of this process that name the test's file.</summary>
    private int OpenFileFds() => Directory.GetFiles("/proc/self/fd").Count(fd =>
    {
        try { return new FileInfo(fd).LinkTarget == _path; } catch (IOException) { return false; }
    });

    private int OpenFile() => Sys.ThrowIfError(Libc.open(_path, Libc.O_RDONLY | Linux.O_CLOEXEC), "open");

    [Fact]
    public async Task SendFile_BetweenWritesAndASend_BytesInOrderAndFileClosed()
    {
        const int offset = 100, count = (3 << 20) - 1000;
        var handler = new DelegateHandler
        {
            Data = (c, data) =>
            {
                c.Write("head"u8);
                Assert.True(c.SendFile(OpenFile(), offset, count));
                c.Send("tail"u8);   // queues behind the file, not before it
                return data.Length;
            },
        };
        using var server = new TestServer(handler);
        using Socket s = await server.ConnectAsync();
        await s.SendAllAsync(new byte[] { 1 });
        byte[] received = await s.ReceiveExactlyAsync(4 + count + 4);
        Assert.Equal("head"u8.ToArray(), received[..4]);
        Assert.True(_content.AsSpan(offset, count).SequenceEqual(received.AsSpan(4, count)), "the file's bytes differ");
        Assert.Equal("tail"u8.ToArray(), received[^4..]);
        TestServer.WaitUntil(() => OpenFileFds() == 0, "the file closed once sent");
    }

    [Fact]
    public async Task SendFile_PeerGoneMidway_FileClosedAndRestCountedLost()
    {
        CloseReason? reason = null;
        long lost = -1;
        var handler = new DelegateHandler
        {
            Data = (c, data) =>
            {
                // 30 MiB queued: more than the kernel's socket buffers can hold, so some is still queued at the reset.
                for (int i = 0; i < 10; i++) c.SendFile(OpenFile(), 0, _content.Length);
                return data.Length;
            },
            Closed = (c, r) => (reason, lost) = (r, c.PendingBytes),
        };
        using var server = new TestServer(handler);
        using (Socket s = await server.ConnectAsync())
        {
            await s.SendAllAsync(new byte[] { 1 });
            await s.ReceiveExactlyAsync(1000);
            s.LingerState = new LingerOption(true, 0);   // reset
        }
        TestServer.WaitUntil(() => reason is not null, "the server saw the reset");
        Assert.Equal(CloseReason.Reset, reason);
        Assert.True(lost > 0, $"lost {lost}");
        TestServer.WaitUntil(() => OpenFileFds() == 0, "the file closed with the connection");
    }

    [Fact]
    public async Task SendFile_AfterClose_RefusedAndFileClosed()
    {
        bool? accepted = null;
        CloseReason? reason = null;
        var handler = new DelegateHandler
        {
            Data = (c, data) =>
            {
                c.Close();
                accepted = c.SendFile(OpenFile(), 0, 10);
                return data.Length;
            },
            Closed = (c, r) => reason = r,
        };
        using var server = new TestServer(handler);
        using Socket s = await server.ConnectAsync();
        await s.SendAllAsync(new byte[] { 1 });
        Assert.Equal(0, await s.DrainToEofAsync());
        TestServer.WaitUntil(() => reason is not null, "closed");
        Assert.True(accepted == false, $"accepted {accepted}, closed {reason}");
        Assert.Equal(0, OpenFileFds());
    }
}
