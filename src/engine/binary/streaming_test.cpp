#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <iterator>
#include <string>
#include <vector>

#include "engine/binary/decoder.h"
#include "support/wasm_bytes.h"

// Streaming decode and validation: the result must not depend on how the module is cut
// into chunks. For every fixture in SKIFF_TEST_FIXTURES and for several byte-array
// modules, each test feeds the module:
//   - split at every byte position into two chunks, and
//   - one byte at a time,
// and compares with a one-shot decode (every decoded field, byte ranges included).
// It also checks that a recording DecoderSink sees sections in module order, the code
// start before any body, and function body i exactly when its last byte has been fed
// (never before, never later than the feed() that completed it); and that every
// truncated prefix fails in finish() (unless it ends on a section boundary) and never
// crashes. (StreamingValidator's chunking tests live in validate/validator_test.cpp:
// binary/ may not include validate/.)

namespace skiff::engine::binary {
namespace {

using ir::SectionId;
using testing::Bytes;
using testing::leb_u32;
using testing::module;
using testing::section;

// ------------------------------------------------------------------ module builders

// Every known section, custom sections around them and a name section.
Bytes all_sections_module() {
  return module({
      section(0x00, {0x04, 'f', 'i', 'r', 's', 't', 0xAA}),              // custom "first"
      section(0x01, {0x02, 0x60, 0x00, 0x00,                            // [] -> []
                     0x60, 0x01, 0x7F, 0x01, 0x7F}),                    // [i32] -> [i32]
      section(0x02, {0x02,
                     0x01, 'm', 0x01, 'f', 0x00, 0x01,                  // func m.f type 1
                     0x01, 'm', 0x01, 'g', 0x03, 0x7F, 0x00}),          // global m.g i32
      section(0x03, {0x02, 0x00, 0x01}),                                // 2 functions
      section(0x04, {0x01, 0x70, 0x00, 0x02}),                          // table funcref 2
      section(0x05, {0x01, 0x01, 0x01, 0x02}),                          // memory 1..2
      section(0x06, {0x01, 0x7F, 0x01, 0x23, 0x00, 0x0B}),              // mut i32 = m.g
      section(0x07, {0x02, 0x03, 'r', 'u', 'n', 0x00, 0x01,             // "run" func 1
                     0x03, 'm', 'e', 'm', 0x02, 0x00}),                 // "mem" memory 0
      section(0x08, {0x01}),                                            // start func 1
      section(0x09, {0x02,
                     0x00, 0x41, 0x00, 0x0B, 0x02, 0x00, 0x01,          // active [0 1]
                     0x05, 0x70, 0x01, 0xD2, 0x02, 0x0B}),              // passive [ref.func 2]
      section(0x0C, {0x02}),                                            // datacount 2
      section(0x00, {0x03, 'm', 'i', 'd'}),                             // custom "mid"
      section(0x0A, {0x02,
                     0x04, 0x01, 0x01, 0x7E, 0x0B,                      // 1 i64 local; end
                     0x0A, 0x00, 0x20, 0x00, 0x41, 0x01, 0x6A,          // local.get 0 + 1
                     0xFC, 0x09, 0x01,                                  // data.drop 1
                     0x0B}),
      section(0x0B, {0x02,
                     0x00, 0x41, 0x04, 0x0B, 0x03, 'a', 'b', 'c',       // active @4 "abc"
                     0x01, 0x02, 'x', 'y'}),                            // passive "xy"
      section(0x00, {0x04, 'n', 'a', 'm', 'e',
                     0x00, 0x02, 0x01, 'M',                             // module "M"
                     0x01, 0x0B, 0x02, 0x01, 0x03, 'o', 'n', 'e',       // 1 -> "one"
                     0x02, 0x03, 't', 'w', 'o'}),                       // 2 -> "two"
  });
}

// Sections and bodies larger than 127 bytes (multi-byte LEB sizes), and many bodies.
Bytes big_sections_module() {
  Bytes data_payload = {0x01, 0x01, 0x81, 0x02};  // 1 passive segment of 257 bytes
  for (int i = 0; i < 257; ++i) data_payload.push_back(static_cast<uint8_t>(i));
  Bytes big_body = {0x00};                         // no locals
  for (int i = 0; i < 100; ++i) {
    big_body.push_back(0x41);                      // i32.const i
    big_body.push_back(static_cast<uint8_t>(i & 0x3F));
    big_body.push_back(0x1A);                      // drop
  }
  big_body.push_back(0x0B);
  Bytes code_payload = {0x05};                     // 5 bodies
  for (int i = 0; i < 4; ++i) code_payload.insert(code_payload.end(), {0x02, 0x00, 0x0B});
  Bytes big_size = leb_u32(static_cast<uint32_t>(big_body.size()));
  code_payload.insert(code_payload.end(), big_size.begin(), big_size.end());
  code_payload.insert(code_payload.end(), big_body.begin(), big_body.end());
  return module({
      section(0x01, {0x01, 0x60, 0x00, 0x00}),
      section(0x03, {0x05, 0x00, 0x00, 0x00, 0x00, 0x00}),
      section(0x0C, {0x01}),
      section(0x0A, code_payload),
      section(0x0B, data_payload),
  });
}

// ------------------------------------------------------------------ fixtures

struct NamedModule {
  std::string name;
  Bytes bytes;
};

std::vector<NamedModule> byte_array_modules() {
  return {{"all_sections", all_sections_module()},
          {"big_sections", big_sections_module()},
          {"header_only", module({})}};
}

std::vector<NamedModule> fixture_modules() {
  std::vector<NamedModule> out;
  std::error_code ec;
  const std::filesystem::path dir(SKIFF_TEST_FIXTURES);
  if (!std::filesystem::is_directory(dir, ec)) return out;
  for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
    if (entry.path().extension() != ".wasm") continue;
    std::ifstream in(entry.path(), std::ios::binary);
    Bytes bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    out.push_back({entry.path().filename().string(), std::move(bytes)});
  }
  std::sort(out.begin(), out.end(),
            [](const NamedModule& a, const NamedModule& b) { return a.name < b.name; });
  return out;
}

// ------------------------------------------------------------------ comparison

void expect_same_expr(const ir::ConstExpr& a, const ir::ConstExpr& b) {
  EXPECT_EQ(a.offset, b.offset);
  ASSERT_EQ(a.instrs.size(), b.instrs.size());
  for (size_t i = 0; i < a.instrs.size(); ++i) {
    EXPECT_EQ(a.instrs[i].op, b.instrs[i].op);
    EXPECT_EQ(a.instrs[i].ref_type, b.instrs[i].ref_type);
    EXPECT_EQ(a.instrs[i].index, b.instrs[i].index);
    EXPECT_EQ(a.instrs[i].bits, b.instrs[i].bits);
    EXPECT_EQ(a.instrs[i].v128, b.instrs[i].v128);
  }
}

void expect_same_module(const ir::Module& a, const ir::Module& b) {
  EXPECT_EQ(a.bytes, b.bytes);
  ASSERT_EQ(a.sections.size(), b.sections.size());
  for (size_t i = 0; i < a.sections.size(); ++i) {
    EXPECT_EQ(a.sections[i].id, b.sections[i].id);
    EXPECT_EQ(a.sections[i].payload.offset, b.sections[i].payload.offset);
    EXPECT_EQ(a.sections[i].payload.size, b.sections[i].payload.size);
    EXPECT_EQ(a.sections[i].name, b.sections[i].name);
  }
  EXPECT_EQ(a.types, b.types);
  ASSERT_EQ(a.imports.size(), b.imports.size());
  for (size_t i = 0; i < a.imports.size(); ++i) {
    const auto& x = a.imports[i];
    const auto& y = b.imports[i];
    EXPECT_EQ(x.module, y.module);
    EXPECT_EQ(x.name, y.name);
    EXPECT_EQ(x.kind, y.kind);
    EXPECT_EQ(x.func_type, y.func_type);
    EXPECT_EQ(x.table.elem, y.table.elem);
    EXPECT_EQ(x.table.limits, y.table.limits);
    EXPECT_EQ(x.memory.limits, y.memory.limits);
    EXPECT_EQ(x.global.type, y.global.type);
    EXPECT_EQ(x.global.is_mutable, y.global.is_mutable);
    EXPECT_EQ(x.offset, y.offset);
  }
  EXPECT_EQ(a.funcs, b.funcs);
  ASSERT_EQ(a.tables.size(), b.tables.size());
  for (size_t i = 0; i < a.tables.size(); ++i) {
    EXPECT_EQ(a.tables[i].elem, b.tables[i].elem);
    EXPECT_EQ(a.tables[i].limits, b.tables[i].limits);
  }
  ASSERT_EQ(a.memories.size(), b.memories.size());
  for (size_t i = 0; i < a.memories.size(); ++i)
    EXPECT_EQ(a.memories[i].limits, b.memories[i].limits);
  ASSERT_EQ(a.globals.size(), b.globals.size());
  for (size_t i = 0; i < a.globals.size(); ++i) {
    EXPECT_EQ(a.globals[i].type, b.globals[i].type);
    EXPECT_EQ(a.globals[i].is_mutable, b.globals[i].is_mutable);
  }
  EXPECT_EQ(a.imported_funcs, b.imported_funcs);
  EXPECT_EQ(a.imported_tables, b.imported_tables);
  EXPECT_EQ(a.imported_memories, b.imported_memories);
  EXPECT_EQ(a.imported_globals, b.imported_globals);
  ASSERT_EQ(a.global_inits.size(), b.global_inits.size());
  for (size_t i = 0; i < a.global_inits.size(); ++i)
    expect_same_expr(a.global_inits[i], b.global_inits[i]);
  ASSERT_EQ(a.exports.size(), b.exports.size());
  for (size_t i = 0; i < a.exports.size(); ++i) {
    EXPECT_EQ(a.exports[i].name, b.exports[i].name);
    EXPECT_EQ(a.exports[i].kind, b.exports[i].kind);
    EXPECT_EQ(a.exports[i].index, b.exports[i].index);
    EXPECT_EQ(a.exports[i].offset, b.exports[i].offset);
  }
  EXPECT_EQ(a.start, b.start);
  ASSERT_EQ(a.elems.size(), b.elems.size());
  for (size_t i = 0; i < a.elems.size(); ++i) {
    const auto& x = a.elems[i];
    const auto& y = b.elems[i];
    EXPECT_EQ(x.mode, y.mode);
    EXPECT_EQ(x.type, y.type);
    EXPECT_EQ(x.table, y.table);
    expect_same_expr(x.offset_expr, y.offset_expr);
    EXPECT_EQ(x.uses_exprs, y.uses_exprs);
    EXPECT_EQ(x.func_indices, y.func_indices);
    ASSERT_EQ(x.exprs.size(), y.exprs.size());
    for (size_t j = 0; j < x.exprs.size(); ++j) expect_same_expr(x.exprs[j], y.exprs[j]);
    EXPECT_EQ(x.offset, y.offset);
  }
  EXPECT_EQ(a.data_count, b.data_count);
  ASSERT_EQ(a.codes.size(), b.codes.size());
  for (size_t i = 0; i < a.codes.size(); ++i) {
    const auto& x = a.codes[i];
    const auto& y = b.codes[i];
    EXPECT_EQ(x.body.offset, y.body.offset);
    EXPECT_EQ(x.body.size, y.body.size);
    EXPECT_EQ(x.code_offset, y.code_offset);
    EXPECT_EQ(x.local_count, y.local_count);
    ASSERT_EQ(x.locals.size(), y.locals.size());
    for (size_t j = 0; j < x.locals.size(); ++j) {
      EXPECT_EQ(x.locals[j].count, y.locals[j].count);
      EXPECT_EQ(x.locals[j].type, y.locals[j].type);
    }
  }
  ASSERT_EQ(a.datas.size(), b.datas.size());
  for (size_t i = 0; i < a.datas.size(); ++i) {
    const auto& x = a.datas[i];
    const auto& y = b.datas[i];
    EXPECT_EQ(x.mode, y.mode);
    EXPECT_EQ(x.memory, y.memory);
    expect_same_expr(x.offset_expr, y.offset_expr);
    EXPECT_EQ(x.init.offset, y.init.offset);
    EXPECT_EQ(x.init.size, y.init.size);
    EXPECT_EQ(x.offset, y.offset);
  }
  EXPECT_EQ(a.names.module, b.names.module);
  ASSERT_EQ(a.names.functions.size(), b.names.functions.size());
  for (size_t i = 0; i < a.names.functions.size(); ++i) {
    EXPECT_EQ(a.names.functions[i].index, b.names.functions[i].index);
    EXPECT_EQ(a.names.functions[i].name, b.names.functions[i].name);
  }
  ASSERT_EQ(a.names.locals.size(), b.names.locals.size());
  for (size_t i = 0; i < a.names.locals.size(); ++i) {
    EXPECT_EQ(a.names.locals[i].func, b.names.locals[i].func);
    ASSERT_EQ(a.names.locals[i].locals.size(), b.names.locals[i].locals.size());
    for (size_t j = 0; j < a.names.locals[i].locals.size(); ++j) {
      EXPECT_EQ(a.names.locals[i].locals[j].index, b.names.locals[i].locals[j].index);
      EXPECT_EQ(a.names.locals[i].locals[j].name, b.names.locals[i].locals[j].name);
    }
  }
}

// ------------------------------------------------------------------ chunked feeding

// Records every sink callback with how many bytes had been fed when it came.
class RecordingSink : public DecoderSink {
 public:
  enum class Kind { Section, CodeStart, Body };
  struct Event {
    Kind kind;
    SectionId id;
    uint32_t index;
    size_t fed;
    size_t decoded;
  };

  const Decoder* decoder = nullptr;
  size_t fed = 0;  // bytes passed to feed() so far, including the chunk being fed
  std::vector<Event> events;

  Result<void> on_section(const ir::Module&, SectionId id) override {
    events.push_back({Kind::Section, id, 0, fed, decoder->decoded_bytes()});
    return ok();
  }
  Result<void> on_code_start(const ir::Module&) override {
    events.push_back({Kind::CodeStart, SectionId::Code, 0, fed, decoder->decoded_bytes()});
    return ok();
  }
  Result<void> on_function_body(const ir::Module& m, uint32_t index) override {
    // The body's bytes are all there when the sink sees it.
    EXPECT_EQ(m.codes.size(), index + 1u);
    const auto& body = m.codes[index].body;
    EXPECT_LE(body.offset + body.size, m.bytes.size());
    events.push_back({Kind::Body, SectionId::Code, index, fed, decoder->decoded_bytes()});
    return ok();
  }
};

// Feeds `bytes` cut at the given (increasing) positions, then finishes.
Result<std::unique_ptr<ir::Module>> decode_chunked(const Bytes& bytes,
                                                   const std::vector<size_t>& cuts,
                                                   RecordingSink* sink = nullptr) {
  Decoder d(sink);
  if (sink) sink->decoder = &d;
  size_t from = 0;
  auto feed_to = [&](size_t to) -> Result<void> {
    if (sink) sink->fed = to;
    auto r = d.feed(std::span<const uint8_t>(bytes.data() + from, to - from));
    from = to;
    return r;
  };
  for (size_t cut : cuts) SKIFF_TRY(feed_to(cut));
  SKIFF_TRY(feed_to(bytes.size()));
  return d.finish();
}

std::vector<size_t> every_byte(size_t n) {
  std::vector<size_t> cuts;
  for (size_t i = 1; i < n; ++i) cuts.push_back(i);
  return cuts;
}

// Section ends of a decoded module: the prefix lengths at which a truncated module may
// legitimately decode.
std::vector<size_t> section_boundaries(const ir::Module& m) {
  std::vector<size_t> out = {8};
  for (const auto& s : m.sections) out.push_back(size_t{s.payload.offset} + s.payload.size);
  return out;
}

void check_events(const ir::Module& m, const RecordingSink& sink,
                  const std::vector<size_t>& cuts, size_t total) {
  // The feed() during which byte position `end` (exclusive) became available.
  auto fed_when_complete = [&](size_t end) {
    for (size_t cut : cuts)
      if (cut >= end) return cut;
    return total;
  };
  size_t section_i = 0;
  uint32_t next_body = 0;
  bool code_started = false;
  for (const auto& e : sink.events) {
    switch (e.kind) {
      case RecordingSink::Kind::Section: {
        ASSERT_LT(section_i, m.sections.size());
        const auto& s = m.sections[section_i++];
        EXPECT_EQ(e.id, s.id);
        size_t end = size_t{s.payload.offset} + s.payload.size;
        EXPECT_EQ(e.decoded, end);
        EXPECT_EQ(e.fed, fed_when_complete(end)) << "section " << ir::to_string(s.id);
        if (s.id == SectionId::Code) {
          EXPECT_EQ(next_body, m.codes.size());
        }
        break;
      }
      case RecordingSink::Kind::CodeStart:
        ASSERT_LT(section_i, m.sections.size());
        EXPECT_EQ(m.sections[section_i].id, SectionId::Code);
        EXPECT_FALSE(code_started);
        code_started = true;
        break;
      case RecordingSink::Kind::Body: {
        EXPECT_TRUE(code_started);
        EXPECT_EQ(e.index, next_body);
        ASSERT_LT(e.index, m.codes.size());
        const auto& body = m.codes[e.index].body;
        size_t end = size_t{body.offset} + body.size;
        EXPECT_GE(e.fed, end) << "body " << e.index << " delivered before its last byte";
        EXPECT_EQ(e.fed, fed_when_complete(end)) << "body " << e.index << " delivered late";
        EXPECT_EQ(e.decoded, end);
        ++next_body;
        break;
      }
    }
  }
  EXPECT_EQ(section_i, m.sections.size());
  EXPECT_EQ(next_body, m.codes.size());
}

// Decodes `bytes` one-shot and under every chunking; everything must match.
void check_chunking_invariance(const Bytes& bytes) {
  auto reference = decode(bytes);
  ASSERT_TRUE(reference.ok()) << reference.error().to_string();
  const ir::Module& ref = **reference;

  for (size_t k = 0; k <= bytes.size(); ++k) {
    SCOPED_TRACE("split at " + std::to_string(k));
    RecordingSink sink;
    auto r = decode_chunked(bytes, {k}, &sink);
    ASSERT_TRUE(r.ok()) << r.error().to_string();
    expect_same_module(ref, **r);
    check_events(**r, sink, {k}, bytes.size());
    if (::testing::Test::HasFailure()) return;  // one failing split is enough
  }
  {
    SCOPED_TRACE("byte by byte");
    RecordingSink sink;
    std::vector<size_t> cuts = every_byte(bytes.size());
    auto r = decode_chunked(bytes, cuts, &sink);
    ASSERT_TRUE(r.ok()) << r.error().to_string();
    expect_same_module(ref, **r);
    check_events(**r, sink, cuts, bytes.size());
  }
}

// Every proper prefix fails (one-shot and byte by byte, with the same error) unless it
// ends on a section boundary.
void check_truncations(const Bytes& bytes) {
  auto reference = decode(bytes);
  ASSERT_TRUE(reference.ok()) << reference.error().to_string();
  std::vector<size_t> boundaries = section_boundaries(**reference);
  for (size_t k = 0; k < bytes.size(); ++k) {
    SCOPED_TRACE("prefix of " + std::to_string(k) + " bytes");
    Bytes prefix(bytes.begin(), bytes.begin() + static_cast<std::ptrdiff_t>(k));
    auto one_shot = decode(prefix);
    RecordingSink sink;
    auto streamed = decode_chunked(prefix, every_byte(prefix.size()), &sink);
    ASSERT_EQ(one_shot.ok(), streamed.ok());
    if (one_shot.ok()) {
      EXPECT_NE(std::find(boundaries.begin(), boundaries.end(), k), boundaries.end())
          << "a prefix ending inside a section decoded";
      continue;
    }
    EXPECT_EQ(one_shot.error().code(), streamed.error().code());
    EXPECT_EQ(one_shot.error().offset(), streamed.error().offset());
    EXPECT_EQ(one_shot.error().phase(), Phase::Decode) << one_shot.error().to_string();
  }
}

// ------------------------------------------------------------------ tests

TEST(Streaming, ByteArrayModulesDecodeTheSameWhateverTheChunking) {
  for (const auto& m : byte_array_modules()) {
    SCOPED_TRACE(m.name);
    check_chunking_invariance(m.bytes);
  }
}

TEST(Streaming, ByteArrayModulesFailOnEveryTruncation) {
  for (const auto& m : byte_array_modules()) {
    SCOPED_TRACE(m.name);
    check_truncations(m.bytes);
  }
}

TEST(Streaming, SinkSeesEventsOfAllSectionsModule) {
  // Spot-check the recorded events of one module fed byte by byte.
  Bytes bytes = all_sections_module();
  RecordingSink sink;
  auto r = decode_chunked(bytes, every_byte(bytes.size()), &sink);
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  int sections = 0, bodies = 0, code_starts = 0;
  for (const auto& e : sink.events) {
    if (e.kind == RecordingSink::Kind::Section) ++sections;
    if (e.kind == RecordingSink::Kind::Body) ++bodies;
    if (e.kind == RecordingSink::Kind::CodeStart) ++code_starts;
  }
  EXPECT_EQ(sections, 15);
  EXPECT_EQ(bodies, 2);
  EXPECT_EQ(code_starts, 1);
  EXPECT_EQ(sink.events.back().kind, RecordingSink::Kind::Section);
  EXPECT_EQ(sink.events.back().id, SectionId::Custom);  // the name section is last
  EXPECT_EQ(sink.events.back().fed, bytes.size());
}

class StreamingFixtures : public ::testing::Test {
 protected:
  void SetUp() override {
    modules = fixture_modules();
    if (modules.empty())
      GTEST_SKIP() << "no fixture .wasm files in " << SKIFF_TEST_FIXTURES
                   << " (build the skiff_fixtures target)";
  }
  std::vector<NamedModule> modules;
};

TEST_F(StreamingFixtures, DecodeTheSameWhateverTheChunking) {
  for (const auto& m : modules) {
    SCOPED_TRACE(m.name);
    check_chunking_invariance(m.bytes);
  }
}

TEST_F(StreamingFixtures, FailOnEveryTruncation) {
  for (const auto& m : modules) {
    SCOPED_TRACE(m.name);
    check_truncations(m.bytes);
  }
}

TEST_F(StreamingFixtures, KeepTheirNames) {
  // wat2wasm --debug-names writes a name section; every fixture names its module.
  for (const auto& m : modules) {
    SCOPED_TRACE(m.name);
    auto r = decode(m.bytes);
    ASSERT_TRUE(r.ok()) << r.error().to_string();
    ASSERT_TRUE((*r)->names.module.has_value());
    EXPECT_EQ(*(*r)->names.module + ".wasm", m.name);
    EXPECT_FALSE((*r)->names.functions.empty());
  }
}

}  // namespace
}  // namespace skiff::engine::binary
