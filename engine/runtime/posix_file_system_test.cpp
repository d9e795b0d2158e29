// The FileSystem contract, checked on the real disk and on the simulator's hdfs model alike:
// the simulator's answers are only as good as their agreement with the kernel's.
#include "engine/runtime/posix_file_system.h"

#include <gtest/gtest.h>
#include <stdlib.h>
#include <unistd.h>

#include <functional>

#include "sim/sim_fs.h"

namespace ckpt {
namespace {

// A fresh directory per test (mkdtemp), removed afterwards.
class TempDirectory {
 public:
  TempDirectory() {
    std::string pattern = ::testing::TempDir() + "ckptsim-posix-XXXXXX";
    path_ = ::mkdtemp(pattern.data()) ? pattern : "";
  }
  ~TempDirectory() {
    if (!path_.empty()) {
      EXPECT_TRUE(PosixFileSystem("").remove(path_, /*recursive=*/true).ok());
    }
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

struct FsCase {
  const char* name;
  std::function<std::unique_ptr<FileSystem>(const std::string& temp_dir)> make;
};

class FileSystemContract : public ::testing::TestWithParam<FsCase> {
 protected:
  void SetUp() override {
    ASSERT_FALSE(temp_.path().empty());
    fs_ = GetParam().make(temp_.path());
  }
  std::string Read(const std::string& path) { return fs_->read_file(path).value(); }

  TempDirectory temp_;
  std::unique_ptr<FileSystem> fs_;
};

TEST_P(FileSystemContract, WritesReadsAndTruncates) {
  ASSERT_TRUE(fs_->mkdirs("/d/e").ok());
  ASSERT_TRUE(fs_->mkdirs("/d/e").ok());  // idempotent
  ASSERT_TRUE(WriteWholeFile(*fs_, "/d/f", "hello", /*sync=*/true).ok());
  EXPECT_EQ(Read("/d/f"), "hello");
  ASSERT_TRUE(WriteWholeFile(*fs_, "/d/f", "x", false).ok());
  EXPECT_EQ(Read("/d/f"), "x");
  EXPECT_EQ(fs_->read_file("/d/none").status().code(), StatusCode::kNotFound);
  EXPECT_EQ(fs_->create("/missing/f").status().code(), StatusCode::kNotFound);
  EXPECT_EQ(fs_->mkdirs("/d/f").code(), StatusCode::kAlreadyExists);
}

TEST_P(FileSystemContract, AClosedFileRefusesFurtherCalls) {
  ASSERT_TRUE(fs_->mkdirs("/d").ok());
  std::unique_ptr<WritableFile> file = std::move(fs_->create("/d/f").value());
  ASSERT_TRUE(file->append("ab").ok());
  ASSERT_TRUE(file->close().ok());
  EXPECT_EQ(file->append("c").code(), StatusCode::kIllegalState);
  EXPECT_EQ(file->close().code(), StatusCode::kIllegalState);
  EXPECT_EQ(Read("/d/f"), "ab");
}

TEST_P(FileSystemContract, RenameNeverReplaces) {
  ASSERT_TRUE(fs_->mkdirs("/d").ok());
  ASSERT_TRUE(WriteWholeFile(*fs_, "/d/a", "A", false).ok());
  ASSERT_TRUE(WriteWholeFile(*fs_, "/d/b", "B", false).ok());
  EXPECT_EQ(fs_->rename("/d/a", "/d/b").code(), StatusCode::kAlreadyExists);
  EXPECT_EQ(Read("/d/b"), "B");
  EXPECT_EQ(fs_->rename("/d/none", "/d/c").code(), StatusCode::kNotFound);
  ASSERT_TRUE(fs_->rename("/d/a", "/d/c").ok());
  EXPECT_FALSE(fs_->exists("/d/a").value());
  EXPECT_EQ(Read("/d/c"), "A");
}

TEST_P(FileSystemContract, RenameReplacingReplacesAFileButNeverADirectory) {
  ASSERT_TRUE(fs_->mkdirs("/d/sub").ok());
  ASSERT_TRUE(WriteWholeFile(*fs_, "/d/a", "A", false).ok());
  ASSERT_TRUE(WriteWholeFile(*fs_, "/d/b", "B", false).ok());
  ASSERT_TRUE(fs_->rename_replacing("/d/a", "/d/b").ok());
  EXPECT_EQ(Read("/d/b"), "A");
  EXPECT_FALSE(fs_->exists("/d/a").value());
  ASSERT_TRUE(fs_->rename_replacing("/d/b", "/d/c").ok());  // no target: a plain rename
  EXPECT_EQ(Read("/d/c"), "A");
  EXPECT_EQ(fs_->rename_replacing("/d/none", "/d/c").code(), StatusCode::kNotFound);
  EXPECT_FALSE(fs_->rename_replacing("/d/c", "/d/sub").ok());
  EXPECT_EQ(Read("/d/c"), "A");
}

TEST_P(FileSystemContract, ListsSortedChildrenAndRemovesTrees) {
  ASSERT_TRUE(fs_->mkdirs("/d/sub/deep").ok());
  ASSERT_TRUE(WriteWholeFile(*fs_, "/d/sub/deep/f", "", false).ok());
  ASSERT_TRUE(WriteWholeFile(*fs_, "/d/c", "123", false).ok());
  ASSERT_TRUE(WriteWholeFile(*fs_, "/d/a", "", false).ok());
  Result<std::vector<FileStatus>> listing = fs_->list("/d");
  ASSERT_TRUE(listing.ok());
  ASSERT_EQ(listing.value().size(), 3u);
  EXPECT_EQ(listing.value()[0].name, "a");
  EXPECT_EQ(listing.value()[1].name, "c");
  EXPECT_EQ(listing.value()[1].size_bytes, 3u);
  EXPECT_EQ(listing.value()[2].name, "sub");
  EXPECT_TRUE(listing.value()[2].is_directory);
  EXPECT_EQ(fs_->list("/none").status().code(), StatusCode::kNotFound);

  EXPECT_EQ(fs_->remove("/d/sub", /*recursive=*/false).code(), StatusCode::kIoError);
  ASSERT_TRUE(fs_->remove("/d/sub", /*recursive=*/true).ok());
  EXPECT_FALSE(fs_->exists("/d/sub/deep/f").value());
  EXPECT_EQ(fs_->remove("/d/sub", true).code(), StatusCode::kNotFound);
  ASSERT_TRUE(fs_->remove("/d/a", false).ok());
}

TEST_P(FileSystemContract, SyncsFilesAndDirectories) {
  ASSERT_TRUE(fs_->mkdirs("/d").ok());
  ASSERT_TRUE(WriteWholeFile(*fs_, "/d/f", "x", false).ok());
  EXPECT_TRUE(fs_->sync_file("/d/f").ok());
  EXPECT_TRUE(fs_->sync_dir("/d").ok());
  EXPECT_EQ(fs_->sync_file("/d/none").code(), StatusCode::kNotFound);
}

// Hostile paths stay beneath the root: "." and ".." components are refused, and no symbolic
// link is followed, whether it sits in the middle of a path or at its end.
TEST(PosixFileSystem, NeverReachesOutsideItsRoot) {
  TempDirectory outside, temp;
  ASSERT_FALSE(outside.path().empty());
  ASSERT_FALSE(temp.path().empty());
  PosixFileSystem real("");
  ASSERT_TRUE(WriteWholeFile(real, outside.path() + "/secret", "keep", false).ok());
  std::string root = temp.path() + "/root";
  ASSERT_TRUE(real.mkdirs(root + "/ck").ok());
  ASSERT_EQ(::symlink(outside.path().c_str(), (root + "/ck/away").c_str()), 0);
  ASSERT_EQ(::symlink((outside.path() + "/secret").c_str(), (root + "/ck/checkpoint-9").c_str()),
            0);
  PosixFileSystem fs(root);

  for (const char* escape : {"/../escaped", "/ck/../../escaped", "/ck/./x", "ck/x"}) {
    EXPECT_EQ(fs.create(escape).status().code(), StatusCode::kInvalidArgument) << escape;
    EXPECT_EQ(fs.mkdirs(escape).code(), StatusCode::kInvalidArgument) << escape;
  }
  EXPECT_FALSE(fs.create("/ck/away/planted").ok());
  EXPECT_FALSE(fs.mkdirs("/ck/away/sub").ok());
  EXPECT_FALSE(fs.list("/ck/away").ok());
  EXPECT_FALSE(fs.read_file("/ck/checkpoint-9").ok());
  EXPECT_FALSE(fs.create("/ck/checkpoint-9").ok());
  EXPECT_FALSE(fs.remove("/ck/away/secret", false).ok());
  EXPECT_FALSE(real.exists(outside.path() + "/planted").value());
  EXPECT_FALSE(real.exists(outside.path() + "/sub").value());

  // A listing shows a link as what it is (not a directory), and deleting the tree deletes the
  // links, not what they point to.
  std::vector<FileStatus> listing = fs.list("/ck").value();
  ASSERT_EQ(listing.size(), 2u);
  EXPECT_FALSE(listing[0].is_directory);
  ASSERT_TRUE(fs.remove("/ck", /*recursive=*/true).ok());
  EXPECT_EQ(real.read_file(outside.path() + "/secret").value(), "keep");
}

INSTANTIATE_TEST_SUITE_P(, FileSystemContract,
                         ::testing::Values(FsCase{"posix",
                                                  [](const std::string& dir) {
                                                    return std::make_unique<PosixFileSystem>(dir);
                                                  }},
                                           FsCase{"sim_hdfs",
                                                  [](const std::string&) {
                                                    return std::make_unique<sim::SimFs>(
                                                        sim::PersistenceModel::kHdfs);
                                                  }}),
                         [](const ::testing::TestParamInfo<FsCase>& info) {
                           return info.param.name;
                         });

}  // namespace
}  // namespace ckpt
