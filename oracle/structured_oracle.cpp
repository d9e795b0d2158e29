#include "oracle/structured_oracle.h"

#include <algorithm>
#include <charconv>
#include <map>
#include <optional>
#include <string>

#include "engine/structured/aggregation.h"
#include "engine/structured/file_source.h"

namespace sim {
namespace {

using ckpt::Records;
using ckpt::structured::OutputMode;

std::string Show(const Records& records) {
  std::string text = "[";
  for (size_t i = 0; i < records.size() && i < 12; ++i) {
    text += (i ? ", " : "") + records[i].to_string();
  }
  return text + (records.size() > 12 ? ", ... (" + std::to_string(records.size()) + ")]" : "]");
}

// The newest plan of every batch id (what its offset log entry last said).
std::map<int64_t, const StructuredPlan*> FinalPlans(const StructuredRecord& record) {
  std::map<int64_t, const StructuredPlan*> plans;
  for (const StructuredPlan& plan : record.plans) plans[plan.batch_id] = &plan;
  return plans;
}

// Each batch id's records as first delivered (later deliveries must equal them).
std::map<int64_t, Records> FirstDeliveries(const StructuredRecord& record) {
  std::map<int64_t, Records> batches;
  for (const StructuredDelivery& delivery : record.deliveries) {
    batches.emplace(delivery.batch_id, delivery.records);
  }
  return batches;
}

bool FaultCaused(const IncarnationRecord& incarnation, const ckpt::Status& error) {
  return !incarnation.injected.empty() || error.has(ckpt::ErrorMark::kInjected);
}

// The scenario's expect_error (a text the user wrote, so matched as text) in `error`.
bool Contracted(const Scenario& scenario, const ckpt::Status& error) {
  return !scenario.expect_error.empty() &&
         error.to_string().find(scenario.expect_error) != std::string::npos;
}

// Every process ends as the driver program does when recovery works, or with the scenario's
// contracted error.
void CheckEnds(const Scenario& scenario, const TrialRun& run, std::vector<Failure>& failures) {
  for (size_t i = 0; i < run.incarnations.size(); ++i) {
    const IncarnationRecord& incarnation = run.incarnations[i];
    const std::string who = "process " + std::to_string(i);
    if (!incarnation.start_error.ok() && !FaultCaused(incarnation, incarnation.start_error) &&
        !Contracted(scenario, incarnation.start_error)) {
      failures.push_back(
          {FailureKind::kRecoveryError, std::nullopt,
           who + " could not start the query: " + incarnation.start_error.to_string(), "", "",
           incarnation.start_error});
    }
    for (const ckpt::Status& error : incarnation.errors) {
      if (FaultCaused(incarnation, error) || Contracted(scenario, error)) continue;
      failures.push_back({FailureKind::kRecoveryError, std::nullopt,
                          who + ": the query stopped: " + error.to_string(), "", "", error});
    }
  }
  if (!run.quiesced) {
    failures.push_back(
        {FailureKind::kNoProgress, std::nullopt, "the run did not finish within its step budget"});
  }
}

// The last commit covers what the uninterrupted run's last commit covers. The commit log on disk
// decides (a crash can fall after commits/N became durable and before the query heard of it).
void CheckCoverage(const Scenario& scenario, const StructuredRecord& reference,
                   const StructuredRecord& trial, std::vector<Failure>& failures) {
  std::string want = CommittedInput(scenario, reference);
  std::string got = CommittedInput(scenario, trial);
  if (want == got) return;
  failures.push_back({FailureKind::kLostRecords, std::nullopt,
                      "the last commit covers the source up to " + got +
                          "; the uninterrupted run's covers " + want});
}

// A batch id keeps its plan: a re-run reads it from the offset log, so planning an id again
// with other offsets means its log entry was lost. (Plans are not compared with the
// uninterrupted run's: an interleaving or an injected latency legitimately changes what had
// arrived when a batch was planned.)
void CheckPlans(const TrialRun& run, std::vector<Failure>& failures) {
  // Invariant 4: a later batch never plans an older watermark.
  int64_t watermark_ms = 0;
  for (const auto& [batch_id, plan] : FinalPlans(run.structured)) {
    if (plan->watermark_ms < watermark_ms) {
      failures.push_back({FailureKind::kProtocolViolation, std::nullopt,
                          "batch " + std::to_string(batch_id) + " planned the watermark " +
                              std::to_string(plan->watermark_ms) + " ms after an earlier batch's " +
                              std::to_string(watermark_ms) + " ms",
                          "", "structured.watermark"});
      return;
    }
    watermark_ms = plan->watermark_ms;
  }
  std::map<int64_t, const StructuredPlan*> first;
  for (const StructuredPlan& plan : run.structured.plans) {
    auto [it, inserted] = first.emplace(plan.batch_id, &plan);
    if (inserted || it->second->offsets == plan.offsets) continue;
    failures.push_back({FailureKind::kProtocolViolation, std::nullopt,
                        "batch " + std::to_string(plan.batch_id) + " planned again by process " +
                            std::to_string(plan.incarnation) + " with offsets " + plan.offsets +
                            " after process " + std::to_string(it->second->incarnation) +
                            " planned " + it->second->offsets,
                        "", "structured.plan"});
    return;
  }
}

// foreachBatch: every id from 0 once, and again only as the re-run a restart owes.
void CheckDeliveries(const TrialRun& run, std::vector<Failure>& failures) {
  const StructuredRecord& record = run.structured;
  std::map<int64_t, const StructuredDelivery*> first;
  std::map<int, int64_t> rerun_of;  // process -> the batch it re-ran first
  for (const StructuredStart& start : record.starts) {
    if (start.rerun) rerun_of[start.incarnation] = start.first_batch_id;
  }
  std::map<int, int> redeliveries;  // process -> re-deliveries it made
  for (const StructuredDelivery& delivery : record.deliveries) {
    auto [it, inserted] = first.emplace(delivery.batch_id, &delivery);
    if (inserted) continue;
    const std::string id = std::to_string(delivery.batch_id);
    if (it->second->records != delivery.records) {
      failures.push_back({FailureKind::kDivergentOutput, std::nullopt,
                          "batch " + id + " delivered again by process " +
                              std::to_string(delivery.incarnation) + " with other records: " +
                              Show(delivery.records) + " after " + Show(it->second->records)});
      return;
    }
    auto owed = rerun_of.find(delivery.incarnation);
    if (owed == rerun_of.end() || owed->second != delivery.batch_id ||
        redeliveries[delivery.incarnation]++ > 0) {
      failures.push_back({FailureKind::kUnexpectedDuplicate, std::nullopt,
                          "batch " + id + " delivered again by process " +
                              std::to_string(delivery.incarnation) +
                              ", which did not start by re-running it"});
      return;
    }
  }
  int64_t expected = 0;
  for (const auto& [batch_id, delivery] : first) {
    if (batch_id != expected) {
      failures.push_back({FailureKind::kLostBatch, std::nullopt,
                          "batch " + std::to_string(expected) + " was never delivered (the next " +
                              "delivered is " + std::to_string(batch_id) + ")"});
      return;
    }
    ++expected;
  }
}

// The query's result over all batches, as a multiset of rows that any batching gives.
Records Result(const Scenario& scenario, const std::map<int64_t, Records>& batches) {
  Records rows;
  const StructuredQuery& query = scenario.query;
  bool aggregate = query.stateful == StructuredQuery::Stateful::kAggregate;
  if (aggregate && query.output_mode == OutputMode::kComplete) {
    return batches.empty() ? rows : batches.rbegin()->second;
  }
  if (aggregate && query.output_mode == OutputMode::kUpdate) {
    std::map<ckpt::Value, ckpt::Value> last;
    for (const auto& [id, records] : batches) {
      for (const ckpt::Value& row : records) {
        if (row.is_pair()) last.insert_or_assign(row.first(), row.second());
      }
    }
    for (const auto& [key, value] : last) rows.push_back(ckpt::Value::Pair(key, value));
    return rows;
  }
  for (const auto& [id, records] : batches) rows.insert(rows.end(), records.begin(), records.end());
  ckpt::SortRecords(rows);
  return rows;
}

// Missing rows first (lost_records), then extra ones (unexpected_duplicate), then order.
void CompareResults(const std::string& what, const Records& want, const Records& got,
                    std::vector<Failure>& failures) {
  if (want == got) return;
  Records missing, extra;
  std::set_difference(want.begin(), want.end(), got.begin(), got.end(),
                      std::back_inserter(missing));
  std::set_difference(got.begin(), got.end(), want.begin(), want.end(), std::back_inserter(extra));
  FailureKind kind = !missing.empty() && extra.empty()   ? FailureKind::kLostRecords
                     : missing.empty() && !extra.empty() ? FailureKind::kUnexpectedDuplicate
                                                         : FailureKind::kDivergentOutput;
  failures.push_back({kind, std::nullopt,
                      what + " differs from the uninterrupted run's: missing " + Show(missing) +
                          ", extra " + Show(extra)});
}

void CheckForeachBatchOutput(const Scenario& scenario, const Reference& reference,
                             const TrialRun& run, std::vector<Failure>& failures) {
  std::map<int64_t, Records> got = FirstDeliveries(run.structured);
  std::map<int64_t, Records> want = FirstDeliveries(reference.structured);
  auto offsets = [](const StructuredRecord& record) {
    std::map<int64_t, std::string> plans;
    for (const auto& [id, plan] : FinalPlans(record)) plans[id] = plan->offsets;
    return plans;
  };
  // A file source's offset names a batch of its seen-files log, whose files depend on when the
  // directory was listed: equal offsets mean equal input for the Kafka source only.
  if (scenario.source.kind() == SourceKind::kLog &&
      offsets(run.structured) == offsets(reference.structured)) {
    for (const auto& [batch_id, records] : want) {
      auto it = got.find(batch_id);
      if (it == got.end() || it->second == records) continue;
      CompareResults("batch " + std::to_string(batch_id), records, it->second, failures);
      return;
    }
    return;
  }
  // Planned differently (more data had arrived when a restarted process planned): the result.
  CompareResults("the result over all batches", Result(scenario, want), Result(scenario, got),
                 failures);
}

// A keyed store after every upsert, in delivery order: key -> the last value written (a pair's
// key and value; any other row is its own key and value). A re-run writes the same rows again,
// which changes nothing: the store is exactly once for its readers.
Records StoreContents(const StructuredRecord& record) {
  std::map<ckpt::Value, ckpt::Value> store;
  for (const StructuredDelivery& delivery : record.deliveries) {
    for (const ckpt::Value& row : delivery.records) {
      if (row.is_pair()) {
        store.insert_or_assign(row.first(), row.second());
      } else {
        store.insert_or_assign(row, row);
      }
    }
  }
  Records rows;
  for (const auto& [key, value] : store) rows.push_back(ckpt::Value::Pair(key, value));
  return rows;
}

void CheckFileSink(const Reference& reference, const TrialRun& run,
                   std::vector<Failure>& failures) {
  const StructuredRecord& got = run.structured;
  if (!got.sink_read_error.empty()) {
    failures.push_back(
        {FailureKind::kLostRecords, std::nullopt,
         "a reader of the file sink's log fails, so it sees no row: " + got.sink_read_error});
    return;
  }
  CompareResults("what a reader of the file sink's log sees", reference.structured.sink_read,
                 got.sink_read, failures);
}

void CheckState(const Reference& reference, const TrialRun& run, std::vector<Failure>& failures) {
  const StructuredRecord& got = run.structured;
  if (!got.state_error.empty()) {
    failures.push_back({FailureKind::kProtocolViolation, std::nullopt,
                        "the state the latest commit promises does not load: " + got.state_error,
                        "", "structured.state"});
  } else if (got.state != reference.structured.state) {
    failures.push_back({FailureKind::kProtocolViolation, std::nullopt,
                        "the state after the latest commit differs from the uninterrupted run's (" +
                            std::to_string(got.state.size()) + " entries against " +
                            std::to_string(reference.structured.state.size()) + ")",
                        "", "structured.state"});
  }
}

// Invariant 8: one `_spark_metadata` file per batch id, none beyond the latest plan, and no data
// file listed twice.
void CheckSinkLog(const TrialRun& run, std::vector<Failure>& failures) {
  const StructuredRecord& record = run.structured;
  auto violation = [&failures](const std::string& detail) {
    failures.push_back(
        {FailureKind::kProtocolViolation, std::nullopt, detail, "", "structured.sink_log"});
  };
  std::map<int64_t, std::string> files_by_id;
  for (const std::string& name : record.sink_log_files) {
    const std::string id_text = name.substr(0, name.find('.'));
    int64_t id = 0;
    auto parsed = std::from_chars(id_text.data(), id_text.data() + id_text.size(), id);
    if (parsed.ec != std::errc() || parsed.ptr != id_text.data() + id_text.size()) continue;
    auto [it, inserted] = files_by_id.emplace(id, name);
    if (!inserted) {
      return violation("_spark_metadata holds two files for batch " + std::to_string(id) + ": " +
                       it->second + " and " + name);
    }
  }
  const int64_t latest_plan = record.offset_ids.empty() ? -1 : record.offset_ids.back();
  if (!files_by_id.empty() && files_by_id.rbegin()->first > latest_plan) {
    return violation("_spark_metadata/" + files_by_id.rbegin()->second +
                     " lies beyond the latest planned batch " + std::to_string(latest_plan));
  }
  if (!record.sink_duplicate_paths.empty()) {
    violation("_spark_metadata lists " + record.sink_duplicate_paths.front() + " twice");
  }
}

// The file source's half of invariant 9: its log's batch ids are contiguous, and each file lies
// in one batch.
std::optional<std::string> SeenFilesLogBreach(const StructuredRecord& record) {
  std::map<std::string, int64_t> batch_of;
  int64_t previous = -1;
  for (const auto& [batch_id, paths] : record.source_files) {
    if (previous >= 0 && batch_id != previous + 1) {
      return "the file source's log skips from batch " + std::to_string(previous) + " to " +
             std::to_string(batch_id);
    }
    previous = batch_id;
    for (const std::string& path : paths) {
      auto [it, first] = batch_of.emplace(path, batch_id);
      if (!first) {
        return "the file source's log holds " + path + " in batches " + std::to_string(it->second) +
               " and " + std::to_string(batch_id);
      }
    }
  }
  return std::nullopt;
}

// Invariant 9: the Kafka source's initial offsets are resolved once and never rewritten; the
// file source's log names each file once.
void CheckSourceLog(const Reference& reference, const TrialRun& run,
                    std::vector<Failure>& failures) {
  if (std::optional<std::string> breach = SeenFilesLogBreach(run.structured)) {
    failures.push_back(
        {FailureKind::kProtocolViolation, std::nullopt, *breach, "", "structured.source_log"});
    return;
  }
  const std::string& want = reference.structured.source_initial_offsets;
  const std::string& got = run.structured.source_initial_offsets;
  if (got == want) return;
  failures.push_back({FailureKind::kProtocolViolation, std::nullopt,
                      "sources/0/0 holds " + (got.empty() ? "nothing" : "'" + got + "'") +
                          ", the uninterrupted run's " +
                          (want.empty() ? "nothing" : "'" + want + "'"),
                      "", "structured.source_log"});
}

void CheckLogShape(const TrialRun& run, std::vector<Failure>& failures) {
  const StructuredRecord& record = run.structured;
  auto violation = [&failures](const std::string& rule, const std::string& detail) {
    failures.push_back({FailureKind::kProtocolViolation, std::nullopt, detail, "", rule});
  };
  for (size_t i = 1; i < record.commit_ids.size(); ++i) {
    if (record.commit_ids[i] != record.commit_ids[i - 1] + 1) {
      return violation("structured.log_shape", "commits/ skips from " +
                                                   std::to_string(record.commit_ids[i - 1]) +
                                                   " to " + std::to_string(record.commit_ids[i]));
    }
  }
  if (!record.commit_ids.empty()) {
    int64_t latest_offsets = record.offset_ids.empty() ? -1 : record.offset_ids.back();
    int64_t latest_commit = record.commit_ids.back();
    if (latest_commit != latest_offsets && latest_commit != latest_offsets - 1) {
      return violation("structured.log_shape",
                       "the latest commit is " + std::to_string(latest_commit) +
                           " for the latest offsets " + std::to_string(latest_offsets));
    }
  }
  // Recovery reads offsets/L and offsets/L-1 (notes 3.1): retention must keep both.
  if (!record.offset_ids.empty() && record.offset_ids.back() > 0 &&
      !std::binary_search(record.offset_ids.begin(), record.offset_ids.end(),
                          record.offset_ids.back() - 1)) {
    return violation("structured.retention",
                     "offsets/" + std::to_string(record.offset_ids.back() - 1) +
                         " is gone although offsets/" + std::to_string(record.offset_ids.back()) +
                         " is the latest: recovery needs both");
  }
  // Invariant 10: a second driver whose commit of N found commits/N written by another must
  // fail (V9), not acknowledge it (SPARK-26425).
  for (const StructuredCommit& commit : record.commits) {
    if (commit.writer < 0 || commit.writer == commit.incarnation) continue;
    const std::string id = std::to_string(commit.batch_id);
    return violation("structured.single_writer", "process " + std::to_string(commit.incarnation) +
                                                     " went on as if it had committed batch " + id +
                                                     ", whose commits/" + id + " process " +
                                                     std::to_string(commit.writer) + " wrote");
  }
  if (!record.leaked_temp_files.empty()) {
    violation("structured.no_temp_files",
              std::to_string(record.leaked_temp_files.size()) +
                  " temp files left by writes that completed or were cancelled, e.g. " +
                  record.leaked_temp_files.front());
  }
}

// What the uninterrupted run must show beyond its batches: the contracted error, the logs' ids.
void CheckRunExpectations(const Scenario& scenario, const TrialRun& run,
                          std::vector<Failure>& failures) {
  if (!scenario.expect_error.empty()) {
    bool seen = false;
    for (const IncarnationRecord& incarnation : run.incarnations) {
      seen = seen || Contracted(scenario, incarnation.start_error);
      for (const ckpt::Status& error : incarnation.errors)
        seen = seen || Contracted(scenario, error);
    }
    if (!seen) {
      failures.push_back(
          {FailureKind::kExpectationMismatch, std::nullopt,
           "the query was expected to stop with \"" + scenario.expect_error + "\" and did not"});
    }
  }
  for (const auto& [sink, want] : scenario.expect_deliveries) {
    const std::vector<StructuredDelivery>& got = run.structured.deliveries;
    for (size_t i = 0; i < std::max(want.size(), got.size()); ++i) {
      Records rows = i < want.size() ? want[i].second : Records{};
      ckpt::SortRecords(rows);
      if (i < want.size() && i < got.size() && want[i].first == got[i].batch_id &&
          rows == got[i].records) {
        continue;
      }
      auto show = [](int64_t batch_id, const Records& records) {
        return "batch " + std::to_string(batch_id) + " " + Show(records);
      };
      failures.push_back({FailureKind::kExpectationMismatch, std::nullopt,
                          "call " + std::to_string(i) + " of " + sink + ": expected " +
                              (i < want.size() ? show(want[i].first, rows) : "none") +
                              ", the uninterrupted run made " +
                              (i < got.size() ? show(got[i].batch_id, got[i].records) : "none")});
      break;
    }
  }
  for (const auto& [log, want] : scenario.expect_logs) {
    const std::vector<int64_t>& got =
        log == "offsets" ? run.structured.offset_ids : run.structured.commit_ids;
    if (got == want) continue;
    auto show = [](const std::vector<int64_t>& ids) {
      std::string text = "[";
      for (size_t i = 0; i < ids.size(); ++i) text += (i ? ", " : "") + std::to_string(ids[i]);
      return text + "]";
    };
    failures.push_back({FailureKind::kExpectationMismatch, std::nullopt,
                        log + "/ was expected to hold " + show(want) +
                            ", the uninterrupted run left " + show(got)});
  }
}

// Most severe first, as the DStream oracle orders them.
void SortBySeverity(std::vector<Failure>& failures) {
  std::stable_sort(failures.begin(), failures.end(), [](const Failure& a, const Failure& b) {
    return static_cast<int>(a.kind) < static_cast<int>(b.kind);
  });
}

}  // namespace

std::string CommittedInput(const Scenario& scenario, const StructuredRecord& record) {
  if (record.commit_ids.empty()) return "nothing";
  const std::string last = std::to_string(record.commit_ids.back());
  auto logged = record.logged_offsets.find(record.commit_ids.back());
  if (logged == record.logged_offsets.end())
    return "batch " + last + " (offsets/" + last + " unread)";
  if (scenario.source.kind() != SourceKind::kFile) return logged->second;
  ckpt::Result<int64_t> log_offset = ckpt::structured::FileSourceOffsetFromJson(logged->second);
  if (!log_offset.ok()) return "batch " + last + " (" + log_offset.status().to_string() + ")";
  std::vector<std::string> files;
  for (const auto& [batch_id, paths] : record.source_files) {
    if (batch_id <= log_offset.value()) files.insert(files.end(), paths.begin(), paths.end());
  }
  std::sort(files.begin(), files.end());
  std::string text = "files [";
  for (size_t i = 0; i < files.size(); ++i) text += (i ? ", " : "") + files[i];
  return text + "]";
}

const std::vector<ProtocolRule>& StructuredProtocolRules() {
  static const std::vector<ProtocolRule> rules = {
      {"structured.plan",
       "a batch id keeps the offsets it was first planned with: a re-run reads them from "
       "offsets/N (notes 3.1, invariant 3)"},
      {"structured.watermark",
       "no batch plans an older watermark than an earlier batch (invariant 4)"},
      {"structured.state",
       "the state version the latest commit promises loads, and equals the uninterrupted run's "
       "over all partitions (notes 4.2 rule 6, invariant 5)"},
      {"structured.log_shape",
       "commits/ holds contiguous ids and its latest is L or L-1 for the latest offsets/L "
       "(invariant 1)"},
      {"structured.retention",
       "offsets/L-1 stays while offsets/L is the latest: recovery reads both (notes 3.1, "
       "invariant 6)"},
      {"structured.single_writer",
       "a process acknowledges a commit only when its own rename put commits/N in place: a "
       "second driver on the checkpoint fails instead (SPARK-26425, invariant 10)"},
      {"structured.sink_log",
       "the file sink's _spark_metadata holds one file per batch id, none beyond the latest "
       "planned batch, and lists no data file twice (invariant 8)"},
      {"structured.source_log",
       "the Kafka source's sources/0/0 holds the initial offsets the uninterrupted run resolved "
       "(written once, never rewritten); the file source's log has contiguous batch ids and names "
       "each file in one batch (invariant 9)"},
      {"structured.no_temp_files",
       "no temp file stays but those Spark itself leaves: a crashed process's, or one whose "
       "rename, delete or close() an injected fault refused (invariant 12)"},
  };
  return rules;
}

ReferenceOutcome BuildStructuredReference(const Scenario& scenario, const TrialRun& run) {
  ReferenceOutcome outcome;
  Reference& reference = outcome.reference;
  reference.steps = run.total_steps;
  reference.digest = run.digest;
  reference.structured = run.structured;
  std::map<int64_t, Records> batches = FirstDeliveries(run.structured);
  std::vector<Records>& outputs = reference.outputs[scenario.query.sink_name];
  for (const auto& [batch_id, records] : batches) {
    if (batch_id >= 0 && static_cast<size_t>(batch_id) < (size_t{1} << 20)) {
      outputs.resize(std::max(outputs.size(), static_cast<size_t>(batch_id) + 1));
      outputs[batch_id] = records;
    }
  }
  outcome.failures = CheckStructuredTrial(scenario, reference, run);
  CheckRunExpectations(scenario, run, outcome.failures);
  for (const auto& [sink, expected] : scenario.expect) {
    for (size_t i = 0; i < std::max(expected.size(), outputs.size()); ++i) {
      Records want = i < expected.size() ? expected[i] : Records{};
      ckpt::SortRecords(want);
      Records got = i < outputs.size() ? outputs[i] : Records{};
      if (want == got) continue;
      outcome.failures.push_back({FailureKind::kExpectationMismatch, std::nullopt,
                                  "batch " + std::to_string(i) + " of " + sink + ": expected " +
                                      Show(want) + ", the uninterrupted run delivered " +
                                      Show(got)});
      break;
    }
  }
  return outcome;
}

std::vector<Failure> CheckStructuredTrial(const Scenario& scenario, const Reference& reference,
                                          const TrialRun& run) {
  std::vector<Failure> failures;
  if (!run.engine_assert.empty()) {
    failures.push_back({FailureKind::kEngineAssert, std::nullopt, run.engine_assert});
    return failures;
  }
  CheckEnds(scenario, run, failures);
  CheckCoverage(scenario, reference.structured, run.structured, failures);
  switch (scenario.query.sink) {
    case StructuredQuery::Sink::kForeachBatch:
      CheckDeliveries(run, failures);
      CheckForeachBatchOutput(scenario, reference, run, failures);
      break;
    case StructuredQuery::Sink::kKeyedStore:
      CompareResults("the keyed store's contents", StoreContents(reference.structured),
                     StoreContents(run.structured), failures);
      break;
    case StructuredQuery::Sink::kFile:
      CheckFileSink(reference, run, failures);
      break;
  }
  // The protocol rules (--no-protocol-oracle judges the outputs alone).
  if (run.protocol_recorded) {
    CheckPlans(run, failures);
    if (scenario.query.stateful != StructuredQuery::Stateful::kNone) {
      CheckState(reference, run, failures);
    }
    CheckLogShape(run, failures);
    if (scenario.query.sink == StructuredQuery::Sink::kFile) CheckSinkLog(run, failures);
    CheckSourceLog(reference, run, failures);
  }
  SortBySeverity(failures);
  return failures;
}

}  // namespace sim
