// The rule on a recovered context's conf: Checkpoint.createSparkConf (spark-notes.md 2.2).
#include <iterator>
#include <string_view>

#include "oracle/protocol_spec.h"

namespace sim::protocol {
namespace {

using Conf = std::map<std::string, std::string>;

// The lists are written from spark-notes.md 2.2, not taken from engine/: the specification shares
// no code with the engine it judges (which is how it found the AmIpFilter keys missing there).
// Dropped from the checkpoint's conf: they belonged to the driver that wrote it.
constexpr std::string_view kRemoved[] = {"spark.driver.host",
                                         "spark.driver.bindAddress",
                                         "spark.driver.port",
                                         "spark.ui.port",
                                         "spark.blockManager.port",
                                         "spark.kubernetes.driver.pod.name",
                                         "spark.kubernetes.executor.podNamePrefix"};

// Taken from the new process's conf when it sets them.
constexpr std::string_view kReloaded[] = {"spark.yarn.app.id",
                                          "spark.yarn.app.attemptId",
                                          "spark.driver.host",
                                          "spark.driver.bindAddress",
                                          "spark.driver.port",
                                          "spark.master",
                                          "spark.ui.port",
                                          "spark.blockManager.port",
                                          "spark.kubernetes.driver.pod.name",
                                          "spark.kubernetes.executor.podNamePrefix",
                                          "spark.yarn.jars",
                                          "spark.yarn.keytab",
                                          "spark.yarn.principal",
                                          "spark.kerberos.keytab",
                                          "spark.kerberos.principal",
                                          "spark.ui.filters"};

constexpr std::string_view kAmIpFilterPrefix =
    "spark.org.apache.hadoop.yarn.server.webproxy.amfilter.AmIpFilter.param.";

// The conf a context recovers with when the checkpoint holds `checkpointed` and the new process
// was given `process`. Applied again to its own result it changes nothing, so every recovery of
// an application expects the same conf whichever of its checkpoints it read.
Conf CreateSparkConf(const Conf& checkpointed, const Conf& process) {
  Conf conf = checkpointed;
  for (std::string_view key : kRemoved) conf.erase(std::string(key));
  for (std::string_view key : kReloaded) {
    auto it = process.find(std::string(key));
    if (it != process.end()) conf[it->first] = it->second;
  }
  for (auto it = process.lower_bound(std::string(kAmIpFilterPrefix));
       it != process.end() && it->first.starts_with(kAmIpFilterPrefix); ++it) {
    conf[it->first] = it->second;
  }
  return conf;
}

std::string Show(const Conf& conf, const std::string& key) {
  auto it = conf.find(key);
  return it == conf.end() ? "absent" : "'" + it->second + "'";
}

}  // namespace

void CheckConfRules(const TrialRun& run, const std::vector<int>& application_of,
                    bool spark_context_active, Breaches& breaches) {
  std::map<int, const Conf*> created_with;  // application -> its creating process's conf
  for (size_t i = 0; i < run.incarnations.size(); ++i) {
    const IncarnationRecord& incarnation = run.incarnations[i];
    if (!incarnation.process_conf || !incarnation.start_error.ok() || !incarnation.zero_time ||
        incarnation.conf.empty()) {
      continue;  // no context, or its conf unrecorded (IncarnationRecord::conf)
    }
    int application = application_of[i];
    if (!incarnation.recovered) {
      created_with[application] = &*incarnation.process_conf;
      continue;
    }
    auto creator = created_with.find(application);
    if (creator == created_with.end()) continue;  // its application began before the records
    const Conf expected = spark_context_active
                              ? *incarnation.process_conf
                              : CreateSparkConf(*creator->second, *incarnation.process_conf);
    if (expected == incarnation.conf) continue;
    std::string key;  // the first key on which they differ
    for (const Conf* conf : {&expected, &incarnation.conf}) {
      for (const auto& [k, v] : *conf) {
        if (Show(expected, k) != Show(incarnation.conf, k) && (key.empty() || k < key)) key = k;
      }
    }
    breaches.report("conf.reload", static_cast<int>(i), incarnation.clock_at_start(),
                    key + " " + Show(expected, key), key + " " + Show(incarnation.conf, key));
  }
}

}  // namespace sim::protocol
