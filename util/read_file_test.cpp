// Whole files read from users and earlier runs are bounded before they are read.
#include "util/read_file.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

namespace sim {
namespace {

TEST(ReadWholeFile, ReadsARegularFileAndRefusesAnythingElse) {
  std::filesystem::path dir =
      std::filesystem::temp_directory_path() / ("ckptsim_read_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  std::string file = (dir / "shard.json").string();
  std::ofstream(file) << std::string(1000, 'x');

  EXPECT_EQ(ReadWholeFile(file).value(), std::string(1000, 'x'));
  ckpt::Result<std::string> too_large = ReadWholeFile(file, 999);
  ASSERT_FALSE(too_large.ok());
  EXPECT_EQ(too_large.status().code(), ckpt::StatusCode::kInvalidArgument);
  EXPECT_NE(too_large.status().message().find("larger than 999 bytes"), std::string::npos);
  EXPECT_EQ(ReadWholeFile(dir.string()).status().code(), ckpt::StatusCode::kInvalidArgument);
  EXPECT_EQ(ReadWholeFile((dir / "none").string()).status().code(), ckpt::StatusCode::kNotFound);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace sim
