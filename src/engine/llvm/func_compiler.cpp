#include "engine/llvm/func_compiler.h"

#include <algorithm>

#include <llvm/IR/Intrinsics.h>
#include <llvm/IR/MDBuilder.h>

#include "engine/llvm/module_compiler.h"
#include "engine/native/vmctx.h"
#include "engine/runtime/global.h"
#include "engine/runtime/store.h"

namespace skiff::engine::llvm_tier {

using ir::Opcode;
using ir::ValType;
namespace native = skiff::engine::native;

// --- module-wide ------------------------------------------------------------------------

llvm::Type* ModuleCodegen::type_of(ValType t) {
  switch (t) {
    case ValType::I32: return llvm::Type::getInt32Ty(ctx);
    case ValType::I64: return llvm::Type::getInt64Ty(ctx);
    case ValType::F32: return llvm::Type::getFloatTy(ctx);
    case ValType::F64: return llvm::Type::getDoubleTy(ctx);
    case ValType::V128: return llvm::FixedVectorType::get(llvm::Type::getInt64Ty(ctx), 2);
    default: return llvm::PointerType::get(ctx, 0);  // funcref, externref
  }
}

llvm::FunctionType* ModuleCodegen::func_type(const ir::FuncType& t) {
  std::vector<llvm::Type*> params{llvm::PointerType::get(ctx, 0)};
  for (ValType p : t.params) params.push_back(type_of(p));
  llvm::Type* ret = llvm::Type::getVoidTy(ctx);
  if (t.results.size() == 1) {
    ret = type_of(t.results[0]);
  } else if (t.results.size() > 1) {
    std::vector<llvm::Type*> fields;
    for (ValType r : t.results) fields.push_back(type_of(r));
    ret = llvm::StructType::get(ctx, fields);
  }
  return llvm::FunctionType::get(ret, params, false);
}

llvm::FunctionCallee ModuleCodegen::rt(const char* name, llvm::Type* ret, std::initializer_list<llvm::Type*> params) {
  llvm::FunctionCallee f = module.getOrInsertFunction(name, llvm::FunctionType::get(ret, params, false));
  if (auto* fn = llvm::dyn_cast<llvm::Function>(f.getCallee())) fn->addFnAttr(llvm::Attribute::NoUnwind);
  return f;
}

void ModuleCodegen::store_slots(llvm::IRBuilder<>& b, llvm::Value* slots, std::span<llvm::Value* const> values,
                                std::span<const ValType> types) {
  llvm::Type* i64 = llvm::Type::getInt64Ty(ctx);
  uint32_t slot = 0;
  for (size_t i = 0; i < values.size(); ++i) {
    llvm::Value* v = values[i];
    switch (types[i]) {
      case ValType::I32: v = b.CreateZExt(v, i64); break;
      case ValType::F32: v = b.CreateZExt(b.CreateBitCast(v, b.getInt32Ty()), i64); break;
      case ValType::F64: v = b.CreateBitCast(v, i64); break;
      default: break;
    }
    // Slots are 8-byte aligned: a v128 in two of them must not be accessed as aligned.
    b.CreateAlignedStore(v, b.CreateConstInBoundsGEP1_64(i64, slots, slot), llvm::Align(8));
    slot += types[i] == ValType::V128 ? 2 : 1;
  }
}

std::vector<llvm::Value*> ModuleCodegen::load_slots(llvm::IRBuilder<>& b, llvm::Value* slots,
                                                    std::span<const ValType> types) {
  std::vector<llvm::Value*> out;
  uint32_t slot = 0;
  for (ValType t : types) {
    llvm::Value* p = b.CreateConstInBoundsGEP1_64(llvm::Type::getInt64Ty(ctx), slots, slot);
    out.push_back(b.CreateAlignedLoad(type_of(t), p, llvm::Align(8)));
    slot += t == ValType::V128 ? 2 : 1;
  }
  return out;
}

std::vector<llvm::Value*> ModuleCodegen::unpack_results(llvm::IRBuilder<>& b, llvm::Value* ret, size_t count) {
  if (count <= 1) return count == 1 ? std::vector<llvm::Value*>{ret} : std::vector<llvm::Value*>{};
  std::vector<llvm::Value*> out;
  for (unsigned i = 0; i < count; ++i) out.push_back(b.CreateExtractValue(ret, {i}));
  return out;
}

void ModuleCodegen::return_values(llvm::IRBuilder<>& b, llvm::Function* f, std::span<llvm::Value* const> values) {
  if (values.empty()) {
    b.CreateRetVoid();
  } else if (values.size() == 1) {
    b.CreateRet(values[0]);
  } else {
    llvm::Value* agg = llvm::UndefValue::get(f->getReturnType());
    for (size_t i = 0; i < values.size(); ++i) agg = b.CreateInsertValue(agg, values[i], {static_cast<unsigned>(i)});
    b.CreateRet(agg);
  }
}

// --- per function -------------------------------------------------------------------------

FuncCompiler::FuncCompiler(ModuleCodegen& mc, const validate::ModuleEnv& env)
    : m_mc(mc), m_walker(env, *this), m_b(mc.ctx) {
  m_i8 = llvm::Type::getInt8Ty(mc.ctx);
  m_i32 = llvm::Type::getInt32Ty(mc.ctx);
  m_i64 = llvm::Type::getInt64Ty(mc.ctx);
  m_f32 = llvm::Type::getFloatTy(mc.ctx);
  m_f64 = llvm::Type::getDoubleTy(mc.ctx);
  m_ptr = llvm::PointerType::get(mc.ctx, 0);
}

Result<bool> FuncCompiler::compile(uint32_t defined_index) {
  m_fn = m_mc.typed[defined_index];
  m_unsupported = false;
  SKIFF_TRY(m_walker.walk(defined_index));
  if (m_unsupported) {
    m_fn->deleteBody();
    return false;
  }
  return true;
}

void FuncCompiler::unsupported() {
  m_unsupported = true;
  if (!m_dead) enter_dead();
}

FuncCompiler::BB* FuncCompiler::new_block(const char* name) { return BB::Create(m_mc.ctx, name, m_fn); }

std::vector<llvm::PHINode*> FuncCompiler::make_phis(BB* bb, const ValType* types, uint32_t n) {
  std::vector<llvm::PHINode*> phis;
  llvm::IRBuilder<> b(bb, bb->begin());
  for (uint32_t i = 0; i < n; ++i) phis.push_back(b.CreatePHI(m_mc.type_of(types[i]), 2));
  return phis;
}

FuncCompiler::Value* FuncCompiler::field(uint32_t word, llvm::Type* t, bool invariant) {
  Value* p = m_b.CreateConstInBoundsGEP1_64(m_i8, m_vmctx, uint64_t{word} * 8);
  llvm::LoadInst* l = m_b.CreateLoad(t, p);
  if (invariant) l->setMetadata(llvm::LLVMContext::MD_invariant_load, llvm::MDNode::get(m_mc.ctx, {}));
  return l;
}

void FuncCompiler::begin_function(uint32_t defined_index) {
  const ir::Module& wm = m_mc.wasm;
  m_type = &wm.func_type(ir::FuncIdx(wm.imported_funcs + defined_index));
  m_stack.clear();
  m_ctls.clear();
  m_locals.clear();
  m_trap_blocks.assign(256, nullptr);
  m_dead = false;
  m_interp_dead = false;
  m_fuel_cost = m_fuel_cmp = nullptr;
  m_fuel_count = 0;

  m_entry = new_block("entry");
  m_b.SetInsertPoint(m_entry);
  m_vmctx = m_fn->getArg(0);
  m_mem_base = wm.memories.empty() ? nullptr : field(static_cast<uint32_t>(native::VmField::MemBase), m_ptr, true);
  m_globals = wm.globals.empty() ? nullptr : field(static_cast<uint32_t>(native::VmField::Globals), m_ptr, true);

  const std::span<const ValType> locals = m_walker.local_types();
  for (size_t i = 0; i < locals.size(); ++i) {
    llvm::AllocaInst* a = m_b.CreateAlloca(m_mc.type_of(locals[i]));
    m_locals.push_back(a);
  }
  for (size_t i = 0; i < locals.size(); ++i) {
    Value* init = i < m_type->params.size() ? static_cast<Value*>(m_fn->getArg(static_cast<unsigned>(i + 1)))
                                            : llvm::Constant::getNullValue(m_mc.type_of(locals[i]));
    m_b.CreateStore(init, m_locals[i]);
  }
  // Native stack bound: recursion traps instead of overflowing the thread's stack.
  Value* frame = intrinsic(llvm::Intrinsic::frameaddress, {m_b.getInt32(0)}, {m_ptr});
  Value* limit = field(static_cast<uint32_t>(native::VmField::StackLimit), m_i64, false);
  trap_if(m_b.CreateICmpULT(m_b.CreatePtrToInt(frame, m_i64), limit), ErrorCode::TrapCallStackExhausted);

  // The function's own frame: its end is the return.
  Ctl fn{Opcode::End, false, 0, new_block("return"), nullptr, nullptr, {}, {}, {}, false};
  fn.label_phis = make_phis(fn.cont, m_type->results.data(), static_cast<uint32_t>(m_type->results.size()));
  fn.end_phis = fn.label_phis;
  m_ctls.push_back(std::move(fn));
  emit_checks(true);
}

void FuncCompiler::enter_dead() {
  m_dead = true;
  m_stack.resize(m_ctls.back().height);
}

// --- interruption and fuel ---------------------------------------------------------------

void FuncCompiler::emit_checks(bool head) {
  if (m_mc.opts.fuel) {
    close_fuel_region();
    Value* fuel_ptr = field(static_cast<uint32_t>(native::VmField::Fuel), m_ptr, true);
    Value* left = m_b.CreateLoad(m_i64, fuel_ptr);
    // The charge is patched when the region closes (its instruction count is known then).
    m_fuel_cmp = llvm::cast<llvm::Instruction>(m_b.CreateICmpSLT(left, m_b.getInt64(1)));
    trap_if(m_fuel_cmp, ErrorCode::TrapOutOfFuel);
    m_fuel_cost = llvm::cast<llvm::Instruction>(m_b.CreateSub(left, m_b.getInt64(1)));
    m_b.CreateStore(m_fuel_cost, fuel_ptr);
    m_fuel_count = 0;
  }
  if (m_mc.opts.fuel || (m_mc.opts.interruptible && head)) {
    Value* stop_ptr = field(static_cast<uint32_t>(native::VmField::Stop), m_ptr, true);
    llvm::LoadInst* why = m_b.CreateLoad(m_i32, stop_ptr);
    why->setAtomic(llvm::AtomicOrdering::Monotonic);
    why->setAlignment(llvm::Align(4));
    BB* stop = new_block("stop");
    BB* go = new_block("go");
    m_b.CreateCondBr(m_b.CreateICmpNE(why, m_b.getInt32(0)), stop, go,
                     llvm::MDBuilder(m_mc.ctx).createBranchWeights(1, 1 << 20));
    m_b.SetInsertPoint(stop);
    Value* code = m_b.CreateCall(m_mc.rt("skiff_rt_stop_code", m_i32, {m_ptr}), {m_vmctx});
    m_b.CreateCall(m_mc.rt("skiff_rt_trap", m_b.getVoidTy(), {m_i32}), {code})->setDoesNotReturn();
    m_b.CreateUnreachable();
    m_b.SetInsertPoint(go);
  }
}

void FuncCompiler::close_fuel_region() {
  if (!m_fuel_cost) return;
  // At least 1, as in the interpreter, so every loop iteration and call costs something.
  llvm::Constant* cost = m_b.getInt64(std::max<uint32_t>(m_fuel_count, 1));
  m_fuel_cmp->setOperand(1, cost);
  m_fuel_cost->setOperand(1, cost);
  m_fuel_cost = m_fuel_cmp = nullptr;
}

// --- traps ----------------------------------------------------------------------------------

FuncCompiler::BB* FuncCompiler::trap_block(ErrorCode code) {
  BB*& bb = m_trap_blocks[static_cast<uint8_t>(code)];
  if (!bb) {
    bb = new_block("trap");
    llvm::IRBuilder<> b(bb);
    b.CreateCall(m_mc.rt("skiff_rt_trap", b.getVoidTy(), {m_i32}), {b.getInt32(static_cast<uint32_t>(code))})
        ->setDoesNotReturn();
    b.CreateUnreachable();
  }
  return bb;
}

void FuncCompiler::trap_if(Value* cond, ErrorCode code) {
  BB* cont = new_block("ok");
  m_b.CreateCondBr(cond, trap_block(code), cont, llvm::MDBuilder(m_mc.ctx).createBranchWeights(1, 1 << 20));
  m_b.SetInsertPoint(cont);
}

void FuncCompiler::check_status(Value* status) {
  BB* bad = new_block("trapped");
  BB* cont = new_block("ok");
  m_b.CreateCondBr(m_b.CreateICmpNE(status, m_b.getInt32(0)), bad, cont,
                   llvm::MDBuilder(m_mc.ctx).createBranchWeights(1, 1 << 20));
  m_b.SetInsertPoint(bad);
  m_b.CreateCall(m_mc.rt("skiff_rt_trap", m_b.getVoidTy(), {m_i32}), {status})->setDoesNotReturn();
  m_b.CreateUnreachable();
  m_b.SetInsertPoint(cont);
}

FuncCompiler::Value* FuncCompiler::intrinsic(llvm::Intrinsic::ID id, std::initializer_list<Value*> args,
                               std::initializer_list<llvm::Type*> types) {
  llvm::Function* f = llvm::Intrinsic::getDeclaration(&m_mc.module, id, types);
  return m_b.CreateCall(f, args);
}

// --- control --------------------------------------------------------------------------------

void FuncCompiler::feed_label(Ctl& c, BB* from) {
  const size_t n = c.label_phis.size();
  for (size_t i = 0; i < n; ++i) c.label_phis[i]->addIncoming(m_stack[m_stack.size() - n + i], from);
}

void FuncCompiler::branch_to(Ctl& c) {
  feed_label(c, m_b.GetInsertBlock());
  m_b.CreateBr(c.kind == Opcode::Loop ? c.header : c.cont);
}

void FuncCompiler::on_block(Opcode kind, const validate::BlockSig& sig) {
  // A block moving more values than kMaxCompiledArity costs LLVM a phi per value per
  // edge (module_compiler.h): the function stays in the interpreter.
  if (!m_dead && size_t{sig.param_count} + sig.result_count > kMaxCompiledArity) unsupported();
  if (m_dead) {
    m_ctls.push_back(Ctl{kind, true, 0, nullptr, nullptr, nullptr, {}, {}, {}, m_interp_dead});
    // The interpreter opens a region at this loop's head (unreachable, never charged):
    // the open region ends here, and what follows counts in none until the next one.
    if (kind == Opcode::Loop && !m_interp_dead) close_fuel_region();
    return;
  }
  Value* cond = kind == Opcode::If ? pop() : nullptr;
  Ctl c{kind, false, m_stack.size() - sig.param_count, new_block("end"), nullptr, nullptr, {}, {}, {}, false};
  c.end_phis = make_phis(c.cont, sig.results, sig.result_count);
  if (kind == Opcode::Loop) {
    c.header = new_block("loop");
    c.label_phis = make_phis(c.header, sig.params, sig.param_count);
    feed_label(c, m_b.GetInsertBlock());
    m_b.CreateBr(c.header);
    m_b.SetInsertPoint(c.header);
    for (uint32_t i = 0; i < sig.param_count; ++i) m_stack[c.height + i] = c.label_phis[i];
    m_ctls.push_back(std::move(c));
    emit_checks(true);
    return;
  }
  c.label_phis = c.end_phis;
  if (kind == Opcode::If) {
    BB* then_bb = new_block("then");
    c.else_bb = new_block("else");
    c.params.assign(m_stack.begin() + static_cast<ptrdiff_t>(c.height), m_stack.end());
    m_b.CreateCondBr(m_b.CreateICmpNE(cond, m_b.getInt32(0)), then_bb, c.else_bb);
    m_b.SetInsertPoint(then_bb);
  }
  m_ctls.push_back(std::move(c));
}

void FuncCompiler::on_else() {
  Ctl& c = m_ctls.back();
  if (!c.interp_dead_entry) m_interp_dead = false;
  if (c.dead_entry) return;
  if (!m_dead) {
    const size_t n = c.end_phis.size();
    for (size_t i = 0; i < n; ++i) c.end_phis[i]->addIncoming(m_stack[m_stack.size() - n + i], m_b.GetInsertBlock());
    m_b.CreateBr(c.cont);
  }
  m_b.SetInsertPoint(c.else_bb);
  c.else_bb = nullptr;
  m_stack.resize(c.height);
  m_stack.insert(m_stack.end(), c.params.begin(), c.params.end());
  m_dead = false;
}

void FuncCompiler::on_end(const validate::CtrlFrame&) {
  Ctl c = std::move(m_ctls.back());
  m_ctls.pop_back();
  if (c.dead_entry) {
    if (!c.interp_dead_entry) {
      // Live to the interpreter, which opens a region after this loop's end (as above).
      m_interp_dead = false;
      if (c.kind == Opcode::Loop) close_fuel_region();
    }
    return;
  }
  if (!m_ctls.empty()) m_interp_dead = false;
  if (!m_dead) {
    const size_t n = c.end_phis.size();
    for (size_t i = 0; i < n; ++i) c.end_phis[i]->addIncoming(m_stack[m_stack.size() - n + i], m_b.GetInsertBlock());
    m_b.CreateBr(c.cont);
  }
  if (c.else_bb) {
    // An `if` without `else`: the false arm passes the params through as results.
    m_b.SetInsertPoint(c.else_bb);
    for (size_t i = 0; i < c.end_phis.size(); ++i) c.end_phis[i]->addIncoming(c.params[i], c.else_bb);
    m_b.CreateBr(c.cont);
  }
  m_b.SetInsertPoint(c.cont);
  m_stack.resize(c.height);
  if (c.cont->hasNPredecessors(0)) {
    // Nothing reaches the end: the code after it is unreachable.
    for (llvm::PHINode* p : c.end_phis) p->eraseFromParent();
    m_b.CreateUnreachable();
    if (m_ctls.empty()) {
      close_fuel_region();
      return;
    }
    // A loop's region ends at its end even when nothing reaches it (a loop left only by
    // a branch out, `block { loop { br_if 1 ... br 0 } }`), as in the interpreter:
    // otherwise the code after the enclosing block would be charged at the loop head,
    // once per iteration.
    if (c.kind == Opcode::Loop) close_fuel_region();
    m_dead = true;
    return;
  }
  m_dead = false;
  for (llvm::PHINode* p : c.end_phis) push(p);
  if (m_ctls.empty()) {
    close_fuel_region();
    const std::vector<Value*> results(c.end_phis.begin(), c.end_phis.end());
    m_mc.return_values(m_b, m_fn, results);
    return;
  }
  if (c.kind == Opcode::Loop) emit_checks(false);  // the code after a loop is a new region
}

void FuncCompiler::on_br(uint32_t depth) {
  m_interp_dead = true;
  if (m_dead) return;
  branch_to(ctl(depth));
  enter_dead();
}

void FuncCompiler::on_br_if(uint32_t depth) {
  if (m_dead) return;
  Value* cond = pop();
  Ctl& c = ctl(depth);
  BB* cont = new_block("br_if.no");
  feed_label(c, m_b.GetInsertBlock());
  m_b.CreateCondBr(m_b.CreateICmpNE(cond, m_b.getInt32(0)), c.kind == Opcode::Loop ? c.header : c.cont, cont);
  m_b.SetInsertPoint(cont);
}

void FuncCompiler::on_br_table(std::span<const uint32_t> depths) {
  m_interp_dead = true;
  if (m_dead) return;
  Value* index = pop();
  // One edge block per distinct label, so each label's phis get one incoming per edge.
  std::vector<std::pair<uint32_t, BB*>> edges;
  auto edge = [&](uint32_t depth) {
    for (auto& [d, bb] : edges)
      if (d == depth) return bb;
    BB* bb = new_block("br_table.edge");
    llvm::IRBuilder<> b(bb);
    Ctl& c = ctl(depth);
    feed_label(c, bb);
    b.CreateBr(c.kind == Opcode::Loop ? c.header : c.cont);
    edges.emplace_back(depth, bb);
    return bb;
  };
  llvm::SwitchInst* sw = m_b.CreateSwitch(index, edge(depths.back()), static_cast<unsigned>(depths.size() - 1));
  for (size_t i = 0; i + 1 < depths.size(); ++i) sw->addCase(m_b.getInt32(static_cast<uint32_t>(i)), edge(depths[i]));
  enter_dead();
}

void FuncCompiler::on_return() {
  m_interp_dead = true;
  if (m_dead) return;
  branch_to(m_ctls.front());
  enter_dead();
}

// --- calls ---------------------------------------------------------------------------------

FuncCompiler::Value* FuncCompiler::slot_array(uint32_t n) {
  llvm::IRBuilder<> b(m_entry, m_entry->begin());
  return b.CreateAlloca(m_i64, b.getInt32(std::max<uint32_t>(n, 1)));
}

namespace {
uint32_t slot_count(std::span<const ValType> ts) {
  uint32_t n = 0;
  for (ValType t : ts) n += t == ValType::V128 ? 2 : 1;
  return n;
}
}  // namespace

void FuncCompiler::on_call(ir::FuncIdx f) {
  if (m_dead) return;
  const ir::Module& wm = m_mc.wasm;
  const ir::FuncType& t = wm.func_type(f);
  if (t.params.size() + t.results.size() > kMaxCompiledArity) return unsupported();  // as in on_block
  const size_t n = t.params.size();
  std::vector<Value*> args(m_stack.end() - static_cast<ptrdiff_t>(n), m_stack.end());
  m_stack.resize(m_stack.size() - n);
  if (f.value >= wm.imported_funcs) {
    args.insert(args.begin(), m_vmctx);
    llvm::CallInst* call = m_b.CreateCall(m_mc.typed[f.value - wm.imported_funcs], args);
    push_all(m_mc.unpack_results(m_b, call, t.results.size()));
    return;
  }
  Value* slots = slot_array(std::max(slot_count(t.params), slot_count(t.results)));
  m_mc.store_slots(m_b, slots, args, t.params);
  check_status(m_b.CreateCall(m_mc.rt("skiff_rt_call", m_i32, {m_ptr, m_i32, m_ptr}),
                              {m_vmctx, m_b.getInt32(f.value), slots}));
  push_all(m_mc.load_slots(m_b, slots, t.results));
}

void FuncCompiler::on_call_indirect(ir::TypeIdx type, ir::TableIdx table) {
  if (m_dead) return;
  const ir::FuncType& t = m_mc.wasm.types[type.value];
  if (t.params.size() + t.results.size() > kMaxCompiledArity) return unsupported();  // as in on_block
  Value* index = pop();
  const size_t n = t.params.size();
  std::vector<Value*> args(m_stack.end() - static_cast<ptrdiff_t>(n), m_stack.end());
  m_stack.resize(m_stack.size() - n);
  // Inline path: the element is a compiled function of this instance whose type is
  // this very FuncType (the usual case), found with a few loads and called directly.
  BB* medium = new_block("indirect.checked");
  BB* found = new_block("indirect.found");
  auto next_if = [&](Value* cond) {
    BB* next = new_block("indirect.check");
    m_b.CreateCondBr(cond, next, medium);
    m_b.SetInsertPoint(next);
  };
  Value* views = field(static_cast<uint32_t>(native::VmField::Tables), m_ptr, true);
  auto* view = m_b.CreateLoad(m_ptr, m_b.CreateConstInBoundsGEP1_64(m_ptr, views, table.value));
  view->setMetadata(llvm::LLVMContext::MD_invariant_load, llvm::MDNode::get(m_mc.ctx, {}));
  Value* elems = m_b.CreateLoad(m_ptr, m_b.CreateConstInBoundsGEP1_64(m_i8, view, offsetof(runtime::Table::View, data)));
  Value* size = m_b.CreateLoad(m_i64, m_b.CreateConstInBoundsGEP1_64(m_i8, view, offsetof(runtime::Table::View, size)));
  Value* index64 = m_b.CreateZExt(index, m_i64);
  next_if(m_b.CreateICmpULT(index64, size));
  Value* elem = m_b.CreateLoad(m_ptr, m_b.CreateInBoundsGEP(m_ptr, elems, index64));
  // Null, and the lazy encodings (Table::at), are 0 and 1.
  next_if(m_b.CreateICmpUGT(m_b.CreatePtrToInt(elem, m_i64), m_b.getInt64(1)));
  Value* types = field(static_cast<uint32_t>(native::VmField::Types), m_ptr, true);
  Value* expected = m_b.CreateConstInBoundsGEP1_64(m_i8, types, uint64_t{type.value} * sizeof(ir::FuncType));
  Value* elem_type = m_b.CreateLoad(m_ptr, m_b.CreateConstInBoundsGEP1_64(m_i8, elem, offsetof(runtime::FuncInstance, type)));
  Value* elem_inst =
      m_b.CreateLoad(m_ptr, m_b.CreateConstInBoundsGEP1_64(m_i8, elem, offsetof(runtime::FuncInstance, instance)));
  Value* inst = field(static_cast<uint32_t>(native::VmField::Instance), m_ptr, true);
  next_if(m_b.CreateAnd(m_b.CreateICmpEQ(elem_type, expected), m_b.CreateICmpEQ(elem_inst, inst)));
  Value* defined = m_b.CreateLoad(
      m_i32, m_b.CreateConstInBoundsGEP1_64(m_i8, elem, offsetof(runtime::FuncInstance, defined_index)));
  Value* typed = field(static_cast<uint32_t>(native::VmField::Typed), m_ptr, true);
  Value* inline_target = m_b.CreateLoad(m_ptr, m_b.CreateInBoundsGEP(m_ptr, typed, m_b.CreateZExt(defined, m_i64)));
  next_if(m_b.CreateIsNotNull(inline_target));
  BB* inline_end = m_b.GetInsertBlock();
  m_b.CreateBr(found);

  // Checked path: the runtime does the spec's checks (and fills a lazy element); a
  // compiled function of this instance is still called directly.
  m_b.SetInsertPoint(medium);
  Value* status = slot_array(1);
  Value* checked = m_b.CreateCall(m_mc.rt("skiff_rt_indirect", m_ptr, {m_ptr, m_i32, m_i32, m_i32, m_ptr}),
                                  {m_vmctx, m_b.getInt32(type.value), m_b.getInt32(table.value), index, status});
  BB* slow = new_block("indirect.slow");
  BB* join = new_block("indirect.join");
  BB* medium_end = m_b.GetInsertBlock();
  m_b.CreateCondBr(m_b.CreateIsNotNull(checked), found, slow);

  m_b.SetInsertPoint(found);
  llvm::PHINode* target = m_b.CreatePHI(m_ptr, 2);
  target->addIncoming(inline_target, inline_end);
  target->addIncoming(checked, medium_end);
  std::vector<Value*> call_args{m_vmctx};
  call_args.insert(call_args.end(), args.begin(), args.end());
  Value* ret = m_b.CreateCall(m_mc.func_type(t), target, call_args);
  const std::vector<Value*> fast_results = m_mc.unpack_results(m_b, ret, t.results.size());
  BB* fast_end = m_b.GetInsertBlock();
  m_b.CreateBr(join);

  // Slow path: the checks' trap, or any other callee through the slot ABI.
  m_b.SetInsertPoint(slow);
  check_status(m_b.CreateLoad(m_i32, status));
  Value* slots = slot_array(std::max(slot_count(t.params), slot_count(t.results)));
  m_mc.store_slots(m_b, slots, args, t.params);
  check_status(m_b.CreateCall(m_mc.rt("skiff_rt_call_indirect", m_i32, {m_ptr, m_i32, m_i32, m_i32, m_ptr}),
                              {m_vmctx, m_b.getInt32(type.value), m_b.getInt32(table.value), index, slots}));
  const std::vector<Value*> slow_results = m_mc.load_slots(m_b, slots, t.results);
  BB* slow_end = m_b.GetInsertBlock();
  m_b.CreateBr(join);

  m_b.SetInsertPoint(join);
  for (size_t k = 0; k < fast_results.size(); ++k) {
    llvm::PHINode* phi = m_b.CreatePHI(fast_results[k]->getType(), 2);
    phi->addIncoming(fast_results[k], fast_end);
    phi->addIncoming(slow_results[k], slow_end);
    push(phi);
  }
}

// --- variables ------------------------------------------------------------------------------

void FuncCompiler::on_local(Opcode op, uint32_t index) {
  if (m_dead) return;
  llvm::AllocaInst* a = m_locals[index];
  if (op == Opcode::LocalGet) {
    push(m_b.CreateLoad(a->getAllocatedType(), a));
  } else if (op == Opcode::LocalSet) {
    m_b.CreateStore(pop(), a);
  } else {
    m_b.CreateStore(m_stack.back(), a);
  }
}

FuncCompiler::Value* FuncCompiler::global_ptr(uint32_t index) {
  Value* slot = m_b.CreateConstInBoundsGEP1_64(m_ptr, m_globals, index);
  llvm::LoadInst* g = m_b.CreateLoad(m_ptr, slot);
  g->setMetadata(llvm::LLVMContext::MD_invariant_load, llvm::MDNode::get(m_mc.ctx, {}));
  return m_b.CreateConstInBoundsGEP1_64(m_i8, g, offsetof(runtime::Global, value));
}

void FuncCompiler::on_global(Opcode op, uint32_t index) {
  if (m_dead) return;
  const ValType t = m_mc.wasm.globals[index].type;
  Value* p = global_ptr(index);
  // RawValue is 8-byte aligned, a v128 too.
  if (op == Opcode::GlobalGet) push(m_b.CreateAlignedLoad(m_mc.type_of(t), p, llvm::Align(8)));
  else m_b.CreateAlignedStore(pop(), p, llvm::Align(8));
}

void FuncCompiler::on_select(ValType) {
  if (m_dead) return;
  Value* cond = pop();
  Value* b = pop();
  Value* a = pop();
  push(m_b.CreateSelect(m_b.CreateICmpNE(cond, m_b.getInt32(0)), a, b));
}

void FuncCompiler::on_const(Opcode op, uint64_t bits) {
  if (m_dead) return;
  switch (op) {
    case Opcode::I32Const: push(m_b.getInt32(static_cast<uint32_t>(bits))); break;
    case Opcode::I64Const: push(m_b.getInt64(bits)); break;
    case Opcode::F32Const:
      push(llvm::ConstantFP::get(m_mc.ctx, llvm::APFloat(llvm::APFloat::IEEEsingle(), llvm::APInt(32, bits))));
      break;
    default:
      push(llvm::ConstantFP::get(m_mc.ctx, llvm::APFloat(llvm::APFloat::IEEEdouble(), llvm::APInt(64, bits))));
      break;
  }
}

void FuncCompiler::on_ref_null(ValType) {
  if (m_dead) return;
  push(llvm::ConstantPointerNull::get(m_ptr));
}

void FuncCompiler::on_ref_func(ir::FuncIdx f) {
  if (m_dead) return;
  push(m_b.CreateCall(m_mc.rt("skiff_rt_ref_func", m_ptr, {m_ptr, m_i32}), {m_vmctx, m_b.getInt32(f.value)}));
}

// --- memory ---------------------------------------------------------------------------------

FuncCompiler::Value* FuncCompiler::effective_address(Value* addr, uint64_t offset) {
  // zext(i32) + u32 offset < 8 GiB: inside the reservation, so no check is needed.
  Value* ea = m_b.CreateZExt(addr, m_i64);
  if (offset) ea = m_b.CreateAdd(ea, m_b.getInt64(offset), "", /*HasNUW=*/true);
  return m_b.CreateInBoundsGEP(m_i8, m_mem_base, ea);
}

FuncCompiler::Value* FuncCompiler::mem_size_bytes() {
  Value* pages_ptr = field(static_cast<uint32_t>(native::VmField::MemPages), m_ptr, true);
  return m_b.CreateShl(m_b.CreateZExt(m_b.CreateLoad(m_i32, pages_ptr), m_i64), 16);
}

void FuncCompiler::on_memory(Opcode op, const validate::MemArg& ma) {
  if (m_dead) return;
  struct Access {
    llvm::Type* mem;   // the type in memory
    llvm::Type* val;   // the type on the stack
    bool sign;
    bool store;
  };
  Access a{};
  switch (op) {
    case Opcode::I32Load: a = {m_i32, m_i32, false, false}; break;
    case Opcode::I64Load: a = {m_i64, m_i64, false, false}; break;
    case Opcode::F32Load: a = {m_f32, m_f32, false, false}; break;
    case Opcode::F64Load: a = {m_f64, m_f64, false, false}; break;
    case Opcode::I32Load8S: a = {m_i8, m_i32, true, false}; break;
    case Opcode::I32Load8U: a = {m_i8, m_i32, false, false}; break;
    case Opcode::I32Load16S: a = {m_b.getInt16Ty(), m_i32, true, false}; break;
    case Opcode::I32Load16U: a = {m_b.getInt16Ty(), m_i32, false, false}; break;
    case Opcode::I64Load8S: a = {m_i8, m_i64, true, false}; break;
    case Opcode::I64Load8U: a = {m_i8, m_i64, false, false}; break;
    case Opcode::I64Load16S: a = {m_b.getInt16Ty(), m_i64, true, false}; break;
    case Opcode::I64Load16U: a = {m_b.getInt16Ty(), m_i64, false, false}; break;
    case Opcode::I64Load32S: a = {m_i32, m_i64, true, false}; break;
    case Opcode::I64Load32U: a = {m_i32, m_i64, false, false}; break;
    case Opcode::I32Store: a = {m_i32, m_i32, false, true}; break;
    case Opcode::I64Store: a = {m_i64, m_i64, false, true}; break;
    case Opcode::F32Store: a = {m_f32, m_f32, false, true}; break;
    case Opcode::F64Store: a = {m_f64, m_f64, false, true}; break;
    case Opcode::I32Store8: a = {m_i8, m_i32, false, true}; break;
    case Opcode::I32Store16: a = {m_b.getInt16Ty(), m_i32, false, true}; break;
    case Opcode::I64Store8: a = {m_i8, m_i64, false, true}; break;
    case Opcode::I64Store16: a = {m_b.getInt16Ty(), m_i64, false, true}; break;
    case Opcode::I64Store32: a = {m_i32, m_i64, false, true}; break;
    default: return simd_memory(op, ma);
  }
  if (a.store) {
    Value* v = pop();
    Value* p = effective_address(pop(), ma.offset);
    if (a.mem != a.val) v = m_b.CreateTrunc(v, a.mem);
    m_b.CreateAlignedStore(v, p, llvm::Align(1));
    return;
  }
  Value* p = effective_address(pop(), ma.offset);
  Value* v = memory_load(a.mem, p);
  if (a.mem != a.val) v = a.sign ? m_b.CreateSExt(v, a.val) : m_b.CreateZExt(v, a.val);
  push(v);
}

void FuncCompiler::on_other(Opcode op, uint32_t a, uint32_t b) {
  if (op == Opcode::Unreachable) m_interp_dead = true;
  if (m_dead) return;
  auto rt = [&](const char* name, llvm::Type* ret, std::initializer_list<llvm::Type*> params) {
    return m_mc.rt(name, ret, params);
  };
  switch (op) {
    case Opcode::Nop: return;
    case Opcode::Unreachable:
      m_b.CreateBr(trap_block(ErrorCode::TrapUnreachable));
      return enter_dead();
    case Opcode::Drop:  // a dropped load is kept by add_wasm_guards
      pop();
      return;
    case Opcode::RefIsNull: push(to_i32(m_b.CreateIsNull(pop()))); return;
    case Opcode::MemorySize:
      push(m_b.CreateLoad(m_i32, field(static_cast<uint32_t>(native::VmField::MemPages), m_ptr, true)));
      return;
    case Opcode::MemoryGrow:
      push(m_b.CreateCall(rt("skiff_rt_memory_grow", m_i32, {m_ptr, m_i32}), {m_vmctx, pop()}));
      return;
    case Opcode::MemoryFill:
    case Opcode::MemoryCopy: {
      Value* n = pop();
      Value* y = pop();
      Value* x = pop();
      const char* name = op == Opcode::MemoryFill ? "skiff_rt_memory_fill" : "skiff_rt_memory_copy";
      check_status(m_b.CreateCall(rt(name, m_i32, {m_ptr, m_i32, m_i32, m_i32}), {m_vmctx, x, y, n}));
      return;
    }
    case Opcode::MemoryInit: {
      Value* n = pop();
      Value* s = pop();
      Value* d = pop();
      check_status(m_b.CreateCall(rt("skiff_rt_memory_init", m_i32, {m_ptr, m_i32, m_i32, m_i32, m_i32}),
                                  {m_vmctx, m_b.getInt32(a), d, s, n}));
      return;
    }
    case Opcode::DataDrop:
      m_b.CreateCall(rt("skiff_rt_data_drop", m_b.getVoidTy(), {m_ptr, m_i32}), {m_vmctx, m_b.getInt32(a)});
      return;
    case Opcode::ElemDrop:
      m_b.CreateCall(rt("skiff_rt_elem_drop", m_b.getVoidTy(), {m_ptr, m_i32}), {m_vmctx, m_b.getInt32(a)});
      return;
    case Opcode::TableGet: {
      Value* out = slot_array(1);
      check_status(m_b.CreateCall(rt("skiff_rt_table_get", m_i32, {m_ptr, m_i32, m_i32, m_ptr}),
                                  {m_vmctx, m_b.getInt32(a), pop(), out}));
      push(m_b.CreateLoad(m_ptr, out));
      return;
    }
    case Opcode::TableSet: {
      Value* ref = pop();
      Value* i = pop();
      check_status(m_b.CreateCall(rt("skiff_rt_table_set", m_i32, {m_ptr, m_i32, m_i32, m_ptr}),
                                  {m_vmctx, m_b.getInt32(a), i, ref}));
      return;
    }
    case Opcode::TableSize:
      push(m_b.CreateCall(rt("skiff_rt_table_size", m_i32, {m_ptr, m_i32}), {m_vmctx, m_b.getInt32(a)}));
      return;
    case Opcode::TableGrow: {
      Value* n = pop();
      Value* ref = pop();
      push(m_b.CreateCall(rt("skiff_rt_table_grow", m_i32, {m_ptr, m_i32, m_ptr, m_i32}),
                          {m_vmctx, m_b.getInt32(a), ref, n}));
      return;
    }
    case Opcode::TableFill: {
      Value* n = pop();
      Value* ref = pop();
      Value* i = pop();
      check_status(m_b.CreateCall(rt("skiff_rt_table_fill", m_i32, {m_ptr, m_i32, m_i32, m_ptr, m_i32}),
                                  {m_vmctx, m_b.getInt32(a), i, ref, n}));
      return;
    }
    case Opcode::TableCopy:
    case Opcode::TableInit: {
      Value* n = pop();
      Value* s = pop();
      Value* d = pop();
      const char* name = op == Opcode::TableCopy ? "skiff_rt_table_copy" : "skiff_rt_table_init";
      check_status(m_b.CreateCall(rt(name, m_i32, {m_ptr, m_i32, m_i32, m_i32, m_i32, m_i32}),
                                  {m_vmctx, m_b.getInt32(a), m_b.getInt32(b), d, s, n}));
      return;
    }
    default: return unsupported();
  }
}

llvm::LoadInst* FuncCompiler::memory_load(llvm::Type* t, Value* address) {
  llvm::LoadInst* l = m_b.CreateAlignedLoad(t, address, llvm::Align(1));
  l->setMetadata(kMemoryLoadKind, llvm::MDNode::get(m_mc.ctx, {}));
  return l;
}

// --- numeric --------------------------------------------------------------------------------

FuncCompiler::Value* FuncCompiler::trunc_checked(Value* x, Opcode op) {
  // The open interval (lo, hi) of inputs that convert; NaN is the other trap.
  struct Range {
    double lo, hi;
    bool is_signed, to64;
  };
  Range r{};
  switch (op) {
    case Opcode::I32TruncF32S: r = {-2147483904.0, 2147483648.0, true, false}; break;
    case Opcode::I32TruncF64S: r = {-2147483649.0, 2147483648.0, true, false}; break;
    case Opcode::I32TruncF32U:
    case Opcode::I32TruncF64U: r = {-1.0, 4294967296.0, false, false}; break;
    case Opcode::I64TruncF32S: r = {-9223373136366403584.0, 9223372036854775808.0, true, true}; break;
    case Opcode::I64TruncF64S: r = {-9223372036854777856.0, 9223372036854775808.0, true, true}; break;
    default: r = {-1.0, 18446744073709551616.0, false, true}; break;  // the u64 ones
  }
  llvm::Type* ft = x->getType();
  trap_if(m_b.CreateFCmpUNO(x, x), ErrorCode::TrapInvalidConversion);
  Value* in_range = m_b.CreateAnd(m_b.CreateFCmpOGT(x, llvm::ConstantFP::get(ft, r.lo)),
                                  m_b.CreateFCmpOLT(x, llvm::ConstantFP::get(ft, r.hi)));
  trap_if(m_b.CreateNot(in_range), ErrorCode::TrapIntegerOverflow);
  llvm::Type* it = r.to64 ? m_i64 : m_i32;
  return r.is_signed ? m_b.CreateFPToSI(x, it) : m_b.CreateFPToUI(x, it);
}

void FuncCompiler::on_simple(Opcode op) {
  if (m_dead) return;
  if (ir::op_info(op).prefix == 0xFD) return simd_simple(op);
  using I = llvm::Intrinsic::ID;
  // Float arithmetic is plain IR: wasm_guards.h keeps its NaNs quiet through LLVM's folds.
  auto unary = [&](I id) {
    Value* x = pop();
    push(intrinsic(id, {x}, {x->getType()}));
  };
  auto binary = [&](I id) {
    Value* y = pop();
    Value* x = pop();
    Value* r = intrinsic(id, {x, y}, {x->getType()});
    if (id != llvm::Intrinsic::copysign) r = m_b.CreateSelect(m_b.CreateFCmpUNO(x, y), m_b.CreateFAdd(x, y), r);
    push(r);
  };
  auto cmp = [&](llvm::CmpInst::Predicate p) {
    Value* y = pop();
    Value* x = pop();
    push(to_i32(llvm::CmpInst::isFPPredicate(p) ? m_b.CreateFCmp(p, x, y) : m_b.CreateICmp(p, x, y)));
  };
  auto arith = [&](llvm::Instruction::BinaryOps bop) {
    Value* y = pop();
    Value* x = pop();
    push(m_b.CreateBinOp(bop, x, y));
  };
  auto shift = [&](llvm::Instruction::BinaryOps bop) {
    Value* y = pop();
    Value* x = pop();
    const unsigned bits = x->getType()->getIntegerBitWidth();
    push(m_b.CreateBinOp(bop, x, m_b.CreateAnd(y, llvm::ConstantInt::get(x->getType(), bits - 1))));
  };
  auto rotate = [&](I id) {
    Value* y = pop();
    Value* x = pop();
    push(intrinsic(id, {x, x, y}, {x->getType()}));
  };
  auto divide = [&](bool is_signed, bool rem) {
    Value* y = pop();
    Value* x = pop();
    llvm::Type* t = x->getType();
    trap_if(m_b.CreateICmpEQ(y, llvm::ConstantInt::get(t, 0)), ErrorCode::TrapIntegerDivideByZero);
    if (!is_signed) {
      push(rem ? m_b.CreateURem(x, y) : m_b.CreateUDiv(x, y));
      return;
    }
    Value* minus_one = m_b.CreateICmpEQ(y, llvm::ConstantInt::getSigned(t, -1));
    if (rem) {
      // INT_MIN % -1 is 0 in wasm (and overflows in hardware): x % -1 is 0 for every x.
      push(m_b.CreateSRem(x, m_b.CreateSelect(minus_one, llvm::ConstantInt::get(t, 1), y)));
      return;
    }
    Value* int_min = llvm::ConstantInt::get(t, llvm::APInt::getSignedMinValue(t->getIntegerBitWidth()));
    trap_if(m_b.CreateAnd(minus_one, m_b.CreateICmpEQ(x, int_min)), ErrorCode::TrapIntegerOverflow);
    push(m_b.CreateSDiv(x, y));
  };
  auto sext_in = [&](llvm::Type* narrow) {
    Value* x = pop();
    push(m_b.CreateSExt(m_b.CreateTrunc(x, narrow), x->getType()));
  };
  auto cast = [&](llvm::Instruction::CastOps c, llvm::Type* to) { push(m_b.CreateCast(c, pop(), to)); };
  auto sat = [&](bool is_signed, llvm::Type* to) {
    Value* x = pop();
    push(intrinsic(is_signed ? llvm::Intrinsic::fptosi_sat : llvm::Intrinsic::fptoui_sat, {x}, {to, x->getType()}));
  };
  using P = llvm::CmpInst::Predicate;
  using B = llvm::Instruction::BinaryOps;
  using C = llvm::Instruction::CastOps;
  switch (op) {
    case Opcode::I32Eqz:
    case Opcode::I64Eqz: {
      Value* x = pop();
      push(to_i32(m_b.CreateICmpEQ(x, llvm::ConstantInt::get(x->getType(), 0))));
      return;
    }
    case Opcode::I32Eq: case Opcode::I64Eq: return cmp(P::ICMP_EQ);
    case Opcode::I32Ne: case Opcode::I64Ne: return cmp(P::ICMP_NE);
    case Opcode::I32LtS: case Opcode::I64LtS: return cmp(P::ICMP_SLT);
    case Opcode::I32LtU: case Opcode::I64LtU: return cmp(P::ICMP_ULT);
    case Opcode::I32GtS: case Opcode::I64GtS: return cmp(P::ICMP_SGT);
    case Opcode::I32GtU: case Opcode::I64GtU: return cmp(P::ICMP_UGT);
    case Opcode::I32LeS: case Opcode::I64LeS: return cmp(P::ICMP_SLE);
    case Opcode::I32LeU: case Opcode::I64LeU: return cmp(P::ICMP_ULE);
    case Opcode::I32GeS: case Opcode::I64GeS: return cmp(P::ICMP_SGE);
    case Opcode::I32GeU: case Opcode::I64GeU: return cmp(P::ICMP_UGE);
    case Opcode::F32Eq: case Opcode::F64Eq: return cmp(P::FCMP_OEQ);
    case Opcode::F32Ne: case Opcode::F64Ne: return cmp(P::FCMP_UNE);
    case Opcode::F32Lt: case Opcode::F64Lt: return cmp(P::FCMP_OLT);
    case Opcode::F32Gt: case Opcode::F64Gt: return cmp(P::FCMP_OGT);
    case Opcode::F32Le: case Opcode::F64Le: return cmp(P::FCMP_OLE);
    case Opcode::F32Ge: case Opcode::F64Ge: return cmp(P::FCMP_OGE);

    case Opcode::I32Clz: case Opcode::I64Clz: case Opcode::I32Ctz: case Opcode::I64Ctz: {
      Value* x = pop();
      const bool clz = op == Opcode::I32Clz || op == Opcode::I64Clz;
      push(intrinsic(clz ? llvm::Intrinsic::ctlz : llvm::Intrinsic::cttz, {x, m_b.getFalse()}, {x->getType()}));
      return;
    }
    case Opcode::I32Popcnt: case Opcode::I64Popcnt: return unary(llvm::Intrinsic::ctpop);
    case Opcode::I32Add: case Opcode::I64Add: return arith(B::Add);
    case Opcode::I32Sub: case Opcode::I64Sub: return arith(B::Sub);
    case Opcode::I32Mul: case Opcode::I64Mul: return arith(B::Mul);
    case Opcode::I32DivS: case Opcode::I64DivS: return divide(true, false);
    case Opcode::I32DivU: case Opcode::I64DivU: return divide(false, false);
    case Opcode::I32RemS: case Opcode::I64RemS: return divide(true, true);
    case Opcode::I32RemU: case Opcode::I64RemU: return divide(false, true);
    case Opcode::I32And: case Opcode::I64And: return arith(B::And);
    case Opcode::I32Or: case Opcode::I64Or: return arith(B::Or);
    case Opcode::I32Xor: case Opcode::I64Xor: return arith(B::Xor);
    case Opcode::I32Shl: case Opcode::I64Shl: return shift(B::Shl);
    case Opcode::I32ShrS: case Opcode::I64ShrS: return shift(B::AShr);
    case Opcode::I32ShrU: case Opcode::I64ShrU: return shift(B::LShr);
    case Opcode::I32Rotl: case Opcode::I64Rotl: return rotate(llvm::Intrinsic::fshl);
    case Opcode::I32Rotr: case Opcode::I64Rotr: return rotate(llvm::Intrinsic::fshr);

    case Opcode::F32Abs: case Opcode::F64Abs: return unary(llvm::Intrinsic::fabs);
    case Opcode::F32Neg: case Opcode::F64Neg: push(m_b.CreateFNeg(pop())); return;
    case Opcode::F32Ceil: case Opcode::F64Ceil: return unary(llvm::Intrinsic::ceil);
    case Opcode::F32Floor: case Opcode::F64Floor: return unary(llvm::Intrinsic::floor);
    case Opcode::F32Trunc: case Opcode::F64Trunc: return unary(llvm::Intrinsic::trunc);
    case Opcode::F32Nearest: case Opcode::F64Nearest: return unary(llvm::Intrinsic::roundeven);
    case Opcode::F32Sqrt: case Opcode::F64Sqrt: return unary(llvm::Intrinsic::sqrt);
    case Opcode::F32Add: case Opcode::F64Add: return arith(B::FAdd);
    case Opcode::F32Sub: case Opcode::F64Sub: return arith(B::FSub);
    case Opcode::F32Mul: case Opcode::F64Mul: return arith(B::FMul);
    case Opcode::F32Div: case Opcode::F64Div: return arith(B::FDiv);
    case Opcode::F32Min: case Opcode::F64Min: return binary(llvm::Intrinsic::minimum);
    case Opcode::F32Max: case Opcode::F64Max: return binary(llvm::Intrinsic::maximum);
    case Opcode::F32Copysign: case Opcode::F64Copysign: return binary(llvm::Intrinsic::copysign);

    case Opcode::I32WrapI64: return cast(C::Trunc, m_i32);
    case Opcode::I32TruncF32S: case Opcode::I32TruncF32U: case Opcode::I32TruncF64S: case Opcode::I32TruncF64U:
    case Opcode::I64TruncF32S: case Opcode::I64TruncF32U: case Opcode::I64TruncF64S: case Opcode::I64TruncF64U:
      push(trunc_checked(pop(), op));
      return;
    case Opcode::I64ExtendI32S: return cast(C::SExt, m_i64);
    case Opcode::I64ExtendI32U: return cast(C::ZExt, m_i64);
    case Opcode::F32ConvertI32S: case Opcode::F32ConvertI64S: return cast(C::SIToFP, m_f32);
    case Opcode::F32ConvertI32U: case Opcode::F32ConvertI64U: return cast(C::UIToFP, m_f32);
    case Opcode::F64ConvertI32S: case Opcode::F64ConvertI64S: return cast(C::SIToFP, m_f64);
    case Opcode::F64ConvertI32U: case Opcode::F64ConvertI64U: return cast(C::UIToFP, m_f64);
    case Opcode::F32DemoteF64:
    case Opcode::F64PromoteF32: {
      Value* x = pop();
      push(op == Opcode::F32DemoteF64 ? m_b.CreateFPTrunc(x, m_f32) : m_b.CreateFPExt(x, m_f64));
      return;
    }
    case Opcode::I32ReinterpretF32: return cast(C::BitCast, m_i32);
    case Opcode::I64ReinterpretF64: return cast(C::BitCast, m_i64);
    case Opcode::F32ReinterpretI32: return cast(C::BitCast, m_f32);
    case Opcode::F64ReinterpretI64: return cast(C::BitCast, m_f64);
    case Opcode::I32Extend8S: case Opcode::I64Extend8S: return sext_in(m_i8);
    case Opcode::I32Extend16S: case Opcode::I64Extend16S: return sext_in(m_b.getInt16Ty());
    case Opcode::I64Extend32S: return sext_in(m_i32);
    case Opcode::I32TruncSatF32S: case Opcode::I32TruncSatF64S: return sat(true, m_i32);
    case Opcode::I32TruncSatF32U: case Opcode::I32TruncSatF64U: return sat(false, m_i32);
    case Opcode::I64TruncSatF32S: case Opcode::I64TruncSatF64S: return sat(true, m_i64);
    case Opcode::I64TruncSatF32U: case Opcode::I64TruncSatF64U: return sat(false, m_i64);
    default: return unsupported();
  }
}

}  // namespace skiff::engine::llvm_tier
