// The SVG timeline of a failing trial (explore/timeline.h), self-contained: no scripts, fonts or
// external assets.
#include <algorithm>
#include <filesystem>

#include "reports/report.h"

namespace reports {
namespace {

constexpr double kWidth = 1100, kLeft = 170, kRight = 20;
constexpr double kTop = 34, kBatchRow = 22, kLaneRow = 26;

std::string Num(double value) { return FormatFixed(value, 1); }

const char* LaneColor(sim::Lane lane) {
  switch (lane) {
    case sim::Lane::kGenerator:
      return "#0969da";
    case sim::Lane::kJobs:
      return "#1a7f37";
    case sim::Lane::kWriter:
      return "#9a6700";
    case sim::Lane::kFilesystem:
      return "#6e7781";
    case sim::Lane::kDriver:
      return "#8250df";
  }
  return "#000";
}

const char* OutcomeColor(sim::BatchOutcome outcome) {
  switch (outcome) {
    case sim::BatchOutcome::kCompleted:
      return "#2da44e";
    case sim::BatchOutcome::kReexecuted:
      return "#d4a72c";
    case sim::BatchOutcome::kLost:
      return "#cf222e";
    case sim::BatchOutcome::kDivergent:
      return "#8250df";
  }
  return "#000";
}

// A tick spacing of the 1-2-5 series that gives at most about ten ticks over `span_ms`.
int64_t TickStep(int64_t span_ms) {
  int64_t step = 1;
  for (int64_t decade = 1; decade <= span_ms; decade *= 10) {
    for (int64_t factor : {1, 2, 5}) {
      step = factor * decade;
      if (span_ms / step <= 10) return step;
    }
  }
  return step;
}

// How a process began: its restart mark's label.
std::string ProcessLabel(const sim::TimelineProcess& p) {
  std::string how = "fresh start";
  if (!p.recovered_from.empty()) {
    // The file's name; a structured query's plan with its log's ("offsets/5").
    std::filesystem::path file(p.recovered_from);
    std::string log = file.parent_path().filename().string();
    how = "recovered from " + (log == "offsets" ? log + "/" : "") + file.filename().string();
  }
  return "#" + std::to_string(p.incarnation) + " " + how;
}

}  // namespace

std::string RenderTimelineSvg(const sim::Timeline& t) {
  const double lanes = std::size(sim::kLanes);
  const double bottom = kTop + kBatchRow + lanes * kLaneRow;
  const double height = bottom + 78;
  int64_t end_ms = std::max<int64_t>(t.end.ms, 1) + t.batch_duration.ms / 2;
  auto x = [&](int64_t ms) {
    return kLeft + static_cast<double>(std::clamp<int64_t>(ms, 0, end_ms)) /
                       static_cast<double>(end_ms) * (kWidth - kLeft - kRight);
  };
  std::string svg = "<svg class=\"timeline\" xmlns=\"http://www.w3.org/2000/svg\" width=\"" +
                    Num(kWidth) + "\" height=\"" + Num(height) + "\" viewBox=\"0 0 " + Num(kWidth) +
                    " " + Num(height) +
                    "\" font-family=\"sans-serif\" font-size=\"11\" role=\"img\" aria-label=\"" +
                    EscapeXml("timeline of " + t.scenario + " trial " + t.token) + "\">\n";
  // Rows: batches, then one lane per actor.
  svg += "<text x=\"8\" y=\"" + Num(kTop + 15) + "\" font-weight=\"bold\">batches</text>\n";
  for (size_t i = 0; i < std::size(sim::kLanes); ++i) {
    double y = kTop + kBatchRow + static_cast<double>(i) * kLaneRow;
    svg += "<rect x=\"" + Num(kLeft) + "\" y=\"" + Num(y) + "\" width=\"" +
           Num(kWidth - kLeft - kRight) + "\" height=\"" + Num(kLaneRow) + "\" fill=\"" +
           (i % 2 ? "#ffffff" : "#f6f8fa") + "\"/>\n<text x=\"8\" y=\"" + Num(y + 17) + "\">" +
           EscapeXml(sim::LaneName(sim::kLanes[i])) + "</text>\n";
  }
  for (const sim::TimelineBatch& b : t.batches) {
    double x0 = x(b.time.ms - t.batch_duration.ms), x1 = x(b.time.ms);
    svg += "<rect class=\"batch " + std::string(sim::BatchOutcomeName(b.outcome)) + "\" x=\"" +
           Num(x0 + 0.5) + "\" y=\"" + Num(kTop + 2) + "\" width=\"" +
           Num(std::max(1.0, x1 - x0 - 1)) + "\" height=\"" + Num(kBatchRow - 4) + "\" fill=\"" +
           OutcomeColor(b.outcome) + "\"><title>" +
           EscapeXml("batch " + std::to_string(b.time.ms) +
                     " ms: " + sim::BatchOutcomeName(b.outcome) + " (" + b.detail + ")") +
           "</title></rect>\n";
  }
  for (const sim::TimelineStep& s : t.steps) {
    size_t lane = static_cast<size_t>(s.lane);
    double y = kTop + kBatchRow + static_cast<double>(lane) * kLaneRow;
    svg += "<rect class=\"step\" x=\"" + Num(x(s.time.ms) - 1) + "\" y=\"" + Num(y + 5) +
           "\" width=\"2\" height=\"" + Num(kLaneRow - 10) + "\" fill=\"" + LaneColor(s.lane) +
           "\" fill-opacity=\"0.7\"><title>" +
           EscapeXml("#" + std::to_string(s.incarnation) + " at " + std::to_string(s.time.ms) +
                     " ms: " + s.label) +
           "</title></rect>\n";
  }
  // The time axis under the lanes, with ticks of virtual time; each batch's time in its box
  // (every one, or every n-th where they would crowd).
  double axis_y = bottom + 34;
  svg += "<line class=\"axis\" x1=\"" + Num(kLeft) + "\" y1=\"" + Num(axis_y) + "\" x2=\"" +
         Num(kWidth - kRight) + "\" y2=\"" + Num(axis_y) + "\" stroke=\"#57606a\"/>\n";
  int64_t tick_ms = TickStep(end_ms);
  for (int64_t ms = 0; ms <= end_ms; ms += tick_ms) {
    svg += "<line class=\"tick\" x1=\"" + Num(x(ms)) + "\" y1=\"" + Num(axis_y) + "\" x2=\"" +
           Num(x(ms)) + "\" y2=\"" + Num(axis_y + 4) +
           "\" stroke=\"#57606a\"/><text class=\"tick\" x=\"" + Num(x(ms)) + "\" y=\"" +
           Num(axis_y + 15) + "\" text-anchor=\"middle\">" + FormatDurationMs(ms) + "</text>\n";
  }
  size_t label_every = 1;
  double batch_width = t.batch_duration.ms > 0 ? x(t.batch_duration.ms) - x(0) : 0;
  while (batch_width > 0 && batch_width * static_cast<double>(label_every) < 36) ++label_every;
  for (size_t i = 0; i < t.batches.size(); i += label_every) {
    const sim::TimelineBatch& b = t.batches[i];
    svg += "<text class=\"batch-label\" x=\"" + Num(x(b.time.ms - t.batch_duration.ms / 2)) +
           "\" y=\"" + Num(kTop + 15) +
           "\" font-size=\"9\" fill=\"#ffffff\" text-anchor=\"middle\">" +
           std::to_string(b.time.ms) + "</text>\n";
  }
  // Restarts (labelled fresh start, or the checkpoint file recovery read) and crashes.
  for (const sim::TimelineProcess& p : t.processes) {
    std::string what = ProcessLabel(p);
    double xs = x(p.started.ms);
    svg += "<line class=\"restart\" x1=\"" + Num(xs) + "\" y1=\"" + Num(kTop - 4) + "\" x2=\"" +
           Num(xs) + "\" y2=\"" + Num(bottom) +
           "\" stroke=\"#1a7f37\" stroke-width=\"1.5\" stroke-dasharray=\"4 3\"/>\n<text x=\"" +
           Num(xs + 3) + "\" y=\"" + Num(p.incarnation % 2 ? 22 : 11) + "\" fill=\"#1a7f37\">" +
           EscapeXml(what) + "</text>\n";
    if (!p.crashed) continue;
    double xc = x(p.crashed->ms);
    svg += "<line class=\"crash\" x1=\"" + Num(xc) + "\" y1=\"" + Num(kTop - 4) + "\" x2=\"" +
           Num(xc) + "\" y2=\"" + Num(bottom) +
           "\" stroke=\"#cf222e\" stroke-width=\"2\"/>\n<text x=\"" + Num(xc - 3) + "\" y=\"" +
           Num(bottom + 14) + "\" fill=\"#cf222e\" text-anchor=\"end\">" +
           EscapeXml("\u2715 crash #" + std::to_string(p.incarnation) + " at " +
                     std::to_string(p.crashed->ms) + " ms") +
           "</text>\n";
  }
  if (t.failure.batch_time) {
    double xd = x(t.failure.batch_time->ms);
    svg += "<line class=\"divergence\" x1=\"" + Num(xd) + "\" y1=\"" + Num(kTop) + "\" x2=\"" +
           Num(xd) + "\" y2=\"" + Num(bottom) +
           "\" stroke=\"#8250df\" stroke-width=\"2\" stroke-dasharray=\"1 2\"/>\n<text x=\"" +
           Num(xd + 3) + "\" y=\"" + Num(bottom + 28) + "\" fill=\"#8250df\">" +
           EscapeXml("first divergence: batch " + std::to_string(t.failure.batch_time->ms) +
                     " ms (" + sim::FailureKindName(t.failure.kind) + ")") +
           "</text>\n";
  }
  // Legend.
  double lx = kLeft;
  const sim::BatchOutcome outcomes[] = {sim::BatchOutcome::kCompleted,
                                        sim::BatchOutcome::kReexecuted, sim::BatchOutcome::kLost,
                                        sim::BatchOutcome::kDivergent};
  for (sim::BatchOutcome outcome : outcomes) {
    svg += "<rect x=\"" + Num(lx) + "\" y=\"" + Num(height - 14) +
           "\" width=\"10\" height=\"10\" fill=\"" + OutcomeColor(outcome) + "\"/><text x=\"" +
           Num(lx + 14) + "\" y=\"" + Num(height - 5) + "\">batch " +
           sim::BatchOutcomeName(outcome) + "</text>\n";
    lx += 130;
  }
  svg += "<text x=\"" + Num(kWidth - kRight) + "\" y=\"" + Num(height - 5) +
         "\" text-anchor=\"end\">0 \u2013 " + std::to_string(end_ms) + " ms virtual time</text>\n";
  return svg + "</svg>\n";
}

}  // namespace reports
