// A filesystem decorator that reports every file operation a process makes under its checkpoint
// directory to an EngineObserver (a FileEvent record), as the operation returned. The simulator
// and the real runtime both put it between the engine and their filesystem, so the protocol
// oracle (protocol.h) judges a simulated and a real process by the same record.
#pragma once

#include <memory>
#include <string>

#include "engine/env.h"
#include "engine/runtime/file_system_wrapper.h"

namespace sim {

class ObservingFileSystem : public ckpt::FileSystemWrapper {
 public:
  // `root`: the checkpoint directory; operations elsewhere are not reported. An empty root
  // reports nothing. `target` and `observer` must outlive this object.
  ObservingFileSystem(ckpt::FileSystem* target, ckpt::EngineObserver* observer, std::string root);

  ckpt::Result<std::unique_ptr<ckpt::WritableFile>> create(const std::string& path) override;
  ckpt::Result<std::string> read_file(const std::string& path) override;
  ckpt::Status rename(const std::string& from, const std::string& to) override;
  ckpt::Status rename_replacing(const std::string& from, const std::string& to) override;
  ckpt::Status remove(const std::string& path, bool recursive) override;
  ckpt::Result<std::vector<ckpt::FileStatus>> list(const std::string& dir) override;

 private:
  class File;
  bool observed(const std::string& path) const;
  void report(ckpt::FileOperation operation, const std::string& path, bool ok,
              std::string target = {});

  ckpt::EngineObserver* observer_;
  std::string root_;
};

}  // namespace sim
