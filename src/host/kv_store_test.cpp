#include "host/kv_store.h"

#include <sqlite3.h>
#include <stdlib.h>  // mkdtemp

#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <string>
#include <thread>
#include <vector>

// Covers: set/get/overwrite/remove (true, then false)/get of a missing key, empty values;
// keys and values with NUL and 0xFF bytes round-trip exactly and "a\0b" is not "a";
// namespaces are isolated (same key in two namespaces, "app" vs "app1", remove and list
// never cross); list: "%" and "_" are literal, prefixes ending in 0xFF (and all-0xFF, which
// has no upper bound), empty prefix = every key, ascending unsigned byte order, limit,
// limit 0 = max_list, max_list caps larger limits; KvLimit for empty and oversized keys and
// oversized values (exactly at the limit passes), KvError for an empty namespace; data
// survives reopening; the file is in WAL mode (raw SQLite); 4 threads x 500 mixed calls on
// overlapping keys with no errors and exact final state; more threads than pooled
// connections; two stores on one file (SQLite locking + busy timeout); open in a missing
// directory names the path; a garbage file and a ":memory:" path are errors, not crashes.

namespace skiff::host {
namespace {

using namespace std::string_literals;

// A fresh directory per test, removed with everything in it at the end.
class TempDir {
 public:
  TempDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "skiff-kv-XXXXXX").string();
    if (::mkdtemp(tmpl.data())) m_path = tmpl;
  }
  ~TempDir() {
    std::error_code ec;
    if (!m_path.empty()) std::filesystem::remove_all(m_path, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return m_path; }
  std::string file(const std::string& name) const { return m_path + "/" + name; }

 private:
  std::string m_path;
};

template <typename T>
testing::AssertionResult is_ok(const Result<T>& r) {
  if (r.ok()) return testing::AssertionSuccess();
  return testing::AssertionFailure() << r.error().to_string();
}

std::unique_ptr<KvStore> open_store(const TempDir& dir, KvLimits limits = {}) {
  auto store = KvStore::open(dir.file("kv.db"), limits);
  if (!store.ok()) {
    ADD_FAILURE() << store.error().to_string();
    return nullptr;
  }
  return std::move(*store);
}

std::optional<std::string> get(KvStore& kv, std::string_view ns, std::string_view key) {
  auto r = kv.get(ns, key);
  if (!r.ok()) ADD_FAILURE() << r.error().to_string();
  return r.ok() ? *r : std::nullopt;
}

std::vector<std::string> list(KvStore& kv, std::string_view ns, std::string_view prefix,
                              size_t limit = 0) {
  auto r = kv.list(ns, prefix, limit);
  if (!r.ok()) ADD_FAILURE() << r.error().to_string();
  return r.ok() ? *r : std::vector<std::string>();
}

TEST(KvStore, SetGetOverwriteAndRemove) {
  TempDir dir;
  auto kv = open_store(dir);
  ASSERT_TRUE(kv);
  EXPECT_EQ(get(*kv, "app", "k"), std::nullopt);
  ASSERT_TRUE(is_ok(kv->set("app", "k", "one")));
  EXPECT_EQ(get(*kv, "app", "k"), "one");
  ASSERT_TRUE(is_ok(kv->set("app", "k", "two")));
  EXPECT_EQ(get(*kv, "app", "k"), "two");
  ASSERT_TRUE(is_ok(kv->set("app", "empty", "")));
  EXPECT_EQ(get(*kv, "app", "empty"), "");  // present and empty, not absent

  auto removed = kv->remove("app", "k");
  ASSERT_TRUE(is_ok(removed));
  EXPECT_TRUE(*removed);
  EXPECT_EQ(get(*kv, "app", "k"), std::nullopt);
  removed = kv->remove("app", "k");
  ASSERT_TRUE(is_ok(removed));
  EXPECT_FALSE(*removed);
  EXPECT_EQ(list(*kv, "app", ""), std::vector<std::string>{"empty"});
}

TEST(KvStore, BinaryKeysAndValuesRoundTripExactly) {
  TempDir dir;
  auto kv = open_store(dir);
  ASSERT_TRUE(kv);
  const std::string k1 = "a\0b"s, k2 = "a"s, k3 = "\xFF\0\xFF"s, k4 = "\0"s;
  const std::string v1 = "\0\0x\0"s, v2 = "\xFF\xFE\0"s;
  for (const auto& [k, v] : {std::pair{k1, v1}, {k2, v2}, {k3, v1}, {k4, v2}})
    ASSERT_TRUE(is_ok(kv->set("bin", k, v)));
  EXPECT_EQ(get(*kv, "bin", k1), v1);
  EXPECT_EQ(get(*kv, "bin", k2), v2);
  EXPECT_EQ(get(*kv, "bin", k3), v1);
  EXPECT_EQ(get(*kv, "bin", k4), v2);
  EXPECT_EQ(get(*kv, "bin", "a\0"s), std::nullopt);
  EXPECT_EQ(list(*kv, "bin", ""), (std::vector<std::string>{k4, k2, k1, k3}));
  EXPECT_EQ(list(*kv, "bin", "a\0"s), std::vector<std::string>{k1});
}

TEST(KvStore, NamespacesAreIsolated) {
  TempDir dir;
  auto kv = open_store(dir);
  ASSERT_TRUE(kv);
  ASSERT_TRUE(is_ok(kv->set("app", "k", "mine")));
  ASSERT_TRUE(is_ok(kv->set("app1", "k", "theirs")));
  ASSERT_TRUE(is_ok(kv->set("app1", "k2", "theirs")));
  ASSERT_TRUE(is_ok(kv->set("ap", "pk", "other")));
  EXPECT_EQ(get(*kv, "app", "k"), "mine");
  EXPECT_EQ(get(*kv, "app1", "k"), "theirs");
  EXPECT_EQ(get(*kv, "app", "k2"), std::nullopt);
  EXPECT_EQ(list(*kv, "app", ""), std::vector<std::string>{"k"});
  EXPECT_EQ(list(*kv, "app1", ""), (std::vector<std::string>{"k", "k2"}));
  EXPECT_EQ(list(*kv, "ap", "p"), std::vector<std::string>{"pk"});
  auto removed = kv->remove("app", "k2");
  ASSERT_TRUE(is_ok(removed));
  EXPECT_FALSE(*removed);
  ASSERT_TRUE(is_ok(kv->remove("app", "k")));
  EXPECT_EQ(get(*kv, "app1", "k"), "theirs");
  EXPECT_TRUE(list(*kv, "nobody", "").empty());
}

TEST(KvStore, ListTreatsPercentAndUnderscoreLiterally) {
  TempDir dir;
  auto kv = open_store(dir);
  ASSERT_TRUE(kv);
  for (const char* k : {"a%", "a%b", "a_c", "abc", "aXc", "A_c", "a", "b", "z", "\xC3\xA9"})
    ASSERT_TRUE(is_ok(kv->set("p", k, "v")));
  EXPECT_EQ(list(*kv, "p", "a%"), (std::vector<std::string>{"a%", "a%b"}));
  EXPECT_EQ(list(*kv, "p", "a_"), std::vector<std::string>{"a_c"});
  EXPECT_EQ(list(*kv, "p", "a"), (std::vector<std::string>{"a", "a%", "a%b", "aXc", "a_c", "abc"}));
  EXPECT_TRUE(list(*kv, "p", "%").empty());
  EXPECT_TRUE(list(*kv, "p", "abcd").empty());
  // Empty prefix: everything, in unsigned byte order (0xC3 after 'z', 'A' before 'a').
  EXPECT_EQ(list(*kv, "p", ""), (std::vector<std::string>{"A_c", "a", "a%", "a%b", "aXc", "a_c",
                                                          "abc", "b", "z", "\xC3\xA9"}));
}

TEST(KvStore, ListPrefixesEndingInFFBytes) {
  TempDir dir;
  auto kv = open_store(dir);
  ASSERT_TRUE(kv);
  // "\377" is 0xFF, written in octal so that a letter after it is not read as a hex digit.
  const std::vector<std::string> keys = {"a", "a\377", "a\377\0"s, "a\377\377", "a\377\377z",
                                         "b", "\377", "\377\377", "\377\377a"};
  for (const auto& k : keys) ASSERT_TRUE(is_ok(kv->set("ff", k, "v")));
  // Successor of "a\377" is "b": "b" itself must stay out.
  EXPECT_EQ(list(*kv, "ff", "a\377"),
            (std::vector<std::string>{"a\377", "a\377\0"s, "a\377\377", "a\377\377z"}));
  EXPECT_EQ(list(*kv, "ff", "a\377\377"), (std::vector<std::string>{"a\377\377", "a\377\377z"}));
  // All 0xFF: no successor, so no upper bound, but other namespaces must still stay out.
  ASSERT_TRUE(is_ok(kv->set("fg", "\377\377\377", "v")));
  EXPECT_EQ(list(*kv, "ff", "\377"), (std::vector<std::string>{"\377", "\377\377", "\377\377a"}));
  EXPECT_EQ(list(*kv, "ff", "\377\377"), (std::vector<std::string>{"\377\377", "\377\377a"}));
  EXPECT_TRUE(list(*kv, "ff", "\377\377\377").empty());
}

TEST(KvStore, ListHonoursLimitAndMaxList) {
  TempDir dir;
  KvLimits limits;
  limits.max_list = 5;
  auto kv = open_store(dir, limits);
  ASSERT_TRUE(kv);
  for (int i = 0; i < 10; ++i) ASSERT_TRUE(is_ok(kv->set("l", "k" + std::to_string(i), "v")));
  EXPECT_EQ(list(*kv, "l", "k", 3), (std::vector<std::string>{"k0", "k1", "k2"}));
  EXPECT_EQ(list(*kv, "l", "k", 1), std::vector<std::string>{"k0"});
  EXPECT_EQ(list(*kv, "l", "k", 0).size(), 5u);  // 0 means max_list
  EXPECT_EQ(list(*kv, "l", "k", 100), (std::vector<std::string>{"k0", "k1", "k2", "k3", "k4"}));
  EXPECT_EQ(list(*kv, "l", "k", SIZE_MAX).size(), 5u);
}

TEST(KvStore, LimitsAreErrors) {
  TempDir dir;
  auto kv = open_store(dir);
  ASSERT_TRUE(kv);
  const std::string long_key(1025, 'k'), max_key(1024, 'k');
  auto r = kv->set("app", long_key, "v");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), ErrorCode::KvLimit);
  EXPECT_EQ(r.error().context(), "key of 1025 bytes exceeds the 1024-byte limit");
  EXPECT_EQ(kv->get("app", long_key).error().code(), ErrorCode::KvLimit);
  EXPECT_EQ(kv->remove("app", long_key).error().code(), ErrorCode::KvLimit);
  EXPECT_EQ(kv->set("app", "", "v").error().code(), ErrorCode::KvLimit);
  EXPECT_EQ(kv->get("app", "").error().code(), ErrorCode::KvLimit);
  EXPECT_TRUE(is_ok(kv->set("app", max_key, "v")));
  EXPECT_EQ(get(*kv, "app", max_key), "v");

  const std::string big(kv->limits().max_value_bytes + 1, 'v');
  r = kv->set("app", "big", big);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), ErrorCode::KvLimit);
  EXPECT_EQ(r.error().context(), "value of 1048577 bytes exceeds the 1048576-byte limit");
  EXPECT_EQ(get(*kv, "app", "big"), std::nullopt);
  EXPECT_TRUE(is_ok(kv->set("app", "big", std::string_view(big).substr(1))));
  EXPECT_EQ(get(*kv, "app", "big")->size(), big.size() - 1);

  const Error errors[] = {kv->get("", "k").error(), kv->set("", "k", "v").error(),
                          kv->remove("", "k").error(), kv->list("", "", 0).error()};
  for (const Error& e : errors) {
    EXPECT_EQ(e.code(), ErrorCode::KvError);
    EXPECT_NE(e.context().find("namespace is empty"), std::string_view::npos) << e.to_string();
  }
}

TEST(KvStore, DataPersistsAfterReopening) {
  TempDir dir;
  auto kv = open_store(dir);
  ASSERT_TRUE(kv);
  ASSERT_TRUE(is_ok(kv->set("app", "k\0"s, "v\0"s)));
  ASSERT_TRUE(is_ok(kv->set("app", "gone", "v")));
  ASSERT_TRUE(is_ok(kv->remove("app", "gone")));
  kv.reset();
  kv = open_store(dir);
  ASSERT_TRUE(kv);
  EXPECT_EQ(get(*kv, "app", "k\0"s), "v\0"s);
  EXPECT_EQ(list(*kv, "app", ""), std::vector<std::string>{"k\0"s});
}

TEST(KvStore, DatabaseFileIsInWalMode) {
  TempDir dir;
  auto kv = open_store(dir);
  ASSERT_TRUE(kv);
  ASSERT_TRUE(is_ok(kv->set("app", "k", "v")));
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open_v2(dir.file("kv.db").c_str(), &db, SQLITE_OPEN_READONLY, nullptr),
            SQLITE_OK);
  sqlite3_stmt* stmt = nullptr;
  ASSERT_EQ(sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1, &stmt, nullptr), SQLITE_OK);
  ASSERT_EQ(sqlite3_step(stmt), SQLITE_ROW);
  EXPECT_STREQ(reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0)), "wal");
  sqlite3_finalize(stmt);
  // The store's write is visible to an outside reader (committed, not stuck in a transaction).
  ASSERT_EQ(sqlite3_prepare_v2(db, "SELECT count(*) FROM kv", -1, &stmt, nullptr), SQLITE_OK);
  ASSERT_EQ(sqlite3_step(stmt), SQLITE_ROW);
  EXPECT_EQ(sqlite3_column_int(stmt, 0), 1);
  sqlite3_finalize(stmt);
  sqlite3_close_v2(db);
}

// Each thread owns some keys (so it knows their exact values) and also writes, removes
// and lists a few keys all threads share. Failures are collected per thread and checked
// after join; gtest assertions stay on the main thread.
TEST(KvStore, ConcurrentMixedCallsKeepEveryLastWrite) {
  constexpr int kThreads = 4, kOps = 500, kOwnKeys = 16, kSharedKeys = 4;
  TempDir dir;
  auto kv = open_store(dir);
  ASSERT_TRUE(kv);
  std::vector<std::vector<std::string>> failures(kThreads);
  std::vector<std::map<std::string, std::string>> models(kThreads);
  auto prefix_of = [](int t) { return "t"s + char('0' + t) + '\0'; };
  auto worker = [&](int t) {
    std::mt19937 rng(static_cast<unsigned>(t));
    auto& model = models[t];
    auto fail = [&](std::string what) { failures[t].push_back(std::move(what)); };
    for (int i = 0; i < kOps; ++i) {
      const std::string own = prefix_of(t) + std::to_string(rng() % kOwnKeys);
      const std::string shared = "shared/" + std::to_string(rng() % kSharedKeys);
      const std::string value = "v" + std::to_string(t) + "-" + std::to_string(i);
      switch (rng() % 6) {
        case 0:
        case 1:
          if (auto r = kv->set("ns", own, value); r.ok()) model[own] = value;
          else fail("set: " + r.error().to_string());
          break;
        case 2:
          if (auto r = kv->remove("ns", own); !r.ok()) fail("remove: " + r.error().to_string());
          else if (*r != (model.erase(own) == 1)) fail("remove of " + own + " disagrees");
          break;
        case 3: {
          auto r = kv->get("ns", own);
          auto it = model.find(own);
          if (!r.ok()) fail("get: " + r.error().to_string());
          else if (*r != (it == model.end() ? std::nullopt : std::optional(it->second)))
            fail("get of " + own + " disagrees");
          break;
        }
        case 4:
          if (rng() % 2) {
            if (auto r = kv->set("ns", shared, value); !r.ok())
              fail("set: " + r.error().to_string());
          } else if (auto r = kv->remove("ns", shared); !r.ok()) {
            fail("remove: " + r.error().to_string());
          }
          break;
        default: {
          auto r = kv->list("ns", i % 2 ? prefix_of(t) : "shared/", 0);
          if (!r.ok()) {
            fail("list: " + r.error().to_string());
          } else if (i % 2) {
            std::vector<std::string> want;
            for (const auto& entry : model) want.push_back(entry.first);
            if (*r != want) fail("list of own keys disagrees");
          } else {
            for (const auto& k : *r)
              if (k.rfind("shared/", 0) != 0) fail("list returned " + k);
          }
        }
      }
    }
  };
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) threads.emplace_back(worker, t);
  for (auto& th : threads) th.join();

  for (int t = 0; t < kThreads; ++t) {
    if (!failures[t].empty())
      ADD_FAILURE() << "thread " << t << ": " << failures[t].size()
                    << " failures, first: " << failures[t].front();
    std::vector<std::string> want;
    for (const auto& [k, v] : models[t]) {
      want.push_back(k);
      EXPECT_EQ(get(*kv, "ns", k), v);
    }
    EXPECT_EQ(list(*kv, "ns", prefix_of(t)), want);
  }
}

TEST(KvStore, MoreThreadsThanConnectionsWaitForOne) {
  constexpr int kThreads = 24, kOps = 40;
  TempDir dir;
  auto kv = open_store(dir);
  ASSERT_TRUE(kv);
  std::vector<int> errors(kThreads, 0);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      const std::string key = "k" + std::to_string(t);
      for (int i = 0; i < kOps; ++i) {
        if (!kv->set("ns", key, std::to_string(i)).ok()) ++errors[t];
        auto r = kv->get("ns", key);
        if (!r.ok() || *r != std::to_string(i)) ++errors[t];
      }
    });
  }
  for (auto& th : threads) th.join();
  for (int t = 0; t < kThreads; ++t) EXPECT_EQ(errors[t], 0) << "thread " << t;
  EXPECT_EQ(list(*kv, "ns", "k").size(), size_t{kThreads});
}

// Two stores on one file have separate pools, so their writers meet only at SQLite's
// file locks: the busy timeout has to make them wait rather than fail.
TEST(KvStore, TwoStoresOnOneFileWaitForEachOther) {
  constexpr int kOps = 200;
  TempDir dir;
  auto a = open_store(dir), b = open_store(dir);
  ASSERT_TRUE(a && b);
  int errors[2] = {0, 0};
  auto writer = [&](KvStore& kv, int n) {
    for (int i = 0; i < kOps; ++i)
      if (!kv.set("ns", std::to_string(n) + "/" + std::to_string(i), "v").ok()) ++errors[n];
  };
  std::thread ta(writer, std::ref(*a), 0), tb(writer, std::ref(*b), 1);
  ta.join();
  tb.join();
  EXPECT_EQ(errors[0], 0);
  EXPECT_EQ(errors[1], 0);
  EXPECT_EQ(list(*a, "ns", "1/").size(), size_t{kOps});
  EXPECT_EQ(list(*b, "ns", "0/").size(), size_t{kOps});
}

// A writer that holds the lock longer than a call's deadline: the call gives up at its
// deadline (not after the 5 s busy timeout) with an error, and works again once the
// lock is free. Reads are not blocked by a writer under WAL.
TEST(KvStore, ACallBlockedByAnotherWriterEndsAtItsDeadline) {
  TempDir dir;
  auto kv = open_store(dir);
  ASSERT_TRUE(kv);
  ASSERT_TRUE(is_ok(kv->set("ns", "k", "old")));
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open_v2(dir.file("kv.db").c_str(), &db, SQLITE_OPEN_READWRITE, nullptr), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(db, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr), SQLITE_OK);  // the write lock
  const auto t0 = std::chrono::steady_clock::now();
  Result<void> r = kv->set("ns", "k", "new", t0 + std::chrono::milliseconds(200));
  const auto waited = std::chrono::steady_clock::now() - t0;
  EXPECT_FALSE(r.ok());
  EXPECT_GE(waited, std::chrono::milliseconds(150));  // it did wait for the lock
  EXPECT_LT(waited, std::chrono::seconds(3));         // but not for the 5 s busy timeout
  // A deadline already past: no wait at all for the lock.
  EXPECT_FALSE(kv->remove("ns", "k", std::chrono::steady_clock::now() - std::chrono::seconds(1)).ok());
  auto v = kv->get("ns", "k", std::chrono::steady_clock::now() + std::chrono::milliseconds(200));
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(**v, "old");
  ASSERT_EQ(sqlite3_exec(db, "ROLLBACK", nullptr, nullptr, nullptr), SQLITE_OK);
  sqlite3_close_v2(db);
  EXPECT_TRUE(is_ok(kv->set("ns", "k", "new", std::chrono::steady_clock::now() + std::chrono::seconds(5))));
  EXPECT_EQ(**kv->get("ns", "k"), "new");
}

TEST(KvStore, OpenInMissingDirectoryNamesThePath) {
  TempDir dir;
  const std::string path = dir.file("no/such/dir/kv.db");
  auto r = KvStore::open(path);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), ErrorCode::KvError);
  EXPECT_NE(r.error().context().find(path), std::string_view::npos) << r.error().to_string();
  EXPECT_FALSE(std::filesystem::exists(dir.file("no")));

  auto mem = KvStore::open(":memory:");
  ASSERT_FALSE(mem.ok());
  EXPECT_EQ(mem.error().code(), ErrorCode::KvError);
}

TEST(KvStore, GarbageFileIsAnErrorNotACrash) {
  TempDir dir;
  const std::string path = dir.file("kv.db");
  {
    std::ofstream out(path, std::ios::binary);
    for (int i = 0; i < 512; ++i) out << "not a database\xFF\0"s;
  }
  auto r = KvStore::open(path);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), ErrorCode::KvError);
  EXPECT_EQ(r.error().context(), "open " + path + ": file is not a database");
}

}  // namespace
}  // namespace skiff::host
