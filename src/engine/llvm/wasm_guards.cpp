#include "engine/llvm/wasm_guards.h"

#include <vector>

#include <llvm/ADT/SmallPtrSet.h>
#include <llvm/ADT/SmallVector.h>
#include <llvm/Analysis/ValueTracking.h>
#include <llvm/IR/IRBuilder.h>
#include <llvm/IR/InstIterator.h>
#include <llvm/IR/IntrinsicInst.h>
#include <llvm/Transforms/Utils/Local.h>

#include "engine/llvm/func_compiler.h"

namespace skiff::engine::llvm_tier {

namespace {

bool is_keep(const llvm::Value* v) {
  const auto* i = llvm::dyn_cast<llvm::IntrinsicInst>(v);
  return i && i->getIntrinsicID() == llvm::Intrinsic::annotation;
}

// The float operations LLVM folds to an operand (or its negation) when the other
// operand is an identity: x*1, x/1, x+-0, x-0, -0-x, fptrunc(fpext x).
bool foldable_float_op(const llvm::Instruction& i) {
  switch (i.getOpcode()) {
    case llvm::Instruction::FAdd: case llvm::Instruction::FSub: case llvm::Instruction::FMul:
    case llvm::Instruction::FDiv: case llvm::Instruction::FPTrunc: case llvm::Instruction::FPExt:
      return true;
    default:
      return false;
  }
}

// Whether `v` can never be a signaling NaN: float arithmetic (x86 quiets in hardware),
// a conversion from an integer, a constant that is not one, or a choice among those.
// Shallow on purpose: a wrong "no" costs a NaN check, never a wrong result.
bool never_signaling(const llvm::Value* v, unsigned depth = 0) {
  if (depth > 4) return false;
  if (const auto* c = llvm::dyn_cast<llvm::Constant>(v)) {
    if (llvm::isa<llvm::UndefValue>(c)) return true;
    if (const auto* fp = llvm::dyn_cast<llvm::ConstantFP>(c)) return !fp->getValueAPF().isSignaling();
    const auto* vt = llvm::dyn_cast<llvm::FixedVectorType>(c->getType());
    if (!vt) return false;
    for (unsigned k = 0; k < vt->getNumElements(); ++k) {
      const llvm::Constant* e = c->getAggregateElement(k);
      if (!e || !never_signaling(e, depth + 1)) return false;
    }
    return true;
  }
  const auto* i = llvm::dyn_cast<llvm::Instruction>(v);
  if (!i) return false;
  auto all = [&](auto&& operands) {
    for (const llvm::Value* o : operands)
      if (!never_signaling(o, depth + 1)) return false;
    return true;
  };
  if (foldable_float_op(*i)) return true;
  switch (i->getOpcode()) {
    case llvm::Instruction::FRem: case llvm::Instruction::SIToFP: case llvm::Instruction::UIToFP:
      return true;
    case llvm::Instruction::FNeg: return never_signaling(i->getOperand(0), depth + 1);
    case llvm::Instruction::Select: return all(std::initializer_list<const llvm::Value*>{i->getOperand(1), i->getOperand(2)});
    case llvm::Instruction::PHI: case llvm::Instruction::ShuffleVector: return all(i->operands());
    case llvm::Instruction::InsertElement:
      return all(std::initializer_list<const llvm::Value*>{i->getOperand(0), i->getOperand(1)});
    case llvm::Instruction::Call:
      if (const auto* ii = llvm::dyn_cast<llvm::IntrinsicInst>(i)) {
        switch (ii->getIntrinsicID()) {
          case llvm::Intrinsic::arithmetic_fence:  // resolved to a quiet value itself
          case llvm::Intrinsic::sqrt: case llvm::Intrinsic::ceil: case llvm::Intrinsic::floor:
          case llvm::Intrinsic::trunc: case llvm::Intrinsic::roundeven: case llvm::Intrinsic::rint:
          case llvm::Intrinsic::nearbyint:
            return true;
          case llvm::Intrinsic::fabs: case llvm::Intrinsic::copysign:
            return never_signaling(ii->getArgOperand(0), depth + 1);
          default:
            return false;
        }
      }
      return false;
    default:
      return false;
  }
}

const llvm::Value* strip_fences(const llvm::Value* v) {
  while (const auto* i = llvm::dyn_cast<llvm::IntrinsicInst>(v)) {
    if (i->getIntrinsicID() != llvm::Intrinsic::arithmetic_fence) break;
    v = i->getArgOperand(0);
  }
  return v;
}

// Whether the passes after the vectorizer's start may still fold `v` to an operand once
// its fences are gone: arithmetic with a fenced identity operand (x * fence(1)), or a
// fenced round trip of conversions (fptrunc(fence(fpext x))).
bool may_fold_later(const llvm::Value* v) {
  const auto* i = llvm::dyn_cast<llvm::Instruction>(v);
  if (!i || !foldable_float_op(*i)) return false;
  if (i->getOpcode() == llvm::Instruction::FPTrunc || i->getOpcode() == llvm::Instruction::FPExt) {
    const llvm::Value* x = strip_fences(i->getOperand(0));
    return llvm::isa<llvm::FPExtInst>(x) || llvm::isa<llvm::FPTruncInst>(x);
  }
  for (const llvm::Value* o : i->operands()) {
    const auto* c = llvm::dyn_cast<llvm::Constant>(strip_fences(o));
    if (c && c->getType()->isVectorTy()) c = c->getSplatValue();
    const auto* fp = llvm::dyn_cast_or_null<llvm::ConstantFP>(c);
    if (fp && (fp->isZero() || fp->isExactlyValue(1.0) || fp->isExactlyValue(-1.0))) return true;
  }
  return false;
}

// The loads whose values flow into `v` (through casts, phis and selects).
std::vector<llvm::LoadInst*> loads_into(llvm::Value* v) {
  std::vector<llvm::LoadInst*> loads;
  llvm::SmallVector<llvm::Value*, 8> work{v};
  llvm::SmallPtrSet<llvm::Value*, 16> seen{v};
  while (!work.empty()) {
    llvm::Value* x = work.pop_back_val();
    auto push = [&](llvm::Value* o) {
      if (seen.insert(o).second) work.push_back(o);
    };
    if (auto* l = llvm::dyn_cast<llvm::LoadInst>(x)) {
      loads.push_back(l);
    } else if (auto* c = llvm::dyn_cast<llvm::CastInst>(x)) {
      push(c->getOperand(0));
    } else if (auto* s = llvm::dyn_cast<llvm::SelectInst>(x)) {
      push(s->getTrueValue());
      push(s->getFalseValue());
    } else if (auto* p = llvm::dyn_cast<llvm::PHINode>(x)) {
      for (llvm::Value* o : p->incoming_values()) push(o);
    }
  }
  return loads;
}

// Whether `use` is a phi's, on an edge that leaves `block`: the value must be computed
// in `block` whichever way the edge is taken (MachineSink counts a phi's use in the
// block the edge leaves, so it does not move the definition past it).
bool edge_from(const llvm::Instruction* user, const llvm::Use& use, const llvm::BasicBlock* block) {
  const auto* phi = llvm::dyn_cast<llvm::PHINode>(user);
  return phi && phi->getIncomingBlock(use) == block;
}

// Whether `from`'s value reaches, anywhere in the function, an instruction with an
// effect (a store, a call, a terminator) other than keeps: whether something still
// needs it. Past kMaxUsers users it is taken as needed.
bool reaches_effect(const llvm::Instruction* from) {
  constexpr size_t kMaxUsers = 64;
  llvm::SmallVector<const llvm::Instruction*, 16> work{from};
  llvm::SmallPtrSet<const llvm::Instruction*, 32> seen{from};
  while (!work.empty()) {
    const llvm::Instruction* i = work.pop_back_val();
    for (const llvm::User* u : i->users()) {
      const auto* ui = llvm::dyn_cast<llvm::Instruction>(u);
      if (!ui || is_keep(ui)) continue;
      if (ui->mayHaveSideEffects() || ui->isTerminator()) return true;
      if (seen.insert(ui).second) {
        if (seen.size() > kMaxUsers) return true;
        work.push_back(ui);
      }
    }
  }
  return false;
}

// Whether `load` is held in its block: its value reaches, through instructions of that
// block, one with an effect there (a store, a call, the block's terminator) or a phi on
// an edge out of it that is itself needed. Only such a use holds a load where wasm put
// it. One whose uses are all in other blocks can be moved into the block of its use by the passes after the
// vectorizer's start (InstCombine's sinking, LICM) or by codegen's MachineSink; it then
// runs only on the paths to that use, and an out-of-bounds address traps on none of the
// others (a store or a call under a condition: `x = load; if (c) store x`). With
// `for_codegen`, only through uses that instruction selection keeps in the block: not
// through the arms of a select (SelectOptimize may turn it into a branch and sink a load
// into the arm that uses it), nor through the second operand of an i1 and/or (a branch
// on `a && b` becomes two branches, and the load that feeds `b` runs only when `a`
// holds). In both modes, not through the condition of a select between vectors (wasm's
// `select` of v128s): codegen looks at the lanes and bits the select's users read,
// through bitcasts between lane shapes that InstCombine does not see through, and where
// both arms agree on them (two constants equal in the lane read) it folds the select to
// one arm and drops the condition, and a load that fed only that with it (seed 7331,
// module 102 of the differential fuzzer). Past kMaxUsers users it is taken as held.
bool held_in_block(const llvm::LoadInst* load, bool for_codegen) {
  constexpr size_t kMaxUsers = 64;
  const llvm::BasicBlock* block = load->getParent();
  llvm::SmallVector<const llvm::Instruction*, 16> work{load};
  llvm::SmallPtrSet<const llvm::Instruction*, 32> seen{load};
  while (!work.empty()) {
    const llvm::Instruction* i = work.pop_back_val();
    for (const llvm::Use& use : i->uses()) {
      const auto* ui = llvm::dyn_cast<llvm::Instruction>(use.getUser());
      if (!ui || is_keep(ui)) continue;
      // A phi holds the load only while something needs the phi: a dead one goes, and
      // the load with it.
      if (edge_from(ui, use, block)) {
        if (reaches_effect(ui)) return true;
        continue;
      }
      if (ui->getParent() != block || llvm::isa<llvm::PHINode>(ui)) continue;
      if (ui->mayHaveSideEffects() || ui->isTerminator()) return true;
      if (llvm::isa<llvm::SelectInst>(ui) && use.getOperandNo() == 0 && ui->getType()->isVectorTy() &&
          !ui->getOperand(0)->getType()->isVectorTy())
        continue;
      if (for_codegen && use.getOperandNo() != 0) {
        const bool logical = (ui->getOpcode() == llvm::Instruction::And || ui->getOpcode() == llvm::Instruction::Or) &&
                             ui->getType()->isIntOrIntVectorTy(1);
        if (logical || llvm::isa<llvm::SelectInst>(ui)) continue;
      }
      if (seen.insert(ui).second) {
        if (seen.size() > kMaxUsers) return true;
        work.push_back(ui);
      }
    }
  }
  return false;
}

// Whether `l` is a load of linear memory after the pipeline: marked by the function
// compiler, or (the vectorizer drops that mark on the loads it widens) addressed from
// the memory base, the invariant load of the context's first word.
bool linear_memory_load(const llvm::LoadInst* l) {
  if (l->getMetadata(kMemoryLoadKind)) return true;
  const auto* base = llvm::dyn_cast<llvm::LoadInst>(llvm::getUnderlyingObject(l->getPointerOperand()));
  const llvm::Function* f = l->getFunction();
  return base && base->getMetadata(llvm::LLVMContext::MD_invariant_load) && f->arg_size() > 0 &&
         base->getPointerOperand() == f->getArg(0);
}

}  // namespace

void add_wasm_guards(llvm::Module& module) {
  llvm::LLVMContext& c = module.getContext();
  llvm::PointerType* ptr = llvm::PointerType::get(c, 0);
  llvm::Constant* null = llvm::ConstantPointerNull::get(ptr);
  std::vector<llvm::LoadInst*> loads;
  std::vector<llvm::Instruction*> float_ops;
  for (llvm::Function& f : module)
    for (llvm::Instruction& i : llvm::instructions(f)) {
      if (auto* l = llvm::dyn_cast<llvm::LoadInst>(&i); l && l->getMetadata(kMemoryLoadKind)) loads.push_back(l);
      if (foldable_float_op(i)) float_ops.push_back(&i);
    }
  for (llvm::LoadInst* l : loads) {
    llvm::IRBuilder<> b(l->getNextNode());
    llvm::Value* v = l;
    if (!v->getType()->isIntegerTy())
      v = b.CreateBitCast(v, llvm::IntegerType::get(c, static_cast<unsigned>(v->getType()->getPrimitiveSizeInBits())));
    b.CreateIntrinsic(llvm::Intrinsic::annotation, {v->getType(), ptr}, {v, null, null, b.getInt32(0)});
  }
  for (llvm::Instruction* i : float_ops) {
    llvm::IRBuilder<> b(i->getNextNode());
    llvm::Value* fence = b.CreateIntrinsic(llvm::Intrinsic::arithmetic_fence, {i->getType()}, {i});
    i->replaceUsesWithIf(fence, [&](llvm::Use& u) { return u.getUser() != fence; });
  }
}

bool resolve_wasm_guards(llvm::Function& f) {
  std::vector<llvm::IntrinsicInst*> fences, keeps;
  for (llvm::Instruction& i : llvm::instructions(f))
    if (auto* ii = llvm::dyn_cast<llvm::IntrinsicInst>(&i)) {
      if (ii->getIntrinsicID() == llvm::Intrinsic::arithmetic_fence) fences.push_back(ii);
      if (ii->getIntrinsicID() == llvm::Intrinsic::annotation) keeps.push_back(ii);
    }
  for (llvm::IntrinsicInst* fence : fences) {
    llvm::Value* v = fence->getArgOperand(0);
    llvm::Value* r = v;
    if (!never_signaling(v) || may_fold_later(v)) {
      llvm::IRBuilder<> b(fence);
      r = b.CreateSelect(b.CreateFCmpUNO(v, v), b.CreateFAdd(v, v), v);
    }
    fence->replaceAllUsesWith(r);
    fence->eraseFromParent();
  }
  for (llvm::IntrinsicInst* keep : keeps) {
    llvm::Value* v = keep->getArgOperand(0);
    for (llvm::LoadInst* l : loads_into(v))
      if (!l->isVolatile() && !held_in_block(l, false)) l->setVolatile(true);
    keep->eraseFromParent();
    llvm::RecursivelyDeleteTriviallyDeadInstructions(v);
  }
  return !fences.empty() || !keeps.empty();
}

void hold_memory_loads(llvm::Function& f) {
  for (llvm::Instruction& i : llvm::instructions(f))
    if (auto* l = llvm::dyn_cast<llvm::LoadInst>(&i); l && !l->isVolatile() && linear_memory_load(l) && !held_in_block(l, true))
      l->setVolatile(true);
}

}  // namespace skiff::engine::llvm_tier
