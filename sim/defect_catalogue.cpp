#include "sim/defect_catalogue.h"

#include <set>

#include "engine/defects.h"
#include "engine/structured/defects.h"

namespace sim {
namespace {

std::vector<CatalogueDefect> Build() {
  std::vector<CatalogueDefect> all;
  for (const ckpt::DefectInfo& d : ckpt::AllDefects()) {
    all.push_back({Engine::kDStream, d.name, d.reverts, d.description, d.exposed_by});
  }
  for (const ckpt::structured::DefectInfo& d : ckpt::structured::AllDefects()) {
    all.push_back({Engine::kStructured, d.name, d.reverts, d.description, d.exposed_by});
  }
  std::set<std::string> names;
  for (const CatalogueDefect& d : all) {
    CKPT_ASSERT(names.insert(d.name).second, "two defects named " + d.name);
  }
  return all;
}

}  // namespace

void CatalogueDefect::add_to(RunOptions& options) const {
  if (engine == Engine::kStructured) {
    options.structured_defects.add(ckpt::structured::ParseDefect(name).value());
  } else {
    options.defects.add(ckpt::ParseDefect(name).value());
  }
}

const std::vector<CatalogueDefect>& DefectCatalogue() {
  static const std::vector<CatalogueDefect> catalogue = Build();
  return catalogue;
}

ckpt::Result<const CatalogueDefect*> FindDefect(const std::string& name) {
  std::string known;
  for (const CatalogueDefect& defect : DefectCatalogue()) {
    if (defect.name == name) return &defect;
    known += (known.empty() ? "" : ", ") + defect.name;
  }
  return ckpt::Status::InvalidArgument("unknown defect '" + name + "' (known: " + known + ")");
}

}  // namespace sim
