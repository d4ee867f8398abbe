namespace Campfire.Harmony.Tokenization;

/// <summary>
/// Walks a piece from one cut to the next (<see cref="PieceSplitter"/>), decoding each unit once: the window of four
/// units Z, A, B, C moves one unit per candidate cut (between A and B).
/// </summary>
internal ref struct PartCursor
{
    private readonly PieceSplitter _splitter;
    private readonly ReadOnlySpan<byte> _piece;
    private int _zStart;
    private uint _zKey;
    private int _aStart;
    private uint _aKey;
    private int _bStart;
    private uint _bKey;
    private int _cStart;
    private uint _cKey;
    private int _cEnd;

    public PartCursor(PieceSplitter splitter, ReadOnlySpan<byte> piece, int start = 0)
    {
        _splitter = splitter;
        _piece = piece;
        _zStart = -1;
        _zKey = PieceSplitter.NotWellFormed;
        if (start > 0)
        {
            _zStart = start - 1;
            while (_zStart > 0 && (piece[_zStart] & 0xC0) == 0x80)
                _zStart--;
            PieceSplitter.DecodeUnit(piece, _zStart, out _zKey);
        }
        _aStart = start;
        _bStart = PieceSplitter.DecodeUnit(piece, start, out _aKey);
        _bKey = PieceSplitter.NotWellFormed;
        _cStart = _bStart < piece.Length ? PieceSplitter.DecodeUnit(piece, _bStart, out _bKey) : piece.Length;
        _cKey = PieceSplitter.NotWellFormed;
        _cEnd = _cStart < piece.Length ? PieceSplitter.DecodeUnit(piece, _cStart, out _cKey) : piece.Length;
    }

    /// <summary>The end of the current part: the next position where no token can cross, or the piece's end (then again the end).</summary>
    public int NextEnd()
    {
        // The window lives in locals while it moves (fields of a struct behind a reference would be loaded and stored
        // at every unit).
        ReadOnlySpan<byte> piece = _piece;
        PieceSplitter splitter = _splitter;
        int n = piece.Length;
        int zStart = _zStart, aStart = _aStart, bStart = _bStart, cStart = _cStart, cEnd = _cEnd;
        uint zKey = _zKey, aKey = _aKey, bKey = _bKey, cKey = _cKey;
        int end = n;
        // A unit whose window Z = A = B = C may be crossed (NotWellFormed: such windows always may). Runs of one
        // character (rules of dashes, "aaaa...") repeat the same window, and its answer depends on nothing else.
        uint runKey = PieceSplitter.NotWellFormed;
        while (bStart < n)
        {
            bool cut;
            if (aKey == runKey && bKey == runKey && zKey == runKey && cKey == runKey)
            {
                cut = false;
            }
            else
            {
                cut = !splitter.MayCross(piece, zStart, zKey, aStart, aKey, bStart, bKey, cStart, cKey);
                if (!cut && zKey == aKey && aKey == bKey && bKey == cKey)
                    runKey = aKey;
            }
            int candidate = bStart;
            zStart = aStart;
            zKey = aKey;
            aStart = bStart;
            aKey = bKey;
            bStart = cStart;
            bKey = cKey;
            cStart = cEnd;
            cKey = PieceSplitter.NotWellFormed;
            if (cStart < n)
                cEnd = PieceSplitter.DecodeUnit(piece, cStart, out cKey);
            if (cut)
            {
                end = candidate;
                break;
            }
        }
        _zStart = zStart;
        _zKey = zKey;
        _aStart = aStart;
        _aKey = aKey;
        _bStart = bStart;
        _bKey = bKey;
        _cStart = cStart;
        _cKey = cKey;
        _cEnd = cEnd;
        return end;
    }
}
