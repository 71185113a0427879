#include "engine/binary/module_file.h"

#include <algorithm>
#include <string_view>

#include "engine/binary/reader.h"
#include "engine/binary/sections.h"
#include "platform/file.h"

namespace skiff::engine::binary {

namespace {

struct Range {
  uint64_t begin, end;
};

// What to read: [0, cut), then `names` (kept "name" sections after the cut). A cut at
// the file's size reads everything.
struct Plan {
  uint64_t cut;
  std::vector<Range> names;
};

// Sections are read header by header (one pread each for the usual short custom
// names); past this many the whole file is read instead of walking it.
constexpr int kMaxSections = 256;
constexpr size_t kHeadBytes = 48;       // id, size, name length and a short name
constexpr uint32_t kMaxNameBytes = 1024;  // longer custom names: read everything

Plan plan_read(const platform::ReadableFile& file, uint64_t size) {
  const Plan whole{size, {}};
  if (size < 8) return whole;
  Plan plan = whole;
  uint64_t pos = 8;
  for (int n = 0; pos < size; ++n) {
    if (n == kMaxSections) return whole;
    uint8_t head[kHeadBytes];
    auto got = file.read_at(pos, head, sizeof head);
    if (!got || *got == 0) return whole;
    Reader r(head, head, head + *got);
    auto id = r.read_u8();
    auto len = r.read_u32();
    if (!id || !len) return whole;
    const uint64_t payload = pos + r.offset();
    const uint64_t end = payload + *len;
    if (end > size) return whole;  // the decoder says "length out of bounds"
    if (*id != 0) {                // not custom: whatever came before is not at the end
      plan = whole;
      pos = end;
      continue;
    }
    // name ::= vec(byte), inside the section.
    Reader in_section(head, head + r.offset(), head + std::min<uint64_t>(*got, end - pos));
    auto name_len = in_section.read_u32();
    if (!name_len || *name_len > kMaxNameBytes) return whole;
    const uint64_t name_at = pos + in_section.offset();
    if (name_at + *name_len > end) return whole;
    std::string name(*name_len, '\0');
    auto name_got = file.read_at(name_at, reinterpret_cast<uint8_t*>(name.data()), name.size());
    if (!name_got || *name_got != name.size()) return whole;
    if (!is_valid_utf8(reinterpret_cast<const uint8_t*>(name.data()), name.size())) return whole;
    if (name == "name") {
      if (plan.cut != size) plan.names.push_back(Range{pos, end});
    } else if (plan.cut == size) {
      plan.cut = pos;
    }
    pos = end;
  }
  return plan;
}

Error too_large(const std::string& path) {
  return Error(ErrorCode::ImplementationLimit, kNoOffset, path + ": module larger than 1 GiB");
}

// Everything from the start, through the descriptor already open (a FIFO opened twice
// would wait for a second writer), but no more than kMaxModuleSize bytes: /dev/zero or a
// file that keeps growing is refused, not read until memory runs out.
Result<std::vector<uint8_t>> read_to_end(const platform::ReadableFile& file, const std::string& path) {
  SKIFF_TRY_ASSIGN(std::vector<uint8_t> all, file.read_all(kMaxModuleSize));
  if (all.size() > kMaxModuleSize) return too_large(path);
  return all;
}

// Opens `path`; a regular file too large to be a module is refused before anything is
// allocated for it (a sparse 50 GB file costs nothing to make).
Result<platform::ReadableFile> open_module_file(const std::string& path) {
  SKIFF_TRY_ASSIGN(platform::ReadableFile file, platform::ReadableFile::open(path));
  if (file.size() && *file.size() > kMaxModuleSize) return too_large(path);
  return file;
}

}  // namespace

Result<std::vector<uint8_t>> read_whole_module_file(const std::string& path) {
  SKIFF_TRY_ASSIGN(platform::ReadableFile file, open_module_file(path));
  return read_to_end(file, path);
}

Result<std::vector<uint8_t>> read_module_file(const std::string& path) {
  SKIFF_TRY_ASSIGN(platform::ReadableFile file, open_module_file(path));
  // Everything for what has no size and for a size that is not where the file ends
  // (procfs, a file still being written).
  if (!file.size()) return read_to_end(file, path);
  const uint64_t size = *file.size();
  uint8_t past_end;
  SKIFF_TRY_ASSIGN(size_t beyond, file.read_at(size, &past_end, 1));
  if (beyond != 0) return read_to_end(file, path);
  const Plan plan = plan_read(file, size);
  std::vector<uint8_t> out(static_cast<size_t>(plan.cut));
  SKIFF_TRY_ASSIGN(size_t got, file.read_at(0, out.data(), out.size()));
  out.resize(got);  // shorter if the file shrank meanwhile: the decoder will say so
  if (got != plan.cut) return out;
  for (const Range& r : plan.names) {
    const size_t at = out.size();
    const size_t want = static_cast<size_t>(r.end - r.begin);
    out.resize(at + want);
    SKIFF_TRY_ASSIGN(size_t n, file.read_at(r.begin, out.data() + at, want));
    out.resize(at + n);
    if (n != want) break;  // the file shrank: stop at the short section, splice nothing after it
  }
  return out;
}

}  // namespace skiff::engine::binary
