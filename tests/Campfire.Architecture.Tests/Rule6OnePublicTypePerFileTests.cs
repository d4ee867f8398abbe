using System.Text.RegularExpressions;

namespace Campfire.Architecture.Tests;

/// <summary>
/// Rule 6: one public type per file in the libraries (src/ without the Campfire.Cli exe), and the file is named after it
/// (Name.cs; a partial type may span files named Name.Concern.cs). Generic arity is ignored (Result&lt;T&gt; in Result.cs).
/// The source scan reads top-level <c>public ... class|struct|record|interface|enum|delegate Name</c> declarations; the
/// compiled libraries' public top-level types are cross-checked against it so that no declaration slips past the scan.
/// </summary>
public sealed partial class Rule6OnePublicTypePerFileTests
{
    private const string Rule = "Rule 6 (one public type per file, named after it)";

    [Fact]
    public void Rule6_EveryPublicType_HasItsOwnFileNamedAfterIt()
    {
        var offenders = new List<string>();
        // type full name (without arity) -> files declaring it
        var declaredIn = new Dictionary<string, List<string>>(StringComparer.Ordinal);

        foreach (var (project, folder) in RepositoryFiles.SourceProjects().Where(p => Libraries.Names.Contains(p.Name)))
        {
            foreach (var file in RepositoryFiles.SourceFiles(folder))
            {
                var text = File.ReadAllText(file);
                var ns = NamespaceDeclaration().Match(text) is { Success: true } m ? m.Groups["name"].Value : "";
                var topIndent = FileScopedNamespace().IsMatch(text) ? 0 : 4;
                var publicTypes = PublicTypeDeclaration().Matches(text)
                    .Where(d => d.Groups["indent"].Value.Replace("\t", "    ", StringComparison.Ordinal).Length == topIndent)
                    .Select(d => (Name: d.Groups["name"].Value, Partial: d.Groups["modifiers"].Value.Contains("partial", StringComparison.Ordinal)))
                    .ToList();
                var relative = RepositoryFiles.Relative(file);
                foreach (var (name, _) in publicTypes)
                {
                    var full = ns.Length == 0 ? name : $"{ns}.{name}";
                    if (!declaredIn.TryGetValue(full, out var files))
                        declaredIn[full] = files = [];
                    files.Add(relative);
                }

                var distinct = publicTypes.Select(t => t.Name).Distinct(StringComparer.Ordinal).ToList();
                var stem = Path.GetFileNameWithoutExtension(file);
                if (distinct.Count > 1)
                {
                    offenders.Add($"\t{relative}: {distinct.Count} public types ({string.Join(", ", distinct)})");
                }
                else if (distinct.Count == 1)
                {
                    var (name, isPartial) = publicTypes[0];
                    var named = stem == name || (isPartial && stem.StartsWith(name + ".", StringComparison.Ordinal));
                    if (!named)
                        offenders.Add($"\t{relative}: public type {name} is in a file not named {name}.cs{(isPartial ? $" or {name}.*.cs" : "")}");
                }
            }
        }

        // Cross-check: every public top-level type the compiler produced was seen by the scan.
        foreach (var library in Libraries.All)
        {
            foreach (var type in library.GetExportedTypes().Where(t => !t.IsNested && !Libraries.IsGenerated(t)))
            {
                var full = StripArity(type.FullName ?? type.Name);
                if (!declaredIn.ContainsKey(full))
                    offenders.Add($"\t{full} ({library.GetName().Name}): public type whose declaration the source scan did not find; give it its own file {StripArity(type.Name)}.cs");
            }
        }

        offenders.Sort(StringComparer.Ordinal);
        Assert.True(offenders.Count == 0,
            $"{Rule} broken by {offenders.Count} file(s) or type(s):\n{string.Join('\n', offenders)}");
    }

    private static string StripArity(string name) =>
        name.IndexOf('`', StringComparison.Ordinal) is var i and >= 0 ? name[..i] : name;

    [GeneratedRegex(@"^\s*namespace\s+(?<name>[\w.]+)", RegexOptions.Multiline)]
    private static partial Regex NamespaceDeclaration();

    [GeneratedRegex(@"^\s*namespace\s+[\w.]+\s*;", RegexOptions.Multiline)]
    private static partial Regex FileScopedNamespace();

    /// <summary>
    /// <c>public [modifiers] class|struct|interface|enum|record [class|struct] Name</c>, or
    /// <c>public [modifiers] delegate ReturnType Name(</c>, at the start of a line (indent captured).
    /// </summary>
    [GeneratedRegex(
        @"^(?<indent>[ \t]*)public\s+(?<modifiers>(?:(?:sealed|static|abstract|readonly|partial|unsafe|ref|new)\s+)*)(?:(?:class|struct|interface|enum|record(?:\s+class|\s+struct)?)\s+(?<name>\w+)|delegate\s+[\w<>\[\]?,.\s]+?\s(?<name>\w+)\s*[<(])",
        RegexOptions.Multiline)]
    private static partial Regex PublicTypeDeclaration();
}
