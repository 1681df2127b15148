using System;

namespace Reactor.Protocols.Http;

/// <summary>
/// HTTP/1.1 on one connection (RFC 9112): a byte-stream handler that parses requests, hands
/// each complete one to an <see cref="IHttpHandler"/>, and writes the responses. Persistent
/// connections, pipelining (the responses to one read leave in one send), HTTP/1.0 keep-alive,
/// Content-Length and chunked request bodies, <c>Expect: 100-continue</c>; a request that cannot
/// be framed safely is refused with its status and the connection closed after the answer. One
/// instance per connection: <c>group.Serve(c => new HttpConnection(c, handler, options))</c>.
/// </summary>
public sealed partial class HttpConnection : IConnectionHandler
{
    private static readonly Action<object?> TimerFired = static state => ((HttpConnection)state!).OnTimer();

    private readonly Connection _connection;
    private readonly IHttpHandler _handler;
    private readonly HttpOptions _options;

    private TimerHandle _timer;
    private long _timerDue;             // loop time the timer fires at
    private long _requestStarted = -1;  // loop time the first byte of the request being received arrived; -1 between requests
    private long _idleSince;            // loop time the last response finished (or the connection opened)
    private bool _continueSent;         // 100 Continue already sent for the request being received
    private int _headSearched;          // bytes of the request being received already searched for the head's end
    private ChunkedScan _chunkedScan;   // progress through the chunked body being received
    private bool _peerEnded;            // the peer's FIN came while a response was still owed
    private bool _shuttingDown;         // the loop is stopping: the response owed is the last

    /// <param name="connection">The connection this instance serves (the handler factory's argument).</param>
    /// <param name="handler">Answers the requests; may be shared by every connection of a loop.</param>
    /// <param name="options">Limits and timeouts.</param>
    public HttpConnection(Connection connection, IHttpHandler handler, HttpOptions options)
    {
        _connection = connection;
        _handler = handler;
        _options = options;
        // A whole request (head and body) is handed over in one piece: keep that much.
        connection.MaxInputBytes = options.MaxRequestBytes;
    }

    /// <summary>The underlying connection.</summary>
    public Connection Transport => _connection;

    /// <inheritdoc/>
    public void OnOpen(Connection connection)
    {
        _idleSince = connection.Loop.NowMilliseconds;
        ArmTimer(_idleSince + _options.KeepAliveTimeoutMs);
    }

    /// <inheritdoc/>
    public int OnData(Connection connection, Span<byte> data)
    {
        int consumed = 0;
        while (!ResponseOwed && connection.IsOpen)
        {
            Span<byte> rest = data[consumed..];
            // Empty lines before a request line are ignored (RFC 9112 §2.2).
            while (rest.Length >= 2 && rest[0] == '\r' && rest[1] == '\n')
            {
                rest = rest[2..];
                consumed += 2;
            }
            if (rest.IsEmpty) break;
            if (_requestStarted < 0) StartRequestClock();
            int length = Dispatch(rest);
            if (length == 0) break;
            consumed += length;
        }
        return consumed;
    }

    /// <summary>
    /// Parses the request at the start of <paramref name="data"/> and hands it to the handler when
    /// it is complete. Returns the bytes it took (0: incomplete; all of them after a refusal).
    /// </summary>
    private int Dispatch(Span<byte> data)
    {
        ParseResult result = HttpParser.ParseHead(data, _options, out RequestHead head, out int status, _headSearched);
        if (result == ParseResult.Incomplete)
        {
            // The last 3 bytes may start the empty line's CRLFCRLF.
            _headSearched = Math.Max(0, data.Length - 3);
            return NeedMore(data.Length, 0);
        }
        if (result == ParseResult.Refused) return Refuse(status, data.Length);

        int bodyLength = 0, requestLength = head.HeadLength;
        if (head.Chunked)
        {
            Span<byte> body = data[head.HeadLength..];
            result = HttpParser.ParseChunked(body, _options, decode: false, ref _chunkedScan, out int encoded, out _, out status);
            if (result == ParseResult.Incomplete) return NeedMore(data.Length, 0, head);
            if (result == ParseResult.Refused) return Refuse(status, data.Length);
            var fresh = default(ChunkedScan);
            HttpParser.ParseChunked(body, _options, decode: true, ref fresh, out _, out bodyLength, out _);
            requestLength += encoded;
        }
        else if (head.ContentLength > 0)
        {
            bodyLength = (int)head.ContentLength;
            requestLength += bodyLength;
            if (data.Length < requestLength) return NeedMore(data.Length, requestLength, head);
        }

        _requestStarted = -1;
        _continueSent = false;
        _headSearched = 0;
        _chunkedScan = default;
        BeginExchange(head, data[..head.MethodLength].SequenceEqual("HEAD"u8));
        _dispatching = true;
        try
        {
            _handler.OnRequest(this, new HttpRequest(data, head, data.Slice(head.HeadLength, bodyLength)));
        }
        finally
        {
            _dispatching = false;
        }
        // Not answered yet: read nothing more until it is, so responses stay in request order.
        if (ResponseOwed) _connection.PauseReading();
        return requestLength;
    }

    /// <summary>
    /// The request at the front is incomplete (<paramref name="needed"/> bytes in all when known):
    /// waits for more unless the buffer is at its limit. Sends 100 Continue once when the client waits for it.
    /// </summary>
    private int NeedMore(int buffered, int needed, in RequestHead head = default)
    {
        if (buffered >= _connection.MaxInputBytes) return Refuse(413, buffered);
        if (head.ExpectContinue && head.Version == HttpVersion.Http11 && !_continueSent && buffered == head.HeadLength)
        {
            _continueSent = true;
            _connection.Write("HTTP/1.1 100 Continue\r\n\r\n"u8);
        }
        if (needed > 0) _connection.NeedInput(needed);
        return 0;
    }

    /// <summary>Answers <paramref name="status"/> with <c>Connection: close</c> and closes after it. Returns <paramref name="consumed"/>.</summary>
    private int Refuse(int status, int consumed)
    {
        WriteRefusal(status);
        _connection.Close(status == 408 ? CloseReason.Timeout : CloseReason.ProtocolError);
        return consumed;
    }

    /// <inheritdoc/>
    public void OnPeerShutdown(Connection connection)
    {
        // A response still owed goes out first; ExchangeFinished closes after it.
        if (ResponseOwed) _peerEnded = true;
        else connection.ShutdownWrite();
    }

    /// <summary>
    /// The loop is stopping: a connection between requests closes at once; a response still owed
    /// is finished (with <c>Connection: close</c> when its header fields are not out yet) and the
    /// connection closes after it, within the shutdown timeout. A request only partly received is dropped.
    /// </summary>
    public void OnShutdown(Connection connection)
    {
        _shuttingDown = true;
        if (ResponseOwed) _closeAfterResponse = true;
        else connection.Close(CloseReason.Shutdown);
    }

    /// <inheritdoc/>
    public void OnClose(Connection connection, CloseReason reason)
    {
        connection.Loop.Cancel(_timer);
        _timer = default;
    }

    /// <summary>A response finished: close when the exchange said so, else wait for the next request.</summary>
    private void ExchangeFinished()
    {
        _idleSince = _connection.Loop.NowMilliseconds;
        if (_closeAfterResponse || _peerEnded)
        {
            _connection.Close(_shuttingDown ? CloseReason.Shutdown : CloseReason.Local);
            return;
        }
        // Answered later than OnRequest returned: reading was paused for it.
        if (!_dispatching) _connection.ResumeReading();
    }

    private void StartRequestClock()
    {
        _requestStarted = _connection.Loop.NowMilliseconds;
        long due = _requestStarted + _options.HeaderTimeoutMs;
        if (due < _timerDue) ArmTimer(due);
    }

    private void ArmTimer(long due)
    {
        EventLoop loop = _connection.Loop;
        loop.Cancel(_timer);
        _timerDue = due;
        _timer = loop.Schedule(TimeSpan.FromMilliseconds(Math.Max(0, due - loop.NowMilliseconds)), TimerFired, this);
    }

    /// <summary>
    /// One timer per connection, moved only when it fires (requests stamp times instead): a request
    /// arriving too slowly gets 408, an idle persistent connection is closed.
    /// </summary>
    private void OnTimer()
    {
        _timer = default;
        if (!_connection.IsOpen) return;
        long now = _connection.Loop.NowMilliseconds;
        long due;
        if (ResponseOwed)
        {
            due = now + _options.KeepAliveTimeoutMs;   // the handler is at work: check again later
        }
        else if (_requestStarted >= 0)
        {
            due = _requestStarted + _options.HeaderTimeoutMs;
            if (due <= now)
            {
                Refuse(408, 0);
                return;
            }
        }
        else
        {
            due = _idleSince + _options.KeepAliveTimeoutMs;
            if (due <= now)
            {
                _connection.Close(CloseReason.Timeout);
                return;
            }
        }
        ArmTimer(due);
    }
}
