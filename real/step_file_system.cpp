#include "real/step_file_system.h"

namespace real {
namespace {

class StepFile : public ckpt::WritableFile {
 public:
  StepFile(std::unique_ptr<ckpt::WritableFile> base, std::string path,
           const StepFileSystem::BeforeMutation* before)
      : base_(std::move(base)), path_(std::move(path)), before_(before) {}
  ckpt::Status append(std::string_view data) override {
    (*before_)(ckpt::FileOperation::kWrite, path_);
    return base_->append(data);
  }
  ckpt::Status sync() override {
    (*before_)(ckpt::FileOperation::kSync, path_);
    return base_->sync();
  }
  ckpt::Status close() override {
    (*before_)(ckpt::FileOperation::kClose, path_);
    return base_->close();
  }

 private:
  std::unique_ptr<ckpt::WritableFile> base_;
  std::string path_;
  const StepFileSystem::BeforeMutation* before_;
};

}  // namespace

ckpt::Result<std::unique_ptr<ckpt::WritableFile>> StepFileSystem::create(const std::string& path) {
  before_(ckpt::FileOperation::kCreate, path);
  ckpt::Result<std::unique_ptr<ckpt::WritableFile>> file = base_->create(path);
  if (!file.ok()) return file;
  return std::unique_ptr<ckpt::WritableFile>(
      std::make_unique<StepFile>(std::move(file).value(), path, &before_));
}

}  // namespace real
