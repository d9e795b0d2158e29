// SimFs: an in-memory filesystem that knows what would survive a crash.
//
// Every file keeps the bytes the process sees and the bytes that are durable. A persistence model
// decides when bytes and directory entries become durable; crash() throws away everything that
// is not. Models (each a documented contract, docs/persistence-models.md):
//   hdfs  - file data durable at close (an unclosed file survives with the bytes of its last
//           close, i.e. empty after create); create, mkdirs, rename and delete are atomic and
//           durable when they return. This is the storage Spark's protocol was written for.
// Later models (posix, object-store, lying-disk) plug in here.
//
// GatedFileSystem is the view one process gets: it asks a StepGate before every mutating call,
// which is where the simulator counts crash points and kills the process.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "engine/runtime/file_system.h"

namespace sim {

enum class PersistenceModel { kHdfs };
const char* PersistenceModelName(PersistenceModel model);
ckpt::Result<PersistenceModel> ParsePersistenceModel(const std::string& name);

class SimFs : public ckpt::FileSystem {
 public:
  explicit SimFs(PersistenceModel model) : model_(model) {}

  ckpt::Result<std::unique_ptr<ckpt::WritableFile>> create(const std::string& path) override;
  ckpt::Result<std::string> read_file(const std::string& path) override;
  ckpt::Status rename(const std::string& from, const std::string& to) override;
  ckpt::Status remove(const std::string& path, bool recursive) override;
  ckpt::Result<bool> exists(const std::string& path) override;
  ckpt::Result<std::vector<ckpt::FileStatus>> list(const std::string& dir) override;
  ckpt::Status mkdirs(const std::string& path) override;
  ckpt::Status sync_dir(const std::string& dir) override;

  // A crash of the machine's processes: every byte and entry the model does not guarantee is
  // lost, and open files are orphaned (their handles keep working on nothing durable).
  void crash();

  PersistenceModel model() const { return model_; }
  // The clock that stamps modification times (time 0 without one).
  void set_clock(std::function<ckpt::Time()> now) { now_ = std::move(now); }
  ckpt::Time now() const { return now_ ? now_() : ckpt::Time{0}; }

 private:
  struct Inode {
    bool is_directory = false;
    std::string data;     // what readers see
    std::string durable;  // what survives a crash
    ckpt::Time modification_time;
  };
  class File;

  bool is_directory(const std::string& path) const;
  ckpt::Status check_parent(const std::string& path) const;

  PersistenceModel model_;
  std::function<ckpt::Time()> now_;
  std::map<std::string, std::shared_ptr<Inode>> entries_;  // path -> inode; "/" is implicit
};

// Decides, before each mutating filesystem call of a process, whether the call may happen.
class StepGate {
 public:
  virtual ~StepGate() = default;
  // False when the process is dead (or dies at this very step): the call must not happen.
  virtual bool before_mutation(const char* operation, const std::string& path) = 0;
  virtual bool alive() const = 0;
};

class GatedFileSystem : public ckpt::FileSystem {
 public:
  GatedFileSystem(ckpt::FileSystem* base, StepGate* gate) : base_(base), gate_(gate) {}

  ckpt::Result<std::unique_ptr<ckpt::WritableFile>> create(const std::string& path) override;
  ckpt::Result<std::string> read_file(const std::string& path) override;
  ckpt::Status rename(const std::string& from, const std::string& to) override;
  ckpt::Status remove(const std::string& path, bool recursive) override;
  ckpt::Result<bool> exists(const std::string& path) override;
  ckpt::Result<std::vector<ckpt::FileStatus>> list(const std::string& dir) override;
  ckpt::Status mkdirs(const std::string& path) override;
  ckpt::Status sync_dir(const std::string& dir) override;

 private:
  class File;
  ckpt::FileSystem* base_;
  StepGate* gate_;
};

}  // namespace sim
