#include "real/step_file_system.h"

namespace real {
namespace {

class StepFile : public ckpt::WritableFileWrapper {
 public:
  StepFile(std::unique_ptr<ckpt::WritableFile> base, std::string path,
           const StepFileSystem::BeforeMutation* before)
      : WritableFileWrapper(std::move(base)), path_(std::move(path)), before_(before) {}
  ckpt::Status append(std::string_view data) override {
    (*before_)(ckpt::FileOperation::kWrite, path_);
    return WritableFileWrapper::append(data);
  }
  ckpt::Status sync() override {
    (*before_)(ckpt::FileOperation::kSync, path_);
    return WritableFileWrapper::sync();
  }
  ckpt::Status close() override {
    (*before_)(ckpt::FileOperation::kClose, path_);
    return WritableFileWrapper::close();
  }

 private:
  std::string path_;
  const StepFileSystem::BeforeMutation* before_;
};

}  // namespace

ckpt::Result<std::unique_ptr<ckpt::WritableFile>> StepFileSystem::create(const std::string& path) {
  before_(ckpt::FileOperation::kCreate, path);
  CKPT_ASSIGN_OR_RETURN(std::unique_ptr<ckpt::WritableFile> file, FileSystemWrapper::create(path));
  return std::unique_ptr<ckpt::WritableFile>(
      std::make_unique<StepFile>(std::move(file), path, &before_));
}

}  // namespace real
