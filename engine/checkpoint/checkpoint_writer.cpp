#include "engine/checkpoint/checkpoint_writer.h"

#include <algorithm>

namespace ckpt {

CheckpointWriter::CheckpointWriter(StreamingRuntime* runtime, std::string checkpoint_dir,
                                   CompletionCallback on_completion)
    : runtime_(runtime),
      dir_(std::move(checkpoint_dir)),
      on_completion_(std::move(on_completion)) {}

void CheckpointWriter::write(const Checkpoint& checkpoint, bool clear_checkpoint_data_later) {
  Handle handle{checkpoint.checkpoint_time, EncodeCheckpoint(checkpoint),
                clear_checkpoint_data_later};
  if (shutting_down_) {
    runtime_->log(LogLevel::kError,
                  "Could not submit checkpoint task to the thread pool "
                  "executor: the writer is stopped");
    return;
  }
  // The worker takes a write directly when idle, so capacity is the running one plus the queue.
  size_t waiting = queue_.size() + (worker_busy_ ? 0 : 1);
  if (waiting > kCheckpointWriterQueueCapacity) {
    runtime_->log(LogLevel::kError,
                  "Could not submit checkpoint task to the thread pool "
                  "executor: queue full, checkpoint for time " +
                      handle.checkpoint_time.to_string() + " dropped");
    return;
  }
  queue_.push_back(std::move(handle));
  runtime_->log(LogLevel::kInfo, "Submitted checkpoint of time " +
                                     checkpoint.checkpoint_time.to_string() + " to writer queue");
  if (!worker_busy_) schedule_worker();
}

Status CheckpointWriter::write_now(const Checkpoint& checkpoint) {
  Handle handle{checkpoint.checkpoint_time, EncodeCheckpoint(checkpoint), false};
  if (shutting_down_) return Status::IllegalState("the checkpoint writer is stopped");
  CKPT_RETURN_IF_ERROR(run_handler(handle));
  on_completion_(handle.checkpoint_time, handle.clear_later);
  return Status::Ok();
}

void CheckpointWriter::stop(std::function<void()> then) {
  if (then) on_stopped_.push_back(std::move(then));
  if (stopped_) return finish_stop();
  if (shutting_down_) return;
  shutting_down_ = true;
  if (!worker_busy_) return finish_stop();
  Scheduler* scheduler = runtime_->env.scheduler;
  stop_deadline_ = scheduler->schedule_at(
      scheduler->now() + kCheckpointWriterStopTimeout,
      TaskLabel{Actor::kCheckpointWriter, "stop: shutdownNow"}, [this] {
        stop_deadline_.reset();
        runtime_->log(LogLevel::kWarning, "Checkpoint writer did not finish its queue in 10 s");
        finish_stop();
      });
}

void CheckpointWriter::finish_stop() {
  stopped_ = true;
  queue_.clear();
  if (stop_deadline_) runtime_->env.scheduler->cancel(*stop_deadline_);
  stop_deadline_.reset();
  std::vector<std::function<void()>> callbacks;
  callbacks.swap(on_stopped_);
  for (const std::function<void()>& callback : callbacks) callback();
}

void CheckpointWriter::schedule_worker() {
  worker_busy_ = true;
  const Handle& next = queue_.front();
  runtime_->env.scheduler->post(
      TaskLabel{Actor::kCheckpointWriter, "write checkpoint", next.checkpoint_time},
      [this] { run_next(); });
}

void CheckpointWriter::run_next() {
  if (!stopped_ && !queue_.empty()) {
    Handle handle = std::move(queue_.front());
    queue_.pop_front();
    bool written = run_handler(handle).ok();
    if (written) on_completion_(handle.checkpoint_time, handle.clear_later);
  }
  worker_busy_ = false;
  if (stopped_) return;
  if (!queue_.empty()) {
    schedule_worker();
  } else if (shutting_down_) {
    finish_stop();  // the queue ran out before the deadline
  }
}

// The file is named after the newest checkpoint time this writer has seen (SPARK-11740), so a
// late completion checkpoint of an older batch lands under a newer name.
// Fix::kWriterLearnsNewestName: before its first write the writer takes the newest time among the
// directory's checkpoint files; a listing that fails fails the attempt (retried as any I/O error of
// the write), so no file is written before the writer has learned it.
Result<Time> CheckpointWriter::name_time(const Handle& handle) {
  if (!latest_checkpoint_time_ && runtime_->env.fixes.has(Fix::kWriterLearnsNewestName)) {
    CKPT_ASSIGN_OR_RETURN(std::vector<CheckpointFile> files,
                          ListCheckpointFiles(*runtime_->env.fs, dir_, runtime_->env.defects));
    if (!files.empty()) latest_checkpoint_time_ = files.back().time;
  }
  if (!latest_checkpoint_time_ || *latest_checkpoint_time_ < handle.checkpoint_time) {
    latest_checkpoint_time_ = handle.checkpoint_time;
  }
  // name-by-content-time reverts that fix: each file is named after its own content time.
  return runtime_->env.defects.has(Defect::kNameByContentTime) ? handle.checkpoint_time
                                                               : *latest_checkpoint_time_;
}

Status CheckpointWriter::run_handler(const Handle& handle) {
  // Named in each attempt; until then the messages name the content time's file.
  std::string checkpoint_file = JoinPath(dir_, CheckpointFileName(handle.checkpoint_time));
  // no-retry-after-io-error reverts SPARK-22429: the handler made its FileSystem once, before
  // the loop, and an IOException set it to null, so the retry died of a NullPointerException.
  bool file_system_lost = false;
  Status first_error;
  int attempt = 1;
  for (; attempt <= kCheckpointWriteAttempts && !stopped_; ++attempt) {
    Status status = file_system_lost
                        ? Status::IllegalState(
                              "java.lang.NullPointerException: the checkpoint writer's FileSystem "
                              "is null after an IOException")
                        : attempt_write(handle, &checkpoint_file);
    if (first_error.ok()) first_error = status;
    if (status.ok()) {
      runtime_->log(LogLevel::kInfo, "Checkpoint for time " + handle.checkpoint_time.to_string() +
                                         " saved to file '" + checkpoint_file + "'");
      if (runtime_->env.observer) {
        runtime_->env.observer->on_event(
            event::CheckpointWritten{checkpoint_file, handle.checkpoint_time, handle.clear_later});
      }
      return Status::Ok();
    }
    if (status.code() == StatusCode::kProcessDead) return status;
    if (!status.is_io_error()) {
      // Spark: anything but an IOException escapes run(); the checkpoint is silently lost.
      runtime_->log(LogLevel::kError, "Checkpoint writer failed: " + status.to_string());
      report_given_up(handle, attempt, first_error);
      return status;
    }
    file_system_lost = runtime_->env.defects.has(Defect::kNoRetryAfterIoError);
    runtime_->log(LogLevel::kWarning, "Error in attempt " + std::to_string(attempt) +
                                          " of writing checkpoint to '" + checkpoint_file +
                                          "': " + status.to_string());
  }
  runtime_->log(LogLevel::kWarning, "Could not write checkpoint for time " +
                                        handle.checkpoint_time.to_string() + " to file '" +
                                        checkpoint_file + "'");
  if (!stopped_) report_given_up(handle, attempt - 1, first_error);
  return first_error.ok() ? Status::IllegalState("the checkpoint writer stopped") : first_error;
}

void CheckpointWriter::report_given_up(const Handle& handle, int attempts,
                                       const Status& first_error) {
  if (runtime_->env.observer) {
    runtime_->env.observer->on_event(
        event::CheckpointGivenUp{handle.checkpoint_time, attempts, first_error});
  }
}

Status CheckpointWriter::attempt_write(const Handle& handle, std::string* named_file) {
  CKPT_ASSIGN_OR_RETURN(Time name, name_time(handle));
  *named_file = JoinPath(dir_, CheckpointFileName(name));
  const std::string& checkpoint_file = *named_file;
  std::string backup_file = JoinPath(dir_, CheckpointBackupName(name));
  FileSystem& fs = *runtime_->env.fs;
  const DefectSet& defects = runtime_->env.defects;
  if (defects.has(Defect::kCheckpointInPlace)) {
    // checkpoint-in-place: no temp file and no rename; the file is overwritten where it lies.
    CKPT_RETURN_IF_ERROR(
        WriteWholeFile(fs, checkpoint_file, handle.bytes, runtime_->checkpoint_sync));
    if (runtime_->checkpoint_sync) CKPT_RETURN_IF_ERROR(fs.sync_dir(dir_));
    return delete_old_checkpoint_files();
  }
  std::string temp_file = JoinPath(dir_, kCheckpointTempName);
  Status deleted = fs.remove(temp_file, /*recursive=*/true);
  if (!deleted.ok() && deleted.code() != StatusCode::kNotFound) return deleted;
  // rename-before-sync: the temp file is synced only after it was renamed into place (and the
  // directory synced), so the durable name may point at data that never reached the disk.
  bool sync_before_rename = runtime_->checkpoint_sync && !defects.has(Defect::kRenameBeforeSync);
  CKPT_RETURN_IF_ERROR(WriteWholeFile(fs, temp_file, handle.bytes, sync_before_rename));

  CKPT_ASSIGN_OR_RETURN(bool exists, fs.exists(checkpoint_file));
  if (exists) {
    Status old_backup = fs.remove(backup_file, /*recursive=*/true);
    if (!old_backup.ok() && old_backup.code() != StatusCode::kNotFound) return old_backup;
    Status renamed = fs.rename(checkpoint_file, backup_file);
    if (renamed.is_io_error() || renamed.code() == StatusCode::kProcessDead) return renamed;
    if (!renamed.ok()) {
      runtime_->log(LogLevel::kWarning, "Could not rename " + checkpoint_file + " to " +
                                            backup_file + ": " + renamed.to_string());
    }
  }
  Status renamed = fs.rename(temp_file, checkpoint_file);
  if (renamed.is_io_error() || renamed.code() == StatusCode::kProcessDead) return renamed;
  if (!renamed.ok()) {
    // Spark logs a warning and still reports success.
    runtime_->log(LogLevel::kWarning, "Could not rename " + temp_file + " to " + checkpoint_file +
                                          ": " + renamed.to_string());
  }
  if (runtime_->checkpoint_sync) CKPT_RETURN_IF_ERROR(fs.sync_dir(dir_));
  if (runtime_->checkpoint_sync && !sync_before_rename) {
    CKPT_RETURN_IF_ERROR(fs.sync_file(checkpoint_file));
  }
  return delete_old_checkpoint_files();
}

Status CheckpointWriter::delete_old_checkpoint_files() {
  CKPT_ASSIGN_OR_RETURN(std::vector<CheckpointFile> files,
                        ListCheckpointFiles(*runtime_->env.fs, dir_, runtime_->env.defects));
  if (files.size() <= kCheckpointFilesToKeep) return Status::Ok();
  size_t surplus = files.size() - kCheckpointFilesToKeep;
  for (size_t i = 0; i < surplus; ++i) {
    const std::string& path = files[i].path;
    runtime_->log(LogLevel::kInfo, "Deleting " + path);
    Status deleted = runtime_->env.fs->remove(path, /*recursive=*/true);
    if (!deleted.ok() && deleted.code() != StatusCode::kNotFound) return deleted;
  }
  return Status::Ok();
}

Result<CheckpointReadOutcome> ReadCheckpoint(FileSystem& fs, const std::string& dir,
                                             bool ignore_read_error, DefectSet defects,
                                             FixSet fixes) {
  Result<std::vector<CheckpointFile>> listed = ListCheckpointFiles(fs, dir, defects);
  if (!listed.ok()) return listed.status().with_context("listing checkpoint directory " + dir);
  CheckpointReadOutcome outcome;
  std::vector<CheckpointFile>& files = listed.value();
  if (files.empty()) return outcome;
  for (auto it = files.rbegin(); it != files.rend(); ++it) {
    Result<std::string> bytes = fs.read_file(it->path);
    // Spark moves on to an older file on any error, a transient one included, and the cleanup
    // after the newest checkpoint may have deleted what the older one references.
    if (!bytes.ok() && bytes.status().is_io_error() && fixes.has(Fix::kReaderRetriesAFailedRead)) {
      bytes = fs.read_file(it->path);
    }
    Result<Checkpoint> checkpoint =
        bytes.ok() ? DecodeCheckpoint(bytes.value()) : Result<Checkpoint>(bytes.status());
    if (checkpoint.ok()) {
      outcome.checkpoint = std::move(checkpoint).value();
      outcome.file = it->path;
      return outcome;
    }
    outcome.failures.push_back(RejectedCheckpoint{it->path, checkpoint.status()});
    // reader-no-fallback: the newest file is the only one tried.
    if (defects.has(Defect::kReaderNoFallback)) break;
  }
  if (ignore_read_error) return outcome;
  return CheckpointReadError(dir, outcome);
}

Status CheckpointReadError(const std::string& dir, const CheckpointReadOutcome& outcome) {
  const RejectedCheckpoint& last = outcome.failures.back();
  return Status::Corruption(std::string(kCheckpointUnreadableError) + " " + dir +
                            " (last error: " + last.to_string() + ")")
      .marked(ErrorMark::kCheckpointUnreadable)
      .with_marks_of(last.error);
}

}  // namespace ckpt
