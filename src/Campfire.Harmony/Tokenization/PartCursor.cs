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
        ReadOnlySpan<byte> piece = _piece;
        int n = piece.Length;
        while (_bStart < n)
        {
            bool cut = !_splitter.MayCross(piece, _zStart, _zKey, _aStart, _aKey, _bStart, _bKey, _cStart, _cKey);
            int end = _bStart;
            _zStart = _aStart;
            _zKey = _aKey;
            _aStart = _bStart;
            _aKey = _bKey;
            _bStart = _cStart;
            _bKey = _cKey;
            _cStart = _cEnd;
            _cKey = PieceSplitter.NotWellFormed;
            if (_cStart < n)
                _cEnd = PieceSplitter.DecodeUnit(piece, _cStart, out _cKey);
            if (cut)
                return end;
        }
        return n;
    }
}
