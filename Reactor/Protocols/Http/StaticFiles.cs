using System;
using System.Buffers.Text;
using System.IO;
using System.Text;
using Reactor.Platform;

namespace Reactor.Protocols.Http;

/// <summary>
/// Files under a root directory, sent with sendfile(2): Content-Type by extension,
/// Content-Length, Last-Modified and If-Modified-Since (304), ETag and If-None-Match (304), one
/// <c>Range: bytes=</c> (206, or 416 when unsatisfiable), HEAD, <c>index.html</c> for a directory,
/// 404, and 405 for methods other than GET and HEAD. No request reads outside the root: <c>..</c>
/// and <c>.</c> segments, percent-encoded slashes, NUL bytes, and paths that resolve (through
/// symbolic links) outside it are 404.
/// </summary>
internal sealed unsafe class StaticFiles
{
    private readonly byte[] _root;   // the root's real path, without a trailing slash

    /// <param name="root">The directory served; must exist.</param>
    public StaticFiles(string root)
    {
        Sockets.RequireSendFile();
        byte[] path = Encoding.UTF8.GetBytes(Path.GetFullPath(root) + "\0");
        byte* resolved = stackalloc byte[Files.MaxPath];
        fixed (byte* p = path)
        {
            if (!Files.RealPath(p, resolved) || !Directory.Exists(root)) throw new ReactorException($"--root {root}: not a directory");
        }
        _root = new ReadOnlySpan<byte>(resolved, Files.MaxPath)[..new ReadOnlySpan<byte>(resolved, Files.MaxPath).IndexOf((byte)0)].ToArray();
        if (_root.AsSpan().SequenceEqual("/"u8)) _root = [];
    }

    public void Serve(HttpConnection connection, HttpRequest request)
    {
        if (!request.IsGet && !request.IsHead)
        {
            BuiltInRoutes.MethodNotAllowed(connection);
            return;
        }
        byte* path = stackalloc byte[Files.MaxPath];
        int fd = Open(request.Path, path);
        if (fd == -400)
        {
            connection.Respond(400, "text/plain"u8, "Bad Request\n"u8);
            return;
        }
        if (fd < 0 || Files.Status(fd, out FileStatus status) < 0 || !status.IsRegular)
        {
            if (fd >= 0) Interop.Sys.Close(fd);
            connection.Respond(404, "text/plain"u8, "Not Found\n"u8);
            return;
        }
        Send(connection, request, fd, status, ContentType(new ReadOnlySpan<byte>(path, Files.MaxPath)));
    }

    /// <summary>
    /// Maps the request path to a file under the root and opens it: the fd, -404 when it does not
    /// exist or is not the root's, -400 for a malformed path. <paramref name="path"/> receives the
    /// resolved path (NUL-terminated).
    /// </summary>
    private int Open(ReadOnlySpan<byte> requestPath, byte* path)
    {
        Span<byte> full = new(path, Files.MaxPath);
        _root.CopyTo(full);
        int length = _root.Length;
        // Decode into the buffer after the root; refuse what could name something outside it.
        for (int i = 0; i < requestPath.Length; i++)
        {
            byte b = requestPath[i];
            if (b == '%')
            {
                if (i + 2 >= requestPath.Length || !Utf8Parser.TryParse(requestPath.Slice(i + 1, 2), out byte decoded, out int used, 'x') || used != 2) return -400;
                // An encoded slash or NUL is never a path of ours.
                if (decoded is (byte)'/' or (byte)'\\' or 0) return -404;
                b = decoded;
                i += 2;
            }
            if (b == '\\') return -404;
            if (length + 12 >= Files.MaxPath) return -404;
            full[length++] = b;
        }
        ReadOnlySpan<byte> relative = full[_root.Length..length];
        if (relative.IsEmpty || relative[0] != '/' || HasDotSegment(relative)) return -404;
        // A directory gets its index.html.
        if (relative[^1] == '/') length += HttpConnection.Put(full[length..], "index.html"u8);
        full[length] = 0;
        byte* resolved = stackalloc byte[Files.MaxPath];
        if (!Files.RealPath(path, resolved)) return -404;
        var real = new ReadOnlySpan<byte>(resolved, Files.MaxPath);
        real = real[..real.IndexOf((byte)0)];
        // Symbolic links may lead anywhere: what is served must resolve inside the root.
        if (real.Length <= _root.Length || !real.StartsWith(_root) || real[_root.Length] != '/') return -404;
        int fd = Files.OpenRead(resolved);
        if (fd >= 0 && Files.Status(fd, out FileStatus status) == 0 && status.IsDirectory)
        {
            Interop.Sys.Close(fd);
            if (real.Length + 12 >= Files.MaxPath) return -404;
            int n = real.Length + HttpConnection.Put(new Span<byte>(resolved + real.Length, 12), "/index.html"u8);
            resolved[n] = 0;
            fd = Files.OpenRead(resolved);
            real = new ReadOnlySpan<byte>(resolved, n);
        }
        real.CopyTo(full);
        full[real.Length] = 0;
        return fd < 0 ? -404 : fd;
    }

    /// <summary>A <c>.</c> or <c>..</c> segment (after decoding): refused rather than resolved.</summary>
    private static bool HasDotSegment(ReadOnlySpan<byte> path)
    {
        foreach (Range range in path.Split((byte)'/'))
        {
            ReadOnlySpan<byte> segment = path[range];
            if (segment.SequenceEqual("."u8) || segment.SequenceEqual(".."u8)) return true;
        }
        return false;
    }

    private static void Send(HttpConnection connection, HttpRequest request, int fd, FileStatus file, ReadOnlySpan<byte> contentType)
    {
        Span<byte> etag = stackalloc byte[40];
        int etagLength = FormatETag(etag, file);
        etag = etag[..etagLength];
        Span<byte> modified = stackalloc byte[HttpDate.Length];
        HttpDate.Format(DateTime.UnixEpoch.AddSeconds(file.ModifiedSeconds), modified);

        if (NotModified(request, etag, file.ModifiedSeconds))
        {
            Interop.Sys.Close(fd);
            connection.StartResponse(304);
            connection.AddHeader("ETag"u8, etag);
            connection.AddHeader("Last-Modified"u8, modified);
            connection.EndResponse(default);
            return;
        }

        long offset = 0, length = file.Size;
        int status = 200;
        if (request.TryGetHeader("Range"u8, out ReadOnlySpan<byte> range) && RangeApplies(request, etag))
        {
            switch (ParseRange(range, file.Size, out offset, out length))
            {
                case RangeResult.Satisfiable:
                    status = 206;
                    break;
                case RangeResult.Unsatisfiable:
                    Interop.Sys.Close(fd);
                    connection.StartResponse(416);
                    AddContentRange(connection, "bytes */"u8, -1, -1, file.Size);
                    connection.AddHeader("Content-Type"u8, "text/plain"u8);
                    connection.EndResponse("Range Not Satisfiable\n"u8);
                    return;
                default:
                    offset = 0;
                    length = file.Size;
                    break;
            }
        }
        connection.StartResponse(status);
        connection.AddHeader("Content-Type"u8, contentType);
        connection.AddHeader("Last-Modified"u8, modified);
        connection.AddHeader("ETag"u8, etag);
        connection.AddHeader("Accept-Ranges"u8, "bytes"u8);
        if (status == 206) AddContentRange(connection, "bytes "u8, offset, offset + length - 1, file.Size);
        connection.EndResponseWithFile(fd, offset, length);
    }

    /// <summary>If-None-Match wins over If-Modified-Since (RFC 9110 §13.1.3).</summary>
    private static bool NotModified(HttpRequest request, ReadOnlySpan<byte> etag, long modifiedSeconds)
    {
        if (request.TryGetHeader("If-None-Match"u8, out ReadOnlySpan<byte> tags))
        {
            if (HttpParser.TrimWhitespace(tags).SequenceEqual("*"u8)) return true;
            foreach (Range r in tags.Split((byte)','))
            {
                ReadOnlySpan<byte> tag = HttpParser.TrimWhitespace(tags[r]);
                if (tag.StartsWith("W/"u8)) tag = tag[2..];   // weak comparison
                if (tag.SequenceEqual(etag)) return true;
            }
            return false;
        }
        return request.TryGetHeader("If-Modified-Since"u8, out ReadOnlySpan<byte> since)
            && Utf8Parser.TryParse(since, out DateTime date, out _, 'R')
            && modifiedSeconds <= (long)(date - DateTime.UnixEpoch).TotalSeconds;
    }

    /// <summary>If-Range with another validator means the file changed: send it whole.</summary>
    private static bool RangeApplies(HttpRequest request, ReadOnlySpan<byte> etag) =>
        !request.TryGetHeader("If-Range"u8, out ReadOnlySpan<byte> ifRange) || ifRange.SequenceEqual(etag);

    private enum RangeResult
    {
        Ignored,
        Satisfiable,
        Unsatisfiable,
    }

    /// <summary>One <c>bytes=first-last</c>, <c>bytes=first-</c> or <c>bytes=-suffix</c> (RFC 9110 §14.1.2); anything else (several ranges, another unit, junk) is ignored.</summary>
    private static RangeResult ParseRange(ReadOnlySpan<byte> value, long size, out long offset, out long length)
    {
        offset = 0;
        length = 0;
        if (!value.StartsWith("bytes="u8)) return RangeResult.Ignored;
        value = HttpParser.TrimWhitespace(value[6..]);
        int dash = value.IndexOf((byte)'-');
        if (dash < 0 || value.IndexOf((byte)',') >= 0) return RangeResult.Ignored;
        ReadOnlySpan<byte> first = value[..dash], last = value[(dash + 1)..];
        if (first.IsEmpty)
        {
            if (!TryParseNumber(last, out long suffix)) return RangeResult.Ignored;
            if (suffix == 0 || size == 0) return RangeResult.Unsatisfiable;
            length = Math.Min(suffix, size);
            offset = size - length;
            return RangeResult.Satisfiable;
        }
        if (!TryParseNumber(first, out long start)) return RangeResult.Ignored;
        long end = size - 1;
        if (!last.IsEmpty)
        {
            if (!TryParseNumber(last, out end) || end < start) return RangeResult.Ignored;
            end = Math.Min(end, size - 1);
        }
        if (start >= size) return RangeResult.Unsatisfiable;
        offset = start;
        length = end - start + 1;
        return RangeResult.Satisfiable;
    }

    private static bool TryParseNumber(ReadOnlySpan<byte> text, out long value) =>
        Utf8Parser.TryParse(text, out value, out int used) && used == text.Length && value >= 0 && text[0] is >= (byte)'0' and <= (byte)'9';

    private static void AddContentRange(HttpConnection connection, ReadOnlySpan<byte> prefix, long first, long last, long size)
    {
        Span<byte> value = stackalloc byte[80];
        int n = HttpConnection.Put(value, prefix);
        if (first >= 0)
        {
            Utf8Formatter.TryFormat(first, value[n..], out int w1);
            n += w1;
            value[n++] = (byte)'-';
            Utf8Formatter.TryFormat(last, value[n..], out int w2);
            n += w2;
            value[n++] = (byte)'/';
        }
        Utf8Formatter.TryFormat(size, value[n..], out int w3);
        connection.AddHeader("Content-Range"u8, value[..(n + w3)]);
    }

    /// <summary>A strong validator from the modification time and the size: <c>"mtime-size"</c> in hex.</summary>
    private static int FormatETag(Span<byte> destination, FileStatus file)
    {
        destination[0] = (byte)'"';
        Utf8Formatter.TryFormat(file.ModifiedSeconds, destination[1..], out int n, 'x');
        n++;
        destination[n++] = (byte)'-';
        Utf8Formatter.TryFormat(file.Size, destination[n..], out int w, 'x');
        n += w;
        destination[n++] = (byte)'"';
        return n;
    }

    /// <summary>Content-Type by the extension of the NUL-terminated <paramref name="path"/>.</summary>
    private static ReadOnlySpan<byte> ContentType(ReadOnlySpan<byte> path)
    {
        path = path[..path.IndexOf((byte)0)];
        int dot = path.LastIndexOf((byte)'.');
        if (dot < 0 || path[dot..].IndexOf((byte)'/') >= 0) return "application/octet-stream"u8;
        Span<byte> extension = stackalloc byte[8];
        ReadOnlySpan<byte> raw = path[(dot + 1)..];
        if (raw.Length > extension.Length) return "application/octet-stream"u8;
        Ascii.ToLower(raw, extension, out int written);
        return extension[..written] switch
        {
            var e when e.SequenceEqual("html"u8) || e.SequenceEqual("htm"u8) => "text/html; charset=utf-8"u8,
            var e when e.SequenceEqual("txt"u8) => "text/plain; charset=utf-8"u8,
            var e when e.SequenceEqual("css"u8) => "text/css; charset=utf-8"u8,
            var e when e.SequenceEqual("js"u8) || e.SequenceEqual("mjs"u8) => "text/javascript; charset=utf-8"u8,
            var e when e.SequenceEqual("json"u8) => "application/json"u8,
            var e when e.SequenceEqual("xml"u8) => "application/xml"u8,
            var e when e.SequenceEqual("svg"u8) => "image/svg+xml"u8,
            var e when e.SequenceEqual("png"u8) => "image/png"u8,
            var e when e.SequenceEqual("jpg"u8) || e.SequenceEqual("jpeg"u8) => "image/jpeg"u8,
            var e when e.SequenceEqual("gif"u8) => "image/gif"u8,
            var e when e.SequenceEqual("webp"u8) => "image/webp"u8,
            var e when e.SequenceEqual("ico"u8) => "image/x-icon"u8,
            var e when e.SequenceEqual("wasm"u8) => "application/wasm"u8,
            var e when e.SequenceEqual("pdf"u8) => "application/pdf"u8,
            var e when e.SequenceEqual("woff2"u8) => "font/woff2"u8,
            var e when e.SequenceEqual("mp4"u8) => "video/mp4"u8,
            _ => "application/octet-stream"u8,
        };
    }
}
