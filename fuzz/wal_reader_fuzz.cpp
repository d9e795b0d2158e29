// libFuzzer target: the write-ahead log reader and the received-block event and block-data
// decoders. The input is a log file (a crash can leave any prefix or garbage in one): reading it
// must yield the intact records before the first bad one, each of which decodes or is rejected
// with a Status; never a crash, a sanitizer report or an allocation far beyond the input.
// `wal_reader_fuzz -seeds DIR` writes the seed corpus (fuzz/corpus/wal/) from real events.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <string_view>

#include "engine/checkpoint/frame.h"
#include "engine/receiver/received_block.h"
#include "engine/receiver/write_ahead_log.h"
#include "sim/sim_fs.h"

namespace {

void Expect(bool condition) {
  if (!condition) __builtin_trap();
}

constexpr const char* kLogFile = "/d/log-0-1000";

std::vector<std::string> ReadAll(ckpt::FileSystem& fs) {
  ckpt::FileBasedWriteAheadLog log(&fs, "/d", ckpt::Duration{1000}, false,
                                   [](const std::string&) {});
  ckpt::Result<std::vector<std::string>> records = log.read_all();
  Expect(records.ok());  // the file is in memory: reading it never fails
  return std::move(records).value();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view bytes(reinterpret_cast<const char*>(data), size);
  sim::SimFs fs(sim::PersistenceModel::kHdfs);
  Expect(fs.mkdirs("/d").ok());
  Expect(ckpt::WriteWholeFile(fs, kLogFile, bytes, false).ok());
  size_t total = 0;
  for (const std::string& record : ReadAll(fs)) {
    total += record.size();
    ckpt::Result<ckpt::ReceivedBlockEvent> event = ckpt::DecodeReceivedBlockEvent(record);
    Expect(event.ok() || event.status().code() == ckpt::StatusCode::kCorruption);
    ckpt::Result<ckpt::Records> block = ckpt::DecodeBlockData(record);
    Expect(block.ok() || block.status().code() == ckpt::StatusCode::kCorruption);
  }
  Expect(total <= size);
  // The bytes as one record's payload, framed, so the event archive is fuzzed past the checksum.
  ckpt::Result<ckpt::ReceivedBlockEvent> framed =
      ckpt::DecodeReceivedBlockEvent(ckpt::Frame(ckpt::kBlockEventMagic, bytes));
  Expect(framed.ok() || framed.status().code() == ckpt::StatusCode::kCorruption);
  return 0;
}

// Seeds: a driver log holding one event of each kind, a receiver data log, and the events' bare
// payloads.
extern "C" int LLVMFuzzerInitialize(int* argc, char*** argv) {
  if (*argc != 3 || std::strcmp((*argv)[1], "-seeds") != 0) return 0;
  std::string dir = (*argv)[2];
  auto write = [&dir](const std::string& name, std::string_view content) {
    std::ofstream(dir + "/" + name, std::ios::binary) << content;
  };
  ckpt::ReceivedBlockInfo block{0, "input-0-250", 2, 3, 5, ckpt::WalRecordHandle{"/d/x", 0, 60}};
  ckpt::ReceivedBlockEvent addition{
      ckpt::ReceivedBlockEvent::Kind::kBlockAddition, block, {}, {}, {}};
  ckpt::ReceivedBlockEvent allocation{
      ckpt::ReceivedBlockEvent::Kind::kBatchAllocation, {}, ckpt::Time{1000}, {{0, {block}}}, {}};
  ckpt::ReceivedBlockEvent cleanup{ckpt::ReceivedBlockEvent::Kind::kBatchCleanup,
                                   {},
                                   {},
                                   {},
                                   {ckpt::Time{1000}, ckpt::Time{2000}}};
  sim::SimFs fs(sim::PersistenceModel::kHdfs);
  ckpt::FileBasedWriteAheadLog driver_log(&fs, "/d", ckpt::Duration{1000}, false,
                                          [](const std::string&) {});
  for (const ckpt::ReceivedBlockEvent* event : {&addition, &allocation, &cleanup}) {
    Expect(driver_log.write(ckpt::EncodeReceivedBlockEvent(*event), ckpt::Time{0}).ok());
    write("event-" + std::to_string(static_cast<int>(event->kind)),
          ckpt::Unframe(ckpt::kBlockEventMagic, ckpt::EncodeReceivedBlockEvent(*event)).value());
  }
  driver_log.close();
  write("driver-log", fs.read_file(kLogFile).value());
  ckpt::Records records = {ckpt::Value::Int(4), ckpt::Value::String("five")};
  write("block-data", ckpt::Frame(ckpt::kLogRecordMagic, ckpt::EncodeBlockData(records)));
  std::exit(0);
}
