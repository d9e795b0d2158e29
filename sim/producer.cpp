#include "sim/producer.h"

#include "engine/runtime/file_system.h"
#include "scenario/application.h"

namespace sim {

using ckpt::Status;

namespace {

// Makes the file source's directory now and writes each of its files at its time.
void ScheduleFiles(const FileInput& source, SimFs& fs, EventLoop& loop,
                   const std::function<void(const std::string&)>& trace) {
  Status made = fs.mkdirs(source.directory);
  if (made.ok()) made = fs.sync_dir(ckpt::ParentPath(source.directory));
  CKPT_ASSERT(made.ok(), "cannot make the input directory: " + made.to_string());
  for (const ProducedFile& file : source.files) {
    loop.schedule_at(kHarnessOwner, file.at, TaskLabel{ckpt::Actor::kDriver, "producer writes"},
                     [&source, &fs, &file, trace] {
                       std::string text;
                       for (const std::string& line : file.lines) text += line + "\n";
                       std::string path = ckpt::JoinPath(source.directory, file.name);
                       Status written = ckpt::WriteWholeFile(fs, path, text, /*sync=*/true);
                       if (written.ok()) written = fs.sync_dir(source.directory);
                       CKPT_ASSERT(written.ok(), "producer cannot write " + path);
                       // A file moved into the directory keeps the time it was written at.
                       if (file.modified_at) fs.set_modification_time(path, *file.modified_at);
                       trace("producer wrote " + path);
                     });
  }
}

}  // namespace

void ScheduleProducer(const Scenario& scenario, SimFs& fs, EventLoop& loop,
                      std::function<void(const std::string&)> trace) {
  fs.set_clock([&loop] { return loop.now(); });
  for (const InitialFile& file : scenario.initial_files) {
    Status written = fs.mkdirs(ckpt::ParentPath(file.path));
    if (written.ok()) written = ckpt::WriteWholeFile(fs, file.path, file.content, /*sync=*/true);
    if (written.ok()) written = fs.sync_dir(ckpt::ParentPath(file.path));
    CKPT_ASSERT(written.ok(),
                "cannot write initial file " + file.path + ": " + written.to_string());
  }
  for (int32_t id = 0; id < InputStreamCount(scenario); ++id) {
    if (const auto* files = InputSource(scenario, id).get<FileInput>()) {
      ScheduleFiles(*files, fs, loop, trace);
    }
  }
}

}  // namespace sim
