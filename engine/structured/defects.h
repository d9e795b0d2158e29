// Injectable recovery defects of the Structured Streaming engine: each switches a real Spark fix
// off (structured-streaming-notes.md 7). A catalogue of their own: the DStream engine's defects
// (engine/defects.h) act on another engine, and the harness tries each catalogue on its engine's
// scenarios.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "engine/runtime/status.h"

namespace ckpt::structured {

enum class Defect : uint8_t {
  kDeltaRenameFailsIfExists,        // SPARK-19677 reverted: a state delta never replaces one
  kMetadataWrittenInPlace,          // SPARK-26092 reverted: `metadata` written without createAtomic
  kShufflePartitionsFromSession,    // SPARK-19873 reverted: shuffle partitions not pinned
  kCancelKeepsTempAfterCloseError,  // SPARK-33384 reverted: cancel deletes nothing after a failed
                                    // close
  kPurgeInclusive,                  // SPARK-34383's purge deleting its threshold batch too
  kDoubleCommit,                    // SPARK-23004 reverted: a store committed twice
  kIgnoreLogAddResults,             // SPARK-26425 reverted: a lost commit-log add goes unnoticed
  kLeaveTempOnSkippedRename,        // SPARK-19779 reverted: a rename skipped as the file exists
                                    // keeps its temp file
  kKafkaInitialOffsetsLengthHeader,  // SPARK-19517 reverted: sources/0/0 with a length header
  kTrustDeltaRename,                 // SPARK-40826 reverted: a failed delta rename commits anyway
};

struct DefectInfo {
  Defect defect;
  const char* name;
  const char* reverts;      // the bug (and fix) this defect undoes
  const char* description;  // what goes wrong
  const char* exposed_by;   // the bundled scenario whose exploration finds it
};

const std::vector<DefectInfo>& AllDefects();
// InvalidArgument listing the known names when `name` is not one.
Result<Defect> ParseDefect(const std::string& name);

class DefectSet {
 public:
  void add(Defect defect) { bits_ |= Bit(defect); }
  bool has(Defect defect) const { return (bits_ & Bit(defect)) != 0; }
  bool empty() const { return bits_ == 0; }
  // The names of the defects switched on, in AllDefects() order.
  std::vector<std::string> names() const;

 private:
  static uint32_t Bit(Defect defect) { return uint32_t{1} << static_cast<unsigned>(defect); }
  uint32_t bits_ = 0;
};

}  // namespace ckpt::structured
