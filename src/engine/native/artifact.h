#pragma once
// Compiled artifacts: a module's LLVM-tier object with what it was compiled from and
// for, so it runs only where it is valid. `skiff compile` writes one (.skf); `skiff run`
// and the on-disk cache load them without compiling.
//
// Layout (little-endian): "SKIFFAOT", u32 artifact version, u32 code format
// (vmctx.h), the module's SHA-256, the code's SHA-256, strings (u32 length + bytes) for the skiff version,
// the CPU features the code may use and the settings, then the module bytes and the
// object (u64 length + bytes each). Every field is checked on parse.
//
// CPU features are the x86-64 extensions skiff tracks itself (cpuid), named as LLVM
// names them; the compiler is given exactly this list (on a baseline x86-64 CPU), so
// the code uses nothing outside it and `features_supported` is an exact check.

#include <array>
#include <optional>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"

namespace skiff::engine::native {

// This skiff and its code generator ("skiff 0.1.0 codegen 0123abcd..."), as artifacts
// record it: code is loaded only by the build whose generator made it.
std::string_view skiff_build_id();

// "+sse3,+ssse3,..." for the tracked extensions this CPU (and OS) has.
const std::string& host_features();
// Whether `features` is "" or "+name,..." naming only tracked extensions this CPU has.
bool features_supported(std::string_view features);

using Sha256 = std::array<uint8_t, 32>;
Sha256 sha256(std::span<const uint8_t> bytes);
std::string hex(const Sha256& h);

struct ArtifactInfo {
  Sha256 module_hash{};
  uint32_t code_format = 0;
  std::string skiff_version;
  std::string features;   // "" = baseline x86-64
  std::string settings;   // e.g. "opt=2 interruptible=0 fuel=0"
};

struct Artifact {
  ArtifactInfo info;
  std::vector<uint8_t> wasm;
  std::vector<uint8_t> object;
};

// Whether `bytes` starts like an artifact (its magic).
bool is_artifact(std::span<const uint8_t> bytes);
std::vector<uint8_t> write_artifact(const ArtifactInfo& info, std::span<const uint8_t> wasm,
                                    std::span<const uint8_t> object);
// MalformedObject for anything that is not a whole, well-formed artifact, or whose code
// does not match its hash. The hash catches damage, not forgery: an artifact's code
// runs as the host's own, so artifacts are trusted as executables are.
Result<Artifact> parse_artifact(std::span<const uint8_t> bytes);
// ArtifactMismatch, saying what differs, unless `a` was made by this skiff (version and
// code format) for `settings` and features this CPU has. Whether its code is of a given
// module is the caller's check: the module's hash against info.module_hash (hashing
// the module once, where the module is).
Result<void> check_artifact(const Artifact& a, std::string_view settings);

// The on-disk cache of compiled code: DIR/<key>.skf, where the key hashes the module's
// SHA-256 with the version, code format, features and settings. Writes go to a
// temporary file renamed into place, so concurrent processes never see half an entry;
// after a write, the oldest entries go until the directory is under `max_bytes`, and
// temporary files older than ten minutes (of killed processes) go too. The cache runs
// what it finds as native code, so it is used only in a directory of this user that
// no one else can write, and only for entries this user owns.
class ArtifactCache {
 public:
  // $SKIFF_CACHE_DIR, else $XDG_CACHE_HOME/skiff, else $HOME/.cache/skiff; "" if none.
  static std::string default_dir();
  ArtifactCache(std::string dir, uint64_t max_bytes = uint64_t{1} << 30);
  std::string path_for(const Sha256& module_hash, std::string_view features, std::string_view settings) const;
  // The cached artifact, or nullopt (missing, or unusable: it is then removed).
  std::optional<Artifact> load(const Sha256& module_hash, std::string_view features, std::string_view settings) const;
  Result<void> store(const Artifact& a) const;
  // Drops an entry whose code turned out unusable (a damaged object), so the next run
  // compiles again.
  void remove(const Sha256& module_hash, std::string_view features, std::string_view settings) const;

 private:
  bool usable(std::string& why) const;
  void trim() const;
  std::string m_dir;
  uint64_t m_max_bytes;
};

}  // namespace skiff::engine::native
