#pragma once
// The guest's descriptor table: WASI fd numbers -> host descriptors with their rights,
// file type and per-descriptor state (a preopen's guest name, a directory listing being
// read with fd_readdir). Descriptors 0-2 borrow the host's stdio; everything else is
// owned and closed with the table.

#include <array>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "wasi/abi.h"

namespace skiff::wasi {

struct DirEntry {
  std::string name;
  uint64_t ino = 0;
  FileType type = FileType::Unknown;
};

class Stream;

struct FdEntry {
  int host = -1;
  bool owned = true;
  Stream* stream = nullptr;  // in-memory stdio (borrowed): reads and writes go here, not to `host`
  FileType type = FileType::Unknown;
  uint64_t rights_base = 0;
  uint64_t rights_inheriting = 0;
  bool is_preopen = false;
  bool listener = false;   // a --listen socket (sock_accept)
  bool writes_block = false;  // refused RWF_NOWAIT (a terminal): fd_write writes plainly
  std::string preopen_name;
  // fd_readdir: the listing read at cookie 0; cookie k resumes at entry k, so cookies
  // stay stable while the guest reads (entries created meanwhile appear after a rewind).
  std::vector<DirEntry> listing;
  bool listing_valid = false;
};

// Entries keep their addresses until closed or renumbered, whatever else is inserted
// (callers hold a directory's entry while they add the file opened in it).
class FdTable {
 public:
  FdTable() = default;
  ~FdTable();
  FdTable(const FdTable&) = delete;
  FdTable& operator=(const FdTable&) = delete;

  // The entry for `fd`, or null (EBADF).
  FdEntry* get(uint32_t fd);
  // The entry for `fd` if it has every right in `needed`; else null with `err` set to
  // Badf (no such fd) or NotCapable.
  FdEntry* get(uint32_t fd, uint64_t needed, Errno& err);

  // Inserts at the lowest free number >= 3 (0-2 are stdio's even when closed), or at
  // `at`. Returns the number, or Nfile when the table is full.
  Errno insert(FdEntry e, uint32_t& fd_out);
  void insert_at(uint32_t fd, FdEntry e);
  Errno close(uint32_t fd);
  // fd_renumber: `to` takes `from`'s entry (closing what `to` held); `from` is freed.
  Errno renumber(uint32_t from, uint32_t to);

 private:
  // Descriptors below this live in the table itself: stdio, the preopens and the first
  // files a guest opens need no allocation (a table is made for every request).
  static constexpr uint32_t kInline = 8;
  static void release(FdEntry& e);
  void erase(uint32_t fd);  // without closing: the entry has been moved out or released
  std::array<std::optional<FdEntry>, kInline> m_low;
  std::map<uint32_t, FdEntry> m_high;
  size_t m_count = 0;
};

}  // namespace skiff::wasi
