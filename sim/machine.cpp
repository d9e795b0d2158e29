#include "sim/machine.h"

#include "sim/trial.h"
#include "util/random.h"

namespace sim {

void ThrowEngineAssertion(const char* file, int line, const std::string& message) {
  throw EngineAssertion{std::string(file) + ":" + std::to_string(line) + ": " + message};
}

const std::vector<FaultRule>& FaultRulesOf(const Scenario& scenario, bool inject_faults) {
  static const std::vector<FaultRule> none;
  return inject_faults ? scenario.faults : none;
}

ckpt::Status InjectFault(FaultInjector& injector, SimFs& fs, EventLoop& loop, const char* operation,
                         const std::string& path, uint64_t bytes, TrialRun& run,
                         IncarnationRecord& incarnation, const MachineLog& log) {
  if (injector.empty()) return ckpt::Status::Ok();
  uint64_t used = injector.has_enospc() ? fs.used_bytes() : 0;
  FaultInjector::Decision decision = injector.decide(operation, path, used, bytes);
  if (decision.latency.ms > 0) loop.charge(decision.latency);
  if (decision.flip_bit && fs.flip_bit(path, *decision.flip_bit)) {
    log.trace("bit flip in " + path);
    run.corrupted_by_faults.insert(path);
    incarnation.injected.push_back("bit flip in " + path);
    log.mix(path.data(), path.size());
  }
  if (!decision.error.ok()) {
    log.trace(decision.error.to_string());
    incarnation.injected.push_back(decision.error.message());
    log.mix(path.data(), path.size());
    return decision.error;
  }
  // A stale view of a file that is not there changes no answer: nothing was injected.
  ckpt::Result<bool> present = decision.stale.empty() ? false : fs.exists(path);
  if (present.ok() && present.value()) {
    std::string what = std::string(kInjectedFailure) + " (" + decision.stale +
                       "): a stale view answers that " + path + " does not exist";
    log.trace(what);
    incarnation.injected.push_back(what);
    log.mix(path.data(), path.size());
    return ckpt::Status::NotFound(what).marked(ckpt::ErrorMark::kInjected);
  }
  return ckpt::Status::Ok();
}

bool PlannedCrash::due(uint64_t step, ckpt::Time now, const std::string& label) {
  if (!crash_) return false;
  if (const auto* before = std::get_if<CrashBeforeStep>(&crash_->placement)) {
    return before->step == step;
  }
  if (const auto* from = std::get_if<CrashFromTime>(&crash_->placement)) return now >= from->at;
  const CrashEvent& event = std::get<CrashEvent>(crash_->placement);
  if (crash_at_next_step_) return true;
  if (!CrashEventMatches(event, label, checkpoint_dir_)) return false;
  if (++event_matches_ != event.nth) return false;
  crash_at_next_step_ = event.after;  // after: the next step of this incarnation
  return !event.after;
}

void CrashMachine(SimFs& fs, const FaultInjector& injector, const CrashSpec& crash,
                  uint64_t trial_seed, int index, TrialRun& run, IncarnationRecord& incarnation,
                  const MachineLog& log) {
  Random crash_random = Random(trial_seed).fork("crash").fork(index);
  SimFs::CrashOutcome outcome = fs.crash(crash.state, crash_random.next_u64());
  incarnation.crash_states = outcome.states;
  incarnation.lost_at_crash = std::move(outcome.losses);
  for (const FaultRule* rule : injector.torn_write_rules()) {
    std::optional<std::string> torn =
        fs.tear_newest([rule](const std::string& path) { return GlobMatches(rule->path, path); },
                       crash_random.next_u64());
    if (!torn) continue;
    run.corrupted_by_faults.insert(*torn);
    incarnation.lost_at_crash.push_back(*torn + ": torn (" + rule->describe() + ")");
  }
  for (const std::string& loss : incarnation.lost_at_crash) log.trace("crash: " + loss);
  log.mix(&crash.state, sizeof crash.state);
}

bool RunMachine(EventLoop& loop, const std::function<uint64_t()>& steps, uint64_t max_steps,
                const std::function<bool(const EventLoop::Entry&)>& enter,
                const std::function<bool(bool entry_ran)>& after, const MachineLog& log) {
  while (std::optional<EventLoop::Entry> entry = loop.pop()) {
    if (steps() >= max_steps) {
      log.trace("step budget of " + std::to_string(max_steps) + " exhausted");
      return false;
    }
    if (entry->owner != kHarnessOwner && !enter(*entry)) {
      after(false);
      continue;
    }
    entry->task();
    loop.finish_task(*entry);
    if (after(true)) break;
  }
  return true;
}

}  // namespace sim
