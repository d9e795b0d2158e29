#include "scenario/fault_rule.h"

#include <algorithm>
#include <map>

#include "engine/runtime/file_operation.h"
#include "util/named_enum.h"

namespace sim {

using ckpt::Status;

const char* FaultKindName(FaultKind kind) {
  switch (kind) {
    case FaultKind::kEio:
      return "eio";
    case FaultKind::kEnospc:
      return "enospc";
    case FaultKind::kLatency:
      return "latency";
    case FaultKind::kBitflip:
      return "bitflip";
    case FaultKind::kTornWrite:
      return "torn_write";
    case FaultKind::kStaleExists:
      return "stale_exists";
  }
  return "?";
}

ckpt::Result<FaultKind> ParseFaultKind(const std::string& name) {
  return ParseNamed(name,
                    {FaultKind::kEio, FaultKind::kEnospc, FaultKind::kLatency, FaultKind::kBitflip,
                     FaultKind::kTornWrite, FaultKind::kStaleExists},
                    FaultKindName, "fault kind");
}

const std::vector<std::string>& FaultOperations() {
  static const std::vector<std::string> operations = [] {
    std::vector<std::string> names;
    for (ckpt::FileOperation operation : ckpt::kFileOperations) {
      names.push_back(ckpt::FileOperationName(operation));
    }
    return names;
  }();
  return operations;
}

std::string FaultRule::describe() const {
  std::string text = std::string(FaultKindName(kind));
  if (!operation.empty()) text += " on " + operation;
  text += " of " + path;
  if (!origin.empty()) text += " (" + origin + ")";
  return text;
}

// Iterative glob matching with one backtrack point: linear in practice, no recursion.
bool GlobMatches(const std::string& pattern, const std::string& path) {
  size_t p = 0, s = 0, star = std::string::npos, star_s = 0;
  while (s < path.size()) {
    if (p < pattern.size() && (pattern[p] == '?' || pattern[p] == path[s])) {
      ++p;
      ++s;
    } else if (p < pattern.size() && pattern[p] == '*') {
      star = p++;
      star_s = s;
    } else if (star != std::string::npos) {
      p = star + 1;
      s = ++star_s;
    } else {
      return false;
    }
  }
  while (p < pattern.size() && pattern[p] == '*') ++p;
  return p == pattern.size();
}

}  // namespace sim
