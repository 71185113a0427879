#pragma once
// Helpers for tests that assemble modules as byte arrays (STYLE.md §7): LEB encoding,
// sections and the module header. Shared by the decoder, streaming and validator tests.

#include <cstdint>
#include <initializer_list>
#include <vector>

namespace skiff::testing {

using Bytes = std::vector<uint8_t>;

inline void append(Bytes& out, const Bytes& b) { out.insert(out.end(), b.begin(), b.end()); }

inline Bytes cat(std::initializer_list<Bytes> parts) {
  Bytes out;
  for (const Bytes& p : parts) append(out, p);
  return out;
}

// Minimal unsigned LEB128.
inline Bytes leb_u32(uint32_t v) {
  Bytes out;
  do {
    uint8_t b = v & 0x7F;
    v >>= 7;
    out.push_back(v ? (b | 0x80) : b);
  } while (v);
  return out;
}

// id, LEB size, payload.
inline Bytes section(uint8_t id, const Bytes& payload) {
  Bytes out = {id};
  append(out, leb_u32(static_cast<uint32_t>(payload.size())));
  append(out, payload);
  return out;
}

inline const Bytes kHeader = {0x00, 0x61, 0x73, 0x6D,   // "\0asm"
                              0x01, 0x00, 0x00, 0x00};  // version 1

// The header followed by the given sections (or raw bytes).
inline Bytes module(std::initializer_list<Bytes> parts) {
  Bytes out = kHeader;
  for (const Bytes& p : parts) append(out, p);
  return out;
}

}  // namespace skiff::testing
