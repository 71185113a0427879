#include "engine/llvm/module_compiler.h"

#include <dirent.h>
#include <fcntl.h>
#include <spawn.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <ctime>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <thread>

#include <llvm/ADT/SmallVector.h>
#include <llvm/IR/LegacyPassManager.h>
#include <llvm/IR/Verifier.h>
#include <llvm/MC/TargetRegistry.h>
#include <llvm/Passes/PassBuilder.h>
#include <llvm/Support/raw_ostream.h>
#include <llvm/Target/TargetMachine.h>
#include <llvm/Target/TargetOptions.h>
#include <llvm/TargetParser/Host.h>

#include "engine/llvm/wasm_guards.h"
#include "engine/native/vmctx.h"
#include "engine/validate/module_validator.h"
#include "platform/file.h"

extern char** environ;

extern "C" {
void LLVMInitializeX86TargetInfo();
void LLVMInitializeX86Target();
void LLVMInitializeX86TargetMC();
void LLVMInitializeX86AsmPrinter();
}

namespace skiff::engine::llvm_tier {

namespace {

constexpr const char* kTriple = "x86_64-unknown-linux-gnu";

void init_llvm() {
  static std::once_flag once;
  std::call_once(once, [] {
    LLVMInitializeX86TargetInfo();
    LLVMInitializeX86Target();
    LLVMInitializeX86TargetMC();
    LLVMInitializeX86AsmPrinter();
  });
}

Error compile_error(std::string msg) { return Error(ErrorCode::CompileFailed, kNoOffset, std::move(msg)); }

// Marks a function the way every generated function is: frame pointers kept (trap
// backtraces walk them), no unwind tables (traps never unwind through C++), no tail
// calls (turning recursion into a loop would make a guest's runaway recursion spin
// forever instead of trapping with "call stack exhausted"), and no library calls made
// up by the optimizer: a store loop turned into memset would touch linear memory from
// libc, where a guard-page fault is not a wasm trap but a crash of the process.
void set_attributes(llvm::Function* f) {
  f->addFnAttr("frame-pointer", "all");
  f->addFnAttr("disable-tail-calls", "true");
  f->addFnAttr("no-builtins");
  f->addFnAttr(llvm::Attribute::NoUnwind);
}

// The slot-ABI entry "s<i>": arguments from slots, the typed call, results to slots.
void define_slot_entry(ModuleCodegen& mc, uint32_t i, const ir::FuncType& t) {
  llvm::LLVMContext& c = mc.ctx;
  llvm::Type* ptr = llvm::PointerType::get(c, 0);
  auto* ft = llvm::FunctionType::get(llvm::Type::getVoidTy(c), {ptr, ptr}, false);
  auto* f = llvm::Function::Create(ft, llvm::Function::ExternalLinkage, std::string(1, native::kSlotPrefix) +
                                                                           std::to_string(i), mc.module);
  set_attributes(f);
  llvm::IRBuilder<> b(llvm::BasicBlock::Create(c, "entry", f));
  llvm::Value* slots = f->getArg(1);
  std::vector<llvm::Value*> args{f->getArg(0)};
  for (llvm::Value* v : mc.load_slots(b, slots, t.params)) args.push_back(v);
  llvm::Value* ret = b.CreateCall(mc.typed[i], args);
  mc.store_slots(b, slots, mc.unpack_results(b, ret, t.results.size()), t.results);
  b.CreateRetVoid();
}

// The body of a function this tier does not lower: a call through the slot ABI to
// whichever tier runs it.
void define_forwarder(ModuleCodegen& mc, uint32_t i, const ir::FuncType& t) {
  llvm::Function* f = mc.typed[i];
  llvm::LLVMContext& c = mc.ctx;
  llvm::Type* ptr = llvm::PointerType::get(c, 0);
  llvm::Type* i32 = llvm::Type::getInt32Ty(c);
  llvm::IRBuilder<> b(llvm::BasicBlock::Create(c, "entry", f));
  const size_t n = std::max<size_t>({t.params.size(), t.results.size(), 1});
  llvm::Value* slots = b.CreateAlloca(llvm::Type::getInt64Ty(c), b.getInt32(static_cast<uint32_t>(n)));
  std::vector<llvm::Value*> params;
  for (size_t k = 0; k < t.params.size(); ++k) params.push_back(f->getArg(static_cast<unsigned>(k + 1)));
  mc.store_slots(b, slots, params, t.params);
  llvm::Value* status = b.CreateCall(mc.rt("skiff_rt_call", i32, {ptr, i32, ptr}),
                                     {f->getArg(0), b.getInt32(mc.wasm.imported_funcs + i), slots});
  auto* bad = llvm::BasicBlock::Create(c, "trapped", f);
  auto* good = llvm::BasicBlock::Create(c, "ok", f);
  b.CreateCondBr(b.CreateICmpNE(status, b.getInt32(0)), bad, good);
  b.SetInsertPoint(bad);
  b.CreateCall(mc.rt("skiff_rt_trap", b.getVoidTy(), {i32}), {status})->setDoesNotReturn();
  b.CreateUnreachable();
  b.SetInsertPoint(good);
  mc.return_values(b, f, mc.load_slots(b, slots, t.results));
}


// Functions [begin, end) of the module, lowered, optimized and emitted as one object.
// With `shared`, every typed function is a global symbol ("f<i>"), since other
// partitions' objects call them; else only what a table can reach is.
Result<std::vector<uint8_t>> compile_partition(const ir::Module& wm, const validate::ModuleEnv& env,
                                               const CompileOptions& opts, uint32_t begin, uint32_t end,
                                               bool shared, uint32_t* compiled) {
  std::string err;
  const llvm::Target* tgt = llvm::TargetRegistry::lookupTarget(kTriple, err);
  if (!tgt) return compile_error("LLVM has no x86-64 target: " + err);
  llvm::TargetOptions to;
  const llvm::CodeGenOptLevel level = opts.opt_level == 0   ? llvm::CodeGenOptLevel::None
                                      : opts.opt_level == 1 ? llvm::CodeGenOptLevel::Less
                                      : opts.opt_level == 3 ? llvm::CodeGenOptLevel::Aggressive
                                                            : llvm::CodeGenOptLevel::Default;
  std::unique_ptr<llvm::TargetMachine> tm(tgt->createTargetMachine(kTriple, "x86-64", opts.features, to,
                                                                   llvm::Reloc::PIC_, llvm::CodeModel::Small, level));
  if (!tm) return compile_error("cannot make a target machine for features " + opts.features);
  const std::string tune = llvm::sys::getHostCPUName().str();

  llvm::LLVMContext ctx;
  llvm::Module module("wasm", ctx);
  module.setTargetTriple(kTriple);
  module.setDataLayout(tm->createDataLayout());

  ModuleCodegen mc{ctx, module, wm, opts.codegen, false, {}};
  mc.ssse3 = opts.features.find("+ssse3") != std::string::npos;
  const uint32_t n = wm.defined_funcs();
  for (uint32_t i = 0; i < n; ++i) {
    const ir::FuncType& t = wm.func_type(ir::FuncIdx(wm.imported_funcs + i));
    // What a table or reference may reach keeps the C convention under a global name,
    // for call_indirect's direct calls (vmctx.h); so does what another partition calls.
    const bool global = shared || env.declared_funcs[wm.imported_funcs + i];
    const bool mine = i >= begin && i < end;
    auto* f = llvm::Function::Create(
        mc.func_type(t), global || !mine ? llvm::Function::ExternalLinkage : llvm::Function::InternalLinkage,
        std::string(1, global ? native::kTypedPrefix : native::kLocalPrefix) + std::to_string(i), module);
    set_attributes(f);
    f->addFnAttr("tune-cpu", tune);
    mc.typed.push_back(f);
  }
  FuncCompiler fc(mc, env);
  for (uint32_t i = begin; i < end; ++i) {
    const ir::FuncType& t = wm.func_type(ir::FuncIdx(wm.imported_funcs + i));
    bool lowered = false;
    if (i >= opts.interpreted.size() || !opts.interpreted[i]) {
      SKIFF_TRY_ASSIGN(lowered, fc.compile(i));
    }
    if (lowered) {
      define_slot_entry(mc, i, t);
      ++*compiled;
    } else if (t.params.size() + t.results.size() <= kMaxCompiledArity) {
      define_forwarder(mc, i, t);
    }  // else none: no compiled code calls a function of that arity (FuncCompiler leaves
       // such calls to the interpreter), and a forwarder of 1,000 results took LLVM minutes
  }
  // Functions of other partitions stay declarations; unused ones go.
  for (llvm::Function* f : mc.typed)
    if (f->isDeclaration() && f->use_empty()) f->eraseFromParent();
  {
    std::string msg;
    llvm::raw_string_ostream os(msg);
    if (llvm::verifyModule(module, &os)) return compile_error("generated IR is invalid: " + os.str());
  }

  llvm::LoopAnalysisManager lam;
  llvm::FunctionAnalysisManager fam;
  llvm::CGSCCAnalysisManager cgam;
  llvm::ModuleAnalysisManager mam;
  llvm::PassBuilder pb(tm.get());
  pb.registerModuleAnalyses(mam);
  pb.registerCGSCCAnalyses(cgam);
  pb.registerFunctionAnalyses(fam);
  pb.registerLoopAnalyses(lam);
  pb.crossRegisterProxies(lam, fam, cgam, mam);
  add_wasm_guards(module);
  pb.registerVectorizerStartEPCallback(
      [](llvm::FunctionPassManager& fpm, llvm::OptimizationLevel) { fpm.addPass(WasmGuards()); });
  const llvm::OptimizationLevel ol = opts.opt_level == 0   ? llvm::OptimizationLevel::O0
                                     : opts.opt_level == 1 ? llvm::OptimizationLevel::O1
                                     : opts.opt_level == 3 ? llvm::OptimizationLevel::O3
                                                           : llvm::OptimizationLevel::O2;
  llvm::ModulePassManager mpm = opts.opt_level == 0 ? pb.buildO0DefaultPipeline(ol) : pb.buildPerModuleDefaultPipeline(ol);
  mpm.run(module, mam);
  for (llvm::Function& f : module) {
    resolve_wasm_guards(f);  // pipelines without a vectorizer start (O0)
    hold_memory_loads(f);
  }

  llvm::SmallVector<char, 0> buf;
  {
    llvm::raw_svector_ostream os(buf);
    llvm::legacy::PassManager pm;
    if (tm->addPassesToEmitFile(pm, os, nullptr, llvm::CodeGenFileType::ObjectFile))
      return compile_error("LLVM cannot emit an object file for this target");
    pm.run(module);
  }
  return std::vector<uint8_t>(buf.begin(), buf.end());
}

// Joins partition objects into one relocatable object (`ld.lld -r`), so an artifact
// and the loader keep dealing with exactly one.
constexpr std::string_view kLinkDirPrefix = "skiff-llvmc-";

std::string link_base_dir() {
  const char* t = std::getenv("TMPDIR");
  return t && *t == '/' ? t : "/tmp";
}

// Removes the files of a link directory (no subdirectories are ever made) and the
// directory, through its descriptor, so nothing is followed out of it.
void remove_link_dir(int dfd, const std::string& path) {
  if (DIR* d = ::fdopendir(::dup(dfd))) {
    while (dirent* e = ::readdir(d))
      if (std::strcmp(e->d_name, ".") != 0 && std::strcmp(e->d_name, "..") != 0) ::unlinkat(dfd, e->d_name, 0);
    ::closedir(d);
  }
  ::rmdir(path.c_str());
}

// A compile killed during its link (TierUp kills the compiler's process group) leaves
// its directory behind. Each live compile holds a lock on its directory (flock, which,
// unlike a pid, means the same in every pid namespace sharing the directory), so a
// directory of this user whose lock can be taken, and that is not brand new (the lock
// is taken just after mkdtemp), is left over and goes.
void remove_stale_link_dirs(const std::string& base) {
  DIR* d = ::opendir(base.c_str());
  if (!d) return;
  const time_t old = ::time(nullptr) - 60;
  while (dirent* e = ::readdir(d)) {
    if (std::strncmp(e->d_name, kLinkDirPrefix.data(), kLinkDirPrefix.size()) != 0) continue;
    const std::string path = base + "/" + e->d_name;
    struct stat st;
    if (::lstat(path.c_str(), &st) != 0 || !S_ISDIR(st.st_mode) || st.st_uid != ::geteuid() || st.st_mtime > old)
      continue;
    const int dfd = ::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (dfd < 0) continue;
    if (::flock(dfd, LOCK_EX | LOCK_NB) == 0) remove_link_dir(dfd, path);
    ::close(dfd);
  }
  ::closedir(d);
}

Result<std::vector<uint8_t>> link_objects(const std::vector<std::vector<uint8_t>>& objects) {
  const std::string base = link_base_dir();
  remove_stale_link_dirs(base);
  std::string dir_template = base + "/" + std::string(kLinkDirPrefix) + std::to_string(::getpid()) + "-XXXXXX";
  const char* dir = ::mkdtemp(dir_template.data());
  if (!dir) return compile_error("mkdtemp in " + base + ": " + std::strerror(errno));
  // Held until the directory is gone; released by the kernel if this process is killed.
  const int lock = ::open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (lock < 0 || ::flock(lock, LOCK_EX) != 0) {
    if (lock >= 0) ::close(lock);
    ::rmdir(dir);
    return compile_error(std::string("cannot lock ") + dir + ": " + std::strerror(errno));
  }
  struct Cleanup {
    int fd;
    std::string path;
    ~Cleanup() {
      remove_link_dir(fd, path);
      ::close(fd);
    }
  } cleanup{lock, dir};
  std::vector<std::string> args{"ld.lld", "-r", "-o", std::string(dir) + "/all.o"};
  for (size_t k = 0; k < objects.size(); ++k) {
    const std::string path = std::string(dir) + "/p" + std::to_string(k) + ".o";
    if (!platform::write_file(path, objects[k]).ok()) return compile_error("cannot write " + path);
    args.push_back(path);
  }
  std::vector<char*> argv;
  for (std::string& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  pid_t pid = 0;
  int status = 0;
  const int rc = ::posix_spawnp(&pid, "ld.lld", nullptr, nullptr, argv.data(), environ);
  if (rc == 0)
    while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
  Result<std::vector<uint8_t>> out = platform::read_file(std::string(dir) + "/all.o");
  if (rc != 0) return compile_error(std::string("cannot run ld.lld (package lld): ") + std::strerror(rc));
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0 || !out) return compile_error("ld.lld -r failed on the partitions");
  return out;
}

}  // namespace

// Whether defined function `i` would cost LLVM far more than its size suggests: its
// passes are superlinear in a function's size, its locals (an alloca each) and its
// arity (a phi or argument per value), so a few KB of hostile wasm took minutes and
// gigabytes (review: 50,000 unused locals x 300 functions in 3 KB, 45 s and 4.3 GB;
// 25,000 nested ifs, 12.8 s; 200 KB of straight-line code, over 120 s). Such functions
// stay in the interpreter, whose translation is linear and bounded.
static bool too_costly(const ir::Module& wm, uint32_t i) {
  const ir::FuncBody& body = wm.codes[i];
  if (body.body.size > kMaxCompiledBodyBytes) return true;
  uint64_t locals = 0;
  for (const ir::LocalRun& run : body.locals) locals += run.count;
  if (locals > kMaxCompiledLocals) return true;
  const ir::FuncType& t = wm.func_type(ir::FuncIdx(wm.imported_funcs + i));
  return t.params.size() + t.results.size() > kMaxCompiledArity;
}

Result<std::vector<uint8_t>> compile_object(const validate::ValidatedModule& vm, const CompileOptions& given,
                                            CompileStats* stats) {
  const auto t0 = std::chrono::steady_clock::now();
  init_llvm();
  const ir::Module& wm = vm.module();
  // The validator's environment, rebuilt (the module is valid, so this cannot fail).
  validate::ModuleValidator v;
  SKIFF_TRY(v.check_before_code(wm));
  validate::ModuleEnv env = v.env();
  env.module = &wm;
  const uint32_t n = wm.defined_funcs();
  CompileOptions opts = given;
  opts.interpreted.resize(n, false);
  for (uint32_t i = 0; i < n; ++i)
    if (too_costly(wm, i)) opts.interpreted[i] = true;

  // Partitions of about equal code size, one per thread, for modules big enough that
  // the threads pay (a partition loses inlining across its boundary).
  // A function left to the interpreter gets a small forwarder, not its body.
  auto weight = [&](uint32_t i) -> uint64_t {
    return i < opts.interpreted.size() && opts.interpreted[i] ? 16 : wm.codes[i].body.size;
  };
  uint64_t code_bytes = 0;
  for (uint32_t i = 0; i < n; ++i) code_bytes += weight(i);
  unsigned parts = opts.partitions;
  if (parts == 0) {
    const unsigned threads = std::max(1u, std::min(8u, std::thread::hardware_concurrency()));
    parts = code_bytes >= kParallelCodeBytes ? threads : 1;
  }
  parts = std::max(1u, std::min<unsigned>(parts, std::max(n, 1u)));
  std::vector<uint32_t> bounds{0};
  uint64_t acc = 0;
  for (uint32_t i = 0; i < n && bounds.size() < parts; ++i) {
    acc += weight(i);
    if (acc * parts >= code_bytes * bounds.size()) bounds.push_back(i + 1);
  }
  while (bounds.size() <= parts) bounds.push_back(n);
  bounds.back() = n;

  std::vector<Result<std::vector<uint8_t>>> objects(parts, Error(ErrorCode::CompileFailed));
  std::vector<uint32_t> compiled(parts, 0);
  const bool shared = parts > 1;
  auto work = [&](unsigned k) {
    objects[k] = compile_partition(wm, env, opts, bounds[k], bounds[k + 1], shared, &compiled[k]);
  };
  std::vector<std::thread> threads;
  for (unsigned k = 1; k < parts; ++k) threads.emplace_back(work, k);
  work(0);
  for (std::thread& t : threads) t.join();
  std::vector<std::vector<uint8_t>> objs;
  for (auto& o : objects) {
    if (!o) return std::move(o).error();
    objs.push_back(std::move(*o));
  }
  Result<std::vector<uint8_t>> out = parts == 1 ? Result<std::vector<uint8_t>>(std::move(objs[0])) : link_objects(objs);
  if (!out) return out;
  if (stats) {
    stats->functions = n;
    stats->compiled = 0;
    for (uint32_t c : compiled) stats->compiled += c;
    stats->partitions = parts;
    stats->seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  }
  return out;
}

}  // namespace skiff::engine::llvm_tier
