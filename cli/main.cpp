// ckptsim: the command line. Exit codes: 0 all checks hold, 1 a check failed, 2 bad input/usage.
// Each subcommand is a file of its own (cli/*_command.cpp); this file registers, parses and
// dispatches.
#include <string>
#include <vector>

#include "cli/command.h"

int main(int argc, char** argv) {
  CLI::App app{"ckptsim: deterministic crash-recovery testing of a Spark Streaming driver model"};
  app.set_version_flag("--version",
                       std::string("ckptsim ") + CKPTSIM_VERSION + " (" + CKPTSIM_REVISION + ")");
  app.require_subcommand(1);
  // Every option's --help shows its default ("[8]"), inherited by the subcommands added below.
  app.option_defaults()->always_capture_default();
  app.footer(
      "Examples:\n"
      "  ckptsim explore scenarios/ --strategy exhaustive\n"
      "  ckptsim explore scenarios/basic/running_count.yaml --defect skip-pending-times --json\n"
      "  ckptsim replay scenarios/basic/running_count.yaml --token c123+0");
  const char* binary = argv[0];
  const std::vector<cli::Command> commands = {cli::AddRunCommand(app, binary),
                                              cli::AddExploreCommand(app, binary),
                                              cli::AddReplayCommand(app, binary),
                                              cli::AddShrinkCommand(app, binary),
                                              cli::AddCrashPointsCommand(app),
                                              cli::AddMergeCommand(app),
                                              cli::AddMutationCommand(app, binary),
                                              cli::AddListCommand(app),
                                              cli::AddStudyIntervalCommand(app),
                                              cli::AddServeCommand(app),
                                              cli::AddCrashRealCommand(app, binary),
                                              cli::AddDefectsCommand(app),
                                              cli::AddRulesCommand(app),
                                              cli::AddWeaknessesCommand(app),
                                              cli::AddGenerateDocsCommand(app)};

  if (argc > 1 && argv[1][0] != '-') {
    bool known = false;
    for (const cli::Command& command : commands) known |= command.app->get_name() == argv[1];
    if (!known) {
      return cli::BadInput(std::string("unknown command '") + argv[1] +
                           "' (known: run, explore, replay, shrink, crash-points, list, defects, "
                           "mutation, merge, study-interval, serve, crash-real; see --help)");
    }
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int code = app.exit(e);
    return code == 0 ? cli::kExitPass : cli::kExitBadInput;
  }
  for (const cli::Command& command : commands) {
    if (!command.app->parsed()) continue;
    // The last resort: an exception no layer turned into a Status (out of memory, a filesystem
    // error from the standard library) is a clear message and exit 2, not an abort.
    try {
      return command.run();
    } catch (const std::exception& e) {
      return cli::BadInput(std::string("stopped by an unexpected error: ") + e.what());
    }
  }
  return cli::kExitBadInput;  // require_subcommand(1) makes this unreachable
}
