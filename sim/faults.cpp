#include "sim/faults.h"

#include <algorithm>
#include <map>

namespace sim {

using ckpt::Status;

FaultInjector::FaultInjector(const std::vector<FaultRule>& rules, uint64_t active, uint64_t seed) {
  Random random = Random(seed).fork("faults");
  // Each rule draws from its own stream, named by the rule (and how many equal rules precede
  // it), so that dropping one rule (a fault mask, the shrinker) leaves the others' draws alone.
  std::map<std::string, uint64_t> seen;
  for (size_t i = 0; i < rules.size(); ++i) {
    std::string name = rules[i].describe();
    Random stream = random.fork(name).fork(seen[name]++);
    if (i < 64 && !(active >> i & 1)) continue;
    rules_.push_back(Active{&rules[i], 0, stream});
  }
}

namespace {

bool Applies(const FaultRule& rule, const std::string& operation, const std::string& path) {
  if (!rule.operation.empty() && rule.operation != operation) return false;
  // A rename's path reads "from -> to": a pattern may match either side.
  size_t arrow = path.find(" -> ");
  if (arrow == std::string::npos) return GlobMatches(rule.path, path);
  return GlobMatches(rule.path, path.substr(0, arrow)) ||
         GlobMatches(rule.path, path.substr(arrow + 4));
}

Status Injected(const FaultRule& rule, const std::string& operation, const std::string& path,
                const std::string& what) {
  std::string message = std::string(kInjectedFailure) + " (" + rule.describe() + "): " + what +
                        " on " + operation + " " + path;
  Status error =
      rule.kind == FaultKind::kEnospc ? Status::NoSpace(message) : Status::IoError(message);
  return error.marked(ckpt::ErrorMark::kInjected);
}

}  // namespace

FaultInjector::Decision FaultInjector::decide(const std::string& operation, const std::string& path,
                                              uint64_t used_bytes, uint64_t bytes) {
  Decision decision;
  const bool rename_head = operation == kRenameHead;
  for (Active& active : rules_) {
    const FaultRule& rule = *active.rule;
    if (rename_head && rule.kind != FaultKind::kStaleExists) continue;
    switch (rule.kind) {
      case FaultKind::kEnospc:
        if (operation == "write" && used_bytes + bytes > rule.bytes && decision.error.ok()) {
          decision.error = Injected(rule, operation, path, "No space left on device");
        }
        continue;
      case FaultKind::kTornWrite:
        continue;
      case FaultKind::kLatency:
        if (Applies(rule, operation, path)) decision.latency = decision.latency + rule.latency;
        continue;
      case FaultKind::kEio:
      case FaultKind::kBitflip:
      case FaultKind::kStaleExists: {
        if (rule.kind == FaultKind::kBitflip && operation != "read") continue;
        if (rule.kind == FaultKind::kStaleExists && operation != "exists" && !rename_head) continue;
        if (!Applies(rule, operation, path)) continue;
        int64_t occurrence = ++active.occurrences;
        bool hit = rule.nth > 0 ? occurrence >= rule.nth && occurrence < rule.nth + rule.times
                                : active.random.below(1'000'000) < rule.probability_ppm;
        if (!hit) continue;
        if (rule.kind == FaultKind::kBitflip) {
          decision.flip_bit = active.random.next_u64();
        } else if (rule.kind == FaultKind::kStaleExists) {
          decision.stale = rule.describe();
        } else if (decision.error.ok()) {
          decision.error = Injected(rule, operation, path, "Input/output error");
        }
        continue;
      }
    }
  }
  return decision;
}

std::vector<const FaultRule*> FaultInjector::torn_write_rules() const {
  std::vector<const FaultRule*> torn;
  for (const Active& active : rules_) {
    if (active.rule->kind == FaultKind::kTornWrite) torn.push_back(active.rule);
  }
  return torn;
}

bool FaultInjector::has_enospc() const {
  return std::any_of(rules_.begin(), rules_.end(),
                     [](const Active& a) { return a.rule->kind == FaultKind::kEnospc; });
}

}  // namespace sim
