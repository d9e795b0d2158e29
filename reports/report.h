// Report writers: the versioned JSON result (DESIGN.md section 5) and a self-contained HTML page.
#pragma once

#include <ctime>
#include <nlohmann/json.hpp>
#include <string>

#include "engine/runtime/status.h"
#include "explore/explorer.h"
#include "explore/interval_study.h"
#include "explore/mutation.h"
#include "explore/timeline.h"

namespace reports {

inline constexpr int kSchemaVersion = 1;

// `text` for XML and HTML text and attribute values: <, >, & and " escaped, control characters
// other than tab and newline dropped (XML 1.0 allows none).
std::string EscapeXml(const std::string& text);

// `value` with `decimals` digits after the point ("%.*f"): SVG coordinates, tables, times.
std::string FormatFixed(double value, int decimals);

// A virtual duration for axes and tables: "250 ms", "1.5 s", "12 s", "3 min 5 s".
std::string FormatDurationMs(int64_t ms);

// The `--json` object: schema_version, strategy, seed, trials, failures, crash_points,
// elapsed_s, scenarios[], failing[] (docs/json-schema.md).
nlohmann::json ResultToJson(const sim::ExploreResult& result);
// Reads back what ResultToJson wrote (for `ckptsim merge`). InvalidArgument when `json` is not
// a result of this schema version.
ckpt::Result<sim::ExploreResult> ResultFromJson(const nlohmann::json& json);

// The mutation campaign (`ckptsim mutation --json`): per defect the trials and wall time to
// the first failure and the shrunk counterexample; the targets and whether they are met.
nlohmann::json MutationToJson(const sim::MutationReport& report);

// One HTML page with no external assets: a verdict table per scenario, every failing trial with
// its kind, batch, detail and replay command, and an SVG timeline (RenderTimelineSvg) with the
// first divergence spelled out for each trial in `timelines`.
std::string RenderHtml(const sim::ExploreResult& result, const std::string& title,
                       const std::vector<sim::Timeline>& timelines = {});

// A failing trial's timeline: a row of batches coloured by outcome, lanes for the timer and job
// generator, jobs, the checkpoint writer, filesystem operations and the driver, crash and restart
// marks (with the checkpoint file recovery read) and the first divergence.
std::string RenderTimelineSvg(const sim::Timeline& timeline);

// The CSS class of a verdict (console.h, Verdict) in the HTML pages: "fail", "pass" (only for
// PASS), or "warn" (WARN, INCOMPLETE, NOTHING RUN).
const char* VerdictClass(const sim::TrialCounts& counts);

// JUnit XML (reports/junit.xsd): a testsuite per scenario and in it a testcase per check (one per
// failure kind, named after the contract it checks). A failing check's <failure> gives the kind,
// the first failing trial's batch and detail, how many trials failed it, and the replay command.
// Known-weakness trials show as a skipped testcase; documented unsafe configurations pass.
std::string RenderJunit(const sim::ExploreResult& result);

// The checkpoint-interval study: a markdown table of the points and the optima, its JSON, and an
// SVG plot of efficiency against the interval (log scale) with Young's, Daly's and the empirical
// optimum marked.
std::string RenderIntervalTable(const sim::IntervalStudy& study);
nlohmann::json IntervalStudyToJson(const sim::IntervalStudy& study);
std::string RenderIntervalSvg(const sim::IntervalStudy& study);

// Writes <dir>/results.json and <dir>/index.html (creating dir).
ckpt::Status WriteReport(const std::string& dir, const sim::ExploreResult& result,
                         const std::string& title,
                         const std::vector<sim::Timeline>& timelines = {});

// The run history behind --report STORE: the run's report (WriteReport) in a new directory under
// `store` named after when it ran (`now`, UTC) and its strategy ("20261206-072530-explore",
// suffixed when two runs share a second), `store`/latest linked to it, and `store`/index.html
// rewritten to list every run (RenderStoreIndex). Returns the run's directory.
ckpt::Result<std::string> WriteReportToStore(const std::string& store, std::time_t now,
                                             const sim::ExploreResult& result,
                                             const std::string& title,
                                             const std::vector<sim::Timeline>& timelines = {});

// The store's index page: every run directory under `store` (links excluded), newest first, with
// its strategy, scenarios, trials, failures and verdict read back from its results.json (a row
// says so when that cannot be read). At most the newest 500.
std::string RenderStoreIndex(const std::string& store);

}  // namespace reports
