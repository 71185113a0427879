#include "engine/ir/module.h"

#include <algorithm>

namespace skiff::engine::ir {

std::string_view to_string(SectionId id) {
  switch (id) {
    case SectionId::Custom: return "custom";
    case SectionId::Type: return "type";
    case SectionId::Import: return "import";
    case SectionId::Function: return "function";
    case SectionId::Table: return "table";
    case SectionId::Memory: return "memory";
    case SectionId::Global: return "global";
    case SectionId::Export: return "export";
    case SectionId::Start: return "start";
    case SectionId::Element: return "element";
    case SectionId::Code: return "code";
    case SectionId::Data: return "data";
    case SectionId::DataCount: return "datacount";
  }
  return "?";
}

const std::string* Names::function_name(FuncIdx f) const {
  auto it = std::lower_bound(functions.begin(), functions.end(), f.value,
                             [](const IndexedName& n, uint32_t v) { return n.index < v; });
  if (it == functions.end() || it->index != f.value) return nullptr;
  return &it->name;
}

}  // namespace skiff::engine::ir
