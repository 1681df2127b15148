using System;
using System.Buffers.Text;
using System.Text;

namespace Reactor.Protocols.Http;

public sealed partial class HttpConnection
{
    private enum ResponseState : byte
    {
        /// <summary>No request is waiting for an answer.</summary>
        None,
        /// <summary>A request was handed over and has not been answered yet.</summary>
        Owed,
        /// <summary>The status line is out; header fields may follow.</summary>
        Headers,
        /// <summary>A chunked (or, for HTTP/1.0, close-delimited) body is being written.</summary>
        Chunked,
    }

    private ResponseState _state;
    private bool _dispatching;          // inside IHttpHandler.OnRequest
    private bool _closeAfterResponse;   // the request asked for (or its version implies) a close
    private bool _headOnly;             // a HEAD request: headers without the body
    private HttpVersion _version;
    private int _status;                // of the response being written

    /// <summary>True from the moment a request is handed to the handler until its response is complete.</summary>
    public bool ResponseOwed => _state != ResponseState.None;

    /// <summary>
    /// Sends a whole response: <paramref name="status"/>, <c>Content-Type</c> (when not empty),
    /// <c>Content-Length</c>, and <paramref name="body"/> (left out for HEAD, and for 1xx, 204 and 304, which have none). A small response is
    /// formatted straight into the connection's output memory in one piece.
    /// </summary>
    public void Respond(int status, ReadOnlySpan<byte> contentType, ReadOnlySpan<byte> body)
    {
        ExpectState(ResponseState.Owed);
        if (contentType.IndexOfAny((byte)'\r', (byte)'\n') >= 0) throw new ArgumentException("a Content-Type must not contain CR or LF", nameof(contentType));
        if (HttpStatus.HasNoBody(status)) body = default;
        int total = StatusLineLength(status) + FramingLength(contentType) + (_headOnly ? 0 : body.Length);
        if (total > _connection.Loop.Options.BufferSize)
        {
            StartResponse(status);
            if (!contentType.IsEmpty) AddHeader("Content-Type"u8, contentType);
            EndResponse(body);
            return;
        }
        Span<byte> span = _connection.GetSpan(total);
        int n = WriteStatusLine(span, status);
        n += WriteFraming(span[n..], contentType, status, body.Length);
        if (!_headOnly) n += Put(span[n..], body);
        _connection.Advance(n);
        Finish();
    }

    /// <summary>Starts a response: the status line and the <c>Server</c> and <c>Date</c> fields. Header fields and a body follow.</summary>
    public void StartResponse(int status)
    {
        ExpectState(ResponseState.Owed);
        Span<byte> span = _connection.GetSpan(StatusLineLength(status));
        _connection.Advance(WriteStatusLine(span, status));
        _status = status;
        _state = ResponseState.Headers;
    }

    /// <summary>Adds a header field. Neither part may contain CR or LF (that would split the response).</summary>
    public void AddHeader(ReadOnlySpan<byte> name, ReadOnlySpan<byte> value)
    {
        ExpectState(ResponseState.Headers);
        if (name.IndexOfAny((byte)'\r', (byte)'\n', (byte)':') >= 0 || value.IndexOfAny((byte)'\r', (byte)'\n') >= 0)
            throw new ArgumentException("a header field must not contain CR or LF, nor a colon in its name");
        int length = name.Length + value.Length + 4;
        if (length > _connection.Loop.Options.BufferSize) throw new ArgumentException($"a header field longer than the buffer size ({length} bytes)");
        Span<byte> span = _connection.GetSpan(length);
        int n = Put(span, name);
        n += Put(span[n..], ": "u8);
        n += Put(span[n..], value);
        n += Put(span[n..], "\r\n"u8);
        _connection.Advance(n);
    }

    /// <summary>Adds a header field with a decimal value.</summary>
    public void AddHeader(ReadOnlySpan<byte> name, long value)
    {
        Span<byte> digits = stackalloc byte[20];
        Utf8Formatter.TryFormat(value, digits, out int n);
        AddHeader(name, digits[..n]);
    }

    /// <summary>Ends the header fields with <c>Content-Length</c> and sends <paramref name="body"/> (not for HEAD).</summary>
    public void EndResponse(ReadOnlySpan<byte> body)
    {
        EndHeaders(body.Length);
        if (!_headOnly && !HttpStatus.HasNoBody(_status)) _connection.Write(body);
        Finish();
    }

    /// <summary>
    /// Ends the header fields with <c>Content-Length</c> and sends <paramref name="length"/> bytes
    /// of the file <paramref name="fileFd"/> from <paramref name="offset"/> as the body, with
    /// sendfile(2) (not for HEAD). The connection takes <paramref name="fileFd"/> over and closes it.
    /// </summary>
    public void EndResponseWithFile(int fileFd, long offset, long length)
    {
        EndHeaders(length);
        if (_headOnly || HttpStatus.HasNoBody(_status)) Interop.Sys.Close(fileFd);
        else _connection.SendFile(fileFd, offset, length);
        Finish();
    }

    /// <summary>
    /// Ends the header fields of a body of unknown length, sent with <see cref="WriteChunk"/> and
    /// ended by <see cref="EndChunkedBody"/>: chunked for HTTP/1.1, delimited by the close for HTTP/1.0.
    /// </summary>
    public void StartChunkedBody()
    {
        ExpectState(ResponseState.Headers);
        if (_version == HttpVersion.Http10) _closeAfterResponse = true;
        else AddHeader("Transfer-Encoding"u8, "chunked"u8);
        WriteConnectionAndEnd();
        _state = ResponseState.Chunked;
    }

    /// <summary>Sends <paramref name="data"/> as one chunk (nothing for an empty span, which would end the body).</summary>
    public void WriteChunk(ReadOnlySpan<byte> data)
    {
        ExpectState(ResponseState.Chunked);
        if (data.IsEmpty || _headOnly) return;
        if (_version == HttpVersion.Http10)
        {
            _connection.Write(data);
            return;
        }
        Span<byte> span = _connection.GetSpan(20);
        int n = Utf8Formatter.TryFormat(data.Length, span, out int written, new System.Buffers.StandardFormat('x')) ? written : 0;
        n += Put(span[n..], "\r\n"u8);
        _connection.Advance(n);
        _connection.Write(data);
        _connection.Write("\r\n"u8);
    }

    /// <summary>Ends a chunked body (the last chunk, no trailers).</summary>
    public void EndChunkedBody()
    {
        ExpectState(ResponseState.Chunked);
        if (_version == HttpVersion.Http11 && !_headOnly) _connection.Write("0\r\n\r\n"u8);
        Finish();
    }

    /// <summary>The fields of a request being handed over that its response needs.</summary>
    private void BeginExchange(in RequestHead head, bool isHead)
    {
        _state = ResponseState.Owed;
        _version = head.Version;
        _closeAfterResponse = !head.KeepAlive;
        _headOnly = isHead;
    }

    private void EndHeaders(long contentLength)
    {
        ExpectState(ResponseState.Headers);
        if (!HttpStatus.HasNoBody(_status)) AddHeader("Content-Length"u8, contentLength);
        WriteConnectionAndEnd();
    }

    /// <summary>The <c>Connection</c> field when the default does not hold, and the empty line.</summary>
    private void WriteConnectionAndEnd()
    {
        ReadOnlySpan<byte> connection = ConnectionField();
        Span<byte> span = _connection.GetSpan(connection.Length + 2);
        int n = Put(span, connection);
        n += Put(span[n..], "\r\n"u8);
        _connection.Advance(n);
    }

    private ReadOnlySpan<byte> ConnectionField() =>
        _closeAfterResponse ? "Connection: close\r\n"u8
        : _version == HttpVersion.Http10 ? "Connection: keep-alive\r\n"u8
        : default;

    private void Finish()
    {
        _state = ResponseState.None;
        ExchangeFinished();
    }

    private void ExpectState(ResponseState state)
    {
        if (_state != state) throw new InvalidOperationException(_state == ResponseState.None ? "no request is waiting for a response" : $"the response is in state {_state}, not {state}");
    }

    /// <summary>A refusal: its status, a one-line text body, <c>Connection: close</c>. Sent whatever the exchange state.</summary>
    private void WriteRefusal(int status)
    {
        _state = ResponseState.Owed;
        _closeAfterResponse = true;
        _headOnly = false;
        _version = HttpVersion.Http11;
        ReadOnlySpan<byte> reason = HttpStatus.Reason(status);
        int total = StatusLineLength(status) + FramingLength("text/plain"u8) + reason.Length + 1;
        Span<byte> span = _connection.GetSpan(total);
        int n = WriteStatusLine(span, status);
        n += WriteFraming(span[n..], "text/plain"u8, status, reason.Length + 1);
        n += Put(span[n..], reason);
        n += Put(span[n..], "\n"u8);
        _connection.Advance(n);
        _state = ResponseState.None;
    }

    // "HTTP/1.1 200 OK\r\nServer: reactor\r\nDate: <29>\r\n"
    private int StatusLineLength(int status) => 13 + HttpStatus.Reason(status).Length + 2 + 10 + _options.ServerNameBytes.Length + 8 + HttpDate.Length;

    private int WriteStatusLine(Span<byte> span, int status)
    {
        int n = Put(span, "HTTP/1.1 "u8);
        Utf8Formatter.TryFormat(status, span[n..], out int written);
        n += written;
        span[n++] = (byte)' ';
        n += Put(span[n..], HttpStatus.Reason(status));
        n += Put(span[n..], "\r\nServer: "u8);
        n += Put(span[n..], _options.ServerNameBytes);
        n += Put(span[n..], "\r\nDate: "u8);
        n += Put(span[n..], HttpDate.Current(_connection.Loop.NowMilliseconds));
        n += Put(span[n..], "\r\n"u8);
        return n;
    }

    // "Content-Type: x\r\nContent-Length: n\r\n" + Connection + "\r\n", at most.
    private static int FramingLength(ReadOnlySpan<byte> contentType) => 16 + contentType.Length + 18 + 20 + 24 + 2;

    private int WriteFraming(Span<byte> span, ReadOnlySpan<byte> contentType, int status, int bodyLength)
    {
        int n = 0;
        if (!contentType.IsEmpty)
        {
            n += Put(span, "Content-Type: "u8);
            n += Put(span[n..], contentType);
            n += Put(span[n..], "\r\n"u8);
        }
        if (!HttpStatus.HasNoBody(status))
        {
            n += Put(span[n..], "Content-Length: "u8);
            Utf8Formatter.TryFormat(bodyLength, span[n..], out int written);
            n += written;
            n += Put(span[n..], "\r\n"u8);
        }
        n += Put(span[n..], ConnectionField());
        n += Put(span[n..], "\r\n"u8);
        return n;
    }

    /// <summary>Copies <paramref name="bytes"/> to the start of <paramref name="span"/> and returns how many: the formatting step of every writer here.</summary>
    internal static int Put(Span<byte> span, ReadOnlySpan<byte> bytes)
    {
        bytes.CopyTo(span);
        return bytes.Length;
    }
}
