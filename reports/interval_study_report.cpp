// The checkpoint-interval study's outputs: a markdown table, JSON, and an SVG plot of efficiency
// against the checkpoint interval with Young's, Daly's and the empirical optimum marked.
#include <cmath>

#include "reports/report.h"

namespace reports {

std::string RenderIntervalTable(const sim::IntervalStudy& study) {
  std::string out = "Checkpoint-interval study of " + study.scenario +
                    ": M = " + FormatFixed(study.mtbf_s, 0) +
                    " s, C = " + FormatFixed(study.checkpoint_cost_s, 1) +
                    " s, R = " + FormatFixed(study.restart_s, 1) + " s, horizon " +
                    FormatFixed(study.horizon_s, 0) + " s, one batch's work " +
                    FormatFixed(study.batch_work_s, 3) + " s\n\n";
  if (!study.saturated) {
    out +=
        "Warning: the failure-free job keeps up with its input (it idles between batches), so "
        "checkpoint costs hide in its idle time and efficiency understates them; make each "
        "batch's work at least the batch interval (processing.per_computed_record_us).\n\n";
  }
  out +=
      "| interval (batches) | interval (s of work) | efficiency | spread | recovery (s) | "
      "failures |\n|---:|---:|---:|---:|---:|---:|\n";
  for (const sim::IntervalPoint& p : study.points) {
    out += "| " + std::to_string(p.interval_batches) + " | " + FormatFixed(p.interval_s, 1) +
           " | " + FormatFixed(p.efficiency, 4) + " | " + FormatFixed(p.efficiency_spread, 4) +
           " | " + FormatFixed(p.recovery_s, 1) + " | " + std::to_string(p.failures) + " |\n";
  }
  out += "\n| optimum | interval (s of work) |\n|---|---:|\n";
  out += "| Young, sqrt(2CM) | " + FormatFixed(study.young_s, 1) + " |\n";
  out += "| Daly, higher order" + std::string(study.daly_applies() ? "" : " (C >= 2M: M)") + " | " +
         FormatFixed(study.daly_s, 1) + " |\n";
  out += "| best grid point | " + FormatFixed(study.best_grid_s, 1) + " |\n";
  if (study.fitted_optimum_s) {
    out += "| empirical: minimum of the fitted loss " + FormatFixed(study.fit_a, 3) + "/tau + " +
           FormatFixed(study.fit_b, 6) + " tau + " + FormatFixed(study.fit_c, 4) + " | " +
           FormatFixed(*study.fitted_optimum_s, 1) + " |\n";
  } else {
    out += "| empirical (fitted) | no minimum: the loss did not fall then rise |\n";
  }
  if (std::optional<double> deviation = study.deviation_from_daly()) {
    out += "\nEmpirical against Daly: " + FormatFixed(*deviation * 100, 1) +
           "% (target within 10%): " + (std::fabs(*deviation) <= 0.10 ? "PASS" : "OUTSIDE") + "\n";
  }
  return out;
}

nlohmann::json IntervalStudyToJson(const sim::IntervalStudy& study) {
  nlohmann::json points = nlohmann::json::array();
  for (const sim::IntervalPoint& p : study.points) {
    points.push_back({{"interval_batches", p.interval_batches},
                      {"interval_s", p.interval_s},
                      {"efficiency", p.efficiency},
                      {"efficiency_spread", p.efficiency_spread},
                      {"recovery_s", p.recovery_s},
                      {"failures", p.failures}});
  }
  nlohmann::json json = {{"schema_version", kSchemaVersion},
                         {"scenario", study.scenario},
                         {"mtbf_s", study.mtbf_s},
                         {"checkpoint_cost_s", study.checkpoint_cost_s},
                         {"restart_s", study.restart_s},
                         {"horizon_s", study.horizon_s},
                         {"batch_work_s", study.batch_work_s},
                         {"saturated", study.saturated},
                         {"points", points},
                         {"young_s", study.young_s},
                         {"daly_s", study.daly_s},
                         {"daly_applies", study.daly_applies()},
                         {"best_grid_s", study.best_grid_s},
                         {"fit", {{"a", study.fit_a}, {"b", study.fit_b}, {"c", study.fit_c}}}};
  json["fitted_optimum_s"] =
      study.fitted_optimum_s ? nlohmann::json(*study.fitted_optimum_s) : nlohmann::json();
  std::optional<double> deviation = study.deviation_from_daly();
  json["deviation_from_daly"] = deviation ? nlohmann::json(*deviation) : nlohmann::json();
  return json;
}

std::string RenderIntervalSvg(const sim::IntervalStudy& study) {
  constexpr double kWidth = 720, kHeight = 420, kLeft = 70, kRight = 20, kTop = 40, kBottom = 60;
  double min_tau = study.points.front().interval_s, max_tau = min_tau;
  double min_eff = 1, max_eff = 0;
  for (const sim::IntervalPoint& p : study.points) {
    min_tau = std::min(min_tau, p.interval_s);
    max_tau = std::max(max_tau, p.interval_s);
    min_eff = std::min(min_eff, p.efficiency - p.efficiency_spread);
    max_eff = std::max(max_eff, p.efficiency + p.efficiency_spread);
  }
  for (double tau : {study.young_s, study.daly_s}) {
    min_tau = std::min(min_tau, tau);
    max_tau = std::max(max_tau, tau);
  }
  // Logarithmic interval axis: the grid is geometric.
  double log_min = std::log(min_tau * 0.9), log_max = std::log(max_tau * 1.1);
  double eff_pad = std::max(0.005, (max_eff - min_eff) * 0.1);
  min_eff -= eff_pad;
  max_eff += eff_pad;
  auto x = [&](double tau) {
    return kLeft + (std::log(tau) - log_min) / (log_max - log_min) * (kWidth - kLeft - kRight);
  };
  auto y = [&](double eff) {
    return kTop + (max_eff - eff) / (max_eff - min_eff) * (kHeight - kTop - kBottom);
  };
  std::string svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" + FormatFixed(kWidth, 0) +
                    "\" height=\"" + FormatFixed(kHeight, 0) +
                    "\" font-family=\"sans-serif\" font-size=\"12\">\n<rect width=\"100%\" "
                    "height=\"100%\" fill=\"white\"/>\n";
  svg += "<text x=\"" + FormatFixed(kLeft, 0) + "\" y=\"22\" font-weight=\"bold\">" +
         EscapeXml(study.scenario) +
         ": efficiency against checkpoint interval (M = " + FormatFixed(study.mtbf_s, 0) +
         " s, C = " + FormatFixed(study.checkpoint_cost_s, 1) + " s)</text>\n";
  double plot_bottom = kHeight - kBottom;
  svg += "<line x1=\"" + FormatFixed(kLeft, 1) + "\" y1=\"" + FormatFixed(plot_bottom, 1) +
         "\" x2=\"" + FormatFixed(kWidth - kRight, 1) + "\" y2=\"" + FormatFixed(plot_bottom, 1) +
         "\" stroke=\"black\"/>\n<line x1=\"" + FormatFixed(kLeft, 1) + "\" y1=\"" +
         FormatFixed(kTop, 1) + "\" x2=\"" + FormatFixed(kLeft, 1) + "\" y2=\"" +
         FormatFixed(plot_bottom, 1) + "\" stroke=\"black\"/>\n";
  for (int i = 0; i <= 4; ++i) {
    double eff = min_eff + (max_eff - min_eff) * i / 4;
    svg += "<text x=\"" + FormatFixed(kLeft - 6, 1) + "\" y=\"" + FormatFixed(y(eff) + 4, 1) +
           "\" text-anchor=\"end\">" + FormatFixed(eff, 3) + "</text>\n";
  }
  for (const sim::IntervalPoint& p : study.points) {
    svg += "<text x=\"" + FormatFixed(x(p.interval_s), 1) + "\" y=\"" +
           FormatFixed(plot_bottom + 16, 1) + "\" text-anchor=\"middle\" font-size=\"10\">" +
           FormatFixed(p.interval_s, 0) + "</text>\n";
  }
  svg += "<text x=\"" + FormatFixed((kLeft + kWidth - kRight) / 2, 1) + "\" y=\"" +
         FormatFixed(kHeight - 18, 1) +
         "\" text-anchor=\"middle\">interval between checkpoints, seconds of work "
         "(log scale)</text>\n";
  svg += "<text transform=\"rotate(-90)\" x=\"" + FormatFixed(-(kTop + plot_bottom) / 2, 1) +
         "\" y=\"16\" text-anchor=\"middle\">useful throughput / failure-free</text>\n";
  if (study.fitted_optimum_s) {
    std::string path;
    for (int i = 0; i <= 100; ++i) {
      double tau = std::exp(log_min + (log_max - log_min) * i / 100);
      double eff = 1 - (study.fit_a / tau + study.fit_b * tau + study.fit_c);
      if (eff < min_eff || eff > max_eff) continue;
      path += (path.empty() ? "M" : " L") + FormatFixed(x(tau), 1) + " " + FormatFixed(y(eff), 1);
    }
    svg += "<path class=\"fit\" d=\"" + path + "\" fill=\"none\" stroke=\"#999\"/>\n";
  }
  std::string line;
  for (const sim::IntervalPoint& p : study.points) {
    line += (line.empty() ? "M" : " L") + FormatFixed(x(p.interval_s), 1) + " " +
            FormatFixed(y(p.efficiency), 1);
  }
  svg += "<path d=\"" + line + "\" fill=\"none\" stroke=\"#1f77b4\" stroke-width=\"2\"/>\n";
  for (const sim::IntervalPoint& p : study.points) {
    svg += "<line x1=\"" + FormatFixed(x(p.interval_s), 1) + "\" y1=\"" +
           FormatFixed(y(p.efficiency - p.efficiency_spread), 1) + "\" x2=\"" +
           FormatFixed(x(p.interval_s), 1) + "\" y2=\"" +
           FormatFixed(y(p.efficiency + p.efficiency_spread), 1) + "\" stroke=\"#1f77b4\"/>\n";
    svg += "<circle class=\"point\" cx=\"" + FormatFixed(x(p.interval_s), 1) + "\" cy=\"" +
           FormatFixed(y(p.efficiency), 1) + "\" r=\"3.5\" fill=\"#1f77b4\"><title>" +
           std::to_string(p.interval_batches) + " batches: efficiency " +
           FormatFixed(p.efficiency, 4) + ", recovery " + FormatFixed(p.recovery_s, 1) +
           " s</title></circle>\n";
  }
  struct Marker {
    const char* label;
    double tau;
    const char* colour;
  };
  std::vector<Marker> markers = {{"Young", study.young_s, "#d62728"},
                                 {"Daly", study.daly_s, "#2ca02c"}};
  if (study.fitted_optimum_s) markers.push_back({"empirical", *study.fitted_optimum_s, "#000"});
  for (size_t i = 0; i < markers.size(); ++i) {
    const Marker& m = markers[i];
    svg += "<line class=\"optimum\" x1=\"" + FormatFixed(x(m.tau), 1) + "\" y1=\"" +
           FormatFixed(kTop, 1) + "\" x2=\"" + FormatFixed(x(m.tau), 1) + "\" y2=\"" +
           FormatFixed(plot_bottom, 1) + "\" stroke=\"" + m.colour +
           "\" stroke-dasharray=\"4 3\"/>\n";
    svg += "<text x=\"" + FormatFixed(x(m.tau) + 4, 1) + "\" y=\"" +
           FormatFixed(kTop + 12 + 14 * i, 1) + "\" fill=\"" + m.colour + "\">" + m.label + " " +
           FormatFixed(m.tau, 1) + " s</text>\n";
  }
  svg += "</svg>\n";
  return svg;
}

}  // namespace reports
