// A child process the harness supervises: started with fork and exec, its journal read from a
// pipe, stopped with SIGKILL. Nothing outlives the harness: the destructor kills and reaps a
// child still running, and the child dies with its parent (PR_SET_PDEATHSIG), so a harness that
// is itself killed leaves nothing running either.
#pragma once

#include <sys/types.h>

#include <memory>
#include <string>
#include <vector>

#include "engine/runtime/status.h"

namespace real {

class ChildProcess {
 public:
  // Starts `argv` (argv[0] a path) with stdin a pipe from us that we never write to (the child
  // reads its end of file when we are gone), fd `journal_fd_in_child` the write end of a pipe we
  // read (none when < 0), stdout to `stdout_path` and stderr to `stderr_path` (/dev/null when
  // empty).
  static ckpt::Result<std::unique_ptr<ChildProcess>> Spawn(const std::vector<std::string>& argv,
                                                           int journal_fd_in_child,
                                                           const std::string& stdout_path,
                                                           const std::string& stderr_path);
  ~ChildProcess();
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  pid_t pid() const { return pid_; }
  // The read end of the journal pipe (-1 without one); end of file once the child is gone.
  int journal_fd() const { return journal_fd_; }
  // Reads what the journal pipe holds now (blocking for at most `timeout_ms`; -1 waits). Empty
  // with `*closed` set at end of file.
  std::string read_journal(int timeout_ms, bool* closed);
  // Sends SIGKILL (a no-op once reaped).
  void kill();
  // Waits for the child to end and returns its wait status (waitpid's).
  int wait();
  bool running() const { return pid_ > 0 && !reaped_; }

 private:
  ChildProcess() = default;

  pid_t pid_ = -1;
  bool reaped_ = false;
  int status_ = 0;
  int journal_fd_ = -1;
  int control_fd_ = -1;  // our end of the child's stdin
};

// Describes a wait status: "exited with 0", "killed by signal 9 (SIGKILL)".
std::string DescribeWaitStatus(int status);

}  // namespace real
