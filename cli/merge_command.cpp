// `ckptsim merge`: the JSON results of `explore --shard I/N` runs combined into the whole
// exploration's result.
#include <fstream>
#include <memory>

#include "cli/command.h"
#include "reports/report.h"
#include "util/read_file.h"

namespace cli {
namespace {

// Reads shard results written by `explore --json` (or --report's results.json) and merges them.
int RunMerge(const std::vector<std::string>& files, const CommonFlags& flags) {
  std::vector<sim::ExploreResult> parts;
  for (const std::string& file : files) {
    ckpt::Result<std::string> text = sim::ReadWholeFile(file);
    if (!text.ok()) return BadInput(text.status().message());
    nlohmann::json json = nlohmann::json::parse(text.value(), nullptr, /*allow_exceptions=*/false);
    if (json.is_discarded()) return BadInput(file + ": not JSON");
    ckpt::Result<sim::ExploreResult> part = reports::ResultFromJson(json);
    if (!part.ok()) return BadInput(file + ": " + part.status().message());
    parts.push_back(std::move(part).value());
  }
  ckpt::Result<sim::ExploreResult> merged = sim::MergeResults(parts);
  if (!merged.ok()) return BadInput(merged.status().message());
  std::string header = std::string("ckptsim merge \u00b7 ") + std::to_string(parts.size()) +
                       " shard(s) \u00b7 " + sim::StrategyName(merged.value().strategy) +
                       " \u00b7 seed " + std::to_string(merged.value().seed);
  return ReportResult(merged.value(), header, 8, flags);
}

}  // namespace

Command AddMergeCommand(CLI::App& app) {
  struct Flags {
    CommonFlags common;
    std::vector<std::string> files;
  };
  auto flags = std::make_shared<Flags>();
  CLI::App* merge =
      app.add_subcommand("merge", "combine the JSON results of `explore --shard I/N` runs");
  merge->add_option("results", flags->files, "the shards' JSON results")->required();
  merge->add_flag("--json", flags->common.json, "print the merged JSON object on stdout");
  merge->add_option("--report", flags->common.report_dir,
                    "keep the merged report in a new directory under the store DIR (as explore "
                    "--report)");
  merge->add_option("--junit", flags->common.junit, "write JUnit XML to FILE");
  merge->footer("Example: ckptsim merge shard0.json shard1.json shard2.json shard3.json --json");
  return {merge, [flags] { return RunMerge(flags->files, flags->common); }};
}

}  // namespace cli
