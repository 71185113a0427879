#pragma once
// FuncCompiler: the FuncWalker interface that lowers one validated body to LLVM IR --
// the LLVM tier's counterpart of interp::Translator, driven by the same walker.
//
// Values live in SSA form: the operand stack mirrors llvm::Value*s, locals are allocas
// (promoted to registers by the optimizer), and block results and loop parameters meet
// in phi nodes. Linear memory is addressed as base + zext(address) + offset with no
// bounds check: the 8 GiB guard-page reservation turns an out-of-bounds access into a
// fault that trap_signals maps to a trap. Every other trap is an explicit check that
// calls skiff_rt_trap. Calls between compiled functions are direct typed calls; calls
// to imports, through tables, or to functions this tier does not compile go through the
// slot ABI and a runtime function (native/vmctx.h).
//
// v128 values travel as <2 x i64> and are bitcast to each instruction's lane shape
// (simd_compiler.cpp). A body this tier cannot lower is reported unsupported and stays
// in the interpreter; callers reach it through the slot ABI.

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include <llvm/IR/IRBuilder.h>
#include <llvm/IR/LLVMContext.h>
#include <llvm/IR/Module.h>

#include "base/result.h"
#include "engine/ir/module.h"
#include "engine/validate/func_walker.h"
#include "engine/validate/module_env.h"

namespace skiff::engine::llvm_tier {

struct CodegenOptions {
  // Stop checks (Store::interrupt) at function entries and loop heads.
  bool interruptible = false;
  // Fuel metering with the interpreter's regions (interp::CodeOptions::fuel).
  bool fuel = false;
};

// What every function of one module shares while it is lowered.
struct ModuleCodegen {
  llvm::LLVMContext& ctx;
  llvm::Module& module;
  const ir::Module& wasm;
  CodegenOptions opts;
  // The target has SSSE3 (pshufb, for i8x16.swizzle).
  bool ssse3 = false;
  // Typed function of each defined function ("f<i>"): ret(ptr ctx, params...).
  std::vector<llvm::Function*> typed;
  // Runtime functions (declared on first use).
  llvm::FunctionCallee rt(const char* name, llvm::Type* ret, std::initializer_list<llvm::Type*> params);
  llvm::FunctionType* func_type(const ir::FuncType& t);
  llvm::Type* type_of(ir::ValType t);
  // The slot ABI (runtime/host.h) at `slots`: values of `types` stored from slot 0 on
  // (i32/f32 as zero-extended bits, a v128 across two slots) and loaded back.
  void store_slots(llvm::IRBuilder<>& b, llvm::Value* slots, std::span<llvm::Value* const> values,
                   std::span<const ir::ValType> types);
  std::vector<llvm::Value*> load_slots(llvm::IRBuilder<>& b, llvm::Value* slots, std::span<const ir::ValType> types);
  // A typed call's results as values, and a return of values as func_type() says.
  std::vector<llvm::Value*> unpack_results(llvm::IRBuilder<>& b, llvm::Value* ret, size_t count);
  void return_values(llvm::IRBuilder<>& b, llvm::Function* f, std::span<llvm::Value* const> values);
};

// The metadata kind that marks loads of linear memory (add_wasm_guards keeps them).
inline constexpr const char* kMemoryLoadKind = "skiff.memory";

class FuncCompiler {
 public:
  FuncCompiler(ModuleCodegen& mc, const validate::ModuleEnv& env);

  // Lowers body `defined_index` into mc.typed[defined_index]. Returns false (leaving the
  // function without a body) when it uses what this tier does not lower yet.
  Result<bool> compile(uint32_t defined_index);

  // FuncWalker hooks (see validate::NullInterface).
  void begin_function(uint32_t defined_index);
  void on_instruction() { ++m_fuel_count; }
  void end_function() {}
  void on_block(ir::Opcode kind, const validate::BlockSig& sig);
  void on_else();
  void on_end(const validate::CtrlFrame& frame);
  void on_br(uint32_t depth);
  void on_br_if(uint32_t depth);
  void on_br_table(std::span<const uint32_t> depths);
  void on_return();
  void on_call(ir::FuncIdx f);
  void on_call_indirect(ir::TypeIdx t, ir::TableIdx table);
  void on_local(ir::Opcode op, uint32_t index);
  void on_global(ir::Opcode op, uint32_t index);
  void on_select(ir::ValType t);
  void on_const(ir::Opcode op, uint64_t bits);
  void on_v128_const(const ir::V128& v);
  void on_simple(ir::Opcode op);
  void on_memory(ir::Opcode op, const validate::MemArg& ma);
  void on_lane(ir::Opcode op, uint8_t lane);
  void on_memory_lane(ir::Opcode op, const validate::MemArg& ma, uint8_t lane);
  void on_shuffle(const uint8_t* lanes);
  void on_ref_null(ir::ValType t);
  void on_ref_func(ir::FuncIdx f);
  void on_other(ir::Opcode op, uint32_t a = 0, uint32_t b = 0);

 private:
  using Value = llvm::Value;
  using BB = llvm::BasicBlock;

  struct Ctl {
    ir::Opcode kind;               // Block, Loop, If, or End (the function itself)
    bool dead_entry;               // entered in unreachable code: nothing inside is lowered
    size_t height;                 // stack size below the params
    BB* cont;                      // after the end
    BB* header;                    // Loop: the loop head
    BB* else_bb;                   // If: the false arm, until `else` is seen
    std::vector<llvm::PHINode*> label_phis;  // what a branch to this label feeds
    std::vector<llvm::PHINode*> end_phis;    // results at `cont`
    std::vector<Value*> params;    // If: the params, for the else arm
    // Entered where the interpreter's translator is dead too (its own dead_entry): the
    // translator treats every other frame's inside as code, with fuel regions of its own.
    bool interp_dead_entry;
  };

  void unsupported();
  Value* pop() {
    Value* v = m_stack.back();
    m_stack.pop_back();
    return v;
  }
  void push(Value* v) { m_stack.push_back(v); }
  Ctl& ctl(uint32_t depth) { return m_ctls[m_ctls.size() - 1 - depth]; }
  BB* new_block(const char* name);
  std::vector<llvm::PHINode*> make_phis(BB* bb, const ir::ValType* types, uint32_t n);
  // Adds the top values to `c`'s label phis from the current block and branches there.
  void branch_to(Ctl& c);
  void feed_label(Ctl& c, BB* from);
  void enter_dead();
  void emit_checks(bool head);
  void close_fuel_region();
  BB* trap_block(ErrorCode code);
  void trap_if(Value* cond, ErrorCode code);
  // Raises the code a runtime function returned, unless it is 0.
  void check_status(Value* status);
  Value* field(uint32_t word, llvm::Type* t, bool invariant);
  Value* effective_address(Value* addr, uint64_t offset);
  Value* mem_size_bytes();
  Value* slot_array(uint32_t n);
  void push_all(const std::vector<Value*>& values) { m_stack.insert(m_stack.end(), values.begin(), values.end()); }
  Value* global_ptr(uint32_t index);
  Value* trunc_checked(Value* x, ir::Opcode op);
  Value* intrinsic(llvm::Intrinsic::ID id, std::initializer_list<Value*> args, std::initializer_list<llvm::Type*> types);
  Value* to_i32(Value* b) { return m_b.CreateZExt(b, m_i32); }
  // SIMD128 (simd_compiler.cpp): the 0xFD instructions without immediates, and loads
  // and stores of v128 values.
  void simd_simple(ir::Opcode op);
  void simd_memory(ir::Opcode op, const validate::MemArg& ma);
  llvm::FixedVectorType* vec(llvm::Type* lane, unsigned n) { return llvm::FixedVectorType::get(lane, n); }
  // The v128 on top of the stack as `t`, and a value of any 16-byte type pushed as v128.
  Value* pop_as(llvm::Type* t) { return m_b.CreateBitCast(pop(), t); }
  void push_v128(Value* v) { push(m_b.CreateBitCast(v, m_mc.type_of(ir::ValType::V128))); }
  // Lanes [first, first + n) of x.
  Value* lanes(Value* x, unsigned first, unsigned n);
  // A load of linear memory (align 1), tagged for add_wasm_guards.
  llvm::LoadInst* memory_load(llvm::Type* t, Value* address);

  ModuleCodegen& m_mc;
  validate::FuncWalker<FuncCompiler> m_walker;
  llvm::IRBuilder<> m_b;
  llvm::Type* m_i8;
  llvm::Type* m_i32;
  llvm::Type* m_i64;
  llvm::Type* m_f32;
  llvm::Type* m_f64;
  llvm::PointerType* m_ptr;

  llvm::Function* m_fn = nullptr;
  const ir::FuncType* m_type = nullptr;
  Value* m_vmctx = nullptr;
  Value* m_mem_base = nullptr;
  Value* m_globals = nullptr;
  BB* m_entry = nullptr;            // allocas go here
  std::vector<llvm::AllocaInst*> m_locals;
  std::vector<Value*> m_stack;
  std::vector<Ctl> m_ctls;
  std::vector<BB*> m_trap_blocks;   // by ErrorCode, made on first use
  bool m_dead = false;
  // The interpreter translator's m_dead, which is narrower: it is cleared at every `end`
  // (and `else`) of a frame it lowers, even one nothing reaches. Where m_dead is set and
  // this is not, the translator still opens fuel regions (at loop heads and after loop
  // ends); they are never charged, but they end the region that was open, so the
  // instructions after them must not count in that region here either.
  bool m_interp_dead = false;
  bool m_unsupported = false;
  uint32_t m_fuel_count = 0;
  // The open region's check and charge, whose constant is patched at the region's end.
  llvm::Instruction* m_fuel_cmp = nullptr;
  llvm::Instruction* m_fuel_cost = nullptr;
};

}  // namespace skiff::engine::llvm_tier
