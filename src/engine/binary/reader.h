#pragma once
// Reader: a bounds-checked cursor over module bytes with the binary format's primitive
// decoders (https://webassembly.github.io/spec/core/binary/values.html). Every read is
// checked; running off the end yields `end_error` (UnexpectedEnd at module level,
// UnexpectedEndOfSection inside a section or body). Offsets in errors are absolute
// module offsets (base is the module's first byte). Header-only so the body walker's
// hot loop inlines it.

#include <cstdint>
#include <cstring>
#include <span>
#include <string>

#include "base/result.h"
#include "base/utf8.h"

namespace skiff::engine::binary {

struct LebResult {
  uint64_t value;
  const uint8_t* next;  // past the integer, or at the offending byte on error
  ErrorCode error;      // Ok, UnexpectedEnd, IntegerTooLong or IntegerTooLarge
};

// LEB128 of a `bits`-wide integer
// (https://webassembly.github.io/spec/core/binary/values.html#integers): at most
// ceil(bits/7) bytes; in the last byte the bits beyond `bits` must be zero (unsigned)
// or copies of the sign bit (signed).
template <bool kSigned, unsigned kBits>
LebResult decode_leb(const uint8_t* p, const uint8_t* end) {
  constexpr unsigned kMaxBytes = (kBits + 6) / 7;
  uint64_t result = 0;
  unsigned shift = 0;
  for (unsigned i = 0;; ++i) {
    if (p == end) return {0, p, ErrorCode::UnexpectedEnd};
    uint8_t b = *p;
    if (i == kMaxBytes - 1) {
      if (b & 0x80) return {0, p, ErrorCode::IntegerTooLong};
      constexpr unsigned kUsed = kBits - 7 * (kMaxBytes - 1);  // payload bits in last byte
      if constexpr (kSigned) {
        // The unused bits and the sign bit must all be equal.
        constexpr uint8_t kMask = static_cast<uint8_t>((0x7F >> (kUsed - 1)) << (kUsed - 1)) & 0x7F;
        uint8_t top = b & kMask;
        if (top != 0 && top != kMask) return {0, p, ErrorCode::IntegerTooLarge};
      } else {
        if (kUsed < 7 && (b >> kUsed) != 0) return {0, p, ErrorCode::IntegerTooLarge};
      }
    }
    ++p;
    result |= static_cast<uint64_t>(b & 0x7F) << shift;
    shift += 7;
    if (!(b & 0x80)) {
      if constexpr (kSigned) {
        if (shift < 64 && (b & 0x40)) result |= ~uint64_t{0} << shift;
      }
      return {result, p, ErrorCode::Ok};
    }
  }
}

class Reader {
 public:
  Reader(const uint8_t* base, const uint8_t* begin, const uint8_t* end,
         ErrorCode end_error = ErrorCode::UnexpectedEnd)
      : m_base(base), m_pos(begin), m_end(end), m_end_error(end_error) {}

  uint32_t offset() const { return static_cast<uint32_t>(m_pos - m_base); }
  const uint8_t* base() const { return m_base; }
  const uint8_t* pos() const { return m_pos; }
  const uint8_t* end() const { return m_end; }
  size_t remaining() const { return static_cast<size_t>(m_end - m_pos); }
  bool at_end() const { return m_pos == m_end; }
  void set_end_error(ErrorCode code) { m_end_error = code; }

  Error error(ErrorCode code) const { return Error(code, offset()); }
  Error error_at(ErrorCode code, uint32_t offset) const { return Error(code, offset); }

  Result<uint8_t> read_u8() {
    if (m_pos == m_end) [[unlikely]] return error(m_end_error);
    return *m_pos++;
  }
  // Peeks without consuming; the caller checks !at_end() first.
  uint8_t peek_u8() const { return *m_pos; }

  Result<const uint8_t*> read_bytes(size_t n) {
    if (remaining() < n) [[unlikely]] return error(m_end_error);
    const uint8_t* p = m_pos;
    m_pos += n;
    return p;
  }
  Result<void> skip(size_t n) {
    if (remaining() < n) [[unlikely]] return error(m_end_error);
    m_pos += n;
    return ok();
  }

  Result<uint32_t> read_u32() {
    if (m_pos != m_end && *m_pos < 0x80) [[likely]] return *m_pos++;
    return read_leb<uint32_t, false, 32>();
  }
  Result<int32_t> read_s32() {
    if (m_pos != m_end && *m_pos < 0x40) [[likely]] return *m_pos++;
    SKIFF_TRY_ASSIGN(uint64_t v, (read_leb<uint64_t, true, 32>()));
    return static_cast<int32_t>(static_cast<uint32_t>(v));
  }
  // s33, used by block types: the value, sign-extended into 64 bits.
  Result<int64_t> read_s33() {
    SKIFF_TRY_ASSIGN(uint64_t v, (read_leb<uint64_t, true, 33>()));
    return static_cast<int64_t>(v);
  }
  Result<int64_t> read_s64() {
    if (m_pos != m_end && *m_pos < 0x40) [[likely]] return *m_pos++;
    SKIFF_TRY_ASSIGN(uint64_t v, (read_leb<uint64_t, true, 64>()));
    return static_cast<int64_t>(v);
  }
  Result<uint64_t> read_u64() { return read_leb<uint64_t, false, 64>(); }

  Result<uint32_t> read_fixed_u32() {
    SKIFF_TRY_ASSIGN(const uint8_t* p, read_bytes(4));
    uint32_t v;
    std::memcpy(&v, p, 4);
    return v;
  }
  Result<uint64_t> read_fixed_u64() {
    SKIFF_TRY_ASSIGN(const uint8_t* p, read_bytes(8));
    uint64_t v;
    std::memcpy(&v, p, 8);
    return v;
  }

  // A vector length (https://webassembly.github.io/spec/core/binary/conventions.html#vectors).
  // Not checked against the bytes left, so decoding reports the real error of a short
  // vector; use reserve_bounded() before allocating for it.
  Result<uint32_t> read_count() { return read_u32(); }

  // How many elements of at least `min_elem_size` bytes can still follow: a safe
  // capacity to reserve for a hostile count.
  size_t max_elems(size_t min_elem_size) const { return remaining() / min_elem_size; }

  // name ::= vec(byte), valid UTF-8.
  Result<std::string> read_name() {
    SKIFF_TRY_ASSIGN(uint32_t len, read_u32());
    if (len > remaining()) [[unlikely]] return error(ErrorCode::LengthOutOfBounds);
    uint32_t at = offset();
    if (!is_valid_utf8(m_pos, len)) return error_at(ErrorCode::MalformedUtf8, at);
    std::string s(reinterpret_cast<const char*>(m_pos), len);
    m_pos += len;
    return s;
  }

 private:
  // The multi-byte LEB path. Decoding happens in a free function on plain pointers so
  // the reader's address never escapes: a walker's Reader can then live in registers.
  template <typename T, bool kSigned, unsigned kBits>
  Result<T> read_leb() {
    LebResult res = decode_leb<kSigned, kBits>(m_pos, m_end);
    if (res.error != ErrorCode::Ok) [[unlikely]]
      return Error(res.error == ErrorCode::UnexpectedEnd ? m_end_error : res.error,
                   static_cast<uint32_t>(res.next - m_base));
    m_pos = res.next;
    return static_cast<T>(res.value);
  }

  const uint8_t* m_base;
  const uint8_t* m_pos;
  const uint8_t* m_end;
  ErrorCode m_end_error;
};

}  // namespace skiff::engine::binary
