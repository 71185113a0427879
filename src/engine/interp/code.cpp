#include "engine/interp/code.h"

#include <algorithm>
#include <utility>

namespace skiff::engine::interp {

namespace {

// Handler address -> xop, sorted for binary search.
const std::vector<std::pair<const void*, XOp>>& handler_index() {
  static const std::vector<std::pair<const void*, XOp>> index = [] {
    std::vector<std::pair<const void*, XOp>> v;
    const void* const* table = handler_table();
    for (size_t i = 0; i < kXOpCount; ++i) v.emplace_back(table[i], static_cast<XOp>(i));
    std::sort(v.begin(), v.end());
    return v;
  }();
  return index;
}

XOp xop_at(const uint32_t* p) {
  const void* h;
  std::memcpy(&h, p, sizeof h);
  const auto& index = handler_index();
  auto it = std::lower_bound(index.begin(), index.end(), std::pair<const void*, XOp>(h, XOp{}),
                             [](const auto& a, const auto& b) { return a.first < b.first; });
  return it != index.end() && it->first == h ? it->second : XOp::Count_;
}

size_t length_at(const uint32_t* p, XOp x) {
  size_t n = 2 + xop_detail::kOperandWords[static_cast<size_t>(x)];
  if (x == XOp::BrTable) n += p[3] + 1;
  return n;
}

}  // namespace

std::vector<XOp> xops_of(const CompiledFunc& f) {
  std::vector<XOp> out;
  for (size_t i = 0; i < f.code.size();) {
    XOp x = xop_at(f.code.data() + i);
    if (x == XOp::Count_) break;
    out.push_back(x);
    i += length_at(f.code.data() + i, x);
  }
  return out;
}

std::string disassemble(const CompiledFunc& f) {
  std::string out;
  for (size_t i = 0; i < f.code.size();) {
    const uint32_t* p = f.code.data() + i;
    XOp x = xop_at(p);
    if (x == XOp::Count_) {
      out += std::to_string(i) + ": ??\n";
      break;
    }
    const size_t n = length_at(p, x);
    out += std::to_string(i) + ": " + std::string(xop_name(x));
    for (size_t k = 2; k < n; ++k) out += " " + std::to_string(static_cast<int32_t>(p[k]));
    out += "\n";
    i += n;
  }
  return out;
}

}  // namespace skiff::engine::interp
