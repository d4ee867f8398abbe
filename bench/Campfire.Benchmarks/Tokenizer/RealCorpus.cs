namespace Campfire.Benchmarks.Tokenizer;

/// <summary>A corpus of distinct real text that <see cref="RealTexts"/> assembles at bench time from files on this machine.</summary>
public enum RealCorpus
{
    /// <summary>English man pages (roff source), licence texts and English documentation from /usr/share.</summary>
    English,

    /// <summary>Man pages in other languages and message catalogues (.mo translations) of every language on the machine.</summary>
    Multilingual,

    /// <summary>Chinese, Japanese, Korean and Thai: their message catalogues and man pages; scripts written without spaces.</summary>
    CjkThai,

    /// <summary>C headers from /usr/include and Python sources from /usr/lib.</summary>
    Code,

    /// <summary>JSON files found under /usr, /opt and the NuGet package cache.</summary>
    Json,
}
