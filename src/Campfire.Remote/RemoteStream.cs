using System.Text.Json;
using Campfire.Remote.Protocol;

namespace Campfire.Remote;

/// <summary>
/// One open generation stream: the HTTP response, its event reader, and the ids parsed but not yet handed to the
/// caller. Maps every failure to our exceptions, counting the tokens already delivered.
/// </summary>
internal sealed class RemoteStream : IDisposable
{
    private readonly HttpResponseMessage _response;
    private readonly SseEventReader _events;
    private readonly CancellationTokenSource _timeout;
    private readonly CancellationToken _caller;
    private readonly RemoteChunkReader _reader;
    private readonly int[] _stopTokens;
    private readonly TokenIdBuffer _parsed = new();
    private readonly TokenIdBuffer _pending = new();
    private StreamChunk _chunk;
    private int _pendingRead;
    private int _lastQueued = -1;
    private bool _disposed;

    public RemoteStream(Uri endpoint, int endpointIndex, HttpResponseMessage response, Stream body,
        CancellationTokenSource timeout, CancellationToken caller, RemoteChunkReader reader, int[] stopTokens)
    {
        Endpoint = endpoint;
        EndpointIndex = endpointIndex;
        _response = response;
        _events = new SseEventReader(body);
        _timeout = timeout;
        _caller = caller;
        _reader = reader;
        _stopTokens = stopTokens;
    }

    public Uri Endpoint { get; }
    public int EndpointIndex { get; }

    /// <summary>Tokens handed to the caller so far; the generator counts them, error messages quote them.</summary>
    public int Delivered { get; set; }

    /// <summary>The server said the generation ended (finish reason seen).</summary>
    public bool Finished { get; private set; }

    /// <summary>The stream ended cleanly with <c>data: [DONE]</c>.</summary>
    public bool SawDone { get; private set; }

    /// <summary>The backend found, before the first token, that this server needs the fallback request
    /// (<see cref="ChunkVerdict.ResendWithFallback"/>); the stream is to be dropped and the request sent again.</summary>
    public bool NeedsFallback { get; private set; }

    public bool TryDequeue(out int id)
    {
        if (_pendingRead < _pending.Count)
        {
            id = _pending[_pendingRead++];
            return true;
        }
        _pending.Clear();
        _pendingRead = 0;
        id = 0;
        return false;
    }

    public bool HasPending => _pendingRead < _pending.Count;

    /// <summary>
    /// Reads and applies one event, waiting at most <paramref name="timeout"/>. Returns false when the stream ended
    /// cleanly. Throws <see cref="OperationCanceledException"/> for the caller's cancellation and our exceptions for
    /// everything else; the generator decides from them which failures may be retried.
    /// </summary>
    public async ValueTask<bool> ReadNextAsync(TimeSpan timeout, string waitingFor)
    {
        _timeout.CancelAfter(timeout);
        bool gotEvent;
        try
        {
            gotEvent = await _events.ReadEventAsync(_timeout.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!_caller.IsCancellationRequested)
        {
            throw new RemoteTimeoutException(Endpoint, Delivered, timeout, waitingFor);
        }
        catch (Exception e) when (e is IOException or HttpRequestException)
        {
            throw new RemoteStreamBrokenException(Endpoint, Delivered, $"connection lost while reading the stream ({e.Message})", e);
        }
        catch (InvalidDataException e)
        {
            throw new RemoteProtocolException(Endpoint, Delivered, e.Message, e);
        }

        if (!gotEvent)
        {
            if (Finished)
                return false;
            var why = _events.EndedInsideEvent
                ? "the connection closed in the middle of an event"
                : "the connection closed before the server sent a finish reason or [DONE]";
            throw new RemoteStreamBrokenException(Endpoint, Delivered, why);
        }

        if (_events.IsDoneMarker)
        {
            SawDone = true;
            if (!Finished)
                throw new RemoteStreamBrokenException(Endpoint, Delivered, "the server sent [DONE] without a finish reason");
            return false;
        }

        Apply(_events.Data);
        return true;
    }

    /// <summary>
    /// After the finish reason, what remains is at most a usage event and <c>[DONE]</c>: read them (briefly, a few
    /// events at most) so the connection goes back to the pool. Problems here change nothing for the caller, who has
    /// the whole answer already; the connection is then simply closed.
    /// </summary>
    public async ValueTask ReadToEndQuietlyAsync()
    {
        if (SawDone || _disposed)
            return;
        try
        {
            _timeout.CancelAfter(TimeSpan.FromSeconds(1));
            for (var i = 0; i < 8 && await _events.ReadEventAsync(_timeout.Token).ConfigureAwait(false); i++)
            {
                if (_events.IsDoneMarker)
                {
                    SawDone = true;
                    // The terminating chunk follows [DONE]; reading to the end of the body frees the connection.
                    await _events.ReadEventAsync(_timeout.Token).ConfigureAwait(false);
                    return;
                }
            }
        }
        catch (Exception e) when (e is OperationCanceledException or IOException or HttpRequestException or InvalidDataException)
        {
        }
    }

    private void Apply(ReadOnlySpan<byte> data)
    {
        _parsed.Clear();
        try
        {
            _reader.Parse(data, _parsed, ref _chunk);
        }
        catch (Exception e) when (e is JsonException or InvalidDataException)
        {
            throw new RemoteProtocolException(Endpoint, Delivered, $"bad event data '{Quote(data)}': {e.Message}", e);
        }

        if (_chunk.ErrorMessage is not null)
            throw new RemoteStreamBrokenException(Endpoint, Delivered, "the server reported an error: " + _chunk.ErrorMessage)
            {
                ReportedByServer = true,
            };

        ChunkVerdict verdict;
        try
        {
            verdict = _reader.Review(in _chunk, _parsed, beforeFirstToken: Delivered == 0 && _pending.Count == 0);
        }
        catch (InvalidDataException e)
        {
            // The event parsed; what is wrong is what it says against the stream so far, so the reason stands alone
            // instead of quoting the data.
            throw new RemoteProtocolException(Endpoint, Delivered, e.Message);
        }
        if (verdict == ChunkVerdict.ResendWithFallback)
        {
            NeedsFallback = true;
            return;
        }

        foreach (var id in _parsed.Span)
            Queue(id);

        if (_chunk.Finish == RemoteFinishReason.Abort)
            throw new RemoteStreamBrokenException(Endpoint, Delivered, "the server aborted the request") { ReportedByServer = true };
        if (_chunk.Finish != RemoteFinishReason.None)
        {
            Finished = true;
            // Some server versions report the matched stop token without streaming it; the contract yields it.
            var matched = _chunk.MatchedStopTokenId;
            if (matched >= 0 && _lastQueued != matched && Array.IndexOf(_stopTokens, matched) >= 0)
                Queue(matched);
        }
    }

    private void Queue(int id)
    {
        _pending.Add(id);
        _lastQueued = id;
    }

    private static string Quote(ReadOnlySpan<byte> data)
    {
        const int max = 200;
        var text = System.Text.Encoding.UTF8.GetString(data.Length > max ? data[..max] : data);
        return data.Length > max ? text + "..." : text;
    }

    public void Dispose()
    {
        if (_disposed)
            return;
        _disposed = true;
        // Disposing an unfinished response aborts the HTTP request (the connection is closed), which is what stops the
        // server generating for a caller that went away.
        _response.Dispose();
        _events.Dispose();
        _parsed.Dispose();
        _pending.Dispose();
        _timeout.Dispose();
    }
}
