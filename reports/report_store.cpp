// The run history behind --report (report.h): a directory per run under the store, `latest`
// linked to the newest, and a static index of every run.
#include <algorithm>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <fstream>

#include "reports/console.h"
#include "reports/report.h"
#include "util/read_file.h"

namespace reports {
namespace {

namespace fs = std::filesystem;

// Runs the index lists (the newest), and the largest results.json it reads for a row.
constexpr size_t kRunsListed = 500;
constexpr uintmax_t kLargestResultBytes = 64u << 20;

// "20261206-072530-explore": sorts by time, says what ran.
std::string RunName(std::time_t now, const sim::ExploreResult& result) {
  std::tm utc{};
  gmtime_r(&now, &utc);
  char stamp[32];
  std::strftime(stamp, sizeof stamp, "%Y%m%d-%H%M%S", &utc);
  return std::string(stamp) + "-" + sim::StrategyName(result.strategy);
}

// A new directory under `store` for this run. Runs that share a second get the suffixes -02 to
// -99: two digits, so that the order by name stays the order in time.
ckpt::Result<std::string> NewRunDirectory(const std::string& store, const std::string& name) {
  std::error_code ec;
  fs::create_directories(store, ec);
  if (ec)
    return ckpt::Status::IoError("cannot create the report store " + store + ": " + ec.message());
  for (int attempt = 1; attempt <= 99; ++attempt) {
    char suffix[8];
    std::snprintf(suffix, sizeof suffix, "-%02d", attempt);
    std::string run = name + (attempt == 1 ? "" : suffix);
    if (fs::create_directory(fs::path(store) / run, ec)) return run;
    if (ec)
      return ckpt::Status::IoError("cannot create " + store + "/" + run + ": " + ec.message());
  }
  return ckpt::Status::IoError("99 runs in " + store + " share the name " + name);
}

// Points `store`/latest at `run`: a new link renamed over the old one, so a reader never sees
// none. A `latest` that is not a link (a directory someone made) is left alone.
ckpt::Status LinkLatest(const std::string& store, const std::string& run) {
  fs::path latest = fs::path(store) / "latest", fresh = fs::path(store) / ".latest.new";
  std::error_code ec;
  fs::remove(fresh, ec);
  fs::create_directory_symlink(run, fresh, ec);
  if (!ec) fs::rename(fresh, latest, ec);
  if (ec) {
    fs::remove(fresh, ec);
    return ckpt::Status::IoError("cannot link " + latest.string() + " to " + run);
  }
  return ckpt::Status::Ok();
}

// One row of the index: the run read back from its results.json, or why it cannot be.
std::string IndexRow(const fs::path& dir) {
  std::string name = dir.filename().string();
  std::string link =
      "<td><a href=\"" + EscapeXml(name) + "/index.html\">" + EscapeXml(name) + "</a></td>";
  ckpt::Result<std::string> text =
      sim::ReadWholeFile((dir / "results.json").string(), kLargestResultBytes);
  if (!text.ok()) {
    return "<tr>" + link + "<td colspan=\"5\">no readable results.json</td></tr>\n";
  }
  nlohmann::json json = nlohmann::json::parse(text.value(), nullptr, /*allow_exceptions=*/false);
  ckpt::Result<sim::ExploreResult> result =
      json.is_discarded() ? ckpt::Status::InvalidArgument("not JSON") : ResultFromJson(json);
  if (!result.ok()) {
    return "<tr>" + link + "<td colspan=\"5\">" + EscapeXml(result.status().message()) +
           "</td></tr>\n";
  }
  const sim::ExploreResult& r = result.value();
  return "<tr>" + link + "<td>" + sim::StrategyName(r.strategy) + "</td><td>" +
         std::to_string(r.scenarios.size()) + "</td><td>" + std::to_string(r.trials) + "</td><td>" +
         std::to_string(r.failures) + "</td><td class=\"" + VerdictClass(r) + "\">" +
         EscapeXml(Verdict(r)) + "</td></tr>\n";
}

}  // namespace

std::string RenderStoreIndex(const std::string& store) {
  std::vector<fs::path> runs;
  std::error_code ec;
  for (fs::directory_iterator it(store, ec), end; !ec && it != end; it.increment(ec)) {
    // Only real directories: `latest` is a link to one of them, and a link could lead anywhere.
    if (it->is_directory(ec) && !it->is_symlink(ec) && it->path().filename().string()[0] != '.') {
      runs.push_back(it->path());
    }
  }
  std::sort(runs.rbegin(), runs.rend());  // newest first: names start with the time
  std::string html =
      "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>ckptsim runs</title>"
      "\n<style>body{font-family:sans-serif;margin:2em;color:#222}table{border-collapse:collapse}"
      "td,th{border:1px solid #ccc;padding:4px 8px;text-align:left}th{background:#f4f4f4}"
      ".pass{color:#1a7f37;font-weight:bold}.fail{color:#cf222e;font-weight:bold}"
      ".warn{color:#9a6700;font-weight:bold}</style></head><body>\n<h1>ckptsim runs</h1>\n<p>" +
      std::to_string(runs.size()) + " runs in this store, newest first" +
      (runs.size() > kRunsListed ? " (the newest " + std::to_string(kRunsListed) + " listed)"
                                 : std::string()) +
      "; <a href=\"latest/index.html\">latest</a>.</p>\n<table class=\"runs\"><tr><th>run (UTC)"
      "</th><th>strategy</th><th>scenarios</th><th>trials</th><th>failures</th><th>verdict</th>"
      "</tr>\n";
  for (size_t i = 0; i < runs.size() && i < kRunsListed; ++i) html += IndexRow(runs[i]);
  return html + "</table>\n</body></html>\n";
}

ckpt::Result<std::string> WriteReportToStore(const std::string& store, std::time_t now,
                                             const sim::ExploreResult& result,
                                             const std::string& title,
                                             const std::vector<sim::Timeline>& timelines) {
  CKPT_ASSIGN_OR_RETURN(std::string run, NewRunDirectory(store, RunName(now, result)));
  std::string dir = (fs::path(store) / run).string();
  CKPT_RETURN_IF_ERROR(WriteReport(dir, result, title, timelines));
  CKPT_RETURN_IF_ERROR(LinkLatest(store, run));
  std::ofstream index(fs::path(store) / "index.html");
  index << RenderStoreIndex(store);
  if (!index) return ckpt::Status::IoError("cannot write " + store + "/index.html");
  return dir;
}

}  // namespace reports
