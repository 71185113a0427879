#pragma once
// The key-value capability of `skiff serve`: one SQLite database (WAL mode) holding a
// namespace per app, so apps never see each other's keys. Safe to use from many
// threads at once: each call borrows a connection from a small pool (readers run in
// parallel under WAL; writers wait for each other up to a busy timeout). Every failure
// is a Result (KvError, or KvLimit for keys/values past the limits), never an abort.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"

namespace skiff::host {

struct KvLimits {
  size_t max_key_bytes = 1024;
  size_t max_value_bytes = 1 << 20;
  size_t max_list = 1000;  // keys returned by one list()
};

class KvStore {
 public:
  // Opens (creating if needed) the database at `path`; its directory must exist.
  static Result<std::unique_ptr<KvStore>> open(const std::string& path, KvLimits limits = {});
  ~KvStore();
  KvStore(const KvStore&) = delete;
  KvStore& operator=(const KvStore&) = delete;

  // Every call returns by `deadline`: waiting for a pooled connection, then for
  // another writer's lock (at most 5 s in any case), ends then with a KvError.
  using Deadline = std::chrono::steady_clock::time_point;

  // nullopt when the key is absent.
  Result<std::optional<std::string>> get(std::string_view ns, std::string_view key, Deadline deadline = Deadline::max());
  Result<void> set(std::string_view ns, std::string_view key, std::string_view value,
                   Deadline deadline = Deadline::max());
  // True when the key existed.
  Result<bool> remove(std::string_view ns, std::string_view key, Deadline deadline = Deadline::max());
  // Keys of `ns` starting with `prefix` (byte-wise, so "a%" and "a_" are literal), in
  // ascending byte order, at most min(limit, max_list).
  Result<std::vector<std::string>> list(std::string_view ns, std::string_view prefix, size_t limit,
                                        Deadline deadline = Deadline::max());

  const KvLimits& limits() const { return m_limits; }

 private:
  struct Impl;
  KvStore(std::unique_ptr<Impl> impl, KvLimits limits);
  std::unique_ptr<Impl> m_impl;
  KvLimits m_limits;
};

}  // namespace skiff::host
