#pragma once

// Two rules of wasm that LLVM's optimizer does not keep, kept through its pipeline:
// - an out-of-bounds load traps even when nothing uses its value (LLVM deletes unused
//   loads, wherever inlining or folding makes them so);
// - float arithmetic turns a signaling NaN into a quiet one (LLVM folds x*1, x-0,
//   fptrunc(fpext x), ... to x once the other operand is known, however late).
//
// add_wasm_guards runs on the lowered module before the pipeline. Every load of linear
// memory gets a "keep": an llvm.annotation of its value, which has side effects to the
// optimizer (so neither it nor the load goes) but costs nothing in inlining or unrolling
// and emits no code. Every float operation LLVM may fold to an operand gets its result
// wrapped in llvm.arithmetic.fence, which the folds cannot see through.
//
// WasmGuards (at the vectorizer's start: after inlining and simplification, before
// vectorizing, which neither call would allow) resolves both. A kept load whose value
// reaches no effect in its own block (none at all, or only in other blocks, into which
// LLVM would move the load) is made volatile; the keeps go. A fence around
// what is still float arithmetic (which x86 quiets in hardware) goes; a fence around
// anything else (the operand of a folded operation) becomes a NaN check that quiets.
// resolve_wasm_guards does the same for a function, for pipelines without that point.

#include <llvm/IR/Module.h>
#include <llvm/IR/PassManager.h>

namespace skiff::engine::llvm_tier {

void add_wasm_guards(llvm::Module& module);

// Returns whether `f` changed.
bool resolve_wasm_guards(llvm::Function& f);

// After the pipeline, before codegen: makes volatile every load of linear memory that
// codegen could still move out of its place into a block that runs on fewer paths
// (wasm_guards.cpp, held_in_block).
void hold_memory_loads(llvm::Function& f);

struct WasmGuards : llvm::PassInfoMixin<WasmGuards> {
  llvm::PreservedAnalyses run(llvm::Function& f, llvm::FunctionAnalysisManager&) {
    if (!resolve_wasm_guards(f)) return llvm::PreservedAnalyses::all();
    llvm::PreservedAnalyses kept;
    kept.preserveSet<llvm::CFGAnalyses>();
    return kept;
  }
};

}  // namespace skiff::engine::llvm_tier
