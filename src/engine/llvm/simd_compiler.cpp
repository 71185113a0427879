// SIMD128 for the LLVM tier: FuncCompiler's lowering of the 0xFD instructions.
//
// A v128 is <2 x i64> on the operand stack, in locals, globals and calls; each
// instruction bitcasts it to its lane shape and back (free in registers). Most
// instructions are one generic IR operation that the x86 backend selects to one SSE
// instruction; the rest are written as the arithmetic the spec defines (saturating
// narrows as clamp + truncate, rounding averages in wider lanes, ...), which the
// backend recognizes as packsswb, pavgb, pmaddwd and so on where the target has them.
// Float results follow on_simple's NaN rule: plain IR, quiet through wasm_guards.h;
// min/max, which return a NaN operand as it is, return x + y for one.

#include <cstring>

#include <llvm/IR/Intrinsics.h>
#include <llvm/IR/IntrinsicsX86.h>

#include "engine/llvm/func_compiler.h"

namespace skiff::engine::llvm_tier {

using ir::Opcode;

FuncCompiler::Value* FuncCompiler::lanes(Value* x, unsigned first, unsigned n) {
  llvm::SmallVector<int, 16> mask;
  for (unsigned i = 0; i < n; ++i) mask.push_back(static_cast<int>(first + i));
  return m_b.CreateShuffleVector(x, mask);
}

void FuncCompiler::on_v128_const(const ir::V128& v) {
  if (m_dead) return;
  uint64_t halves[2];
  std::memcpy(halves, v.bytes, 16);
  push(llvm::ConstantDataVector::get(m_mc.ctx, llvm::ArrayRef<uint64_t>(halves, 2)));
}

void FuncCompiler::on_shuffle(const uint8_t* lane_ids) {
  if (m_dead) return;
  llvm::Type* t = vec(m_i8, 16);
  Value* y = pop_as(t);
  Value* x = pop_as(t);
  llvm::SmallVector<int, 16> mask(lane_ids, lane_ids + 16);
  push_v128(m_b.CreateShuffleVector(x, y, mask));
}

void FuncCompiler::on_lane(Opcode op, uint8_t lane) {
  if (m_dead) return;
  auto extract = [&](llvm::Type* t, unsigned n, int ext) {  // ext: 1 sign, 2 zero
    Value* v = m_b.CreateExtractElement(pop_as(vec(t, n)), m_b.getInt64(lane));
    if (ext) v = ext == 1 ? m_b.CreateSExt(v, m_i32) : m_b.CreateZExt(v, m_i32);
    push(v);
  };
  auto replace = [&](llvm::Type* t, unsigned n) {
    Value* x = pop();
    if (x->getType() != t) x = m_b.CreateTrunc(x, t);
    push_v128(m_b.CreateInsertElement(pop_as(vec(t, n)), x, m_b.getInt64(lane)));
  };
  llvm::Type* i16 = m_b.getInt16Ty();
  switch (op) {
    case Opcode::I8x16ExtractLaneS: return extract(m_i8, 16, 1);
    case Opcode::I8x16ExtractLaneU: return extract(m_i8, 16, 2);
    case Opcode::I16x8ExtractLaneS: return extract(i16, 8, 1);
    case Opcode::I16x8ExtractLaneU: return extract(i16, 8, 2);
    case Opcode::I32x4ExtractLane: return extract(m_i32, 4, 0);
    case Opcode::I64x2ExtractLane: return extract(m_i64, 2, 0);
    case Opcode::F32x4ExtractLane: return extract(m_f32, 4, 0);
    case Opcode::F64x2ExtractLane: return extract(m_f64, 2, 0);
    case Opcode::I8x16ReplaceLane: return replace(m_i8, 16);
    case Opcode::I16x8ReplaceLane: return replace(i16, 8);
    case Opcode::I32x4ReplaceLane: return replace(m_i32, 4);
    case Opcode::I64x2ReplaceLane: return replace(m_i64, 2);
    case Opcode::F32x4ReplaceLane: return replace(m_f32, 4);
    case Opcode::F64x2ReplaceLane: return replace(m_f64, 2);
    default: return unsupported();
  }
}

void FuncCompiler::simd_memory(Opcode op, const validate::MemArg& ma) {
  llvm::Type* i16 = m_b.getInt16Ty();
  auto load = [&](llvm::Type* t) { return memory_load(t, effective_address(pop(), ma.offset)); };
  auto extend = [&](llvm::Type* lane, unsigned n, bool sign) {
    Value* v = load(vec(lane, n));
    llvm::Type* wide = vec(m_b.getIntNTy(lane->getIntegerBitWidth() * 2), n);
    push_v128(sign ? m_b.CreateSExt(v, wide) : m_b.CreateZExt(v, wide));
  };
  auto splat = [&](llvm::Type* lane) { push_v128(m_b.CreateVectorSplat(128 / lane->getIntegerBitWidth(), load(lane))); };
  auto zero = [&](llvm::Type* lane) {
    llvm::Type* t = vec(lane, 128 / lane->getIntegerBitWidth());
    push_v128(m_b.CreateInsertElement(llvm::Constant::getNullValue(t), load(lane), m_b.getInt64(0)));
  };
  switch (op) {
    case Opcode::V128Load: push(load(m_mc.type_of(ir::ValType::V128))); return;
    case Opcode::V128Load8x8S: return extend(m_i8, 8, true);
    case Opcode::V128Load8x8U: return extend(m_i8, 8, false);
    case Opcode::V128Load16x4S: return extend(i16, 4, true);
    case Opcode::V128Load16x4U: return extend(i16, 4, false);
    case Opcode::V128Load32x2S: return extend(m_i32, 2, true);
    case Opcode::V128Load32x2U: return extend(m_i32, 2, false);
    case Opcode::V128Load8Splat: return splat(m_i8);
    case Opcode::V128Load16Splat: return splat(i16);
    case Opcode::V128Load32Splat: return splat(m_i32);
    case Opcode::V128Load64Splat: return splat(m_i64);
    case Opcode::V128Load32Zero: return zero(m_i32);
    case Opcode::V128Load64Zero: return zero(m_i64);
    case Opcode::V128Store: {
      Value* v = pop();
      m_b.CreateAlignedStore(v, effective_address(pop(), ma.offset), llvm::Align(1));
      return;
    }
    default: return unsupported();
  }
}

void FuncCompiler::on_memory_lane(Opcode op, const validate::MemArg& ma, uint8_t lane) {
  if (m_dead) return;
  unsigned bits = 0;
  bool store = false;
  switch (op) {
    case Opcode::V128Load8Lane: bits = 8; break;
    case Opcode::V128Load16Lane: bits = 16; break;
    case Opcode::V128Load32Lane: bits = 32; break;
    case Opcode::V128Load64Lane: bits = 64; break;
    case Opcode::V128Store8Lane: bits = 8, store = true; break;
    case Opcode::V128Store16Lane: bits = 16, store = true; break;
    case Opcode::V128Store32Lane: bits = 32, store = true; break;
    case Opcode::V128Store64Lane: bits = 64, store = true; break;
    default: return unsupported();
  }
  llvm::Type* t = m_b.getIntNTy(bits);
  Value* v = pop_as(vec(t, 128 / bits));
  Value* p = effective_address(pop(), ma.offset);
  if (store) {
    m_b.CreateAlignedStore(m_b.CreateExtractElement(v, m_b.getInt64(lane)), p, llvm::Align(1));
    return;
  }
  push_v128(m_b.CreateInsertElement(v, memory_load(t, p), m_b.getInt64(lane)));
}

void FuncCompiler::simd_simple(Opcode op) {
  using B = llvm::Instruction::BinaryOps;
  using P = llvm::CmpInst::Predicate;
  using I = llvm::Intrinsic::ID;
  llvm::Type* i16 = m_b.getInt16Ty();
  llvm::Type* const v8x16 = vec(m_i8, 16);
  llvm::Type* const v16x8 = vec(i16, 8);
  llvm::Type* const v32x4 = vec(m_i32, 4);
  llvm::Type* const v64x2 = vec(m_i64, 2);
  llvm::Type* const f32x4 = vec(m_f32, 4);
  llvm::Type* const f64x2 = vec(m_f64, 2);
  auto int_type = [&](unsigned bits) -> llvm::Type* {
    return bits == 8 ? v8x16 : bits == 16 ? v16x8 : bits == 32 ? v32x4 : v64x2;
  };
  // A vector of n lanes twice as wide as t's.
  auto widened = [&](llvm::Type* t, unsigned n) {
    return vec(m_b.getIntNTy(t->getScalarSizeInBits() * 2), n);
  };
  auto unary = [&](llvm::Type* t, auto&& f) { push_v128(f(pop_as(t))); };
  auto binary = [&](llvm::Type* t, auto&& f) {
    Value* y = pop_as(t);
    Value* x = pop_as(t);
    push_v128(f(x, y));
  };
  auto binop = [&](llvm::Type* t, B bop) { binary(t, [&](Value* x, Value* y) { return m_b.CreateBinOp(bop, x, y); }); };
  auto intrinsic2 = [&](llvm::Type* t, I id) {
    binary(t, [&](Value* x, Value* y) { return intrinsic(id, {x, y}, {t}); });
  };
  auto intrinsic1 = [&](llvm::Type* t, I id) { unary(t, [&](Value* x) { return intrinsic(id, {x}, {t}); }); };
  auto compare = [&](llvm::Type* t, P p) {
    llvm::Type* mask = llvm::VectorType::getInteger(llvm::cast<llvm::VectorType>(t));
    binary(t, [&](Value* x, Value* y) {
      return m_b.CreateSExt(t->isFPOrFPVectorTy() ? m_b.CreateFCmp(p, x, y) : m_b.CreateICmp(p, x, y), mask);
    });
  };
  auto farith = [&](llvm::Type* t, B bop) {
    binary(t, [&](Value* x, Value* y) { return m_b.CreateBinOp(bop, x, y); });
  };
  // minimum/maximum return a NaN operand as it is: a NaN operand gives x + y (quiet).
  auto fminmax = [&](llvm::Type* t, I id) {
    binary(t, [&](Value* x, Value* y) {
      return m_b.CreateSelect(m_b.CreateFCmpUNO(x, y), m_b.CreateFAdd(x, y), intrinsic(id, {x, y}, {t}));
    });
  };
  auto shift = [&](unsigned bits, B bop) {
    llvm::Type* t = int_type(bits);
    Value* n = m_b.CreateAnd(pop(), m_b.getInt32(bits - 1));
    n = m_b.CreateZExtOrTrunc(n, m_b.getIntNTy(bits));
    Value* x = pop_as(t);
    push_v128(m_b.CreateBinOp(bop, x, m_b.CreateVectorSplat(128 / bits, n)));
  };
  auto splat = [&](llvm::Type* lane, unsigned n) {
    Value* x = pop();
    if (x->getType() != lane) x = m_b.CreateTrunc(x, lane);
    push_v128(m_b.CreateVectorSplat(n, x));
  };
  // Half of x's lanes (the low or high ones), sign- or zero-extended to twice the width.
  auto extend_half = [&](Value* x, bool high, bool sign) {
    auto* t = llvm::cast<llvm::FixedVectorType>(x->getType());
    const unsigned n = t->getNumElements() / 2;
    Value* h = lanes(x, high ? n : 0, n);
    llvm::Type* w = widened(t->getElementType(), n);
    return sign ? m_b.CreateSExt(h, w) : m_b.CreateZExt(h, w);
  };
  auto extend = [&](llvm::Type* from, bool high, bool sign) {
    unary(from, [&](Value* x) { return extend_half(x, high, sign); });
  };
  auto extmul = [&](llvm::Type* from, bool high, bool sign) {
    binary(from, [&](Value* x, Value* y) { return m_b.CreateMul(extend_half(x, high, sign), extend_half(y, high, sign)); });
  };
  // Lanes 0, 2, 4, ... plus lanes 1, 3, 5, ... of x.
  auto add_pairs = [&](Value* x) {
    const unsigned n = llvm::cast<llvm::FixedVectorType>(x->getType())->getNumElements() / 2;
    llvm::SmallVector<int, 16> even, odd;
    for (unsigned i = 0; i < n; ++i) even.push_back(static_cast<int>(2 * i)), odd.push_back(static_cast<int>(2 * i + 1));
    return m_b.CreateAdd(m_b.CreateShuffleVector(x, even), m_b.CreateShuffleVector(x, odd));
  };
  auto extadd_pairwise = [&](llvm::Type* from, bool sign) {
    unary(from, [&](Value* x) {
      llvm::Type* w = widened(from->getScalarType(), llvm::cast<llvm::FixedVectorType>(from)->getNumElements());
      return add_pairs(sign ? m_b.CreateSExt(x, w) : m_b.CreateZExt(x, w));
    });
  };
  // Both operands' lanes, clamped to the narrow lane's range, then truncated.
  auto narrow = [&](llvm::Type* from, bool sign) {
    binary(from, [&](Value* x, Value* y) {
      const unsigned n = llvm::cast<llvm::FixedVectorType>(from)->getNumElements();
      const unsigned bits = from->getScalarSizeInBits() / 2;
      llvm::SmallVector<int, 16> all;
      for (unsigned i = 0; i < 2 * n; ++i) all.push_back(static_cast<int>(i));
      Value* both = m_b.CreateShuffleVector(x, y, all);
      llvm::Type* wt = both->getType();
      const int64_t lo = sign ? -(int64_t{1} << (bits - 1)) : 0;
      const int64_t hi = sign ? (int64_t{1} << (bits - 1)) - 1 : (int64_t{1} << bits) - 1;
      Value* c = m_b.CreateBinaryIntrinsic(llvm::Intrinsic::smin, both, llvm::ConstantInt::getSigned(wt, hi));
      c = m_b.CreateBinaryIntrinsic(llvm::Intrinsic::smax, c, llvm::ConstantInt::getSigned(wt, lo));
      return m_b.CreateTrunc(c, int_type(bits));
    });
  };
  // (x + y + 1) >> 1 without overflow, in lanes twice as wide.
  auto avgr = [&](llvm::Type* t) {
    binary(t, [&](Value* x, Value* y) {
      llvm::Type* w = widened(t->getScalarType(), llvm::cast<llvm::FixedVectorType>(t)->getNumElements());
      Value* s = m_b.CreateAdd(m_b.CreateAdd(m_b.CreateZExt(x, w), m_b.CreateZExt(y, w)), llvm::ConstantInt::get(w, 1));
      return m_b.CreateTrunc(m_b.CreateLShr(s, llvm::ConstantInt::get(w, 1)), t);
    });
  };
  auto all_true = [&](llvm::Type* t) {
    Value* x = pop_as(t);
    push(to_i32(m_b.CreateAndReduce(m_b.CreateICmpNE(x, llvm::Constant::getNullValue(t)))));
  };
  auto bitmask = [&](llvm::Type* t) {
    Value* x = pop_as(t);
    Value* negative = m_b.CreateICmpSLT(x, llvm::Constant::getNullValue(t));
    const unsigned n = llvm::cast<llvm::FixedVectorType>(t)->getNumElements();
    push(m_b.CreateZExt(m_b.CreateBitCast(negative, m_b.getIntNTy(n)), m_i32));
  };
  auto neg = [&](llvm::Type* t) { unary(t, [&](Value* x) { return m_b.CreateSub(llvm::Constant::getNullValue(t), x); }); };
  auto abs = [&](llvm::Type* t) { unary(t, [&](Value* x) { return intrinsic(llvm::Intrinsic::abs, {x, m_b.getFalse()}, {t}); }); };
  auto cast = [&](llvm::Type* from, llvm::Instruction::CastOps c, llvm::Type* to) {
    unary(from, [&](Value* x) { return m_b.CreateCast(c, x, to); });
  };
  auto trunc_sat = [&](llvm::Type* from, bool sign, llvm::Type* to) {
    unary(from, [&](Value* x) {
      return intrinsic(sign ? llvm::Intrinsic::fptosi_sat : llvm::Intrinsic::fptoui_sat, {x}, {to, from});
    });
  };
  // x's two lanes followed by two zero lanes.
  auto zero_high = [&](Value* x) {
    return m_b.CreateShuffleVector(x, llvm::Constant::getNullValue(x->getType()), llvm::ArrayRef<int>{0, 1, 2, 3});
  };
  // The first operand of a pmin/pmax when the comparison fails, else the second.
  auto pminmax = [&](llvm::Type* t, bool max) {
    binary(t, [&](Value* x, Value* y) {
      Value* take_y = max ? m_b.CreateFCmpOLT(x, y) : m_b.CreateFCmpOLT(y, x);
      return m_b.CreateSelect(take_y, y, x);
    });
  };
  using C = llvm::Instruction::CastOps;

  switch (op) {
    // Splats.
    case Opcode::I8x16Splat: return splat(m_i8, 16);
    case Opcode::I16x8Splat: return splat(i16, 8);
    case Opcode::I32x4Splat: return splat(m_i32, 4);
    case Opcode::I64x2Splat: return splat(m_i64, 2);
    case Opcode::F32x4Splat: return splat(m_f32, 4);
    case Opcode::F64x2Splat: return splat(m_f64, 2);

    case Opcode::I8x16Swizzle: {
      Value* s = pop_as(v8x16);
      Value* x = pop_as(v8x16);
      if (m_mc.ssse3) {
        // pshufb zeroes a lane whose index has the top bit set and else uses its low 4
        // bits: a saturating + 0x70 sets the top bit exactly for indices >= 16.
        Value* idx = intrinsic(llvm::Intrinsic::uadd_sat, {s, llvm::ConstantInt::get(v8x16, 0x70)}, {v8x16});
        push_v128(m_b.CreateCall(llvm::Intrinsic::getDeclaration(&m_mc.module, llvm::Intrinsic::x86_ssse3_pshuf_b_128),
                                 {x, idx}));
        return;
      }
      Value* r = llvm::Constant::getNullValue(v8x16);
      for (unsigned i = 0; i < 16; ++i) {
        Value* idx = m_b.CreateExtractElement(s, m_b.getInt64(i));
        Value* lane = m_b.CreateExtractElement(x, m_b.CreateAnd(idx, m_b.getInt8(15)));
        lane = m_b.CreateSelect(m_b.CreateICmpULT(idx, m_b.getInt8(16)), lane, m_b.getInt8(0));
        r = m_b.CreateInsertElement(r, lane, m_b.getInt64(i));
      }
      push_v128(r);
      return;
    }

    // Comparisons.
    case Opcode::I8x16Eq: return compare(v8x16, P::ICMP_EQ);
    case Opcode::I8x16Ne: return compare(v8x16, P::ICMP_NE);
    case Opcode::I8x16LtS: return compare(v8x16, P::ICMP_SLT);
    case Opcode::I8x16LtU: return compare(v8x16, P::ICMP_ULT);
    case Opcode::I8x16GtS: return compare(v8x16, P::ICMP_SGT);
    case Opcode::I8x16GtU: return compare(v8x16, P::ICMP_UGT);
    case Opcode::I8x16LeS: return compare(v8x16, P::ICMP_SLE);
    case Opcode::I8x16LeU: return compare(v8x16, P::ICMP_ULE);
    case Opcode::I8x16GeS: return compare(v8x16, P::ICMP_SGE);
    case Opcode::I8x16GeU: return compare(v8x16, P::ICMP_UGE);
    case Opcode::I16x8Eq: return compare(v16x8, P::ICMP_EQ);
    case Opcode::I16x8Ne: return compare(v16x8, P::ICMP_NE);
    case Opcode::I16x8LtS: return compare(v16x8, P::ICMP_SLT);
    case Opcode::I16x8LtU: return compare(v16x8, P::ICMP_ULT);
    case Opcode::I16x8GtS: return compare(v16x8, P::ICMP_SGT);
    case Opcode::I16x8GtU: return compare(v16x8, P::ICMP_UGT);
    case Opcode::I16x8LeS: return compare(v16x8, P::ICMP_SLE);
    case Opcode::I16x8LeU: return compare(v16x8, P::ICMP_ULE);
    case Opcode::I16x8GeS: return compare(v16x8, P::ICMP_SGE);
    case Opcode::I16x8GeU: return compare(v16x8, P::ICMP_UGE);
    case Opcode::I32x4Eq: return compare(v32x4, P::ICMP_EQ);
    case Opcode::I32x4Ne: return compare(v32x4, P::ICMP_NE);
    case Opcode::I32x4LtS: return compare(v32x4, P::ICMP_SLT);
    case Opcode::I32x4LtU: return compare(v32x4, P::ICMP_ULT);
    case Opcode::I32x4GtS: return compare(v32x4, P::ICMP_SGT);
    case Opcode::I32x4GtU: return compare(v32x4, P::ICMP_UGT);
    case Opcode::I32x4LeS: return compare(v32x4, P::ICMP_SLE);
    case Opcode::I32x4LeU: return compare(v32x4, P::ICMP_ULE);
    case Opcode::I32x4GeS: return compare(v32x4, P::ICMP_SGE);
    case Opcode::I32x4GeU: return compare(v32x4, P::ICMP_UGE);
    case Opcode::I64x2Eq: return compare(v64x2, P::ICMP_EQ);
    case Opcode::I64x2Ne: return compare(v64x2, P::ICMP_NE);
    case Opcode::I64x2LtS: return compare(v64x2, P::ICMP_SLT);
    case Opcode::I64x2GtS: return compare(v64x2, P::ICMP_SGT);
    case Opcode::I64x2LeS: return compare(v64x2, P::ICMP_SLE);
    case Opcode::I64x2GeS: return compare(v64x2, P::ICMP_SGE);
    case Opcode::F32x4Eq: return compare(f32x4, P::FCMP_OEQ);
    case Opcode::F32x4Ne: return compare(f32x4, P::FCMP_UNE);
    case Opcode::F32x4Lt: return compare(f32x4, P::FCMP_OLT);
    case Opcode::F32x4Gt: return compare(f32x4, P::FCMP_OGT);
    case Opcode::F32x4Le: return compare(f32x4, P::FCMP_OLE);
    case Opcode::F32x4Ge: return compare(f32x4, P::FCMP_OGE);
    case Opcode::F64x2Eq: return compare(f64x2, P::FCMP_OEQ);
    case Opcode::F64x2Ne: return compare(f64x2, P::FCMP_UNE);
    case Opcode::F64x2Lt: return compare(f64x2, P::FCMP_OLT);
    case Opcode::F64x2Gt: return compare(f64x2, P::FCMP_OGT);
    case Opcode::F64x2Le: return compare(f64x2, P::FCMP_OLE);
    case Opcode::F64x2Ge: return compare(f64x2, P::FCMP_OGE);

    // Bitwise.
    case Opcode::V128Not: return unary(v64x2, [&](Value* x) { return m_b.CreateNot(x); });
    case Opcode::V128And: return binop(v64x2, B::And);
    case Opcode::V128Or: return binop(v64x2, B::Or);
    case Opcode::V128Xor: return binop(v64x2, B::Xor);
    case Opcode::V128Andnot: return binary(v64x2, [&](Value* x, Value* y) { return m_b.CreateAnd(x, m_b.CreateNot(y)); });
    case Opcode::V128Bitselect: {
      Value* c = pop_as(v64x2);
      Value* y = pop_as(v64x2);
      Value* x = pop_as(v64x2);
      push_v128(m_b.CreateOr(m_b.CreateAnd(x, c), m_b.CreateAnd(y, m_b.CreateNot(c))));
      return;
    }
    case Opcode::V128AnyTrue: {
      Value* x = m_b.CreateBitCast(pop(), m_b.getInt128Ty());
      push(to_i32(m_b.CreateICmpNE(x, llvm::ConstantInt::get(x->getType(), 0))));
      return;
    }

    // Integer lanes.
    case Opcode::I8x16Abs: return abs(v8x16);
    case Opcode::I16x8Abs: return abs(v16x8);
    case Opcode::I32x4Abs: return abs(v32x4);
    case Opcode::I64x2Abs: return abs(v64x2);
    case Opcode::I8x16Neg: return neg(v8x16);
    case Opcode::I16x8Neg: return neg(v16x8);
    case Opcode::I32x4Neg: return neg(v32x4);
    case Opcode::I64x2Neg: return neg(v64x2);
    case Opcode::I8x16Popcnt: return intrinsic1(v8x16, llvm::Intrinsic::ctpop);
    case Opcode::I8x16AllTrue: return all_true(v8x16);
    case Opcode::I16x8AllTrue: return all_true(v16x8);
    case Opcode::I32x4AllTrue: return all_true(v32x4);
    case Opcode::I64x2AllTrue: return all_true(v64x2);
    case Opcode::I8x16Bitmask: return bitmask(v8x16);
    case Opcode::I16x8Bitmask: return bitmask(v16x8);
    case Opcode::I32x4Bitmask: return bitmask(v32x4);
    case Opcode::I64x2Bitmask: return bitmask(v64x2);
    case Opcode::I8x16NarrowI16x8S: return narrow(v16x8, true);
    case Opcode::I8x16NarrowI16x8U: return narrow(v16x8, false);
    case Opcode::I16x8NarrowI32x4S: return narrow(v32x4, true);
    case Opcode::I16x8NarrowI32x4U: return narrow(v32x4, false);
    case Opcode::I8x16Shl: return shift(8, B::Shl);
    case Opcode::I8x16ShrS: return shift(8, B::AShr);
    case Opcode::I8x16ShrU: return shift(8, B::LShr);
    case Opcode::I16x8Shl: return shift(16, B::Shl);
    case Opcode::I16x8ShrS: return shift(16, B::AShr);
    case Opcode::I16x8ShrU: return shift(16, B::LShr);
    case Opcode::I32x4Shl: return shift(32, B::Shl);
    case Opcode::I32x4ShrS: return shift(32, B::AShr);
    case Opcode::I32x4ShrU: return shift(32, B::LShr);
    case Opcode::I64x2Shl: return shift(64, B::Shl);
    case Opcode::I64x2ShrS: return shift(64, B::AShr);
    case Opcode::I64x2ShrU: return shift(64, B::LShr);
    case Opcode::I8x16Add: return binop(v8x16, B::Add);
    case Opcode::I16x8Add: return binop(v16x8, B::Add);
    case Opcode::I32x4Add: return binop(v32x4, B::Add);
    case Opcode::I64x2Add: return binop(v64x2, B::Add);
    case Opcode::I8x16Sub: return binop(v8x16, B::Sub);
    case Opcode::I16x8Sub: return binop(v16x8, B::Sub);
    case Opcode::I32x4Sub: return binop(v32x4, B::Sub);
    case Opcode::I64x2Sub: return binop(v64x2, B::Sub);
    case Opcode::I16x8Mul: return binop(v16x8, B::Mul);
    case Opcode::I32x4Mul: return binop(v32x4, B::Mul);
    case Opcode::I64x2Mul: return binop(v64x2, B::Mul);
    case Opcode::I8x16AddSatS: return intrinsic2(v8x16, llvm::Intrinsic::sadd_sat);
    case Opcode::I8x16AddSatU: return intrinsic2(v8x16, llvm::Intrinsic::uadd_sat);
    case Opcode::I8x16SubSatS: return intrinsic2(v8x16, llvm::Intrinsic::ssub_sat);
    case Opcode::I8x16SubSatU: return intrinsic2(v8x16, llvm::Intrinsic::usub_sat);
    case Opcode::I16x8AddSatS: return intrinsic2(v16x8, llvm::Intrinsic::sadd_sat);
    case Opcode::I16x8AddSatU: return intrinsic2(v16x8, llvm::Intrinsic::uadd_sat);
    case Opcode::I16x8SubSatS: return intrinsic2(v16x8, llvm::Intrinsic::ssub_sat);
    case Opcode::I16x8SubSatU: return intrinsic2(v16x8, llvm::Intrinsic::usub_sat);
    case Opcode::I8x16MinS: return intrinsic2(v8x16, llvm::Intrinsic::smin);
    case Opcode::I8x16MinU: return intrinsic2(v8x16, llvm::Intrinsic::umin);
    case Opcode::I8x16MaxS: return intrinsic2(v8x16, llvm::Intrinsic::smax);
    case Opcode::I8x16MaxU: return intrinsic2(v8x16, llvm::Intrinsic::umax);
    case Opcode::I16x8MinS: return intrinsic2(v16x8, llvm::Intrinsic::smin);
    case Opcode::I16x8MinU: return intrinsic2(v16x8, llvm::Intrinsic::umin);
    case Opcode::I16x8MaxS: return intrinsic2(v16x8, llvm::Intrinsic::smax);
    case Opcode::I16x8MaxU: return intrinsic2(v16x8, llvm::Intrinsic::umax);
    case Opcode::I32x4MinS: return intrinsic2(v32x4, llvm::Intrinsic::smin);
    case Opcode::I32x4MinU: return intrinsic2(v32x4, llvm::Intrinsic::umin);
    case Opcode::I32x4MaxS: return intrinsic2(v32x4, llvm::Intrinsic::smax);
    case Opcode::I32x4MaxU: return intrinsic2(v32x4, llvm::Intrinsic::umax);
    case Opcode::I8x16AvgrU: return avgr(v8x16);
    case Opcode::I16x8AvgrU: return avgr(v16x8);
    case Opcode::I16x8ExtaddPairwiseI8x16S: return extadd_pairwise(v8x16, true);
    case Opcode::I16x8ExtaddPairwiseI8x16U: return extadd_pairwise(v8x16, false);
    case Opcode::I32x4ExtaddPairwiseI16x8S: return extadd_pairwise(v16x8, true);
    case Opcode::I32x4ExtaddPairwiseI16x8U: return extadd_pairwise(v16x8, false);
    case Opcode::I16x8Q15mulrSatS:
      // (x * y + 0x4000) >> 15 in 32-bit lanes; only -32768 * -32768 exceeds i16.
      return binary(v16x8, [&](Value* x, Value* y) {
        llvm::Type* w = vec(m_i32, 8);
        Value* p = m_b.CreateMul(m_b.CreateSExt(x, w), m_b.CreateSExt(y, w));
        p = m_b.CreateAShr(m_b.CreateAdd(p, llvm::ConstantInt::get(w, 0x4000)), llvm::ConstantInt::get(w, 15));
        p = m_b.CreateBinaryIntrinsic(llvm::Intrinsic::smin, p, llvm::ConstantInt::get(w, 0x7FFF));
        return m_b.CreateTrunc(p, v16x8);
      });
    case Opcode::I32x4DotI16x8S:
      return binary(v16x8, [&](Value* x, Value* y) {
        llvm::Type* w = vec(m_i32, 8);
        return add_pairs(m_b.CreateMul(m_b.CreateSExt(x, w), m_b.CreateSExt(y, w)));
      });
    case Opcode::I16x8ExtendLowI8x16S: return extend(v8x16, false, true);
    case Opcode::I16x8ExtendHighI8x16S: return extend(v8x16, true, true);
    case Opcode::I16x8ExtendLowI8x16U: return extend(v8x16, false, false);
    case Opcode::I16x8ExtendHighI8x16U: return extend(v8x16, true, false);
    case Opcode::I32x4ExtendLowI16x8S: return extend(v16x8, false, true);
    case Opcode::I32x4ExtendHighI16x8S: return extend(v16x8, true, true);
    case Opcode::I32x4ExtendLowI16x8U: return extend(v16x8, false, false);
    case Opcode::I32x4ExtendHighI16x8U: return extend(v16x8, true, false);
    case Opcode::I64x2ExtendLowI32x4S: return extend(v32x4, false, true);
    case Opcode::I64x2ExtendHighI32x4S: return extend(v32x4, true, true);
    case Opcode::I64x2ExtendLowI32x4U: return extend(v32x4, false, false);
    case Opcode::I64x2ExtendHighI32x4U: return extend(v32x4, true, false);
    case Opcode::I16x8ExtmulLowI8x16S: return extmul(v8x16, false, true);
    case Opcode::I16x8ExtmulHighI8x16S: return extmul(v8x16, true, true);
    case Opcode::I16x8ExtmulLowI8x16U: return extmul(v8x16, false, false);
    case Opcode::I16x8ExtmulHighI8x16U: return extmul(v8x16, true, false);
    case Opcode::I32x4ExtmulLowI16x8S: return extmul(v16x8, false, true);
    case Opcode::I32x4ExtmulHighI16x8S: return extmul(v16x8, true, true);
    case Opcode::I32x4ExtmulLowI16x8U: return extmul(v16x8, false, false);
    case Opcode::I32x4ExtmulHighI16x8U: return extmul(v16x8, true, false);
    case Opcode::I64x2ExtmulLowI32x4S: return extmul(v32x4, false, true);
    case Opcode::I64x2ExtmulHighI32x4S: return extmul(v32x4, true, true);
    case Opcode::I64x2ExtmulLowI32x4U: return extmul(v32x4, false, false);
    case Opcode::I64x2ExtmulHighI32x4U: return extmul(v32x4, true, false);

    // Float lanes.
    case Opcode::F32x4Abs: return intrinsic1(f32x4, llvm::Intrinsic::fabs);
    case Opcode::F64x2Abs: return intrinsic1(f64x2, llvm::Intrinsic::fabs);
    case Opcode::F32x4Neg: return unary(f32x4, [&](Value* x) { return m_b.CreateFNeg(x); });
    case Opcode::F64x2Neg: return unary(f64x2, [&](Value* x) { return m_b.CreateFNeg(x); });
    case Opcode::F32x4Sqrt: return intrinsic1(f32x4, llvm::Intrinsic::sqrt);
    case Opcode::F64x2Sqrt: return intrinsic1(f64x2, llvm::Intrinsic::sqrt);
    case Opcode::F32x4Ceil: return intrinsic1(f32x4, llvm::Intrinsic::ceil);
    case Opcode::F64x2Ceil: return intrinsic1(f64x2, llvm::Intrinsic::ceil);
    case Opcode::F32x4Floor: return intrinsic1(f32x4, llvm::Intrinsic::floor);
    case Opcode::F64x2Floor: return intrinsic1(f64x2, llvm::Intrinsic::floor);
    case Opcode::F32x4Trunc: return intrinsic1(f32x4, llvm::Intrinsic::trunc);
    case Opcode::F64x2Trunc: return intrinsic1(f64x2, llvm::Intrinsic::trunc);
    case Opcode::F32x4Nearest: return intrinsic1(f32x4, llvm::Intrinsic::roundeven);
    case Opcode::F64x2Nearest: return intrinsic1(f64x2, llvm::Intrinsic::roundeven);
    case Opcode::F32x4Add: return farith(f32x4, B::FAdd);
    case Opcode::F64x2Add: return farith(f64x2, B::FAdd);
    case Opcode::F32x4Sub: return farith(f32x4, B::FSub);
    case Opcode::F64x2Sub: return farith(f64x2, B::FSub);
    case Opcode::F32x4Mul: return farith(f32x4, B::FMul);
    case Opcode::F64x2Mul: return farith(f64x2, B::FMul);
    case Opcode::F32x4Div: return farith(f32x4, B::FDiv);
    case Opcode::F64x2Div: return farith(f64x2, B::FDiv);
    case Opcode::F32x4Min: return fminmax(f32x4, llvm::Intrinsic::minimum);
    case Opcode::F64x2Min: return fminmax(f64x2, llvm::Intrinsic::minimum);
    case Opcode::F32x4Max: return fminmax(f32x4, llvm::Intrinsic::maximum);
    case Opcode::F64x2Max: return fminmax(f64x2, llvm::Intrinsic::maximum);
    case Opcode::F32x4Pmin: return pminmax(f32x4, false);
    case Opcode::F64x2Pmin: return pminmax(f64x2, false);
    case Opcode::F32x4Pmax: return pminmax(f32x4, true);
    case Opcode::F64x2Pmax: return pminmax(f64x2, true);

    // Conversions.
    case Opcode::I32x4TruncSatF32x4S: return trunc_sat(f32x4, true, v32x4);
    case Opcode::I32x4TruncSatF32x4U: return trunc_sat(f32x4, false, v32x4);
    case Opcode::F32x4ConvertI32x4S: return cast(v32x4, C::SIToFP, f32x4);
    case Opcode::F32x4ConvertI32x4U: return cast(v32x4, C::UIToFP, f32x4);
    case Opcode::I32x4TruncSatF64x2SZero:
    case Opcode::I32x4TruncSatF64x2UZero: {
      const bool sign = op == Opcode::I32x4TruncSatF64x2SZero;
      llvm::Type* to = vec(m_i32, 2);
      return unary(f64x2, [&](Value* x) {
        return zero_high(intrinsic(sign ? llvm::Intrinsic::fptosi_sat : llvm::Intrinsic::fptoui_sat, {x}, {to, f64x2}));
      });
    }
    case Opcode::F64x2ConvertLowI32x4S:
    case Opcode::F64x2ConvertLowI32x4U: {
      const C c = op == Opcode::F64x2ConvertLowI32x4S ? C::SIToFP : C::UIToFP;
      return unary(v32x4, [&](Value* x) { return m_b.CreateCast(c, lanes(x, 0, 2), f64x2); });
    }
    case Opcode::F32x4DemoteF64x2Zero:
      return unary(f64x2, [&](Value* x) { return zero_high(m_b.CreateFPTrunc(x, vec(m_f32, 2))); });
    case Opcode::F64x2PromoteLowF32x4:
      return unary(f32x4, [&](Value* x) { return m_b.CreateFPExt(lanes(x, 0, 2), f64x2); });

    default: return unsupported();
  }
}

}  // namespace skiff::engine::llvm_tier
