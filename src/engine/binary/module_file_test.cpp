#include "engine/binary/module_file.h"

#include <gtest/gtest.h>

#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>

#include "engine/binary/decoder.h"
#include "engine/binary/sections.h"
#include "platform/file.h"
#include "support/wasm_bytes.h"

namespace skiff::engine::binary {
namespace {

using testing::Bytes;
using testing::append;
using testing::leb_u32;
using testing::module;
using testing::section;

// A file in the temporary directory holding `bytes`, removed with the object.
class TempFile {
 public:
  explicit TempFile(const Bytes& bytes) {
    static int n = 0;
    m_path = (std::filesystem::temp_directory_path() /
              ("skiff-module-file-" + std::to_string(::getpid()) + "-" + std::to_string(n++) + ".wasm"))
                 .string();
    std::ofstream(m_path, std::ios::binary).write(reinterpret_cast<const char*>(bytes.data()),
                                                  static_cast<std::streamsize>(bytes.size()));
  }
  ~TempFile() { std::remove(m_path.c_str()); }
  TempFile(const TempFile&) = delete;
  TempFile& operator=(const TempFile&) = delete;
  const std::string& path() const { return m_path; }

 private:
  std::string m_path;
};

// A custom section: name, then payload.
Bytes custom(const Bytes& name, const Bytes& payload) {
  Bytes body = leb_u32(static_cast<uint32_t>(name.size()));
  append(body, name);
  append(body, payload);
  return section(0, body);
}
Bytes str(const std::string& s) { return Bytes(s.begin(), s.end()); }

// type () -> (); one function; its body `nop end`.
const Bytes kType = section(1, {0x01, 0x60, 0x00, 0x00});
const Bytes kFunc = section(3, {0x01, 0x00});
const Bytes kCode = section(10, {0x01, 0x03, 0x00, 0x01, 0x0B});
// A name section naming function 0 "f".
const Bytes kNames = custom(str("name"), {0x01, 0x04, 0x01, 0x00, 0x01, 'f'});

// What the decoder makes of `bytes` read both ways must agree: both succeed with the same
// functions and function names, or both fail with the same error at the same offset.
// Returns the size read_module_file kept.
size_t expect_same_decode(const Bytes& bytes) {
  TempFile file(bytes);
  auto whole = platform::read_file(file.path());
  auto part = read_module_file(file.path());
  EXPECT_TRUE(whole.ok() && part.ok());
  if (!whole.ok() || !part.ok()) return 0;
  auto a = decode(*whole);
  auto b = decode(*part);
  EXPECT_EQ(a.ok(), b.ok());
  if (a.ok() && b.ok()) {
    EXPECT_EQ((*a)->funcs.size(), (*b)->funcs.size());
    EXPECT_EQ((*a)->codes.size(), (*b)->codes.size());
    EXPECT_EQ((*a)->names.functions.size(), (*b)->names.functions.size());
    for (size_t i = 0; i < std::min((*a)->names.functions.size(), (*b)->names.functions.size()); ++i)
      EXPECT_EQ((*a)->names.functions[i].name, (*b)->names.functions[i].name);
  } else if (!a.ok() && !b.ok()) {
    EXPECT_EQ(a.error().code(), b.error().code()) << a.error().to_string() << " vs " << b.error().to_string();
    EXPECT_EQ(a.error().offset(), b.error().offset());
  }
  return part->size();
}

// What `read` makes of a FIFO whose writer wrote `bytes` and went away (opening it a
// second time would wait for another writer forever).
Result<std::vector<uint8_t>>
read_through_fifo(const Bytes& bytes, Result<std::vector<uint8_t>> (*read)(const std::string&)) {
  const std::string fifo =
      (std::filesystem::temp_directory_path() / ("skiff-module-fifo-" + std::to_string(::getpid())))
          .string();
  if (::mkfifo(fifo.c_str(), 0600) != 0)
    return Error(ErrorCode::IoError, kNoOffset, "mkfifo " + fifo);
  std::thread writer([&] {
    std::ofstream(fifo, std::ios::binary)
        .write(reinterpret_cast<const char*>(bytes.data()),
               static_cast<std::streamsize>(bytes.size()));
  });
  auto piped = read(fifo);
  writer.join();
  std::remove(fifo.c_str());
  return piped;
}

// Covers: trailing custom sections (debug info, producers) are left out; the module
// still decodes to the same functions.
TEST(ReadModuleFile, LeavesOutTrailingCustomSections) {
  const Bytes prefix = module({kType, kFunc, kCode});
  Bytes bytes = prefix;
  append(bytes, custom(str(".debug_info"), Bytes(5000, 0xAB)));
  append(bytes, custom(str("producers"), Bytes(100, 0x01)));
  EXPECT_EQ(expect_same_decode(bytes), prefix.size());
}

// Covers: a "name" section after the debug sections is kept (backtraces use it), the
// debug sections before it are not; a name section before them stays in place.
TEST(ReadModuleFile, KeepsTheNameSection) {
  const Bytes prefix = module({kType, kFunc, kCode});
  Bytes after = prefix;
  append(after, custom(str(".debug_line"), Bytes(3000, 0x11)));
  append(after, kNames);
  append(after, custom(str("target_features"), Bytes(10, 0x2B)));
  EXPECT_EQ(expect_same_decode(after), prefix.size() + kNames.size());
  TempFile file(after);
  auto kept = read_module_file(file.path());
  ASSERT_TRUE(kept.ok());
  auto m = decode(*kept);
  ASSERT_TRUE(m.ok()) << m.error().to_string();
  ASSERT_EQ((*m)->names.functions.size(), 1u);
  EXPECT_EQ((*m)->names.functions[0].name, "f");

  Bytes before = prefix;
  append(before, kNames);
  append(before, custom(str(".debug_str"), Bytes(3000, 0x22)));
  EXPECT_EQ(expect_same_decode(before), prefix.size() + kNames.size());
}

// Covers: custom sections followed by a known section are not trailing: kept.
TEST(ReadModuleFile, KeepsCustomSectionsBeforeOtherSections) {
  Bytes bytes = module({kType, custom(str("x"), Bytes(2000, 7)), kFunc, kCode});
  EXPECT_EQ(expect_same_decode(bytes), bytes.size());
}

// Covers: trailing custom sections whose framing is wrong make the whole file be read,
// so the decoder reports the same error at the same offset: a size past the end, a name
// longer than its section, an overlong LEB, invalid UTF-8 in the name, an unknown
// section id after them; and a module without trailing sections, a bare header, an
// empty file.
TEST(ReadModuleFile, MalformedTrailingSectionsGiveTheDecodersError) {
  const Bytes prefix = module({kType, kFunc, kCode});
  auto with = [&](std::initializer_list<Bytes> tail) {
    Bytes b = prefix;
    append(b, custom(str(".debug_info"), Bytes(500, 1)));
    for (const Bytes& t : tail) append(b, t);
    return b;
  };
  Bytes past_end = {0x00, 0x90, 0x4E, 0x01, 'a'};  // size 10000, 3 bytes there
  EXPECT_EQ(expect_same_decode(with({past_end})), with({past_end}).size());
  Bytes long_name = {0x00, 0x03, 0x09, 'a', 'b'};  // name of 9 bytes in a 3-byte section
  EXPECT_EQ(expect_same_decode(with({long_name})), with({long_name}).size());
  Bytes overlong = {0x00, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00};
  EXPECT_EQ(expect_same_decode(with({overlong})), with({overlong}).size());
  Bytes bad_utf8 = custom({0xC3, 0x28}, Bytes(50, 0));
  EXPECT_EQ(expect_same_decode(with({bad_utf8})), with({bad_utf8}).size());
  Bytes unknown_id = section(14, {0x00});
  EXPECT_EQ(expect_same_decode(with({unknown_id})), with({unknown_id}).size());
  Bytes no_name = {0x00, 0x00};  // a custom section too short for its name's length
  EXPECT_EQ(expect_same_decode(with({no_name})), with({no_name}).size());
  Bytes truncated_header = {0x00};
  EXPECT_EQ(expect_same_decode(with({truncated_header})), with({truncated_header}).size());

  EXPECT_EQ(expect_same_decode(prefix), prefix.size());
  EXPECT_EQ(expect_same_decode(testing::kHeader), testing::kHeader.size());
  EXPECT_EQ(expect_same_decode({}), 0u);
  EXPECT_EQ(expect_same_decode({0x00, 0x61, 0x73}), 3u);
}

// Covers: a missing file and a directory are IoErrors naming the path.
TEST(ReadModuleFile, MissingFileAndDirectoryAreErrors) {
  auto missing = read_module_file("/nonexistent/skiff/module.wasm");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code(), ErrorCode::IoError);
  EXPECT_NE(missing.error().context().find("/nonexistent/skiff/module.wasm"), std::string::npos);
  auto dir = read_module_file(std::filesystem::temp_directory_path().string());
  ASSERT_FALSE(dir.ok());
  EXPECT_EQ(dir.error().code(), ErrorCode::IoError);
}

// Covers: what has no size or a wrong one is read whole, through the one descriptor:
// a FIFO whose writer wrote a module and went away (opening it a second time would wait
// for another writer forever), and a procfs file whose size says 0.
TEST(ReadModuleFile, PipesAndProcFilesAreReadWhole) {
  const Bytes bytes = module({kType, kFunc, kCode, custom(str(".debug_info"), Bytes(3000, 9))});
  auto piped = read_through_fifo(bytes, read_module_file);
  ASSERT_TRUE(piped.ok()) << piped.error().to_string();
  EXPECT_EQ(*piped, bytes);

  auto proc = read_module_file("/proc/self/cmdline");
  auto whole = platform::read_file("/proc/self/cmdline");
  ASSERT_TRUE(proc.ok() && whole.ok());
  EXPECT_FALSE(proc->empty());
  EXPECT_EQ(*proc, *whole);
}

// Covers: read_whole_module_file keeps everything, trailing custom sections included,
// as platform::read_file does; and reads a FIFO through its one descriptor.
TEST(ReadWholeModuleFile, KeepsEverySection) {
  Bytes bytes = module({kType, kFunc, kCode});
  append(bytes, custom(str(".debug_info"), Bytes(5000, 0xAB)));
  TempFile file(bytes);
  auto whole = read_whole_module_file(file.path());
  ASSERT_TRUE(whole.ok()) << whole.error().to_string();
  EXPECT_EQ(*whole, bytes);

  auto piped = read_through_fifo(bytes, read_whole_module_file);
  ASSERT_TRUE(piped.ok()) << piped.error().to_string();
  EXPECT_EQ(*piped, bytes);
}

// Covers: a regular file over kMaxModuleSize (sparse: nothing on disk) is refused by
// both readers before any of it is read, as ImplementationLimit naming the path.
TEST(ReadModuleFile, RefusesAFileLargerThanAModule) {
  TempFile big(testing::kHeader);
  ASSERT_EQ(::truncate(big.path().c_str(), static_cast<off_t>(kMaxModuleSize + 1)), 0);
  for (auto read : {read_module_file, read_whole_module_file}) {
    auto r = read(big.path());
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code(), ErrorCode::ImplementationLimit);
    EXPECT_EQ(r.error().context(), big.path() + ": module larger than 1 GiB");
  }
}

// Covers: an endless input without a size (/dev/zero) is refused after kMaxModuleSize + 1
// bytes instead of being read until memory runs out.
TEST(ReadModuleFile, StopsAnEndlessInputAtTheLimit) {
  auto r = read_module_file("/dev/zero");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), ErrorCode::ImplementationLimit);
  EXPECT_EQ(r.error().context(), "/dev/zero: module larger than 1 GiB");
}

}  // namespace
}  // namespace skiff::engine::binary
