#include "sim/producer.h"

#include "engine/runtime/file_system.h"
#include "scenario/application.h"

namespace sim {

using ckpt::Status;

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
  if (scenario.source_kind != SourceKind::kFile) return;
  Status made = fs.mkdirs(scenario.source_directory);
  if (made.ok()) made = fs.sync_dir(ckpt::ParentPath(scenario.source_directory));
  CKPT_ASSERT(made.ok(), "cannot make the input directory: " + made.to_string());
  for (const ProducedFile& file : scenario.produced_files) {
    loop.schedule_at(kHarnessOwner, file.at, TaskLabel{ckpt::Actor::kDriver, "producer writes"},
                     [&scenario, &fs, &file, trace] {
                       std::string text;
                       for (const std::string& line : file.lines) text += line + "\n";
                       std::string path = ckpt::JoinPath(scenario.source_directory, file.name);
                       Status written = ckpt::WriteWholeFile(fs, path, text, /*sync=*/true);
                       if (written.ok()) written = fs.sync_dir(scenario.source_directory);
                       CKPT_ASSERT(written.ok(), "producer cannot write " + path);
                       // A file moved into the directory keeps the time it was written at.
                       if (file.modified_at) fs.set_modification_time(path, *file.modified_at);
                       trace("producer wrote " + path);
                     });
  }
}

}  // namespace sim
