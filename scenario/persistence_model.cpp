#include "scenario/persistence_model.h"

#include "util/named_enum.h"

namespace sim {

using ckpt::Result;

const char* PersistenceModelName(PersistenceModel model) {
  switch (model) {
    case PersistenceModel::kHdfs:
      return "hdfs";
    case PersistenceModel::kPosix:
      return "posix";
    case PersistenceModel::kObjectStore:
      return "object-store";
    case PersistenceModel::kLyingDisk:
      return "lying-disk";
  }
  return "?";
}

Result<PersistenceModel> ParsePersistenceModel(const std::string& name) {
  return ParseNamed(name,
                    {PersistenceModel::kHdfs, PersistenceModel::kPosix,
                     PersistenceModel::kObjectStore, PersistenceModel::kLyingDisk},
                    PersistenceModelName, "filesystem model");
}

}  // namespace sim
