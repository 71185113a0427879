#include "base/utf8.h"

namespace skiff {

size_t utf8_char_length(const uint8_t* p, size_t avail) {
  if (avail == 0) return 0;
  const uint8_t c = *p;
  if (c < 0x80) return 1;
  size_t n;
  uint32_t cp;
  if ((c & 0xE0) == 0xC0) {
    n = 2;
    cp = c & 0x1F;
  } else if ((c & 0xF0) == 0xE0) {
    n = 3;
    cp = c & 0x0F;
  } else if ((c & 0xF8) == 0xF0) {
    n = 4;
    cp = c & 0x07;
  } else {
    return 0;  // continuation byte first, or 0xF8..0xFF
  }
  if (avail < n) return 0;
  for (size_t i = 1; i < n; ++i) {
    if ((p[i] & 0xC0) != 0x80) return 0;
    cp = (cp << 6) | (p[i] & 0x3F);
  }
  static constexpr uint32_t kMinForLen[5] = {0, 0, 0x80, 0x800, 0x10000};
  if (cp < kMinForLen[n]) return 0;             // overlong
  if (cp >= 0xD800 && cp <= 0xDFFF) return 0;   // surrogate
  if (cp > 0x10FFFF) return 0;
  return n;
}

bool is_valid_utf8(const uint8_t* p, size_t len) {
  const uint8_t* end = p + len;
  while (p < end) {
    const size_t n = utf8_char_length(p, static_cast<size_t>(end - p));
    if (n == 0) return false;
    p += n;
  }
  return true;
}

}  // namespace skiff
