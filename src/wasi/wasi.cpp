#include "wasi/wasi.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <tuple>
#include <utility>

#include "wasi/calls.h"

namespace skiff::wasi {

using engine::ir::FuncType;
using engine::ir::ValType;
using engine::runtime::Caller;

Errno errno_from_host(int e) {
  switch (e) {
    case 0: return Errno::Success;
    case E2BIG: return Errno::TooBig;
    case EACCES: return Errno::Acces;
    case EADDRINUSE: return Errno::AddrInUse;
    case EADDRNOTAVAIL: return Errno::AddrNotAvail;
    case EAFNOSUPPORT: return Errno::AfNoSupport;
    case EAGAIN: return Errno::Again;
    case EALREADY: return Errno::Already;
    case EBADF: return Errno::Badf;
    case EBADMSG: return Errno::BadMsg;
    case EBUSY: return Errno::Busy;
    case ECANCELED: return Errno::Canceled;
    case ECHILD: return Errno::Child;
    case ECONNABORTED: return Errno::ConnAborted;
    case ECONNREFUSED: return Errno::ConnRefused;
    case ECONNRESET: return Errno::ConnReset;
    case EDEADLK: return Errno::Deadlk;
    case EDESTADDRREQ: return Errno::DestAddrReq;
    case EDOM: return Errno::Dom;
    case EDQUOT: return Errno::Dquot;
    case EEXIST: return Errno::Exist;
    case EFAULT: return Errno::Fault;
    case EFBIG: return Errno::Fbig;
    case EHOSTUNREACH: return Errno::HostUnreach;
    case EIDRM: return Errno::Idrm;
    case EILSEQ: return Errno::Ilseq;
    case EINPROGRESS: return Errno::InProgress;
    case EINTR: return Errno::Intr;
    case EINVAL: return Errno::Inval;
    case EIO: return Errno::Io;
    case EISCONN: return Errno::IsConn;
    case EISDIR: return Errno::IsDir;
    case ELOOP: return Errno::Loop;
    case EMFILE: return Errno::Mfile;
    case EMLINK: return Errno::Mlink;
    case EMSGSIZE: return Errno::MsgSize;
    case EMULTIHOP: return Errno::Multihop;
    case ENAMETOOLONG: return Errno::NameTooLong;
    case ENETDOWN: return Errno::NetDown;
    case ENETRESET: return Errno::NetReset;
    case ENETUNREACH: return Errno::NetUnreach;
    case ENFILE: return Errno::Nfile;
    case ENOBUFS: return Errno::NoBufs;
    case ENODEV: return Errno::NoDev;
    case ENOENT: return Errno::NoEnt;
    case ENOEXEC: return Errno::NoExec;
    case ENOLCK: return Errno::NoLck;
    case ENOLINK: return Errno::NoLink;
    case ENOMEM: return Errno::NoMem;
    case ENOMSG: return Errno::NoMsg;
    case ENOPROTOOPT: return Errno::NoProtoOpt;
    case ENOSPC: return Errno::NoSpc;
    case ENOSYS: return Errno::NoSys;
    case ENOTCONN: return Errno::NotConn;
    case ENOTDIR: return Errno::NotDir;
    case ENOTEMPTY: return Errno::NotEmpty;
    case ENOTRECOVERABLE: return Errno::NotRecoverable;
    case ENOTSOCK: return Errno::NotSock;
    case ENOTSUP: return Errno::NotSup;  // == EOPNOTSUPP on Linux
    case ENOTTY: return Errno::NoTty;
    case ENXIO: return Errno::Nxio;
    case EOVERFLOW: return Errno::Overflow;
    case EOWNERDEAD: return Errno::OwnerDead;
    case EPERM: return Errno::Perm;
    case EPIPE: return Errno::Pipe;
    case EPROTO: return Errno::Proto;
    case EPROTONOSUPPORT: return Errno::ProtoNoSupport;
    case EPROTOTYPE: return Errno::ProtoType;
    case ERANGE: return Errno::Range;
    case EROFS: return Errno::Rofs;
    case ESPIPE: return Errno::Spipe;
    case ESRCH: return Errno::Srch;
    case ESTALE: return Errno::Stale;
    case ETIMEDOUT: return Errno::TimedOut;
    case ETXTBSY: return Errno::TxtBsy;
    case EXDEV: return Errno::NotCapable;  // an escape from a preopen (platform/beneath.h)
    default: return Errno::Io;
  }
}

namespace {

Errno last_errno() { return errno_from_host(errno); }

// --- binding the functions to the slot ABI ---------------------------------------------

template <typename T> constexpr ValType val_type() {
  static_assert(std::is_same_v<T, U32> || std::is_same_v<T, U64>);
  return std::is_same_v<T, U32> ? ValType::I32 : ValType::I64;
}

template <typename F> struct Signature;
template <typename... A> struct Signature<Errno (*)(WasiCtx&, Guest&, A...)> {
  static FuncType type() { return FuncType{{val_type<A>()...}, {ValType::I32}}; }
  template <auto Fn, size_t... I>
  static Errno call(WasiCtx& ctx, Guest& g, const uint64_t* slots, std::index_sequence<I...>) {
    return Fn(ctx, g, static_cast<A>(slots[I])...);
  }
  template <auto Fn> static Errno call(WasiCtx& ctx, Guest& g, const uint64_t* slots) {
    return call<Fn>(ctx, g, slots, std::index_sequence_for<A...>{});
  }
};

// The context a call runs against: its own (define) or the calling store's (define_shared).
template <bool kShared> WasiCtx* context_of(void* env, Caller& caller) {
  if constexpr (kShared) return static_cast<WasiCtx*>(caller.store ? caller.store->host_slot(kWasiSlot) : nullptr);
  else return static_cast<WasiCtx*>(env);
}

Error no_context() {
  return Error(ErrorCode::TrapHost, kNoOffset, "WASI called from a store without a WASI context");
}

template <auto Fn, bool kShared> Result<void> thunk(void* env, Caller& caller, uint64_t* slots) {
  WasiCtx* ctx = context_of<kShared>(env, caller);
  if (!ctx) [[unlikely]] return no_context();
  Guest g(caller);
  Errno e = Signature<decltype(Fn)>::template call<Fn>(*ctx, g, slots);
  slots[0] = static_cast<uint16_t>(e);
  return ok();
}

template <bool kShared> Result<void> proc_exit_thunk(void* env, Caller& caller, uint64_t* slots) {
  WasiCtx* ctx = context_of<kShared>(env, caller);
  if (!ctx) [[unlikely]] return no_context();
  return WasiCtx::Calls::proc_exit(ctx, caller, slots);
}

uint64_t now_ns(clockid_t id) {
  timespec ts{};
  ::clock_gettime(id, &ts);
  return static_cast<uint64_t>(ts.tv_sec) * 1'000'000'000u + static_cast<uint64_t>(ts.tv_nsec);
}

bool host_clock(U32 id, clockid_t& out) {
  switch (static_cast<ClockId>(id)) {
    case ClockId::Realtime: out = CLOCK_REALTIME; return true;
    case ClockId::Monotonic: out = CLOCK_MONOTONIC; return true;
    case ClockId::ProcessCputime: out = CLOCK_PROCESS_CPUTIME_ID; return true;
    case ClockId::ThreadCputime: out = CLOCK_THREAD_CPUTIME_ID; return true;
  }
  return false;
}

// args_get / environ_get: pointers to NUL-terminated strings, packed into `buf`.
Errno put_strings(Guest& g, const std::vector<std::string>& v, U32 ptrs, U32 buf) {
  for (const std::string& s : v) {
    uint8_t* dst = g.bytes(buf, s.size() + 1);
    if (!dst || !g.store<U32>(ptrs, buf)) return Errno::Fault;
    std::memcpy(dst, s.c_str(), s.size() + 1);
    ptrs += 4;
    buf += static_cast<U32>(s.size() + 1);
  }
  return Errno::Success;
}

Errno put_sizes(Guest& g, const std::vector<std::string>& v, U32 count_ptr, U32 size_ptr) {
  uint64_t bytes = 0;
  for (const std::string& s : v) bytes += s.size() + 1;
  if (!g.store<U32>(count_ptr, static_cast<U32>(v.size())) || !g.store<U32>(size_ptr, static_cast<U32>(bytes)))
    return Errno::Fault;
  return Errno::Success;
}

// "HOST:PORT" / "[V6]:PORT" -> sockaddr.
bool parse_addr(const std::string& s, sockaddr_storage& ss, socklen_t& len) {
  size_t colon = s.rfind(':');
  if (colon == std::string::npos || colon + 1 == s.size()) return false;
  std::string host = s.substr(0, colon), port_s = s.substr(colon + 1);
  char* end = nullptr;
  unsigned long port = std::strtoul(port_s.c_str(), &end, 10);
  if (*end != '\0' || port > 65535) return false;
  ss = {};
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    auto* a = reinterpret_cast<sockaddr_in6*>(&ss);
    a->sin6_family = AF_INET6;
    a->sin6_port = htons(static_cast<uint16_t>(port));
    len = sizeof *a;
    return ::inet_pton(AF_INET6, host.substr(1, host.size() - 2).c_str(), &a->sin6_addr) == 1;
  }
  auto* a = reinterpret_cast<sockaddr_in*>(&ss);
  a->sin_family = AF_INET;
  a->sin_port = htons(static_cast<uint16_t>(port));
  len = sizeof *a;
  return ::inet_pton(AF_INET, host.c_str(), &a->sin_addr) == 1;
}

FdEntry stdio_entry(int host) {
  FdEntry e;
  e.host = host;
  e.owned = false;
  struct stat st {};
  if (::fstat(host, &st) == 0) e.type = WasiCtx::Calls::file_type_of(st.st_mode);
  e.rights_base = rights::Stdio;
  e.rights_inheriting = 0;
  return e;
}

// A stdio descriptor backed by a Stream: a pipe-like stream with only the one direction.
FdEntry stream_entry(Stream* s, uint64_t direction) {
  FdEntry e;
  e.stream = s;
  e.owned = false;
  e.type = FileType::Unknown;
  e.rights_base = direction | rights::FdFdstatSetFlags;
  return e;
}

// A preopened directory. Read-only is only rights: a read-only preopen neither has nor
// passes on any right that writes, and rights never grow (fd_fdstat_set_rights, path_open).
FdEntry dir_entry(int fd, bool owned, const std::string& guest_name, bool read_only) {
  FdEntry e;
  e.host = fd;
  e.owned = owned;
  e.type = FileType::Directory;
  e.is_preopen = true;
  e.preopen_name = guest_name;
  e.rights_base = rights::Directory & (read_only ? ~rights::Writes : rights::All);
  e.rights_inheriting = (rights::Directory | rights::RegularFile) & (read_only ? ~rights::Writes : rights::All);
  return e;
}

}  // namespace

// --- in-memory streams -----------------------------------------------------------------

Errno Stream::read(std::span<const iovec>, uint64_t& n) {
  n = 0;
  return Errno::Badf;
}

Errno Stream::write(std::span<const iovec>, uint64_t& n) {
  n = 0;
  return Errno::Badf;
}

Errno MemoryInput::read(std::span<const iovec> iov, uint64_t& n) {
  n = 0;
  for (const iovec& v : iov) {
    const size_t take = std::min(v.iov_len, m_bytes.size() - m_pos);
    if (take) std::memcpy(v.iov_base, m_bytes.data() + m_pos, take);
    m_pos += take;
    n += take;
    if (take < v.iov_len) break;
  }
  return Errno::Success;
}

Errno MemoryOutput::write(std::span<const iovec> iov, uint64_t& n) {
  size_t total = 0;
  for (const iovec& v : iov) total += v.iov_len;
  n = 0;
  if (total > m_limit - m_data.size()) return Errno::Fbig;
  for (const iovec& v : iov) m_data.append(static_cast<const char*>(v.iov_base), v.iov_len);
  n = total;
  return Errno::Success;
}

FileType WasiCtx::Calls::file_type_of(unsigned mode) {
  switch (mode & S_IFMT) {
    case S_IFREG: return FileType::RegularFile;
    case S_IFDIR: return FileType::Directory;
    case S_IFLNK: return FileType::SymbolicLink;
    case S_IFCHR: return FileType::CharacterDevice;
    case S_IFBLK: return FileType::BlockDevice;
    case S_IFSOCK: return FileType::SocketStream;
    default: return FileType::Unknown;
  }
}

// --- context ---------------------------------------------------------------------------

WasiCtx::WasiCtx(WasiConfig config)
    : m_config(std::move(config)), m_beneath(m_config.resolve), m_fds(std::make_unique<FdTable>()) {}

WasiCtx::~WasiCtx() = default;

Result<std::unique_ptr<WasiCtx>> WasiCtx::create(WasiConfig config) {
  std::unique_ptr<WasiCtx> ctx(new WasiCtx(std::move(config)));
  FdTable& fds = *ctx->m_fds;
  uint32_t unused;
  const WasiConfig& cfg = ctx->m_config;
  fds.insert_at(0, cfg.stdin_stream ? stream_entry(cfg.stdin_stream, rights::FdRead) : stdio_entry(cfg.stdin_fd));
  fds.insert_at(1, cfg.stdout_stream ? stream_entry(cfg.stdout_stream, rights::FdWrite) : stdio_entry(cfg.stdout_fd));
  fds.insert_at(2, cfg.stderr_stream ? stream_entry(cfg.stderr_stream, rights::FdWrite) : stdio_entry(cfg.stderr_fd));
  for (const WasiConfig::BorrowedDir& d : cfg.borrowed_dirs) {
    if (fds.insert(dir_entry(d.fd, false, d.guest, d.read_only), unused) != Errno::Success)
      return Error(ErrorCode::WasiConfig, kNoOffset, "too many preopened directories");
  }
  for (const Preopen& p : ctx->m_config.dirs) {
    int fd = ::open(p.host.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) {
      int e = errno;
      return Error(ErrorCode::WasiConfig, kNoOffset,
                   "cannot open directory '" + p.host + "' for --dir: " + std::strerror(e));
    }
    if (fds.insert(dir_entry(fd, true, p.guest, p.read_only), unused) != Errno::Success)
      return Error(ErrorCode::WasiConfig, kNoOffset, "too many preopened directories");
  }
  for (const std::string& a : ctx->m_config.listen) {
    sockaddr_storage ss;
    socklen_t len = 0;
    if (!parse_addr(a, ss, len))
      return Error(ErrorCode::WasiConfig, kNoOffset, "bad --listen address '" + a + "' (want HOST:PORT or [V6]:PORT)");
    int fd = ::socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    int one = 1;
    if (fd >= 0) ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (fd < 0 || ::bind(fd, reinterpret_cast<sockaddr*>(&ss), len) != 0 || ::listen(fd, 128) != 0) {
      int e = errno;
      if (fd >= 0) ::close(fd);
      return Error(ErrorCode::WasiConfig, kNoOffset, "cannot listen on " + a + ": " + std::strerror(e));
    }
    FdEntry e;
    e.host = fd;
    e.type = FileType::SocketStream;
    e.listener = true;
    e.rights_base = rights::Socket;
    if (fds.insert(std::move(e), unused) != Errno::Success)
      return Error(ErrorCode::WasiConfig, kNoOffset, "too many listening sockets");
  }
  return ctx;
}

// Stops the guest: the error unwinds the wasm stack; the caller reads exit_code().
Result<void> WasiCtx::Calls::proc_exit(WasiCtx* ctx, Caller&, uint64_t* slots) {
  const int code = static_cast<int>(static_cast<U32>(slots[0]));
  ctx->m_exit_code = code;
  return Error(ErrorCode::WasiExit, kNoOffset, "exit code " + std::to_string(code));
}

namespace {
template <bool kShared> void define_all(engine::runtime::Store& store, engine::runtime::Linker& linker, void* env) {
  using Calls = WasiCtx::Calls;
  struct Def {
    const char* name;
    FuncType type;
    engine::runtime::HostCallback fn;
  };
#define SKIFF_WASI(name) {#name, Signature<decltype(&Calls::name)>::type(), &thunk<&Calls::name, kShared>}
  const Def defs[] = {
      SKIFF_WASI(args_get), SKIFF_WASI(args_sizes_get), SKIFF_WASI(environ_get), SKIFF_WASI(environ_sizes_get),
      SKIFF_WASI(clock_res_get), SKIFF_WASI(clock_time_get), SKIFF_WASI(fd_advise), SKIFF_WASI(fd_allocate),
      SKIFF_WASI(fd_close), SKIFF_WASI(fd_datasync), SKIFF_WASI(fd_fdstat_get), SKIFF_WASI(fd_fdstat_set_flags),
      SKIFF_WASI(fd_fdstat_set_rights), SKIFF_WASI(fd_filestat_get), SKIFF_WASI(fd_filestat_set_size),
      SKIFF_WASI(fd_filestat_set_times), SKIFF_WASI(fd_pread), SKIFF_WASI(fd_prestat_get),
      SKIFF_WASI(fd_prestat_dir_name), SKIFF_WASI(fd_pwrite), SKIFF_WASI(fd_read), SKIFF_WASI(fd_readdir),
      SKIFF_WASI(fd_renumber), SKIFF_WASI(fd_seek), SKIFF_WASI(fd_sync), SKIFF_WASI(fd_tell), SKIFF_WASI(fd_write),
      SKIFF_WASI(path_create_directory), SKIFF_WASI(path_filestat_get), SKIFF_WASI(path_filestat_set_times),
      SKIFF_WASI(path_link), SKIFF_WASI(path_open), SKIFF_WASI(path_readlink), SKIFF_WASI(path_remove_directory),
      SKIFF_WASI(path_rename), SKIFF_WASI(path_symlink), SKIFF_WASI(path_unlink_file), SKIFF_WASI(poll_oneoff),
      {"proc_exit", FuncType{{ValType::I32}, {}}, &proc_exit_thunk<kShared>}, SKIFF_WASI(proc_raise), SKIFF_WASI(sched_yield),
      SKIFF_WASI(random_get), SKIFF_WASI(sock_accept), SKIFF_WASI(sock_recv), SKIFF_WASI(sock_send),
      SKIFF_WASI(sock_shutdown),
  };
#undef SKIFF_WASI
  for (const Def& d : defs) {
    engine::runtime::Extern x;
    x.kind = engine::ir::ExternKind::Func;
    x.func = store.add_host_func(d.type, engine::runtime::HostFunc{d.fn, env});
    linker.define("wasi_snapshot_preview1", d.name, x);
  }
}
}  // namespace

void WasiCtx::define(engine::runtime::Store& store, engine::runtime::Linker& linker) {
  define_all<false>(store, linker, this);
}

void WasiCtx::define_shared(engine::runtime::Store& store, engine::runtime::Linker& linker) {
  define_all<true>(store, linker, nullptr);
}

// --- args, environment, clocks, randomness, process -----------------------------------

Errno WasiCtx::Calls::args_get(WasiCtx& c, Guest& g, U32 argv, U32 buf) {
  return put_strings(g, c.m_config.args, argv, buf);
}
Errno WasiCtx::Calls::args_sizes_get(WasiCtx& c, Guest& g, U32 count_ptr, U32 size_ptr) {
  return put_sizes(g, c.m_config.args, count_ptr, size_ptr);
}
Errno WasiCtx::Calls::environ_get(WasiCtx& c, Guest& g, U32 environ, U32 buf) {
  return put_strings(g, c.m_config.env, environ, buf);
}
Errno WasiCtx::Calls::environ_sizes_get(WasiCtx& c, Guest& g, U32 count_ptr, U32 size_ptr) {
  return put_sizes(g, c.m_config.env, count_ptr, size_ptr);
}

Errno WasiCtx::Calls::clock_res_get(WasiCtx&, Guest& g, U32 id, U32 res_ptr) {
  clockid_t host;
  if (!host_clock(id, host)) return Errno::Inval;
  timespec ts{};
  if (::clock_getres(host, &ts) != 0) return last_errno();
  uint64_t ns = static_cast<uint64_t>(ts.tv_sec) * 1'000'000'000u + static_cast<uint64_t>(ts.tv_nsec);
  return g.store<U64>(res_ptr, ns == 0 ? 1 : ns) ? Errno::Success : Errno::Fault;
}

Errno WasiCtx::Calls::clock_time_get(WasiCtx&, Guest& g, U32 id, U64, U32 time_ptr) {
  clockid_t host;
  if (!host_clock(id, host)) return Errno::Inval;
  return g.store<U64>(time_ptr, now_ns(host)) ? Errno::Success : Errno::Fault;
}

Errno WasiCtx::Calls::random_get(WasiCtx&, Guest& g, U32 buf, U32 len) {
  uint8_t* p = g.bytes(buf, len);
  if (!p) return Errno::Fault;
  // In slices, looking for a stop between them: a guest asking for hundreds of MiB at
  // once must not outlast its deadline (or serve's inline budget) by seconds.
  constexpr U32 kSlice = 1u << 20;
  for (U32 done = 0; done < len;) {
    if (done > 0 && g.stopped()) return Errno::Intr;
    ssize_t n = ::getrandom(p + done, std::min(len - done, kSlice), 0);
    if (n < 0) {
      if (errno == EINTR) continue;
      return last_errno();
    }
    done += static_cast<U32>(n);
  }
  return Errno::Success;
}

Errno WasiCtx::Calls::sched_yield(WasiCtx&, Guest&) {
  ::sched_yield();
  return Errno::Success;
}

// Signals are not delivered to guests: nothing in the sandbox could handle one.
Errno WasiCtx::Calls::proc_raise(WasiCtx&, Guest&, U32) { return Errno::NoSys; }

// --- poll_oneoff --------------------------------------------------------------------------

Errno WasiCtx::Calls::poll_oneoff(WasiCtx& c, Guest& g, U32 in, U32 out, U32 n, U32 nevents_ptr) {
  if (n == 0) return Errno::Inval;
  const uint8_t* subs = g.bytes(in, uint64_t{n} * layout::kSubscription);
  uint8_t* events = g.bytes(out, uint64_t{n} * layout::kEvent);
  if (!subs || !events || !g.bytes(nevents_ptr, 4)) return Errno::Fault;

  struct Sub {
    uint64_t userdata;
    EventType type;
    Errno error = Errno::Success;
    clockid_t clock = CLOCK_MONOTONIC;
    uint64_t deadline = 0;  // clock: absolute on `clock`
    int host = -1;          // fd
    bool always_ready = false;
    uint64_t nbytes = 0;
  };
  std::vector<Sub> s(n);
  for (U32 i = 0; i < n; ++i) {
    const uint8_t* p = subs + i * layout::kSubscription;
    Sub& x = s[i];
    std::memcpy(&x.userdata, p, 8);
    const uint8_t tag = p[8];
    if (tag > 2) return Errno::Inval;
    x.type = static_cast<EventType>(tag);
    if (x.type == EventType::Clock) {
      U32 id;
      uint64_t timeout;
      uint16_t flags;
      std::memcpy(&id, p + 16, 4);
      std::memcpy(&timeout, p + 24, 8);
      std::memcpy(&flags, p + 40, 2);
      if (!host_clock(id, x.clock)) {
        x.error = Errno::Inval;
        continue;
      }
      x.deadline = (flags & kSubclockAbstime) ? timeout : now_ns(x.clock) + timeout;
    } else {
      U32 fd;
      std::memcpy(&fd, p + 16, 4);
      Errno err;
      FdEntry* e = c.m_fds->get(fd, rights::PollFdReadwrite, err);
      if (!e) {
        x.error = err;
        continue;
      }
      x.host = e->host;
      // Regular files are always ready (POSIX poll says so too); report the bytes left.
      if (e->type == FileType::RegularFile) {
        x.always_ready = true;
        if (x.type == EventType::FdRead) {
          struct stat st {};
          off_t pos = ::lseek(e->host, 0, SEEK_CUR);
          if (::fstat(e->host, &st) == 0 && pos >= 0 && st.st_size > pos)
            x.nbytes = static_cast<uint64_t>(st.st_size - pos);
        }
      }
    }
  }

  // Wait for the earliest clock or any fd, then report everything ready.
  U32 count = 0;
  auto emit = [&](const Sub& x, Errno err, uint64_t nbytes, uint16_t flags) {
    uint8_t* p = events + count * layout::kEvent;
    std::memset(p, 0, layout::kEvent);
    std::memcpy(p, &x.userdata, 8);
    const uint16_t e16 = static_cast<uint16_t>(err);
    std::memcpy(p + 8, &e16, 2);
    p[10] = static_cast<uint8_t>(x.type);
    std::memcpy(p + 16, &nbytes, 8);
    std::memcpy(p + 24, &flags, 2);
    ++count;
  };
  std::vector<pollfd> pfds;
  std::vector<size_t> pfd_sub;
  for (;;) {
    count = 0;
    pfds.clear();
    pfd_sub.clear();
    int64_t wait_ms = -1;
    bool immediate = false;
    for (size_t i = 0; i < s.size(); ++i) {
      const Sub& x = s[i];
      if (x.error != Errno::Success || x.always_ready) {
        immediate = true;
        continue;
      }
      if (x.type == EventType::Clock) {
        uint64_t now = now_ns(x.clock);
        if (now >= x.deadline) {
          immediate = true;
        } else {
          int64_t ms = static_cast<int64_t>((x.deadline - now + 999'999) / 1'000'000);
          if (wait_ms < 0 || ms < wait_ms) wait_ms = ms;
        }
        continue;
      }
      pfds.push_back(pollfd{x.host, static_cast<short>(x.type == EventType::FdRead ? POLLIN : POLLOUT), 0});
      pfd_sub.push_back(i);
    }
    if (immediate) wait_ms = 0;
    // The watchdog cannot stop a guest inside a host call: wait in slices and look at
    // its flag between them. Once it is set the call returns EINTR, and the guest traps
    // at its next function entry or loop head.
    if (wait_ms < 0 || wait_ms > kWaitSliceMs) wait_ms = kWaitSliceMs;
    int r = ::poll(pfds.data(), pfds.size(), static_cast<int>(wait_ms));
    if (r < 0 && errno != EINTR) return last_errno();
    for (size_t i = 0; i < s.size(); ++i) {
      const Sub& x = s[i];
      if (x.error != Errno::Success) emit(x, x.error, 0, 0);
      else if (x.always_ready) emit(x, Errno::Success, x.nbytes, 0);
      else if (x.type == EventType::Clock && now_ns(x.clock) >= x.deadline) emit(x, Errno::Success, 0, 0);
    }
    for (size_t k = 0; r > 0 && k < pfds.size(); ++k) {
      if (!pfds[k].revents) continue;
      const Sub& x = s[pfd_sub[k]];
      int avail = 0;
      if (x.type == EventType::FdRead && ::ioctl(x.host, FIONREAD, &avail) != 0) avail = 0;
      const bool hup = pfds[k].revents & (POLLHUP | POLLERR);
      emit(x, Errno::Success, static_cast<uint64_t>(avail), hup ? kEventFdReadwriteHangup : 0);
    }
    if (count > 0) break;
    if (g.stopped()) return Errno::Intr;
  }
  return g.store<U32>(nevents_ptr, count) ? Errno::Success : Errno::Fault;
}

// --- sockets ---------------------------------------------------------------------------

namespace {
// A socket descriptor with `needed` rights: EBADF, then ENOTSOCK, then ENOTCAPABLE.
FdEntry* socket_entry(FdTable& t, U32 fd, uint64_t needed, Errno& err) {
  FdEntry* e = t.get(fd);
  if (!e) {
    err = Errno::Badf;
    return nullptr;
  }
  if (e->type != FileType::SocketStream) {
    err = Errno::NotSock;
    return nullptr;
  }
  return t.get(fd, needed, err);
}
}  // namespace

Errno WasiCtx::Calls::sock_accept(WasiCtx& c, Guest& g, U32 fd, U32 flags, U32 fd_ptr) {
  Errno err;
  FdEntry* e = socket_entry(*c.m_fds, fd, rights::SockAccept, err);
  if (!e) return err;
  if (flags & ~U32{kFdflagNonblock}) return Errno::Inval;
  if (Errno w = wait_readable(g, *e); w != Errno::Success) return w;
  int s = ::accept4(e->host, nullptr, nullptr, SOCK_CLOEXEC | ((flags & kFdflagNonblock) ? SOCK_NONBLOCK : 0));
  if (s < 0) return last_errno();
  FdEntry n;
  n.host = s;
  n.type = FileType::SocketStream;
  n.rights_base = rights::Socket & ~rights::SockAccept;
  uint32_t nfd;
  if (Errno ie = c.m_fds->insert(std::move(n), nfd); ie != Errno::Success) {
    ::close(s);
    return ie;
  }
  if (!g.store<U32>(fd_ptr, nfd)) {
    c.m_fds->close(nfd);
    return Errno::Fault;
  }
  return Errno::Success;
}

Errno WasiCtx::Calls::sock_recv(WasiCtx& c, Guest& g, U32 fd, U32 iovs, U32 n, U32 flags, U32 len_ptr,
                                U32 oflags_ptr) {
  Errno err;
  FdEntry* e = socket_entry(*c.m_fds, fd, rights::FdRead, err);
  if (!e) return err;
  if (flags & ~U32{kRiRecvPeek | kRiRecvWaitall}) return Errno::Inval;
  IovecList iov;
  if (Errno ie = g.iovecs(iovs, n, iov); ie != Errno::Success) return ie;
  const bool peek = flags & kRiRecvPeek;
  if (Errno w = wait_readable(g, *e); w != Errno::Success) return w;
  const bool wait_all = (flags & kRiRecvWaitall) && !peek;
  uint64_t got = 0;
  int msg_flags = 0;
  const int fl = wait_all ? ::fcntl(e->host, F_GETFL) : -1;
  if (wait_all && fl >= 0 && !(fl & O_NONBLOCK)) {
    // MSG_WAITALL itself would block in the kernel past the guest's deadline.
    if (Errno r = recv_all(g, e->host, {iov.data(), iov.size()}, got, msg_flags); r != Errno::Success) return r;
  } else {
    // A non-blocking descriptor gets what is there; a peek with WAITALL, what is there
    // once something is (MSG_WAITALL with MSG_PEEK could wait for good).
    msghdr msg{};
    msg.msg_iov = iov.data();
    msg.msg_iovlen = iov.size();
    const int host_flags = (peek ? MSG_PEEK : 0) | (wait_all ? MSG_WAITALL : 0);
    ssize_t r;
    do r = ::recvmsg(e->host, &msg, host_flags);
    while (r < 0 && errno == EINTR);
    if (r < 0) return last_errno();
    got = static_cast<uint64_t>(r);
    msg_flags = msg.msg_flags;
  }
  const uint16_t oflags = (msg_flags & MSG_TRUNC) ? kRoRecvDataTruncated : 0;
  if (!g.store<U32>(len_ptr, static_cast<U32>(got)) || !g.store<uint16_t>(oflags_ptr, oflags)) return Errno::Fault;
  return Errno::Success;
}

namespace {
ssize_t send_nowait(int fd, const iovec* iov, int cnt) {
  msghdr msg{};
  msg.msg_iov = const_cast<iovec*>(iov);
  msg.msg_iovlen = static_cast<size_t>(cnt);
  return ::sendmsg(fd, &msg, MSG_NOSIGNAL | MSG_DONTWAIT);
}
}  // namespace

Errno WasiCtx::Calls::sock_send(WasiCtx& c, Guest& g, U32 fd, U32 iovs, U32 n, U32 flags, U32 len_ptr) {
  Errno err;
  FdEntry* e = socket_entry(*c.m_fds, fd, rights::FdWrite, err);
  if (!e) return err;
  if (flags != 0) return Errno::Inval;
  IovecList iov;
  if (Errno ie = g.iovecs(iovs, n, iov); ie != Errno::Success) return ie;
  // Like fd_write: a peer that never reads must not hold the guest past its deadline.
  uint64_t sent = 0;
  if (Errno w = write_stream(g, e->host, {iov.data(), iov.size()}, sent, &send_nowait); w != Errno::Success) return w;
  return g.store<U32>(len_ptr, static_cast<U32>(sent)) ? Errno::Success : Errno::Fault;
}

Errno WasiCtx::Calls::sock_shutdown(WasiCtx& c, Guest&, U32 fd, U32 how) {
  Errno err;
  FdEntry* e = socket_entry(*c.m_fds, fd, rights::SockShutdown, err);
  if (!e) return err;
  int h;
  switch (how) {
    case kSdRd: h = SHUT_RD; break;
    case kSdWr: h = SHUT_WR; break;
    case kSdRd | kSdWr: h = SHUT_RDWR; break;
    default: return Errno::Inval;
  }
  return ::shutdown(e->host, h) == 0 ? Errno::Success : last_errno();
}

}  // namespace skiff::wasi
