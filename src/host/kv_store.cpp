#include "host/kv_store.h"

#include <sqlite3.h>

#include <algorithm>
#include <condition_variable>
#include <cstdint>
#include <limits>
#include <mutex>
#include <utility>

namespace skiff::host {
namespace {

// Connections are opened lazily, up to this many; a call that finds them all lent out
// waits for one. Readers run in parallel under WAL, but writers take turns on the one WAL
// write lock, so a bigger pool mostly adds file descriptors and page caches.
constexpr size_t kMaxConnections = 8;
// How long a write waits for the write lock (another writer, in this process or another,
// or a checkpoint) before it fails with "database is locked".
constexpr int kBusyTimeoutMs = 5000;

constexpr const char* kCreateTable =
    "CREATE TABLE IF NOT EXISTS kv(ns BLOB NOT NULL, key BLOB NOT NULL, value BLOB NOT NULL, "
    "PRIMARY KEY(ns, key)) WITHOUT ROWID";

Error sqlite_error(std::string_view op, sqlite3* db) {
  std::string ctx(op);
  ctx += ": ";
  // sqlite3_open_v2 leaves no handle at all only when it could not allocate one.
  ctx += db ? sqlite3_errmsg(db) : "out of memory";
  return Error(ErrorCode::KvError, kNoOffset, std::move(ctx));
}

// One SQLite connection and its statements, each prepared once. Opened with
// SQLITE_OPEN_NOMUTEX: the pool, not SQLite, makes sure one thread uses it at a time.
struct Connection {
  sqlite3* db = nullptr;
  sqlite3_stmt* get = nullptr;
  sqlite3_stmt* set = nullptr;
  sqlite3_stmt* remove = nullptr;
  sqlite3_stmt* list_range = nullptr;  // prefix <= key < successor(prefix)
  sqlite3_stmt* list_from = nullptr;   // prefix <= key: the prefix has no successor

  Connection() = default;
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;
  ~Connection() {
    for (sqlite3_stmt* s : {get, set, remove, list_range, list_from}) sqlite3_finalize(s);
    sqlite3_close_v2(db);
  }
};

// Puts a cached statement back to its unbound, not-running state when a call ends (also
// on early returns), so the next call starts clean and no read transaction stays open
// to hold back WAL checkpoints. Declare it after whatever its SQLITE_STATIC bindings
// point into, so it runs first.
class StmtUse {
 public:
  explicit StmtUse(sqlite3_stmt* stmt) : m_stmt(stmt) {}
  ~StmtUse() {
    sqlite3_reset(m_stmt);
    sqlite3_clear_bindings(m_stmt);
  }
  StmtUse(const StmtUse&) = delete;
  StmtUse& operator=(const StmtUse&) = delete;
  operator sqlite3_stmt*() const { return m_stmt; }

 private:
  sqlite3_stmt* m_stmt;
};

// Always a BLOB, never TEXT: comparisons are then memcmp byte order and NULs survive.
// An empty blob still needs a non-null pointer; a null one would bind SQL NULL.
int bind_bytes(sqlite3_stmt* stmt, int idx, std::string_view bytes) {
  static const char kEmpty = 0;
  return sqlite3_bind_blob64(stmt, idx, bytes.empty() ? &kEmpty : bytes.data(), bytes.size(),
                             SQLITE_STATIC);
}

Result<std::string> column_bytes(sqlite3_stmt* stmt, int col, std::string_view op, sqlite3* db) {
  const void* data = sqlite3_column_blob(stmt, col);  // before _bytes, as SQLite asks
  const int len = sqlite3_column_bytes(stmt, col);
  if (len <= 0) return std::string();
  if (!data) return sqlite_error(op, db);  // converting the value ran out of memory
  return std::string(static_cast<const char*>(data), static_cast<size_t>(len));
}

Result<void> exec(sqlite3* db, const char* sql, std::string_view op) {
  if (sqlite3_exec(db, sql, nullptr, nullptr, nullptr) != SQLITE_OK) return sqlite_error(op, db);
  return ok();
}

// The first column of the first row of `sql` as text.
Result<std::string> query_text(sqlite3* db, const char* sql, std::string_view op) {
  sqlite3_stmt* stmt = nullptr;
  if (sqlite3_prepare_v2(db, sql, -1, &stmt, nullptr) != SQLITE_OK) return sqlite_error(op, db);
  Result<std::string> out = std::string();
  if (sqlite3_step(stmt) == SQLITE_ROW) {
    const unsigned char* text = sqlite3_column_text(stmt, 0);
    out = std::string(text ? reinterpret_cast<const char*>(text) : "");
  } else {
    out = sqlite_error(op, db);
  }
  sqlite3_finalize(stmt);
  return out;
}

Result<std::unique_ptr<Connection>> open_connection(const std::string& path, bool first) {
  const std::string op = "open " + path;
  auto conn = std::make_unique<Connection>();
  const int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;
  // On failure the handle (if any) still needs closing; ~Connection does it.
  if (sqlite3_open_v2(path.c_str(), &conn->db, flags, nullptr) != SQLITE_OK)
    return sqlite_error(op, conn->db);
  if (sqlite3_busy_timeout(conn->db, kBusyTimeoutMs) != SQLITE_OK)
    return sqlite_error(op, conn->db);
  if (first) {
    // The journal mode and the schema live in the file, so the connection opened by
    // open() sets them up once for the whole pool. This is also the first read of the
    // file, where a file that is not a database shows up.
    SKIFF_TRY_ASSIGN(std::string mode, query_text(conn->db, "PRAGMA journal_mode=WAL", op));
    if (mode != "wal")
      return Error(ErrorCode::KvError, kNoOffset,
                   op + ": journal_mode is \"" + mode + "\", WAL is required");
    SKIFF_TRY(exec(conn->db, kCreateTable, op));
  }
  // Per connection. In WAL mode NORMAL is still consistent after a crash; the last
  // commits before a power loss may be rolled back.
  SKIFF_TRY(exec(conn->db, "PRAGMA synchronous=NORMAL", op));

  const struct {
    sqlite3_stmt** stmt;
    const char* sql;
  } kStatements[] = {
      {&conn->get, "SELECT value FROM kv WHERE ns = ?1 AND key = ?2"},
      {&conn->set, "INSERT INTO kv(ns, key, value) VALUES(?1, ?2, ?3) "
                   "ON CONFLICT(ns, key) DO UPDATE SET value = excluded.value"},
      {&conn->remove, "DELETE FROM kv WHERE ns = ?1 AND key = ?2"},
      {&conn->list_range, "SELECT key FROM kv WHERE ns = ?1 AND key >= ?2 AND key < ?3 "
                          "ORDER BY key LIMIT ?4"},
      {&conn->list_from, "SELECT key FROM kv WHERE ns = ?1 AND key >= ?2 ORDER BY key LIMIT ?3"},
  };
  for (const auto& s : kStatements) {
    if (sqlite3_prepare_v3(conn->db, s.sql, -1, SQLITE_PREPARE_PERSISTENT, s.stmt, nullptr) !=
        SQLITE_OK)
      return sqlite_error(op, conn->db);
  }
  return conn;
}

// The smallest byte string greater than every string that starts with `prefix`: the
// prefix with its trailing 0xFF bytes dropped and its last byte incremented. None when
// the prefix is empty or all 0xFF (then every key from `prefix` on matches).
std::optional<std::string> prefix_successor(std::string_view prefix) {
  std::string s(prefix);
  while (!s.empty() && static_cast<unsigned char>(s.back()) == 0xFF) s.pop_back();
  if (s.empty()) return std::nullopt;
  s.back() = static_cast<char>(static_cast<unsigned char>(s.back()) + 1);
  return s;
}

Result<void> check_ns(std::string_view ns) {
  if (ns.empty())
    return Error(ErrorCode::KvError, kNoOffset, "invalid argument: namespace is empty");
  return ok();
}

Result<void> check_key(std::string_view key, const KvLimits& limits) {
  if (key.empty()) return Error(ErrorCode::KvLimit, kNoOffset, "key is empty");
  if (key.size() > limits.max_key_bytes)
    return Error(ErrorCode::KvLimit, kNoOffset,
                 "key of " + std::to_string(key.size()) + " bytes exceeds the " +
                     std::to_string(limits.max_key_bytes) + "-byte limit");
  return ok();
}

}  // namespace

// The connection pool. `open` counts connections that exist, idle or lent out or being
// opened; it never exceeds kMaxConnections.
struct KvStore::Impl {
  // A borrowed connection; goes back to the pool when the lease ends.
  class Lease {
   public:
    Lease(Impl* pool, std::unique_ptr<Connection> conn) : m_pool(pool), m_conn(std::move(conn)) {}
    Lease(Lease&&) = default;
    Lease& operator=(Lease&&) = delete;
    ~Lease() {
      if (m_conn) m_pool->give_back(std::move(m_conn));
    }
    Connection* operator->() const { return m_conn.get(); }

   private:
    Impl* m_pool;
    std::unique_ptr<Connection> m_conn;
  };

  explicit Impl(std::string p) : path(std::move(p)) {
    idle.reserve(kMaxConnections);  // so give_back, run from destructors, never allocates
  }
  ~Impl() { SKIFF_ASSERT(idle.size() == open, "KvStore destroyed while a call is running"); }

  // A connection by `deadline`, whose busy timeout (the wait for another writer) is
  // then what is left of it, at most kBusyTimeoutMs.
  Result<Lease> borrow(Deadline deadline) {
    std::unique_lock lock(mu);
    const auto ready = [&] { return !idle.empty() || open < kMaxConnections; };
    if (deadline == Deadline::max()) {
      cv.wait(lock, ready);
    } else if (!cv.wait_until(lock, deadline, ready)) {
      return Error(ErrorCode::KvError, kNoOffset, "no database connection free before the request's deadline");
    }
    if (!idle.empty()) {
      std::unique_ptr<Connection> conn = std::move(idle.back());
      idle.pop_back();
      lock.unlock();
      limit_busy_wait(conn->db, deadline);
      return Lease(this, std::move(conn));
    }
    ++open;
    lock.unlock();  // opening reads the disk; other calls keep using the pool meanwhile
    auto conn = open_connection(path, /*first=*/false);
    if (!conn.ok()) {
      lock.lock();
      --open;
      lock.unlock();
      cv.notify_one();  // a waiter may now open one itself
      return std::move(conn).error();
    }
    limit_busy_wait((*conn)->db, deadline);
    return Lease(this, std::move(*conn));
  }

  static void limit_busy_wait(sqlite3* db, Deadline deadline) {
    using std::chrono::milliseconds;
    int ms = kBusyTimeoutMs;
    if (deadline != Deadline::max()) {
      const auto left = std::chrono::duration_cast<milliseconds>(deadline - std::chrono::steady_clock::now());
      ms = static_cast<int>(std::clamp<milliseconds::rep>(left.count(), 0, kBusyTimeoutMs));
    }
    sqlite3_busy_timeout(db, ms);  // 0: fail at once when another writer holds the lock
  }

  void give_back(std::unique_ptr<Connection> conn) {
    {
      std::lock_guard lock(mu);
      idle.push_back(std::move(conn));
    }
    cv.notify_one();
  }

  const std::string path;
  std::mutex mu;
  std::condition_variable cv;
  std::vector<std::unique_ptr<Connection>> idle;
  size_t open = 0;
};

KvStore::KvStore(std::unique_ptr<Impl> impl, KvLimits limits)
    : m_impl(std::move(impl)), m_limits(limits) {}

KvStore::~KvStore() = default;

Result<std::unique_ptr<KvStore>> KvStore::open(const std::string& path, KvLimits limits) {
  // Both would give every pooled connection a private database of its own.
  if (path.empty() || path == ":memory:")
    return Error(ErrorCode::KvError, kNoOffset,
                 "open \"" + path + "\": the key-value store needs a database file path");
  auto impl = std::make_unique<Impl>(path);
  SKIFF_TRY_ASSIGN(std::unique_ptr<Connection> first, open_connection(path, /*first=*/true));
  impl->idle.push_back(std::move(first));
  impl->open = 1;
  return std::unique_ptr<KvStore>(new KvStore(std::move(impl), limits));
}

Result<std::optional<std::string>> KvStore::get(std::string_view ns, std::string_view key, Deadline deadline) {
  SKIFF_TRY(check_ns(ns));
  SKIFF_TRY(check_key(key, m_limits));
  SKIFF_TRY_ASSIGN(Impl::Lease conn, m_impl->borrow(deadline));
  StmtUse stmt(conn->get);
  int rc = bind_bytes(stmt, 1, ns);
  if (rc == SQLITE_OK) rc = bind_bytes(stmt, 2, key);
  if (rc == SQLITE_OK) rc = sqlite3_step(stmt);
  if (rc == SQLITE_DONE) return std::optional<std::string>();
  if (rc != SQLITE_ROW) return sqlite_error("get", conn->db);
  SKIFF_TRY_ASSIGN(std::string value, column_bytes(stmt, 0, "get", conn->db));
  return std::optional<std::string>(std::move(value));
}

Result<void> KvStore::set(std::string_view ns, std::string_view key, std::string_view value, Deadline deadline) {
  SKIFF_TRY(check_ns(ns));
  SKIFF_TRY(check_key(key, m_limits));
  if (value.size() > m_limits.max_value_bytes)
    return Error(ErrorCode::KvLimit, kNoOffset,
                 "value of " + std::to_string(value.size()) + " bytes exceeds the " +
                     std::to_string(m_limits.max_value_bytes) + "-byte limit");
  SKIFF_TRY_ASSIGN(Impl::Lease conn, m_impl->borrow(deadline));
  StmtUse stmt(conn->set);
  int rc = bind_bytes(stmt, 1, ns);
  if (rc == SQLITE_OK) rc = bind_bytes(stmt, 2, key);
  if (rc == SQLITE_OK) rc = bind_bytes(stmt, 3, value);
  if (rc == SQLITE_OK) rc = sqlite3_step(stmt);
  if (rc != SQLITE_DONE) return sqlite_error("set", conn->db);
  return ok();
}

Result<bool> KvStore::remove(std::string_view ns, std::string_view key, Deadline deadline) {
  SKIFF_TRY(check_ns(ns));
  SKIFF_TRY(check_key(key, m_limits));
  SKIFF_TRY_ASSIGN(Impl::Lease conn, m_impl->borrow(deadline));
  StmtUse stmt(conn->remove);
  int rc = bind_bytes(stmt, 1, ns);
  if (rc == SQLITE_OK) rc = bind_bytes(stmt, 2, key);
  if (rc == SQLITE_OK) rc = sqlite3_step(stmt);
  if (rc != SQLITE_DONE) return sqlite_error("remove", conn->db);
  // The connection is ours alone until the lease ends, so the count is this statement's.
  return sqlite3_changes(conn->db) > 0;
}

Result<std::vector<std::string>> KvStore::list(std::string_view ns, std::string_view prefix, size_t limit,
                                               Deadline deadline) {
  SKIFF_TRY(check_ns(ns));
  const size_t n = limit == 0 ? m_limits.max_list : std::min(limit, m_limits.max_list);
  std::vector<std::string> keys;
  if (n == 0) return keys;
  // A range on the primary key, not LIKE/GLOB: '%' and '_' stay literal, there is no
  // case folding, and SQLite seeks the (ns, key) index instead of scanning the namespace.
  const std::optional<std::string> upper = prefix_successor(prefix);
  SKIFF_TRY_ASSIGN(Impl::Lease conn, m_impl->borrow(deadline));
  StmtUse stmt(upper ? conn->list_range : conn->list_from);
  int rc = bind_bytes(stmt, 1, ns);
  if (rc == SQLITE_OK) rc = bind_bytes(stmt, 2, prefix);
  if (rc == SQLITE_OK && upper) rc = bind_bytes(stmt, 3, *upper);
  const auto max = static_cast<size_t>(std::numeric_limits<sqlite3_int64>::max());
  if (rc == SQLITE_OK)
    rc = sqlite3_bind_int64(stmt, upper ? 4 : 3, static_cast<sqlite3_int64>(std::min(n, max)));
  if (rc != SQLITE_OK) return sqlite_error("list", conn->db);
  while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
    SKIFF_TRY_ASSIGN(std::string key, column_bytes(stmt, 0, "list", conn->db));
    keys.push_back(std::move(key));
  }
  if (rc != SQLITE_DONE) return sqlite_error("list", conn->db);
  return keys;
}

}  // namespace skiff::host
