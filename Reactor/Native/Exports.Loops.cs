using System;
using System.Net;
using System.Runtime.InteropServices;
using Reactor.Platform;

namespace Reactor.Native;

/// <summary>ABI v2: outbound connections, timers and posted work. Any thread; the callbacks run later on the chosen loop.</summary>
internal static unsafe partial class Exports
{
    [UnmanagedCallersOnly(EntryPoint = "reactor_connect")]
    public static int Connect(int server, int loop, byte* address, int port, uint timeoutMs, delegate* unmanaged<ulong, int, void*, void> onConnect, void* arg)
    {
        try
        {
            if (address == null || onConnect == null) return NativeErrors.Fail(NativeErrors.EINVAL, "reactor_connect: address and on_connect must not be NULL");
            string text = Marshal.PtrToStringUTF8((nint)address) ?? "";
            if (!Sockets.TryParseAddress(text, out IPAddress? ip))
                return NativeErrors.Fail(NativeErrors.EINVAL, $"reactor_connect: {EmbeddedServer.BadAddress(text)}");
            if (port is < 1 or > 65535) return NativeErrors.Fail(NativeErrors.EINVAL, $"reactor_connect: bad port {port}: must be 1..65535");
            int rc = LiveLoop("reactor_connect", server, loop, out EmbeddedServer? s, out EventLoop? l);
            if (rc != NativeErrors.Ok) return rc;
            s!.Connect(l!, new IPEndPoint(ip, port), TimeSpan.FromMilliseconds(timeoutMs), s.Handler.ForConnect(onConnect, arg));
            return NativeErrors.Ok;
        }
        catch (Exception e)
        {
            return NativeErrors.Fail(e);
        }
    }

    [UnmanagedCallersOnly(EntryPoint = "reactor_timer_start")]
    public static int TimerStart(int server, int loop, ulong delayMs, ulong repeatMs, delegate* unmanaged<ulong, void*, void> onTimer, void* arg, ulong* timer)
    {
        const ulong MaxMs = int.MaxValue; // about 24 days: the loop's wait takes an int of milliseconds
        try
        {
            if (onTimer == null) return NativeErrors.Fail(NativeErrors.EINVAL, "reactor_timer_start: on_timer must not be NULL");
            if (delayMs > MaxMs || repeatMs > MaxMs) return NativeErrors.Fail(NativeErrors.EINVAL, $"reactor_timer_start: delay_ms and repeat_ms must be at most {MaxMs}");
            int rc = LiveLoop("reactor_timer_start", server, loop, out EmbeddedServer? s, out EventLoop? l);
            if (rc != NativeErrors.Ok) return rc;
            ulong id = NativeTimer.Start(s!, l!, TimeSpan.FromMilliseconds(delayMs), TimeSpan.FromMilliseconds(repeatMs), onTimer, arg);
            if (timer != null) *timer = id;
            return NativeErrors.Ok;
        }
        catch (Exception e)
        {
            return NativeErrors.Fail(e);
        }
    }

    [UnmanagedCallersOnly(EntryPoint = "reactor_timer_cancel")]
    public static int TimerCancel(ulong timer)
    {
        try
        {
            return NativeTimer.Cancel(timer) ? NativeErrors.Ok
                : NativeErrors.Fail(NativeErrors.ENOENT, $"reactor_timer_cancel: timer {timer} already ran its last time, was cancelled, or its server is gone");
        }
        catch (Exception e)
        {
            return NativeErrors.Fail(e);
        }
    }

    [UnmanagedCallersOnly(EntryPoint = "reactor_post")]
    public static int Post(int server, int loop, delegate* unmanaged<void*, void> fn, void* arg)
    {
        try
        {
            if (fn == null) return NativeErrors.Fail(NativeErrors.EINVAL, "reactor_post: fn must not be NULL");
            int rc = LiveLoop("reactor_post", server, loop, out _, out EventLoop? l);
            if (rc != NativeErrors.Ok) return rc;
            l!.Post(static state => ((PostedCall)state!).Run(), new PostedCall(fn, arg));
            return NativeErrors.Ok;
        }
        catch (Exception e)
        {
            return NativeErrors.Fail(e);
        }
    }

    private sealed class PostedCall(delegate* unmanaged<void*, void> fn, void* arg)
    {
        public void Run() => fn(arg);
    }

    /// <summary>The server and loop a v2 call names, refused when the server is not live or is stopping.</summary>
    private static int LiveLoop(string call, int server, int loop, out EmbeddedServer? s, out EventLoop? l)
    {
        l = null;
        s = EmbeddedServer.Find(server);
        if (s is null) return BadServer(call, server);
        if (s.IsStopping) return NativeErrors.Fail(NativeErrors.ECANCELED, $"{call}: the server is stopping");
        l = s.PickLoop(loop);
        return NativeErrors.Ok;
    }
}
