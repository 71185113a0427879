#include "skiff/inspect.h"

#include <cstdio>
#include <ostream>

#include <nlohmann/json.hpp>

#include "skiff/output.h"

namespace skiff::tools {

using namespace engine::ir;
using nlohmann::ordered_json;

namespace {

std::string type_list(const std::vector<ValType>& ts) {
  std::string s;
  for (size_t i = 0; i < ts.size(); ++i) {
    if (i) s += ' ';
    s += to_string(ts[i]);
  }
  return s;
}

std::string func_type_string(const FuncType& ft) {
  return "(" + type_list(ft.params) + ") -> (" + type_list(ft.results) + ")";
}

std::string limits_string(const Limits& l) {
  std::string s = "min " + std::to_string(l.min);
  if (l.max) s += " max " + std::to_string(*l.max);
  return s;
}

ordered_json limits_json(const Limits& l) {
  ordered_json j = {{"min", l.min}};
  if (l.max) j["max"] = *l.max;
  return j;
}

std::string hex(uint32_t v) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "0x%08x", v);
  return buf;
}

std::string mode_string(SegmentMode m) {
  switch (m) {
    case SegmentMode::Active: return "active";
    case SegmentMode::Passive: return "passive";
    case SegmentMode::Declarative: return "declarative";
  }
  return "?";
}

// What an import or export refers to, for both output forms.
std::string import_desc(const Module& m, const Import& imp) {
  switch (imp.kind) {
    case ExternKind::Func:
      return imp.func_type.value < m.types.size() ? func_type_string(m.types[imp.func_type.value])
                                                  : "type " + std::to_string(imp.func_type.value);
    case ExternKind::Table:
      return std::string(to_string(imp.table.elem)) + " " + limits_string(imp.table.limits);
    case ExternKind::Memory: return limits_string(imp.memory.limits);
    case ExternKind::Global:
      return std::string(imp.global.is_mutable ? "mut " : "") + std::string(to_string(imp.global.type));
  }
  return "";
}

}  // namespace

void inspect_text(const Module& m, const std::string& path, const std::string& verr, std::ostream& out) {
  out << path << ": " << m.bytes.size() << " bytes, "
      << (verr.empty() ? "valid" : "INVALID: " + verr) << "\n";
  out << "sections (" << m.sections.size() << "):\n";
  for (const SectionInfo& s : m.sections) {
    char line[160];
    std::snprintf(line, sizeof line, "  %-10s start=%s size=%u", std::string(to_string(s.id)).c_str(),
                  hex(s.payload.offset).c_str(), s.payload.size);
    out << line;
    if (s.id == SectionId::Custom) out << " " << quote(s.name);
    out << "\n";
  }
  out << "types: " << m.types.size() << "\n";
  out << "imports (" << m.imports.size() << "):\n";
  for (const Import& imp : m.imports)
    out << "  " << to_string(imp.kind) << " " << escape_name(imp.module) << "."
        << escape_name(imp.name) << " : " << import_desc(m, imp) << "\n";
  out << "functions: " << m.defined_funcs() << " defined, " << m.imported_funcs << " imported\n";
  for (size_t i = 0; i < m.tables.size(); ++i)
    out << "table[" << i << "]: " << to_string(m.tables[i].elem) << " "
        << limits_string(m.tables[i].limits) << (i < m.imported_tables ? " (imported)" : "") << "\n";
  for (size_t i = 0; i < m.memories.size(); ++i)
    out << "memory[" << i << "]: pages " << limits_string(m.memories[i].limits)
        << (i < m.imported_memories ? " (imported)" : "") << "\n";
  out << "globals: " << m.globals.size() - m.imported_globals << " defined, " << m.imported_globals
      << " imported\n";
  out << "exports (" << m.exports.size() << "):\n";
  for (const Export& e : m.exports)
    out << "  " << to_string(e.kind) << "[" << e.index << "] " << quote(e.name) << "\n";
  if (m.start) {
    out << "start: func[" << m.start->value << "]";
    if (const std::string* n = m.names.function_name(*m.start))
      out << " <" << escape_name(*n) << ">";
    out << "\n";
  }
  out << "elem segments: " << m.elems.size() << "\n";
  for (size_t i = 0; i < m.elems.size(); ++i)
    out << "  elem[" << i << "]: " << mode_string(m.elems[i].mode) << " " << to_string(m.elems[i].type)
        << " count=" << m.elems[i].size() << "\n";
  out << "data segments: " << m.datas.size() << "\n";
  for (size_t i = 0; i < m.datas.size(); ++i)
    out << "  data[" << i << "]: " << mode_string(m.datas[i].mode) << " size=" << m.datas[i].init.size << "\n";
  if (m.names.module) out << "module name: " << escape_name(*m.names.module) << "\n";
  if (!m.names.functions.empty()) out << "function names: " << m.names.functions.size() << "\n";
}

void inspect_json(const Module& m, const std::string& path, const std::string& verr, std::ostream& out) {
  ordered_json j;
  j["file"] = path;
  j["size"] = m.bytes.size();
  j["valid"] = verr.empty();
  if (!verr.empty()) j["error"] = verr;
  j["sections"] = ordered_json::array();
  for (const SectionInfo& s : m.sections) {
    ordered_json sj = {{"id", static_cast<int>(s.id)}, {"kind", to_string(s.id)},
                       {"offset", s.payload.offset}, {"size", s.payload.size}};
    if (s.id == SectionId::Custom) sj["name"] = s.name;
    j["sections"].push_back(sj);
  }
  j["types"] = ordered_json::array();
  for (const FuncType& ft : m.types) j["types"].push_back(func_type_string(ft));
  j["imports"] = ordered_json::array();
  for (const Import& imp : m.imports)
    j["imports"].push_back({{"module", imp.module}, {"name", imp.name},
                            {"kind", to_string(imp.kind)}, {"type", import_desc(m, imp)}});
  j["functions"] = {{"imported", m.imported_funcs}, {"defined", m.defined_funcs()}};
  j["tables"] = ordered_json::array();
  for (size_t i = 0; i < m.tables.size(); ++i)
    j["tables"].push_back({{"index", i}, {"type", to_string(m.tables[i].elem)},
                           {"limits", limits_json(m.tables[i].limits)},
                           {"imported", i < m.imported_tables}});
  j["memories"] = ordered_json::array();
  for (size_t i = 0; i < m.memories.size(); ++i)
    j["memories"].push_back({{"index", i}, {"limits", limits_json(m.memories[i].limits)},
                             {"imported", i < m.imported_memories}});
  j["globals"] = ordered_json::array();
  for (size_t i = 0; i < m.globals.size(); ++i)
    j["globals"].push_back({{"index", i}, {"type", to_string(m.globals[i].type)},
                            {"mutable", m.globals[i].is_mutable}, {"imported", i < m.imported_globals}});
  j["exports"] = ordered_json::array();
  for (const Export& e : m.exports)
    j["exports"].push_back({{"name", e.name}, {"kind", to_string(e.kind)}, {"index", e.index}});
  if (m.start) j["start"] = m.start->value;
  j["elem_segments"] = ordered_json::array();
  for (const ElemSegment& s : m.elems)
    j["elem_segments"].push_back({{"mode", mode_string(s.mode)}, {"type", to_string(s.type)}, {"count", s.size()}});
  j["data_segments"] = ordered_json::array();
  for (const DataSegment& s : m.datas)
    j["data_segments"].push_back({{"mode", mode_string(s.mode)}, {"size", s.init.size}});
  if (m.names.module) j["module_name"] = *m.names.module;
  j["function_names"] = m.names.functions.size();
  // A path need not be UTF-8 (names from the module are): U+FFFD for what is not, rather
  // than the type_error dump() throws.
  out << j.dump(2, ' ', false, ordered_json::error_handler_t::replace) << "\n";
}

}  // namespace skiff::tools
