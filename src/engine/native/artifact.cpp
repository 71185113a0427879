#include "engine/native/artifact.h"

#include <cpuid.h>
#include <fcntl.h>
// The one-shot SHA-256 context API: OpenSSL 3 deprecates it in favour of EVP, whose
// first use loads the configuration and the default provider (about 0.5 ms, more than
// the rest of an artifact's start-up). The digest code is the same (SHA-NI where the
// CPU has it).
#define OPENSSL_SUPPRESS_DEPRECATED
#include <openssl/sha.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdlib>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <system_error>

#include "engine/native/vmctx.h"
#include "engine/runtime/global.h"
#include "engine/runtime/store.h"
#include "engine/runtime/table.h"
#include "platform/file.h"

namespace skiff::engine::native {

namespace {

constexpr char kMagic[8] = {'S', 'K', 'I', 'F', 'F', 'A', 'O', 'T'};
constexpr uint32_t kArtifactVersion = 2;  // 2: the code's SHA-256

Error malformed(const std::string& what) {
  return Error(ErrorCode::MalformedObject, kNoOffset, "not a valid skiff artifact: " + what);
}

// The tracked extensions, as LLVM names them, with where cpuid reports each.
struct Feature {
  const char* name;
  unsigned leaf;
  int reg;  // 1 = ebx, 2 = ecx
  unsigned bit;
};
constexpr Feature kFeatures[] = {
    {"sse3", 1, 2, 0},          {"ssse3", 1, 2, 9},  {"fma", 1, 2, 12},  {"sse4.1", 1, 2, 19},
    {"sse4.2", 1, 2, 20},       {"movbe", 1, 2, 22}, {"popcnt", 1, 2, 23}, {"avx", 1, 2, 28},
    {"f16c", 1, 2, 29},         {"bmi", 7, 1, 3},    {"avx2", 7, 1, 5},   {"bmi2", 7, 1, 8},
    {"lzcnt", 0x80000001, 2, 5},
};

// ebx, ecx, edx of each leaf kFeatures uses. cpuid exits to the hypervisor in a VM (a
// few microseconds each), so each leaf is asked once.
struct CpuidLeaves {
  unsigned leaf1[4] = {}, leaf7[4] = {}, ext1[4] = {};
  CpuidLeaves() {
    const unsigned max = __get_cpuid_max(0, nullptr);
    const unsigned max_ext = __get_cpuid_max(0x80000000, nullptr);
    if (max >= 1) __cpuid_count(1, 0, leaf1[0], leaf1[1], leaf1[2], leaf1[3]);
    if (max >= 7) __cpuid_count(7, 0, leaf7[0], leaf7[1], leaf7[2], leaf7[3]);
    if (max_ext >= 0x80000001) __cpuid_count(0x80000001, 0, ext1[0], ext1[1], ext1[2], ext1[3]);
  }
  const unsigned* of(unsigned leaf) const { return leaf == 1 ? leaf1 : leaf == 7 ? leaf7 : ext1; }
};

bool os_saves_ymm(const CpuidLeaves& c) {
  if (!(c.leaf1[2] & (1u << 27))) return false;  // OSXSAVE
  uint32_t lo = 0, hi = 0;
  __asm__("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
  return (lo & 6) == 6;
}

struct Writer {
  std::vector<uint8_t> out;
  void bytes(const void* p, size_t n) {
    const auto* b = static_cast<const uint8_t*>(p);
    out.insert(out.end(), b, b + n);
  }
  void u32(uint32_t v) { bytes(&v, 4); }
  void u64(uint64_t v) { bytes(&v, 8); }
  void str(std::string_view s) {
    u32(static_cast<uint32_t>(s.size()));
    bytes(s.data(), s.size());
  }
  void blob(std::span<const uint8_t> b) {
    u64(b.size());
    bytes(b.data(), b.size());
  }
};

struct Reader {
  std::span<const uint8_t> in;
  size_t pos = 0;
  Result<void> need(uint64_t n, const char* what) {
    if (n > in.size() - pos) return malformed(std::string("truncated at ") + what);
    return ok();
  }
  Result<uint32_t> u32(const char* what) {
    SKIFF_TRY(need(4, what));
    uint32_t v;
    std::memcpy(&v, in.data() + pos, 4);
    pos += 4;
    return v;
  }
  Result<uint64_t> u64(const char* what) {
    SKIFF_TRY(need(8, what));
    uint64_t v;
    std::memcpy(&v, in.data() + pos, 8);
    pos += 8;
    return v;
  }
  Result<std::string> str(const char* what) {
    SKIFF_TRY_ASSIGN(uint32_t n, u32(what));
    if (n > 4096) return malformed(std::string(what) + " is too long");
    SKIFF_TRY(need(n, what));
    std::string s(reinterpret_cast<const char*>(in.data() + pos), n);
    pos += n;
    return s;
  }
  Result<std::vector<uint8_t>> blob(const char* what) {
    SKIFF_TRY_ASSIGN(uint64_t n, u64(what));
    SKIFF_TRY(need(n, what));
    std::vector<uint8_t> b(in.begin() + static_cast<ptrdiff_t>(pos), in.begin() + static_cast<ptrdiff_t>(pos + n));
    pos += n;
    return b;
  }
};

}  // namespace

// The generator's sources are hashed at configure time (src/CMakeLists.txt); the code
// also has offsets of runtime structures baked in, whose headers are not among them,
// so those offsets are part of the id too.
std::string_view skiff_build_id() {
  static const std::string kId = [] {
    std::string id = "skiff 0.1.0 codegen " SKIFF_CODEGEN_ID " layout";
    for (size_t v : {offsetof(runtime::Table::View, data), offsetof(runtime::Table::View, size),
                     offsetof(runtime::FuncInstance, type), offsetof(runtime::FuncInstance, instance),
                     offsetof(runtime::FuncInstance, defined_index), offsetof(runtime::Global, value)})
      id += " " + std::to_string(v);
    return id;
  }();
  return kId;
}

// The tracked extensions this CPU (and OS) has.
static std::string detect_features() {
  const CpuidLeaves leaves;
  const bool ymm = os_saves_ymm(leaves);
  std::string out;
  for (const Feature& f : kFeatures) {
    if (!(leaves.of(f.leaf)[f.reg] & (1u << f.bit))) continue;
    const std::string_view name = f.name;
    if ((name == "avx" || name == "avx2" || name == "fma" || name == "f16c") && !ymm) continue;
    if (!out.empty()) out += ',';
    out += '+';
    out += name;
  }
  return out;
}

const std::string& host_features() {
  static const std::string kHost = detect_features();  // the CPU does not change under us
  return kHost;
}

bool features_supported(std::string_view features) {
  if (features.empty()) return true;
  // Exactly "+name" tokens of tracked extensions, each one here: anything else (a "-",
  // a name skiff does not track, an empty token) says nothing it could check.
  const std::string host = "," + host_features() + ",";
  size_t at = 0;
  for (;;) {
    size_t end = features.find(',', at);
    if (end == std::string_view::npos) end = features.size();
    const std::string_view f = features.substr(at, end - at);
    if (f.size() < 2 || f[0] != '+' || host.find("," + std::string(f) + ",") == std::string::npos) return false;
    if (end == features.size()) return true;
    at = end + 1;
  }
}

Sha256 sha256(std::span<const uint8_t> bytes) {
  Sha256 h{};
  SHA256_CTX ctx;
  SHA256_Init(&ctx);
  SHA256_Update(&ctx, bytes.data(), bytes.size());
  SHA256_Final(h.data(), &ctx);
  return h;
}

std::string hex(const Sha256& h) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string s;
  for (uint8_t b : h) {
    s += kDigits[b >> 4];
    s += kDigits[b & 15];
  }
  return s;
}

bool is_artifact(std::span<const uint8_t> bytes) {
  return bytes.size() >= sizeof kMagic && std::memcmp(bytes.data(), kMagic, sizeof kMagic) == 0;
}

std::vector<uint8_t> write_artifact(const ArtifactInfo& info, std::span<const uint8_t> wasm,
                                    std::span<const uint8_t> object) {
  Writer w;
  w.bytes(kMagic, sizeof kMagic);
  w.u32(kArtifactVersion);
  w.u32(info.code_format);
  w.bytes(info.module_hash.data(), info.module_hash.size());
  const Sha256 code_hash = sha256(object);
  w.bytes(code_hash.data(), code_hash.size());
  w.str(info.skiff_version);
  w.str(info.features);
  w.str(info.settings);
  w.blob(wasm);
  w.blob(object);
  return std::move(w.out);
}

Result<Artifact> parse_artifact(std::span<const uint8_t> bytes) {
  if (!is_artifact(bytes)) return malformed("no SKIFFAOT magic");
  Reader r{bytes, sizeof kMagic};
  SKIFF_TRY_ASSIGN(uint32_t version, r.u32("the version"));
  if (version != kArtifactVersion)
    return Error(ErrorCode::ArtifactMismatch, kNoOffset,
                 "artifact format " + std::to_string(version) + ", this skiff reads " +
                     std::to_string(kArtifactVersion) + ": compile it again with this skiff");
  Artifact a;
  SKIFF_TRY_ASSIGN(a.info.code_format, r.u32("the code format"));
  SKIFF_TRY(r.need(a.info.module_hash.size(), "the module hash"));
  std::memcpy(a.info.module_hash.data(), bytes.data() + r.pos, a.info.module_hash.size());
  r.pos += a.info.module_hash.size();
  Sha256 code_hash;
  SKIFF_TRY(r.need(code_hash.size(), "the code's hash"));
  std::memcpy(code_hash.data(), bytes.data() + r.pos, code_hash.size());
  r.pos += code_hash.size();
  SKIFF_TRY_ASSIGN(a.info.skiff_version, r.str("the skiff version"));
  SKIFF_TRY_ASSIGN(a.info.features, r.str("the CPU features"));
  SKIFF_TRY_ASSIGN(a.info.settings, r.str("the settings"));
  SKIFF_TRY_ASSIGN(a.wasm, r.blob("the module"));
  SKIFF_TRY_ASSIGN(a.object, r.blob("the code"));
  if (r.pos != bytes.size()) return malformed("bytes after the code");
  // Damage, not forgery: whoever can write the file can write this hash too, so an
  // artifact is trusted as an executable is (docs/llvm-tier.md).
  if (sha256(a.object) != code_hash) return malformed("the code does not match its hash (the file is damaged)");
  return a;
}

Result<void> check_artifact(const Artifact& a, std::string_view settings) {
  auto mismatch = [](std::string msg) { return Error(ErrorCode::ArtifactMismatch, kNoOffset, std::move(msg)); };
  if (a.info.skiff_version != skiff_build_id() || a.info.code_format != kCodeFormatVersion)
    return mismatch("compiled by " + a.info.skiff_version + " (code format " + std::to_string(a.info.code_format) +
                    "), this is " + std::string(skiff_build_id()) + " (code format " +
                    std::to_string(kCodeFormatVersion) + "): compile it again");
  if (!features_supported(a.info.features))
    return mismatch("compiled for CPU features " + a.info.features + ", this CPU has " + host_features() +
                    ": compile it again here, or with --target-cpu portable");
  if (a.info.settings != settings)
    return mismatch("compiled with settings \"" + a.info.settings + "\", this run needs \"" + std::string(settings) +
                    "\" (--timeout and --fuel change the code): compile it again with them");
  return ok();
}

// --- cache ---------------------------------------------------------------------------------

std::string ArtifactCache::default_dir() {
  if (const char* d = std::getenv("SKIFF_CACHE_DIR"); d && *d) return d;
  if (const char* d = std::getenv("XDG_CACHE_HOME"); d && *d) return std::string(d) + "/skiff";
  if (const char* d = std::getenv("HOME"); d && *d) return std::string(d) + "/.cache/skiff";
  return "";
}

ArtifactCache::ArtifactCache(std::string dir, uint64_t max_bytes) : m_dir(std::move(dir)), m_max_bytes(max_bytes) {}

std::string ArtifactCache::path_for(const Sha256& module_hash, std::string_view features,
                                    std::string_view settings) const {
  std::string key = hex(module_hash);
  key += '\n';
  key += skiff_build_id();
  key += '\n' + std::to_string(kCodeFormatVersion) + '\n';
  key += features;
  key += '\n';
  key += settings;
  const Sha256 k = sha256({reinterpret_cast<const uint8_t*>(key.data()), key.size()});
  return m_dir + "/" + hex(k) + ".skf";
}

// The cache runs what it finds as the host's own code, so a directory anyone else can
// write (or that someone else owns) is not used: another user could plant code there.
bool ArtifactCache::usable(std::string& why) const {
  struct stat st;
  if (::stat(m_dir.c_str(), &st) != 0) {
    why = "cache directory " + m_dir + ": " + std::strerror(errno);
    return false;
  }
  if (!S_ISDIR(st.st_mode) || st.st_uid != ::geteuid() || (st.st_mode & (S_IWGRP | S_IWOTH))) {
    why = "cache directory " + m_dir + " is not a directory of this user that only this user can write";
    return false;
  }
  return true;
}

std::optional<Artifact> ArtifactCache::load(const Sha256& module_hash, std::string_view features,
                                            std::string_view settings) const {
  std::string why;
  if (m_dir.empty() || !usable(why)) return std::nullopt;
  const std::string path = path_for(module_hash, features, settings);
  struct stat st;
  if (::lstat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode) || st.st_uid != ::geteuid()) return std::nullopt;
  auto bytes = platform::read_file(path);
  if (!bytes) return std::nullopt;
  auto a = parse_artifact(*bytes);
  if (!a || a->info.module_hash != module_hash || a->info.features != features || !check_artifact(*a, settings)) {
    remove(module_hash, features, settings);  // damaged or stale: compile again
    return std::nullopt;
  }
  ::utimensat(AT_FDCWD, path.c_str(), nullptr, 0);  // recently used: trimmed last
  return std::move(*a);
}

void ArtifactCache::remove(const Sha256& module_hash, std::string_view features, std::string_view settings) const {
  if (!m_dir.empty()) ::unlink(path_for(module_hash, features, settings).c_str());
}

Result<void> ArtifactCache::store(const Artifact& a) const {
  if (m_dir.empty()) return ok();
  std::error_code ec;
  std::filesystem::create_directories(std::filesystem::path(m_dir).parent_path(), ec);
  // Made private, whatever the umask: usable() refuses a directory others can write.
  if (::mkdir(m_dir.c_str(), 0700) != 0 && errno != EEXIST)
    return Error(ErrorCode::IoError, kNoOffset, "cache directory " + m_dir + ": " + std::strerror(errno));
  if (std::string why; !usable(why)) return Error(ErrorCode::IoError, kNoOffset, why);
  const std::string path = path_for(a.info.module_hash, a.info.features, a.info.settings);
  SKIFF_TRY(platform::replace_file(path, write_artifact(a.info, a.wasm, a.object)));
  trim();
  return ok();
}

void ArtifactCache::trim() const {
  struct Entry {
    std::filesystem::path path;
    std::filesystem::file_time_type time;
    uint64_t size;
  };
  std::vector<Entry> entries;
  uint64_t total = 0;
  std::error_code ec;
  const auto stale = std::filesystem::file_time_type::clock::now() - std::chrono::minutes(10);
  for (const auto& e : std::filesystem::directory_iterator(m_dir, ec)) {
    // A temporary file of a store that never finished (a killed process) goes once it
    // is old enough that no store can still be writing it.
    if (e.path().filename().string().find(".skf.tmp.") != std::string::npos) {
      std::error_code e1;
      if (e.is_regular_file(e1) && e.last_write_time(e1) < stale && !e1) std::filesystem::remove(e.path(), e1);
      continue;
    }
    if (e.path().extension() != ".skf") continue;
    std::error_code e1, e2;
    const uint64_t size = e.file_size(e1);
    const auto time = e.last_write_time(e2);
    if (e1 || e2) continue;
    entries.push_back({e.path(), time, size});
    total += size;
  }
  if (total <= m_max_bytes) return;
  std::sort(entries.begin(), entries.end(), [](const Entry& x, const Entry& y) { return x.time < y.time; });
  for (const Entry& e : entries) {
    if (total <= m_max_bytes) break;
    std::filesystem::remove(e.path, ec);
    total -= e.size;
  }
}

}  // namespace skiff::engine::native
