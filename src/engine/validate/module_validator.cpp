#include "engine/validate/module_validator.h"

#include <algorithm>
#include <atomic>
#include <mutex>
#include <optional>
#include <string_view>
#include <thread>
#include <unordered_set>

namespace skiff::engine::validate {

using namespace ir;

ModuleValidator::ModuleValidator(bool defer_bodies, ValidateOptions opts)
    : m_defer_bodies(defer_bodies), m_opts(opts), m_walker(m_env, m_null) {}

Result<void> ModuleValidator::check_limits(const Limits& l, uint64_t max, ErrorCode too_large,
                                           uint32_t at) {
  if (l.min > max || (l.max && *l.max > max)) return Error(too_large, at);
  if (l.max && l.min > *l.max) return Error(ErrorCode::SizeMinimumGreaterThanMaximum, at);
  return ok();
}

// Constant expressions (https://webassembly.github.io/spec/core/valid/instructions.html#constant-expressions):
// t.const, ref.null, ref.func, and global.get of an imported immutable global; exactly
// one value of the expected type.
Result<void> ModuleValidator::check_const_expr(const Module& m, const ConstExpr& e, ValType expect) {
  ValType stack[64];
  size_t depth = 0;
  for (const ConstInstr& ci : e.instrs) {
    ValType t;
    switch (ci.op) {
      case Opcode::I32Const: t = ValType::I32; break;
      case Opcode::I64Const: t = ValType::I64; break;
      case Opcode::F32Const: t = ValType::F32; break;
      case Opcode::F64Const: t = ValType::F64; break;
      case Opcode::V128Const: t = ValType::V128; break;
      case Opcode::RefNull: t = ci.ref_type; break;
      case Opcode::RefFunc:
        if (ci.index >= m.funcs.size()) return Error(ErrorCode::UnknownFunction, e.offset);
        t = ValType::FuncRef;
        break;
      case Opcode::GlobalGet:
        if (ci.index >= m.imported_globals) return Error(ErrorCode::UnknownGlobal, e.offset);
        if (m.globals[ci.index].is_mutable)
          return Error(ErrorCode::ConstantExpressionRequired, e.offset);
        t = m.globals[ci.index].type;
        break;
      default:
        return Error(ErrorCode::ConstantExpressionRequired, e.offset);
    }
    stack[depth++] = t;  // decode caps expressions at 64 instructions
  }
  if (depth != 1 || stack[0] != expect) return Error(ErrorCode::TypeMismatch, e.offset);
  return ok();
}

Result<void> ModuleValidator::check_before_code(const Module& m) {
  if (m_checked_before_code) return ok();
  m_env.module = &m;

  for (const Import& imp : m.imports) {
    switch (imp.kind) {
      case ExternKind::Func:
        if (imp.func_type.value >= m.types.size()) return Error(ErrorCode::UnknownType, imp.offset);
        break;
      case ExternKind::Table:
        SKIFF_TRY(check_limits(imp.table.limits, UINT32_MAX, ErrorCode::TableSizeTooLarge, imp.offset));
        break;
      case ExternKind::Memory:
        SKIFF_TRY(check_limits(imp.memory.limits, kMaxPages32, ErrorCode::MemorySizeTooLarge, imp.offset));
        break;
      case ExternKind::Global:
        break;
    }
  }
  for (uint32_t i = m.imported_funcs; i < m.funcs.size(); ++i)
    if (m.funcs[i].value >= m.types.size()) return Error(ErrorCode::UnknownType, kNoOffset);
  for (uint32_t i = m.imported_tables; i < m.tables.size(); ++i)
    SKIFF_TRY(check_limits(m.tables[i].limits, UINT32_MAX, ErrorCode::TableSizeTooLarge, kNoOffset));
  if (m.memories.size() > 1) return Error(ErrorCode::MultipleMemories, kNoOffset);
  for (uint32_t i = m.imported_memories; i < m.memories.size(); ++i)
    SKIFF_TRY(check_limits(m.memories[i].limits, kMaxPages32, ErrorCode::MemorySizeTooLarge, kNoOffset));
  for (size_t i = 0; i < m.global_inits.size(); ++i)
    SKIFF_TRY(check_const_expr(m, m.global_inits[i], m.globals[m.imported_globals + i].type)
                  .with_context("global " + std::to_string(m.imported_globals + i)));

  // C.refs: functions named outside function bodies (globals, elements, exports).
  m_env.declared_funcs.assign(m.funcs.size(), false);
  auto declare = [&](uint32_t f) {
    if (f < m_env.declared_funcs.size()) m_env.declared_funcs[f] = true;
  };
  for (const ConstExpr& e : m.global_inits)
    for (const ConstInstr& ci : e.instrs)
      if (ci.op == Opcode::RefFunc) declare(ci.index);

  std::unordered_set<std::string_view> names;
  names.reserve(m.exports.size());
  for (const Export& e : m.exports) {
    switch (e.kind) {
      case ExternKind::Func:
        if (e.index >= m.funcs.size()) return Error(ErrorCode::UnknownFunction, e.offset);
        declare(e.index);
        break;
      case ExternKind::Table:
        if (e.index >= m.tables.size()) return Error(ErrorCode::UnknownTable, e.offset);
        break;
      case ExternKind::Memory:
        if (e.index >= m.memories.size()) return Error(ErrorCode::UnknownMemory, e.offset);
        break;
      case ExternKind::Global:
        if (e.index >= m.globals.size()) return Error(ErrorCode::UnknownGlobal, e.offset);
        break;
    }
    if (!names.insert(e.name).second) return Error(ErrorCode::DuplicateExportName, e.offset);
  }

  if (m.start) {
    if (m.start->value >= m.funcs.size()) return Error(ErrorCode::UnknownFunction, kNoOffset);
    const FuncType& ft = m.func_type(*m.start);
    if (!ft.params.empty() || !ft.results.empty()) return Error(ErrorCode::StartFunction, kNoOffset);
  }

  for (const ElemSegment& seg : m.elems) {
    if (seg.mode == SegmentMode::Active) {
      if (seg.table.value >= m.tables.size()) return Error(ErrorCode::UnknownTable, seg.offset);
      SKIFF_TRY(check_const_expr(m, seg.offset_expr, ValType::I32));
      if (m.tables[seg.table.value].elem != seg.type) return Error(ErrorCode::TypeMismatch, seg.offset);
    }
    for (FuncIdx f : seg.func_indices) {
      if (f.value >= m.funcs.size()) return Error(ErrorCode::UnknownFunction, seg.offset);
      declare(f.value);
    }
    for (const ConstExpr& e : seg.exprs) {
      SKIFF_TRY(check_const_expr(m, e, seg.type));
      for (const ConstInstr& ci : e.instrs)
        if (ci.op == Opcode::RefFunc) declare(ci.index);
    }
  }
  m_checked_before_code = true;
  return ok();
}

Result<void> ModuleValidator::check_after_code(const Module& m) {
  for (const DataSegment& seg : m.datas) {
    if (seg.mode != SegmentMode::Active) continue;
    if (seg.memory.value >= m.memories.size()) return Error(ErrorCode::UnknownMemory, seg.offset);
    SKIFF_TRY(check_const_expr(m, seg.offset_expr, ValType::I32));
  }
  return ok();
}

Result<void> ModuleValidator::on_code_start(const Module& m) { return check_before_code(m); }

Result<void> ModuleValidator::validate_body(FuncWalker<NullInterface>& walker, const Module& m,
                                            uint32_t index) {
  auto r = walker.walk(index);
  if (!r) {
    uint32_t f = m.imported_funcs + index;
    std::string ctx = "in function " + std::to_string(f);
    if (const std::string* name = m.names.function_name(FuncIdx(f))) ctx += " (" + *name + ")";
    return std::move(r).error().with_context(ctx);
  }
  return ok();
}

Result<void> ModuleValidator::on_function_body(const Module& m, uint32_t index) {
  m_bodies_complete = index + 1;
  if (m_defer_bodies) return ok();
  m_env.module = &m;
  SKIFF_TRY(validate_body(m_walker, m, index));
  m_bodies_done = index + 1;
  return ok();
}

Result<void> ModuleValidator::first_body_error(const Module& m) {
  if (!m_checked_before_code) return ok();
  m_env.module = &m;
  for (uint32_t i = m_bodies_done; i < m_bodies_complete; ++i) SKIFF_TRY(validate_body(m_walker, m, i));
  m_bodies_done = m_bodies_complete;
  return ok();
}

// Bodies are independent once the module environment is fixed, so threads take
// batches of consecutive bodies from a shared counter. Every failure is recorded with
// its function index and the lowest one wins, so the result does not depend on
// scheduling; batches past a known failure are skipped.
Result<void> ModuleValidator::validate_bodies_parallel(const Module& m, uint32_t from) {
  // Small batches when fuzzing-size modules are forced parallel, larger ones otherwise.
  const uint32_t batch = m_opts.min_parallel_code_bytes < 4096 ? 1 : 32;
  const uint32_t n = static_cast<uint32_t>(m.codes.size());
  uint64_t code_bytes = 0;
  for (uint32_t i = from; i < n; ++i) code_bytes += m.codes[i].body.size;
  uint32_t threads = m_opts.threads;
  if (threads == 0) threads = std::clamp(std::thread::hardware_concurrency(), 1u, 8u);
  threads = std::min<uint32_t>(threads, (n - from + batch - 1) / batch);
  if (threads <= 1 || code_bytes < m_opts.min_parallel_code_bytes) {
    for (uint32_t i = from; i < n; ++i) SKIFF_TRY(validate_body(m_walker, m, i));
    return ok();
  }

  std::atomic<uint32_t> next{from};
  std::atomic<uint32_t> first_bad{UINT32_MAX};
  std::mutex mu;
  std::optional<Error> error;  // the error of function `first_bad`, guarded by mu
  auto work = [&](FuncWalker<NullInterface>& walker) {
    for (;;) {
      uint32_t begin = next.fetch_add(batch, std::memory_order_relaxed);
      if (begin >= n || begin > first_bad.load(std::memory_order_relaxed)) return;
      uint32_t end = std::min(n, begin + batch);
      for (uint32_t i = begin; i < end; ++i) {
        auto r = validate_body(walker, m, i);
        if (r) continue;
        std::lock_guard<std::mutex> lock(mu);
        if (i < first_bad.load(std::memory_order_relaxed)) {
          first_bad.store(i, std::memory_order_relaxed);
          error = std::move(r).error();
        }
        return;
      }
    }
  };
  std::vector<NullInterface> ifaces(threads - 1);
  std::vector<FuncWalker<NullInterface>> walkers;
  walkers.reserve(threads - 1);
  for (auto& iface : ifaces) walkers.emplace_back(m_env, iface);
  std::vector<std::thread> pool;
  pool.reserve(threads - 1);
  for (auto& w : walkers) pool.emplace_back([&work, &w] { work(w); });
  work(m_walker);
  for (auto& t : pool) t.join();
  if (error) return std::move(*error);
  return ok();
}

Result<ValidatedModule> ModuleValidator::finish(std::unique_ptr<Module> m) {
  SKIFF_TRY(check_before_code(*m));
  m_env.module = m.get();
  SKIFF_TRY(validate_bodies_parallel(*m, m_bodies_done));
  SKIFF_TRY(check_after_code(*m));
  m_env.module = nullptr;
  return ValidatedModule(std::move(m));
}

Result<ValidatedModule> validate(std::unique_ptr<Module> module, const ValidateOptions& opts) {
  ModuleValidator v(/*defer_bodies=*/true, opts);
  return v.finish(std::move(module));
}

namespace {
template <typename Bytes>
Result<ValidatedModule> decode_and_validate_impl(Bytes&& bytes, const ValidateOptions& opts) {
  ModuleValidator v(/*defer_bodies=*/true, opts);
  binary::Decoder d(&v);
  auto fed = d.feed(std::forward<Bytes>(bytes));
  auto decoded = fed ? d.finish() : Result<std::unique_ptr<Module>>(std::move(fed).error());
  if (!decoded) {
    if (const Module* partial = d.partial()) SKIFF_TRY(v.first_body_error(*partial));
    return std::move(decoded).error();
  }
  return v.finish(std::move(*decoded));
}
}  // namespace

Result<ValidatedModule> decode_and_validate(std::span<const uint8_t> bytes, const ValidateOptions& opts) {
  return decode_and_validate_impl(bytes, opts);
}

Result<ValidatedModule> decode_and_validate(std::vector<uint8_t>&& bytes, const ValidateOptions& opts) {
  return decode_and_validate_impl(std::move(bytes), opts);
}

struct StreamingValidator::Impl {
  ModuleValidator validator;
  binary::Decoder decoder{&validator};
};

StreamingValidator::StreamingValidator() : m_impl(std::make_unique<Impl>()) {}
StreamingValidator::~StreamingValidator() = default;

Result<void> StreamingValidator::feed(std::span<const uint8_t> chunk) {
  return m_impl->decoder.feed(chunk);
}

Result<ValidatedModule> StreamingValidator::finish() {
  SKIFF_TRY_ASSIGN(std::unique_ptr<Module> m, m_impl->decoder.finish());
  return m_impl->validator.finish(std::move(m));
}

}  // namespace skiff::engine::validate
