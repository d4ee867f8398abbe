using Campfire.Cli.Commands;
using Campfire.Cli.Tests.Errors;

namespace Campfire.Cli.Tests.Inference;

/// <summary><c>make-tiny-model</c>'s refusals, run as a user would; the gpt-oss-20b preset is refused before it writes.</summary>
public sealed class MakeModelCommandTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("campfire-make-model-").FullName;

    public void Dispose()
    {
        try { Directory.Delete(_root, true); } catch (IOException) { }
    }

    private static Dictionary<string, string> FreeBytes(long bytes) =>
        new() { [MakeTinyModelCommand.AssumeFreeBytesVariable] = bytes.ToString(System.Globalization.CultureInfo.InvariantCulture) };

    [Fact]
    public void The_20b_preset_on_a_filesystem_without_room_exits_1_naming_the_folder_the_need_and_what_is_free()
    {
        string folder = Path.Combine(_root, "ckpt-20b");
        var run = CampfireProcess.RunWith("", FreeBytes(5_000_000_000), "make-tiny-model", folder, "--preset", "gpt-oss-20b");
        CampfireProcess.AssertFails(1, run, folder, "not enough free space", "needs 13.76 GB", "5.00 GB available");
        Assert.False(Directory.Exists(folder));
    }

    [Fact]
    public void The_small_preset_states_its_size_when_refused_for_room_and_writes_nothing()
    {
        string folder = Path.Combine(_root, "ckpt-small");
        var run = CampfireProcess.RunWith("", FreeBytes(500_000_000), "make-tiny-model", folder, "--preset", "small");
        CampfireProcess.AssertFails(1, run, folder, "not enough free space", "needs 973.17 MB", "500.00 MB available");
        Assert.False(Directory.Exists(folder));
    }

    [Fact]
    public void A_tiny_checkpoint_is_refused_too_when_its_filesystem_is_full_and_leaves_an_existing_empty_folder_as_it_was()
    {
        string folder = Path.Combine(_root, "empty");
        Directory.CreateDirectory(folder);
        var run = CampfireProcess.RunWith("", FreeBytes(1000), "make-tiny-model", folder, "--vocab", "256");
        CampfireProcess.AssertFails(1, run, folder, "not enough free space", "0.00 MB available");
        Assert.Empty(Directory.EnumerateFileSystemEntries(folder));
    }

    [Fact]
    public void A_non_empty_folder_is_refused_and_left_untouched()
    {
        string folder = Path.Combine(_root, "used");
        Directory.CreateDirectory(folder);
        File.WriteAllText(Path.Combine(folder, "notes.txt"), "keep me");
        CampfireProcess.AssertFails(1, CampfireProcess.Run("make-tiny-model", folder, "--preset", "gpt-oss-20b"), folder, "is not empty");
        Assert.Equal(["notes.txt"], Directory.EnumerateFileSystemEntries(folder).Select(Path.GetFileName));
    }

    [Fact]
    public void A_file_target_is_refused()
    {
        string file = Path.Combine(_root, "model.safetensors");
        File.WriteAllText(file, "x");
        CampfireProcess.AssertFails(1, CampfireProcess.Run("make-tiny-model", file, "--preset", "gpt-oss-20b"), file, "is a file, not a folder");
    }

    [Theory]
    [InlineData(new[] { "--preset", "gpt-oss-120b" }, "--preset must be tiny, small or gpt-oss-20b, got 'gpt-oss-120b'")]
    [InlineData(new[] { "--preset", "small", "--vocab", "256" }, "--vocab applies to --preset tiny only")]
    [InlineData(new[] { "--preset", "gpt-oss-20b", "--vocab", "256" }, "--vocab applies to --preset tiny only")]
    public void A_bad_preset_or_a_vocabulary_for_the_20b_preset_is_a_usage_error(string[] options, string expected)
    {
        string folder = Path.Combine(_root, "never");
        CampfireProcess.AssertFails(2, CampfireProcess.Run(["make-tiny-model", folder, .. options]), expected);
        Assert.False(Directory.Exists(folder));
    }
}
