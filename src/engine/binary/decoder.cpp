#include "engine/binary/decoder.h"

#include "engine/binary/reader.h"
#include "engine/binary/sections.h"

namespace skiff::engine::binary {

using namespace ir;

namespace {

constexpr uint8_t kMagic[4] = {0x00, 0x61, 0x73, 0x6D};
constexpr uint8_t kVersion[4] = {0x01, 0x00, 0x00, 0x00};

// Position of each known section in the required order; 0 for custom sections.
// https://webassembly.github.io/spec/core/binary/modules.html#binary-module
int section_rank(SectionId id) {
  switch (id) {
    case SectionId::Custom: return 0;
    case SectionId::Type: return 1;
    case SectionId::Import: return 2;
    case SectionId::Function: return 3;
    case SectionId::Table: return 4;
    case SectionId::Memory: return 5;
    case SectionId::Global: return 6;
    case SectionId::Export: return 7;
    case SectionId::Start: return 8;
    case SectionId::Element: return 9;
    case SectionId::DataCount: return 10;
    case SectionId::Code: return 11;
    case SectionId::Data: return 12;
  }
  return 0;
}

}  // namespace

Decoder::Decoder(DecoderSink* sink) : m_sink(sink), m_module(std::make_unique<Module>()) {}
Decoder::~Decoder() = default;

Result<void> Decoder::fail(Error e) {
  m_state = State::Failed;
  return e;
}

Result<void> Decoder::feed(std::span<const uint8_t> chunk) {
  if (m_state == State::Failed) return Error(ErrorCode::InvalidArgument, kNoOffset, "decoder failed earlier");
  if (m_state == State::Done) return Error(ErrorCode::InvalidArgument, kNoOffset, "feed after finish");
  auto& bytes = m_module->bytes;
  if (bytes.size() + chunk.size() > kMaxModuleSize)
    return fail(Error(ErrorCode::ImplementationLimit, static_cast<uint32_t>(bytes.size()), "module larger than 1 GiB"));
  bytes.insert(bytes.end(), chunk.begin(), chunk.end());
  return advance(false);
}

Result<void> Decoder::feed(std::vector<uint8_t>&& chunk) {
  if (m_state != State::Failed && m_state != State::Done && m_module->bytes.empty() && chunk.size() <= kMaxModuleSize) {
    m_module->bytes = std::move(chunk);
    return advance(false);
  }
  return feed(std::span<const uint8_t>(chunk));
}

Result<std::unique_ptr<Module>> Decoder::finish() {
  if (m_state == State::Failed) return Error(ErrorCode::InvalidArgument, kNoOffset, "decoder failed earlier");
  SKIFF_TRY(advance(true));
  Module& m = *m_module;
  if (!m_seen_code && m.defined_funcs() != 0)
    return Error(ErrorCode::FunctionCodeMismatch, static_cast<uint32_t>(m.bytes.size()));
  if (m.data_count && *m.data_count != m.datas.size())
    return Error(ErrorCode::DataCountMismatch, static_cast<uint32_t>(m.bytes.size()));
  m_state = State::Done;
  return std::move(m_module);
}

Result<void> Decoder::advance(bool final) {
  for (;;) {
    bool progressed = false;
    auto r = step(final, progressed);
    if (!r) return fail(std::move(r).error());
    if (!progressed) return ok();
  }
}

// Decodes the next complete unit (header, section, code count or body). Sets
// `progressed` when it consumed one; returns without progress when more bytes are
// needed (an error instead when `final`).
Result<void> Decoder::step(bool final, bool& progressed) {
  Module& m = *m_module;
  const uint8_t* base = m.bytes.data();
  const size_t avail = m.bytes.size();

  switch (m_state) {
    case State::Header: {
      size_t n = std::min<size_t>(avail, 8);
      if (n < 4) {
        if (final) return Error(ErrorCode::UnexpectedEnd, static_cast<uint32_t>(n));
        return ok();
      }
      for (size_t i = 0; i < 4; ++i)
        if (base[i] != kMagic[i]) return Error(ErrorCode::MagicHeaderNotDetected, 0);
      for (size_t i = 4; i < n; ++i)
        if (base[i] != kVersion[i - 4]) return Error(ErrorCode::UnknownBinaryVersion, 4);
      if (n < 8) {
        if (final) return Error(ErrorCode::UnexpectedEnd, static_cast<uint32_t>(n));
        return ok();
      }
      m_pos = 8;
      m_state = State::SectionStart;
      progressed = true;
      return ok();
    }

    case State::SectionStart: {
      if (m_pos == avail) return ok();  // at a section boundary: a valid end if final
      Reader r(base, base + m_pos, base + avail);
      uint32_t id_at = r.offset();
      SKIFF_TRY_ASSIGN(uint8_t id, r.read_u8());
      auto size = r.read_u32();
      if (!size) {
        if (size.error().code() == ErrorCode::UnexpectedEnd && !final) return ok();
        return std::move(size).error();
      }
      if (id > static_cast<uint8_t>(SectionId::DataCount))
        return Error(ErrorCode::MalformedSectionId, id_at);
      auto sid = static_cast<SectionId>(id);
      int rank = section_rank(sid);
      if (rank != 0) {
        if (rank <= m_last_rank) return Error(ErrorCode::UnexpectedContentAfterLastSection, id_at);
        m_last_rank = rank;
      }
      size_t payload = r.offset();
      if (payload + *size > kMaxModuleSize) return Error(ErrorCode::LengthOutOfBounds, id_at);
      m_section_id = sid;
      m_section_end = payload + *size;
      m.sections.push_back(SectionInfo{sid, ByteRange{static_cast<uint32_t>(payload), *size}, {}});
      m_pos = payload;
      m_state = sid == SectionId::Code ? State::CodeCount : State::SectionBody;
      progressed = true;
      return ok();
    }

    case State::SectionBody: {
      if (avail < m_section_end) {
        if (final) return Error(ErrorCode::LengthOutOfBounds, static_cast<uint32_t>(avail));
        return ok();
      }
      Reader r(base, base + m_pos, base + m_section_end, ErrorCode::UnexpectedEndOfSection);
      if (m_section_id == SectionId::Custom) {
        SKIFF_TRY(decode_custom_section(r, m, m.sections.back()));
      } else {
        SKIFF_TRY(decode_section(m_section_id, r, m));
        if (!r.at_end()) return r.error(ErrorCode::SectionSizeMismatch);
      }
      m_pos = m_section_end;
      m_state = State::SectionStart;
      progressed = true;
      if (m_sink) SKIFF_TRY(m_sink->on_section(m, m_section_id));
      return ok();
    }

    case State::CodeCount: {
      // Like every section, a code section running past the module's end is "length
      // out of bounds", wherever inside it the bytes stop.
      if (final && avail < m_section_end)
        return Error(ErrorCode::LengthOutOfBounds, static_cast<uint32_t>(avail));
      size_t limit = std::min(avail, m_section_end);
      Reader r(base, base + m_pos, base + limit, ErrorCode::UnexpectedEndOfSection);
      uint32_t at = r.offset();
      auto count = r.read_u32();
      if (!count) {
        if (count.error().code() == ErrorCode::UnexpectedEndOfSection && limit < m_section_end && !final)
          return ok();
        return std::move(count).error();
      }
      if (*count != m.defined_funcs()) return Error(ErrorCode::FunctionCodeMismatch, at);
      m_seen_code = true;
      m_bodies_left = *count;
      m.codes.reserve(*count);
      m_pos = r.offset();
      m_state = State::CodeBody;
      progressed = true;
      if (m_sink) SKIFF_TRY(m_sink->on_code_start(m));
      return ok();
    }

    case State::CodeBody: {
      if (final && avail < m_section_end)
        return Error(ErrorCode::LengthOutOfBounds, static_cast<uint32_t>(avail));
      if (m_bodies_left == 0) {
        if (m_pos != m_section_end) {
          // Trailing bytes: a size mismatch once they are here, out of bounds if they
          // never come, so wait for them (streaming must agree with one-shot).
          if (avail < m_section_end) return ok();
          return Error(ErrorCode::SectionSizeMismatch, static_cast<uint32_t>(m_pos));
        }
        m_state = State::SectionStart;
        progressed = true;
        if (m_sink) SKIFF_TRY(m_sink->on_section(m, SectionId::Code));
        return ok();
      }
      size_t limit = std::min(avail, m_section_end);
      Reader r(base, base + m_pos, base + limit, ErrorCode::UnexpectedEndOfSection);
      auto size = r.read_u32();
      if (!size) {
        if (size.error().code() == ErrorCode::UnexpectedEndOfSection && limit < m_section_end && !final)
          return ok();
        return std::move(size).error();
      }
      size_t body_start = r.offset();
      if (*size > kMaxFunctionSize)
        return Error(ErrorCode::ImplementationLimit, static_cast<uint32_t>(m_pos), "function body too large");
      size_t body_end = body_start + *size;
      if (body_end > m_section_end) return Error(ErrorCode::UnexpectedEndOfSection, static_cast<uint32_t>(body_start));
      if (body_end > avail) {
        if (final) return Error(ErrorCode::UnexpectedEndOfSection, static_cast<uint32_t>(avail));
        return ok();
      }
      FuncBody fb;
      fb.body = ByteRange{static_cast<uint32_t>(body_start), *size};
      Reader br(base, base + body_start, base + body_end, ErrorCode::UnexpectedEndOfSection);
      SKIFF_TRY(decode_locals(br, fb));
      m.codes.push_back(std::move(fb));
      --m_bodies_left;
      m_pos = body_end;
      progressed = true;
      if (m_sink) SKIFF_TRY(m_sink->on_function_body(m, static_cast<uint32_t>(m.codes.size() - 1)));
      return ok();
    }

    case State::Failed:
    case State::Done:
      return ok();
  }
  return ok();
}

Result<std::unique_ptr<Module>> decode(std::span<const uint8_t> bytes, DecoderSink* sink) {
  Decoder d(sink);
  SKIFF_TRY(d.feed(bytes));
  return d.finish();
}

}  // namespace skiff::engine::binary
