#include "skiff/value.h"

#include "engine/api/store_impl.h"

#include <cstdio>
#include <string>

namespace skiff {

std::string_view to_string(ValType t) { return engine::ir::to_string(detail::to_engine(t)); }

std::string Value::to_string() const {
  std::string out(skiff::to_string(m_type));
  out += ':';
  char buf[64];
  switch (m_type) {
    case ValType::I32: out += std::to_string(i32()); break;
    case ValType::I64: out += std::to_string(i64()); break;
    case ValType::F32: std::snprintf(buf, sizeof buf, "%.9g", static_cast<double>(f32())); out += buf; break;
    case ValType::F64: std::snprintf(buf, sizeof buf, "%.17g", f64()); out += buf; break;
    case ValType::V128:
      out += "0x";
      for (int i = 15; i >= 0; --i) {
        std::snprintf(buf, sizeof buf, "%02x", m_bits.v128.bytes[i]);
        out += buf;
      }
      break;
    case ValType::FuncRef:
    case ValType::ExternRef:
      if (m_bits.ref == nullptr) {
        out += "null";
      } else {
        std::snprintf(buf, sizeof buf, "%p", m_bits.ref);
        out += buf;
      }
      break;
  }
  return out;
}

std::string FuncType::to_string() const {
  auto list = [](const std::vector<ValType>& ts) {
    std::string s = "(";
    for (size_t i = 0; i < ts.size(); ++i) {
      if (i) s += ", ";
      s += skiff::to_string(ts[i]);
    }
    return s + ")";
  };
  return list(params) + " -> " + list(results);
}

}  // namespace skiff
