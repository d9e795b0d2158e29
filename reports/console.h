// The console: the verdict table and its totals, the header line, and the progress line a
// terminal shows while an exploration runs. Wall time serves the progress display only.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "engine/defects.h"
#include "engine/structured/defects.h"
#include "explore/explorer.h"
#include "oracle/results.h"

namespace reports {

// "none", or the defects switched on (of both engines), for a header line.
std::string DefectsText(const ckpt::DefectSet& set,
                        const ckpt::structured::DefectSet& structured = {});

// "ckptsim <strategy> · seed S · fs F · defects: D[ · depth N][ · shard I/N]".
std::string Header(const sim::ExploreResult& result, const sim::ExploreOptions& options);

// The verdict table (a row per scenario), the first failing trials with their replay commands,
// an example of each excused kind, then the totals.
// The verdict of a scenario's (or a whole run's) counts: FAIL; INCOMPLETE with the share
// explored when a budget or an interrupt cut it short; WARN (known weaknesses, each confirmed
// by its fix); NOTHING RUN for a shard's empty slice; or PASS, only when every check held on
// everything the strategy planned.
std::string Verdict(const sim::TrialCounts& counts);

void PrintTable(const sim::ExploreResult& result, const std::string& header,
                uint64_t max_crash_states);

// A progress line for a terminal, redrawn at most every 200 ms: the scenario, trials done of
// those known, failures, the rate and an estimate of the time left in this scenario.
std::function<void(const sim::Progress&)> ProgressLine();

// A duration for people: "12 s", "3 min 5 s", "2 h 14 min", "3 d 4 h" ("?" when unknowable).
std::string HumanDuration(double seconds);

}  // namespace reports
