// SimFs: an in-memory filesystem that knows what would survive a crash.
//
// SimFs keeps two namespaces: the one the processes see, and the durable one (what a crash
// keeps). Every file keeps the bytes readers see and the bytes that are durable. A persistence
// model decides when bytes and directory entries become durable; crash() rebuilds the visible
// state from what is durable, plus whatever the model lets survive by chance. The models, each a
// contract (docs/persistence-models.md):
//   hdfs         - file data durable at close (an unclosed file survives empty); create, mkdirs,
//                  rename and delete atomic and durable when they return.
//   posix        - file data durable only after sync(file); directory operations durable only
//                  after sync_dir of a directory they touch, which also makes every directory
//                  operation issued before them durable (an ordered metadata journal, as ext4 and
//                  XFS have). At a crash the surviving directory operations are a prefix of the
//                  unsynced ones, and each file's unsynced tail is dropped, kept, torn or cut to a
//                  prefix: crash_states() counts the choices and crash(state) takes one.
//   object-store - no atomic rename: GatedFileSystem does it as copy then delete, with a crash
//                  point between; an object exists durably only once closed; listing is
//                  consistent.
//   lying-disk   - posix, except that sync and sync_dir make nothing durable.
//
// GatedFileSystem is the view one process gets: it asks a StepGate before every call, which is
// where the simulator counts crash points, kills the process and injects faults.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "engine/runtime/file_operation.h"
#include "engine/runtime/file_system.h"
#include "scenario/persistence_model.h"

namespace sim {

class SimFs : public ckpt::FileSystem {
 public:
  // posix and lying-disk: how many of the newest files with unsynced data get every fate at a
  // crash; older ones lose their unsynced data (the bound of the crash-state space).
  static constexpr size_t kVariedFilesPerCrash = 3;
  static constexpr uint64_t kMaxCrashStates = uint64_t{1} << 40;

  explicit SimFs(PersistenceModel model) : model_(model) {}

  ckpt::Result<std::unique_ptr<ckpt::WritableFile>> create(const std::string& path) override;
  ckpt::Result<std::string> read_file(const std::string& path) override;
  ckpt::Status rename(const std::string& from, const std::string& to) override;
  ckpt::Status rename_replacing(const std::string& from, const std::string& to) override;
  ckpt::Status remove(const std::string& path, bool recursive) override;
  ckpt::Result<bool> exists(const std::string& path) override;
  ckpt::Result<std::vector<ckpt::FileStatus>> list(const std::string& dir) override;
  ckpt::Status mkdirs(const std::string& path) override;
  ckpt::Status sync_dir(const std::string& dir) override;
  ckpt::Status sync_file(const std::string& path) override;

  // The first half of object-store's rename: copies `from` (a file, or a directory and
  // everything below it) to `to`, durably. Same errors as rename; with `replace`, as
  // rename_replacing's (an object put over an existing key replaces it).
  ckpt::Status copy(const std::string& from, const std::string& to, bool replace = false);

  // How many distinct durable states a crash now may leave (1 for hdfs and object-store; capped
  // at kMaxCrashStates).
  uint64_t crash_states() const;
  struct CrashOutcome {
    uint64_t states = 1;              // crash_states() just before the crash
    std::vector<std::string> losses;  // one line per unsynced thing lost or mangled
  };
  // A crash of the machine: the visible state becomes durable state number
  // `state % crash_states()` (0: every unsynced directory operation kept, the newest files'
  // unsynced data dropped). `seed` draws prefix lengths and garbage. Open files are orphaned.
  CrashOutcome crash(uint64_t state = 0, uint64_t seed = 0);

  // Faults on top of the model (sim/faults.h decides when):
  // the bytes held by every file, as ENOSPC accounting sees them.
  uint64_t used_bytes() const;
  // Flips bit `bit % (8 * size)` of `path`'s content, durably (latent corruption); if a fault
  // already flipped that bit, the next one it has not (corruption accumulates: a second flip
  // never repairs the first). False when `path` is not a non-empty file.
  bool flip_bit(const std::string& path, uint64_t bit);
  // Whether a fault (flip_bit, tear_newest) mangled the file now at `path`, under any name it had.
  bool corrupted_by_fault(const std::string& path) const;
  // Tears the most recently written file whose path `matches`: from a sector (512 B) or page
  // (4 KiB) boundary on, its content becomes garbage, durably. Returns its path (none if no file
  // matched).
  std::optional<std::string> tear_newest(const std::function<bool(const std::string&)>& matches,
                                         uint64_t seed);

  // Sets the modification time of the file at `path` (Hadoop's setTimes, Java's setLastModified):
  // a producer's file that arrives with an old time. False when there is no such file.
  bool set_modification_time(const std::string& path, ckpt::Time time);

  PersistenceModel model() const { return model_; }
  // The clock that stamps modification times (time 0 without one).
  void set_clock(std::function<ckpt::Time()> now) { now_ = std::move(now); }
  ckpt::Time now() const { return now_ ? now_() : ckpt::Time{0}; }

 private:
  struct Inode {
    bool is_directory = false;
    bool closed = false;  // object-store: an object exists durably once closed
    std::string data;     // what readers see
    std::string durable;  // what survives a crash (a prefix of data)
    ckpt::Time modification_time;
    uint64_t write_sequence = 0;      // orders files by their latest write
    bool corrupted_by_fault = false;  // flip_bit or tear_newest mangled it (renames keep it)
    std::set<uint64_t> flipped_bits;  // by flip_bit
  };
  using Namespace = std::map<std::string, std::shared_ptr<Inode>>;  // path -> inode; "/" implicit
  // A directory operation, replayable on a namespace.
  struct MetadataOp {
    enum class Kind { kLink, kRemove, kRename } kind;
    std::string path;
    std::string to;  // kRename
    std::shared_ptr<Inode> inode;
  };
  class File;

  bool is_directory(const std::string& path) const;
  ckpt::Status check_parent(const std::string& path) const;
  ckpt::Status check_rename(const std::string& from, const std::string& to) const;
  ckpt::Status check_rename_replacing(const std::string& from, const std::string& to) const;
  bool journaled() const;
  // Applies `op` to the visible namespace and, unless the model journals it, durably.
  void issue(MetadataOp op);
  static void Apply(Namespace& names, const MetadataOp& op);
  // The files of `names` with unsynced data, newest first, at most kVariedFilesPerCrash.
  static std::vector<std::shared_ptr<Inode>> VariedFiles(const Namespace& names);
  // Durable states with k pending operations kept, for k = 0 .. pending_.size().
  std::vector<uint64_t> states_per_prefix() const;
  CrashOutcome crash_unjournaled();

  PersistenceModel model_;
  std::function<ckpt::Time()> now_;
  Namespace visible_;
  // posix, lying-disk: the namespace as of the last committed operation, and the unsynced
  // operations after it, in order. (hdfs and object-store: every operation is durable at once,
  // so the visible namespace is the durable one.)
  Namespace durable_;
  std::vector<MetadataOp> pending_;
  uint64_t write_sequence_ = 0;
};

// Decides, before each filesystem call of a process, whether the call may happen and what fault
// it meets.
class StepGate {
 public:
  virtual ~StepGate() = default;
  // False when the process is dead (or dies at this very step): the call must not happen.
  virtual bool before_mutation(const char* operation, const std::string& path) = 0;
  virtual bool alive() const = 0;
  // The injected error `operation` on `path` meets (Ok for none); may add latency. `bytes` is
  // what an append adds.
  virtual ckpt::Status fault(const char* operation, const std::string& path, uint64_t bytes) = 0;
};

class GatedFileSystem : public ckpt::FileSystem {
 public:
  GatedFileSystem(SimFs* base, StepGate* gate) : base_(base), gate_(gate) {}

  ckpt::Result<std::unique_ptr<ckpt::WritableFile>> create(const std::string& path) override;
  ckpt::Result<std::string> read_file(const std::string& path) override;
  ckpt::Status rename(const std::string& from, const std::string& to) override;
  ckpt::Status rename_replacing(const std::string& from, const std::string& to) override;
  ckpt::Status remove(const std::string& path, bool recursive) override;
  ckpt::Result<bool> exists(const std::string& path) override;
  ckpt::Result<std::vector<ckpt::FileStatus>> list(const std::string& dir) override;
  ckpt::Status mkdirs(const std::string& path) override;
  ckpt::Status sync_dir(const std::string& dir) override;
  ckpt::Status sync_file(const std::string& path) override;

 private:
  class File;
  // A mutating call: the crash point, then the fault.
  ckpt::Status enter(ckpt::FileOperation operation, const std::string& path, uint64_t bytes = 0);
  // A reading call: no crash point, but faults.
  ckpt::Status peek(ckpt::FileOperation operation, const std::string& path);

  SimFs* base_;
  StepGate* gate_;
};

}  // namespace sim
