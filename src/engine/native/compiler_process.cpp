#include "engine/native/compiler_process.h"

#include <fcntl.h>
#include <spawn.h>
#include <poll.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "platform/file.h"

extern char** environ;

namespace skiff::engine::native {

namespace {

Error unavailable(std::string msg) { return Error(ErrorCode::CompilerUnavailable, kNoOffset, std::move(msg)); }

// Closes the descriptor when it goes out of scope.
struct Fd {
  int fd = -1;
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
};

// What the child wrote to the memory file `f` (whose offset it shares), from the start.
Result<std::vector<uint8_t>> written(Fd& f, const char* name) {
  ::lseek(f.fd, 0, SEEK_SET);
  const int fd = f.fd;
  f.fd = -1;
  return platform::ReadableFile::adopt(fd, name).read_all();
}

// Waits until the child `pid` has exited, leaving it unreaped; false at `deadline`.
bool wait_exit(pid_t pid, std::chrono::steady_clock::time_point deadline) {
  Fd pidfd{static_cast<int>(::syscall(SYS_pidfd_open, pid, 0))};
  for (;;) {
    const auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return false;
    if (pidfd.fd < 0) {
      // No pidfd (a kernel before 5.3): poll the child's state.
      siginfo_t info{};
      if (::waitid(P_PID, static_cast<id_t>(pid), &info, WEXITED | WNOWAIT | WNOHANG) == 0 && info.si_pid == pid)
        return true;
      ::usleep(10'000);
      continue;
    }
    pollfd p{pidfd.fd, POLLIN, 0};
    const int r = ::poll(&p, 1, static_cast<int>(std::min<int64_t>(left.count(), 60'000)));
    if (r > 0) return true;
  }
}

}  // namespace

Result<std::string> find_compiler() {
  if (const char* env = std::getenv("SKIFF_LLVMC"); env && *env) {
    if (::access(env, X_OK) != 0) return unavailable(std::string("SKIFF_LLVMC=") + env + " is not an executable");
    return std::string(env);
  }
  char self[4096];
  const ssize_t n = ::readlink("/proc/self/exe", self, sizeof self - 1);
  if (n > 0) {
    std::string path(self, static_cast<size_t>(n));
    path = path.substr(0, path.rfind('/') + 1) + "skiff-llvmc";
    if (::access(path.c_str(), X_OK) == 0) return path;
  }
  return unavailable("skiff-llvmc was not found beside this executable (set SKIFF_LLVMC to its path)");
}

std::chrono::seconds compile_time_limit() {
  if (const char* env = std::getenv("SKIFF_COMPILE_TIMEOUT"); env && *env) {
    char* end = nullptr;
    const long s = std::strtol(env, &end, 10);
    if (*end == '\0' && s > 0) return std::chrono::seconds(s);
  }
  return std::chrono::seconds(600);
}

void CompileCancel::cancel() {
  std::lock_guard lock(m_mutex);
  m_cancelled = true;
  if (m_child > 0) ::kill(-m_child, SIGKILL);  // its process group: the compiler and its linker
}

bool CompileCancel::cancelled() const {
  std::lock_guard lock(m_mutex);
  return m_cancelled;
}

Result<std::vector<uint8_t>> run_compiler(const std::string& path, std::span<const uint8_t> wasm,
                                          const CompileRequest& req, CompileReport* report) {
  auto cancelled = [] { return Error(ErrorCode::CompileFailed, kNoOffset, "compile cancelled"); };
  if (req.cancel && req.cancel->cancelled()) return cancelled();
  Fd in{::memfd_create("skiff-llvmc-in", MFD_CLOEXEC)};
  Fd out{::memfd_create("skiff-llvmc-out", MFD_CLOEXEC)};
  Fd err{::memfd_create("skiff-llvmc-err", MFD_CLOEXEC)};
  if (in.fd < 0 || out.fd < 0 || err.fd < 0) return unavailable(std::string("memfd_create: ") + std::strerror(errno));
  SKIFF_TRY(platform::write_all(in.fd, wasm, "the module for the compiler"));
  ::lseek(in.fd, 0, SEEK_SET);

  // The compiler stops if its parent is gone; it is told who that is, since a parent of
  // pid 1 (skiff as a container's first process) is no sign of that.
  std::vector<std::string> args{path, "--parent=" + std::to_string(::getpid()), "--opt=" + std::to_string(req.opt_level)};
  args.push_back("--features=" + req.features);
  if (req.partitions) args.push_back("--partitions=" + std::to_string(req.partitions));
  if (req.interruptible) args.push_back("--interruptible");
  if (req.fuel) args.push_back("--fuel");
  if (!req.only.empty()) {
    std::string list = "--only=";
    for (uint32_t i : req.only) list += std::to_string(i) + ",";
    list.pop_back();
    args.push_back(std::move(list));
  }
  std::vector<char*> argv;
  for (std::string& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);

  pid_t pid = 0;
  std::unique_lock cancel_lock = req.cancel ? std::unique_lock(req.cancel->m_mutex) : std::unique_lock<std::mutex>();
  // Checked before the spawn structures exist: returning past them would leak theirs.
  if (req.cancel && req.cancel->m_cancelled) return cancelled();
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_adddup2(&fa, in.fd, 0);
  posix_spawn_file_actions_adddup2(&fa, out.fd, 1);
  posix_spawn_file_actions_adddup2(&fa, err.fd, 2);
  // A process group of its own, so cancel() ends the linker it may have started too.
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  // SIGPIPE as the default again: skiff ignores it, and exec keeps an ignored signal ignored.
  sigset_t defaults;
  sigemptyset(&defaults);
  sigaddset(&defaults, SIGPIPE);
  posix_spawnattr_setsigdefault(&attr, &defaults);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGDEF);
  posix_spawnattr_setpgroup(&attr, 0);
  const int rc = ::posix_spawn(&pid, path.c_str(), &fa, &attr, argv.data(), environ);
  posix_spawnattr_destroy(&attr);
  posix_spawn_file_actions_destroy(&fa);
  if (rc != 0) return unavailable("cannot run " + path + ": " + std::strerror(rc));
  if (req.cancel) {
    req.cancel->m_child = pid;
    cancel_lock.unlock();
  }
  // Wait for the exit without reaping, so cancel() never signals a pid that was reused,
  // and no longer than the time limit.
  const auto limit = compile_time_limit();
  const bool timed_out = !wait_exit(pid, std::chrono::steady_clock::now() + limit);
  if (timed_out) ::kill(-pid, SIGKILL);  // with the linker it may have started
  if (req.cancel) {
    cancel_lock.lock();
    req.cancel->m_child = 0;
    cancel_lock.unlock();
  }
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) return unavailable("waitpid: " + std::string(std::strerror(errno)));
  }
  if (timed_out)
    return Error(ErrorCode::CompileFailed, kNoOffset,
                 "skiff-llvmc took longer than " + std::to_string(limit.count()) +
                     " s and was stopped (SKIFF_COMPILE_TIMEOUT sets the limit)");
  if (req.cancel && req.cancel->cancelled()) return cancelled();
  SKIFF_TRY_ASSIGN(std::vector<uint8_t> diag, written(err, "the compiler's stderr"));
  std::string text(diag.begin(), diag.end());
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    while (!text.empty() && text.back() == '\n') text.pop_back();
    const std::string how = WIFSIGNALED(status) ? "killed by signal " + std::to_string(WTERMSIG(status))
                                                : "exit " + std::to_string(WEXITSTATUS(status));
    return Error(ErrorCode::CompileFailed, kNoOffset, "skiff-llvmc failed (" + how + ")" + (text.empty() ? "" : ": " + text));
  }
  if (report) {
    const size_t at = text.rfind("stats:");
    if (at != std::string::npos)
      std::sscanf(text.c_str() + at, "stats: functions=%u compiled=%u seconds=%lf", &report->functions,
                  &report->compiled, &report->seconds);
  }
  return written(out, "the compiler's output");
}

}  // namespace skiff::engine::native
