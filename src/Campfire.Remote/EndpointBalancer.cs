namespace Campfire.Remote;

/// <summary>
/// Least-outstanding-requests choice among replicas: a long generation keeps its replica busy for its whole stream,
/// so counting streams in flight balances better than round robin. Ties rotate so that idle replicas share the load.
/// </summary>
internal sealed class EndpointBalancer
{
    private readonly int[] _outstanding;
    private readonly Lock _gate = new();
    private int _rotation;

    public EndpointBalancer(int count) => _outstanding = new int[count];

    public int Count => _outstanding.Length;

    /// <summary>Takes the replica with the fewest streams in flight, avoiding <paramref name="avoid"/> (the one that just failed) when another exists.</summary>
    public int Acquire(int avoid = -1)
    {
        lock (_gate)
        {
            var best = -1;
            var start = _rotation++ % _outstanding.Length;
            for (var k = 0; k < _outstanding.Length; k++)
            {
                var i = (start + k) % _outstanding.Length;
                if (i == avoid && _outstanding.Length > 1)
                    continue;
                if (best < 0 || _outstanding[i] < _outstanding[best])
                    best = i;
            }
            _outstanding[best]++;
            return best;
        }
    }

    public void Release(int index)
    {
        lock (_gate)
            _outstanding[index]--;
    }

    public int Outstanding(int index)
    {
        lock (_gate)
            return _outstanding[index];
    }
}
