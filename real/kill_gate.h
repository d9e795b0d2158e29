// Where a process of `ckptsim crash-real` stops to be killed: it counts the process's steps as
// the simulator does (every task, every mutating filesystem call) and, at the step its parent
// chose (ServeOptions::kill_at_step or kill_at_writer_step), journals a kill_point line and waits
// for the SIGKILL. Not under simulation: it blocks on stdin.
#pragma once

#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <string>

#include "engine/runtime/scheduler.h"
#include "real/journal.h"
#include "real/serve.h"

namespace real {

// Counts the process's steps as the simulator does (every task, every mutating filesystem call)
// and stops at the one crash-real chose, to be killed there.
class KillGate {
 public:
  // `writes_are_checkpoint_writes`: every mutating call counts as a checkpoint-writer step (a
  // structured query, whose every file is checkpoint state); else only the checkpoint writer's.
  KillGate(const ServeOptions& options, JournalWriter* journal, bool writes_are_checkpoint_writes)
      : options_(options), journal_(journal), all_writes_(writes_are_checkpoint_writes) {}

  void before_task(const ckpt::TaskLabel& label) {
    current_ = label;
    step([&] { return label.to_string(); }, /*writer=*/false);
  }
  void before_mutation(const char* operation, const std::string& path) {
    step([&] { return current_.to_string() + " \u203a " + operation + " " + path; },
         all_writes_ || current_.actor == ckpt::Actor::kCheckpointWriter);
  }
  uint64_t steps() const { return steps_; }

 private:
  template <typename LabelFn>
  void step(LabelFn&& label, bool writer) {
    uint64_t step = steps_++;
    if (options_.kill_at_step == step) wait_for_kill(step, label());
    if (writer && options_.kill_at_writer_step == writer_steps_++) wait_for_kill(step, label());
  }

  // The parent kills us now; end of file on stdin means it is gone, and so must we be.
  [[noreturn]] void wait_for_kill(uint64_t step, const std::string& label) {
    journal_->kill_point(step, label);
    char byte;
    while (::read(STDIN_FILENO, &byte, 1) != 0) {
    }
    std::_Exit(4);
  }

  const ServeOptions& options_;
  JournalWriter* journal_;
  bool all_writes_;
  ckpt::TaskLabel current_;
  uint64_t steps_ = 0;
  uint64_t writer_steps_ = 0;
};

}  // namespace real
