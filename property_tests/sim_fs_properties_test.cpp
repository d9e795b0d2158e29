// Property-based tests of SimFs against a trivial model (RapidCheck under GoogleTest).
//
// Method: RapidCheck draws a sequence of writes (synced or not), renames, deletes and directory
// syncs over a handful of paths, then a crash that picks any durable state the model allows. A
// model map tracks, per path, the content and whether its data and its directory entry were made
// durable. The properties: (1) after the crash the set of paths is one the process saw at some
// moment (a journaled filesystem keeps a prefix of the operations; hdfs and object-store keep
// them all); (2) every file whose data was synced and whose entry was synced afterwards, and
// which nothing touched since, is intact; under hdfs and object-store every file is intact.
#include <gtest/gtest.h>
#include <rapidcheck.h>
#include <rapidcheck/gtest.h>

#include <map>
#include <set>

#include "sim/sim_fs.h"

namespace sim {
namespace {

struct ModelFile {
  std::string content;
  bool data_synced = false;
  bool entry_synced = false;
};

std::set<std::string> Paths(SimFs& fs) {
  std::set<std::string> paths;
  for (const char* dir : {"/d", "/e"}) {
    ckpt::Result<std::vector<ckpt::FileStatus>> listing = fs.list(dir);
    if (!listing.ok()) continue;
    paths.insert(dir);
    for (const ckpt::FileStatus& entry : listing.value())
      paths.insert(ckpt::JoinPath(dir, entry.name));
  }
  return paths;
}

void CheckModel(PersistenceModel model_kind) {
  SimFs fs(model_kind);
  std::vector<std::set<std::string>> seen = {Paths(fs)};  // a lying disk may lose even the dirs
  RC_ASSERT(fs.mkdirs("/d").ok());
  seen.push_back(Paths(fs));
  RC_ASSERT(fs.mkdirs("/e").ok());
  RC_ASSERT(fs.sync_dir("/").ok());
  const std::vector<std::string> files = {"/d/a", "/d/b", "/d/c", "/e/a"};
  std::map<std::string, ModelFile> model;
  seen.push_back(Paths(fs));
  int operations = *rc::gen::inRange(1, 30);
  for (int i = 0; i < operations; ++i) {
    std::string path = *rc::gen::elementOf(files);
    switch (*rc::gen::inRange(0, 4)) {
      case 0: {
        std::string content(*rc::gen::inRange<size_t>(0, 1500), *rc::gen::inRange('a', 'z'));
        bool sync = *rc::gen::arbitrary<bool>();
        RC_ASSERT(ckpt::WriteWholeFile(fs, path, content, sync).ok());
        model[path] = ModelFile{content, sync, false};
        break;
      }
      case 1: {
        std::string to = *rc::gen::elementOf(files);
        if (!fs.rename(path, to).ok()) break;
        ModelFile moved = model[path];
        moved.entry_synced = false;
        model.erase(path);
        model[to] = moved;
        break;
      }
      case 2:
        if (fs.remove(path, false).ok()) model.erase(path);
        break;
      case 3: {
        std::string dir = ckpt::ParentPath(path);
        RC_ASSERT(fs.sync_dir(dir).ok());
        for (auto& [name, file] : model) {
          if (ckpt::ParentPath(name) == dir) file.entry_synced = true;
        }
        break;
      }
    }
    seen.push_back(Paths(fs));
  }
  uint64_t states = fs.crash_states();
  RC_ASSERT(states >= 1u);
  fs.crash(*rc::gen::inRange<uint64_t>(0, states), *rc::gen::arbitrary<uint64_t>());

  std::set<std::string> after = Paths(fs);
  bool journaled =
      model_kind == PersistenceModel::kPosix || model_kind == PersistenceModel::kLyingDisk;
  if (journaled) {
    RC_ASSERT(std::find(seen.begin(), seen.end(), after) != seen.end());
  } else {
    RC_ASSERT(after == seen.back());
  }
  for (const auto& [path, file] : model) {
    bool guaranteed = !journaled || (model_kind == PersistenceModel::kPosix && file.data_synced &&
                                     file.entry_synced);
    if (!guaranteed) continue;
    ckpt::Result<std::string> read = fs.read_file(path);
    RC_ASSERT(read.ok());
    RC_ASSERT(read.value() == file.content);
  }
}

RC_GTEST_PROP(SimFsModel, PosixKeepsAnAllowedStateAndEverySyncedFile, ()) {
  CheckModel(PersistenceModel::kPosix);
}

RC_GTEST_PROP(SimFsModel, LyingDiskKeepsAnAllowedState, ()) {
  CheckModel(PersistenceModel::kLyingDisk);
}

RC_GTEST_PROP(SimFsModel, HdfsKeepsEveryOperationAndEveryClosedFile, ()) {
  CheckModel(PersistenceModel::kHdfs);
}

RC_GTEST_PROP(SimFsModel, ObjectStoreKeepsEveryOperationAndEveryClosedObject, ()) {
  CheckModel(PersistenceModel::kObjectStore);
}

}  // namespace
}  // namespace sim
