// An hdfs SimFs whose appends, deletions, listings and reads fail with I/O errors on demand, for
// engine tests of what the write-ahead logs do with a failing store. Header-only; tests only.
#pragma once

#include <memory>
#include <string>

#include "engine/runtime/file_system_wrapper.h"
#include "sim/sim_fs.h"

namespace sim::testing {

class FlakyFs : public SimFs {
 public:
  FlakyFs() : SimFs(PersistenceModel::kHdfs) {}
  ckpt::Result<std::unique_ptr<ckpt::WritableFile>> create(const std::string& path) override {
    ckpt::Result<std::unique_ptr<ckpt::WritableFile>> file = SimFs::create(path);
    if (!file.ok()) return file;
    return std::unique_ptr<ckpt::WritableFile>(new File(std::move(file).value(), this));
  }
  ckpt::Status remove(const std::string& path, bool recursive) override {
    if (failing_removes) return ckpt::Status::IoError("injected delete failure");
    return SimFs::remove(path, recursive);
  }
  ckpt::Result<std::vector<ckpt::FileStatus>> list(const std::string& dir) override {
    if (failing_lists) return ckpt::Status::IoError("injected list failure");
    return SimFs::list(dir);
  }

  ckpt::Result<std::string> read_file(const std::string& path) override {
    if (failing_reads != 0) {
      if (failing_reads > 0) --failing_reads;
      return ckpt::Status::IoError("injected read failure");
    }
    return SimFs::read_file(path);
  }

  int failing_appends = 0;  // the next this many appends fail (-1: every append)
  bool failing_removes = false;
  bool failing_lists = false;
  int failing_reads = 0;  // the next this many reads fail (-1: every read)

 private:
  struct File : ckpt::WritableFileWrapper {
    File(std::unique_ptr<ckpt::WritableFile> base, FlakyFs* fs)
        : WritableFileWrapper(std::move(base)), fs(fs) {}
    ckpt::Status append(std::string_view data) override {
      if (fs->failing_appends == 0) return WritableFileWrapper::append(data);
      if (fs->failing_appends > 0) --fs->failing_appends;
      return ckpt::Status::IoError("injected append failure");
    }
    FlakyFs* fs;
  };
};

}  // namespace sim::testing
