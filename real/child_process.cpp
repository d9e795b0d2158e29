#include "real/child_process.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace real {
namespace {

void CloseIfOpen(int& fd) {
  if (fd >= 0) ::close(fd);
  fd = -1;
}

// In the child between fork and exec: async-signal-safe calls only.
[[noreturn]] void ExecChild(char* const* argv, pid_t parent, int stdin_fd, int journal_fd,
                            int journal_fd_in_child, const char* stdout_path,
                            const char* stderr_path) {
  ::prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (::getppid() != parent) ::_exit(127);  // the parent died before prctl took effect
  int out = ::open(stdout_path, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW, 0644);
  int err = ::open(stderr_path, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW, 0644);
  if (out < 0 || err < 0) ::_exit(127);
  ::dup2(stdin_fd, STDIN_FILENO);
  ::dup2(out, STDOUT_FILENO);
  ::dup2(err, STDERR_FILENO);
  if (journal_fd >= 0) ::dup2(journal_fd, journal_fd_in_child);
  ::execv(argv[0], argv);
  ::_exit(127);
}

}  // namespace

ckpt::Result<std::unique_ptr<ChildProcess>> ChildProcess::Spawn(
    const std::vector<std::string>& argv, int journal_fd_in_child, const std::string& stdout_path,
    const std::string& stderr_path) {
  std::vector<char*> args;
  for (const std::string& arg : argv) args.push_back(const_cast<char*>(arg.c_str()));
  args.push_back(nullptr);
  std::string out = stdout_path.empty() ? "/dev/null" : stdout_path;
  std::string err = stderr_path.empty() ? "/dev/null" : stderr_path;
  int control[2], journal[2] = {-1, -1};
  if (::pipe2(control, O_CLOEXEC) != 0 ||
      (journal_fd_in_child >= 0 && ::pipe2(journal, O_CLOEXEC) != 0)) {
    return ckpt::Status::IoError(std::string("pipe: ") + std::strerror(errno));
  }
  pid_t parent = ::getpid();
  pid_t pid = ::fork();
  if (pid < 0) return ckpt::Status::IoError(std::string("fork: ") + std::strerror(errno));
  if (pid == 0) {
    ExecChild(args.data(), parent, control[0], journal[1], journal_fd_in_child, out.c_str(),
              err.c_str());
  }
  std::unique_ptr<ChildProcess> child(new ChildProcess());
  child->pid_ = pid;
  child->control_fd_ = control[1];
  child->journal_fd_ = journal[0];
  ::close(control[0]);
  if (journal[1] >= 0) ::close(journal[1]);
  return child;
}

ChildProcess::~ChildProcess() {
  if (running()) {
    kill();
    wait();
  }
  CloseIfOpen(journal_fd_);
  CloseIfOpen(control_fd_);
}

std::string ChildProcess::read_journal(int timeout_ms, bool* closed) {
  *closed = false;
  if (journal_fd_ < 0) {
    *closed = true;
    return "";
  }
  struct pollfd ready = {journal_fd_, POLLIN, 0};
  int polled = ::poll(&ready, 1, timeout_ms);
  if (polled <= 0) return "";  // timeout, or a signal interrupted the wait
  char buffer[65536];
  ssize_t got = ::read(journal_fd_, buffer, sizeof buffer);
  if (got < 0 && errno == EINTR) return "";
  if (got <= 0) {
    *closed = true;
    return "";
  }
  return std::string(buffer, static_cast<size_t>(got));
}

void ChildProcess::kill() {
  if (running()) ::kill(pid_, SIGKILL);
}

int ChildProcess::wait() {
  if (reaped_) return status_;
  while (::waitpid(pid_, &status_, 0) < 0 && errno == EINTR) {
  }
  reaped_ = true;
  CloseIfOpen(control_fd_);
  return status_;
}

std::string DescribeWaitStatus(int status) {
  if (WIFEXITED(status)) return "exited with " + std::to_string(WEXITSTATUS(status));
  if (WIFSIGNALED(status)) {
    return "killed by signal " + std::to_string(WTERMSIG(status)) + " (" +
           ::sigdescr_np(WTERMSIG(status)) + ")";
  }
  return "ended with wait status " + std::to_string(status);
}

}  // namespace real
