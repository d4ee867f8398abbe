using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;

namespace Campfire.Remote.Tests.Remote;

/// <summary>
/// A tiny HTTP/1.1 server on 127.0.0.1 speaking the real wire format of the serving engines: status line, headers,
/// a chunked <c>text/event-stream</c> body of <c>data: ...</c> events. Written on raw sockets so that a test can
/// drop the connection mid-stream, send a malformed line, or stall, exactly as a failing server would.
/// </summary>
internal sealed class FakeInferenceServer : IAsyncDisposable
{
    private readonly TcpListener _listener;
    private readonly Func<FakeExchange, Task> _handler;
    private readonly CancellationTokenSource _stopping = new();
    private readonly Task _acceptLoop;
    private readonly ConcurrentBag<Task> _connections = [];
    private int _inFlight;
    private int _maxInFlight;

    private int _connectionCount;

    /// <param name="handler">Answers one request.</param>
    /// <param name="keepAlive">Serve further requests on the same connection (HTTP/1.1 persistent connections)
    /// instead of answering with <c>Connection: close</c>.</param>
    public FakeInferenceServer(Func<FakeExchange, Task> handler, bool keepAlive = false)
    {
        _handler = handler;
        KeepAlive = keepAlive;
        _listener = new TcpListener(IPAddress.Loopback, 0);
        _listener.Start();
        var port = ((IPEndPoint)_listener.LocalEndpoint).Port;
        BaseUrl = new Uri($"http://127.0.0.1:{port}/");
        _acceptLoop = AcceptLoopAsync();
    }

    public Uri BaseUrl { get; }

    public bool KeepAlive { get; }

    /// <summary>TCP connections accepted so far (fewer than requests when connections are reused).</summary>
    public int ConnectionCount => Volatile.Read(ref _connectionCount);

    public ConcurrentQueue<FakeRequest> Requests { get; } = new();

    public int RequestCount => Requests.Count;

    /// <summary>Most requests this server was handling at the same time.</summary>
    public int MaxInFlight => Volatile.Read(ref _maxInFlight);

    public CancellationToken Stopping => _stopping.Token;

    private async Task AcceptLoopAsync()
    {
        while (!_stopping.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await _listener.AcceptTcpClientAsync(_stopping.Token);
            }
            catch (Exception) when (_stopping.IsCancellationRequested)
            {
                return;
            }
            _connections.Add(Task.Run(() => ServeAsync(client)));
        }
    }

    private async Task ServeAsync(TcpClient client)
    {
        using var _ = client;
        client.NoDelay = true;
        Interlocked.Increment(ref _connectionCount);
        var stream = client.GetStream();
        for (var served = 0; served < 1000 && !_stopping.IsCancellationRequested; served++)
        {
            if (!await ServeOneAsync(client, stream) || !KeepAlive)
                return;
        }
    }

    /// <summary>Serves one request; false when the connection cannot carry another.</summary>
    private async Task<bool> ServeOneAsync(TcpClient client, NetworkStream stream)
    {
        FakeRequest? request;
        try
        {
            request = await FakeRequest.ReadAsync(stream, _stopping.Token);
        }
        catch (Exception e) when (e is IOException or OperationCanceledException or InvalidDataException)
        {
            return false;
        }
        if (request is null)
            return false;
        Requests.Enqueue(request);
        var now = Interlocked.Increment(ref _inFlight);
        int seen;
        while (now > (seen = Volatile.Read(ref _maxInFlight)) && Interlocked.CompareExchange(ref _maxInFlight, now, seen) != seen)
        {
        }
        try
        {
            var exchange = new FakeExchange(request, client, stream, KeepAlive, _stopping.Token);
            await _handler(exchange);
            if (exchange.Dropped)
                return false;
            await exchange.FinishAsync();
            return true;
        }
        catch (Exception e) when (e is IOException or OperationCanceledException or SocketException or ObjectDisposedException)
        {
            // The client went away (cancellation test) or the server is stopping.
            return false;
        }
        finally
        {
            Interlocked.Decrement(ref _inFlight);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync();
        _listener.Stop();
        await _acceptLoop;
        var bounded = Task.WhenAll(_connections);
        await Task.WhenAny(bounded, Task.Delay(TimeSpan.FromSeconds(10)));
        _stopping.Dispose();
    }
}

internal sealed class FakeRequest
{
    public required string Method { get; init; }
    public required string Path { get; init; }
    public required Dictionary<string, string> Headers { get; init; }
    public required byte[] Body { get; init; }

    public JsonElement Json => JsonDocument.Parse(Body).RootElement;

    public int[] IntArray(string property) => Json.GetProperty(property).EnumerateArray().Select(e => e.GetInt32()).ToArray();

    /// <summary>Reads the request head and a Content-Length body (what HttpClient sends for a byte array).</summary>
    public static async Task<FakeRequest?> ReadAsync(NetworkStream stream, CancellationToken token)
    {
        var head = new List<byte>(1024);
        var one = new byte[1];
        while (head.Count < 64 * 1024)
        {
            if (await stream.ReadAsync(one, token) == 0)
                return null;
            head.Add(one[0]);
            if (head.Count >= 4 && head[^1] == '\n' && head[^2] == '\r' && head[^3] == '\n' && head[^4] == '\r')
                break;
        }
        var lines = Encoding.ASCII.GetString(head.ToArray()).Split("\r\n");
        var requestLine = lines[0].Split(' ');
        if (requestLine.Length < 3)
            throw new InvalidDataException("bad request line");
        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var line in lines.Skip(1).Where(l => l.Length > 0))
        {
            var colon = line.IndexOf(':');
            headers[line[..colon].Trim()] = line[(colon + 1)..].Trim();
        }
        var length = headers.TryGetValue("Content-Length", out var text) ? int.Parse(text) : 0;
        var body = new byte[length];
        await stream.ReadExactlyAsync(body, token);
        return new FakeRequest { Method = requestLine[0], Path = requestLine[1], Headers = headers, Body = body };
    }
}

/// <summary>The response side: what a handler writes, in HTTP/1.1 chunked framing.</summary>
internal sealed class FakeExchange(FakeRequest request, TcpClient client, NetworkStream stream, bool keepAlive, CancellationToken stopping)
{
    private bool _headersSent;
    private bool _finished;

    private string ConnectionHeader => keepAlive ? "Connection: keep-alive\r\n" : "Connection: close\r\n";

    public FakeRequest Request { get; } = request;
    public CancellationToken Stopping { get; } = stopping;
    public bool Dropped { get; private set; }

    public async Task RespondAsync(int status, string body, string contentType = "application/json", string extraHeaders = "")
    {
        var bytes = Encoding.UTF8.GetBytes(body);
        var head = $"HTTP/1.1 {status} {ReasonPhrase(status)}\r\nContent-Type: {contentType}\r\nContent-Length: {bytes.Length}\r\n{extraHeaders}{ConnectionHeader}\r\n";
        await stream.WriteAsync(Encoding.ASCII.GetBytes(head), Stopping);
        await stream.WriteAsync(bytes, Stopping);
        await stream.FlushAsync(Stopping);
        _headersSent = _finished = true;
    }

    public async Task StartEventStreamAsync()
    {
        if (_headersSent)
            return;
        var head = $"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nCache-Control: no-cache\r\nTransfer-Encoding: chunked\r\n{ConnectionHeader}\r\n";
        await stream.WriteAsync(Encoding.ASCII.GetBytes(head), Stopping);
        _headersSent = true;
    }

    /// <summary>Sends <c>data: {data}\n\n</c> as one HTTP chunk.</summary>
    public Task SendEventAsync(string data) => SendRawAsync($"data: {data}\n\n");

    public Task SendDoneAsync() => SendEventAsync("[DONE]");

    /// <summary>Sends bytes of the event stream verbatim (to split events, use CRLF, or send a bad line).</summary>
    public async Task SendRawAsync(string text)
    {
        await StartEventStreamAsync();
        var bytes = Encoding.UTF8.GetBytes(text);
        await stream.WriteAsync(Encoding.ASCII.GetBytes($"{bytes.Length:x}\r\n"), Stopping);
        await stream.WriteAsync(bytes, Stopping);
        await stream.WriteAsync("\r\n"u8.ToArray(), Stopping);
        await stream.FlushAsync(Stopping);
    }

    /// <summary>Ends the chunked body properly (the last-chunk marker).</summary>
    public async Task FinishAsync()
    {
        if (_finished)
            return;
        _finished = true;
        await StartEventStreamAsync();
        await stream.WriteAsync("0\r\n\r\n"u8.ToArray(), Stopping);
        await stream.FlushAsync(Stopping);
    }

    /// <summary>Resets the TCP connection in the middle of the body, like a crashed replica.</summary>
    public void Drop()
    {
        Dropped = true;
        client.Client.LingerState = new LingerOption(true, 0);
        client.Client.Close();
    }

    /// <summary>
    /// Waits until the client closes the connection (what cancellation must cause), polling with keep-alive comments;
    /// true if it closed within <paramref name="limit"/>.
    /// </summary>
    public async Task<bool> WaitForClientDisconnectAsync(TimeSpan limit)
    {
        var deadline = DateTime.UtcNow + limit;
        while (DateTime.UtcNow < deadline)
        {
            try
            {
                await SendRawAsync(": keep-alive\n\n");
            }
            catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException)
            {
                Dropped = true;
                return true;
            }
            await Task.Delay(50, Stopping);
        }
        return false;
    }

    /// <summary>
    /// Polls like <see cref="WaitForClientDisconnectAsync"/> and counts the keep-alive comments the connection still
    /// accepted once <paramref name="clientDone"/> had completed (the client is done with the stream). A client that
    /// closes the connection lets at most the write that meets the closed socket through, however slow the machine;
    /// one that drains the body in the background accepts them until its drain timeout. Null when the client never
    /// closed the connection within <paramref name="limit"/>.
    /// </summary>
    public async Task<int?> WritesAcceptedAfterAsync(Task clientDone, TimeSpan limit)
    {
        var deadline = DateTime.UtcNow + limit;
        var accepted = 0;
        while (DateTime.UtcNow < deadline)
        {
            var afterDone = clientDone.IsCompleted;
            try
            {
                await SendRawAsync(": keep-alive\n\n");
            }
            catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException)
            {
                Dropped = true;
                return accepted;
            }
            if (afterDone)
                accepted++;
            await Task.Delay(50, Stopping);
        }
        return null;
    }

    private static string ReasonPhrase(int status) => status switch
    {
        200 => "OK",
        400 => "Bad Request",
        401 => "Unauthorized",
        404 => "Not Found",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        503 => "Service Unavailable",
        _ => "Status",
    };
}
