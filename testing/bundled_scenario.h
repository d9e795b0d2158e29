// Tests load the catalogue's scenarios by their place below scenarios/ ("basic/running_count").
// REQUIRES: the test target defines CKPTSIM_SOURCE_DIR (ckpt_test_suite does).
#pragma once

#include <gtest/gtest.h>

#include <string>

#include "scenario/scenario.h"

namespace sim::testing {

inline Scenario LoadBundled(const std::string& relative) {
  ckpt::Result<Scenario> s = LoadScenario(CKPTSIM_SOURCE_DIR "/scenarios/" + relative + ".yaml");
  EXPECT_TRUE(s.ok()) << s.status().to_string();
  return s.ok() ? s.value() : Scenario{};
}

}  // namespace sim::testing
