namespace Reactor.Protocols.Http;

/// <summary>
/// What an HTTP server does with a request. Runs on the connection's loop thread and must not
/// block. It answers through the connection's response writer
/// (<see cref="HttpConnection.Respond"/>, or <see cref="HttpConnection.StartResponse"/> …
/// <see cref="HttpConnection.EndResponse"/>), at once or later: a response not finished when
/// <see cref="OnRequest"/> returns may be finished from a timer or posted work on the same loop,
/// and until then the connection reads no further request, so responses leave in request order.
/// </summary>
public interface IHttpHandler
{
    /// <summary>A complete request arrived; <paramref name="request"/> is valid only during this call.</summary>
    void OnRequest(HttpConnection connection, HttpRequest request);
}
