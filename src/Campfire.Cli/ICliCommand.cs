using System.CommandLine;

namespace Campfire.Cli;

/// <summary>
/// One `campfire` sub-command. Program discovers every implementation by reflection, so each command lives in its
/// own file under Commands/ and adding one touches nothing else.
/// </summary>
public interface ICliCommand
{
    Command Build();
}
