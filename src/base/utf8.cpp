#include "base/utf8.h"

namespace skiff {

bool is_valid_utf8(const uint8_t* p, size_t len) {
  const uint8_t* end = p + len;
  while (p < end) {
    uint8_t c = *p;
    if (c < 0x80) {
      ++p;
      continue;
    }
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
      return false;  // continuation byte first, or 0xF8..0xFF
    }
    if (static_cast<size_t>(end - p) < n) return false;
    for (size_t i = 1; i < n; ++i) {
      if ((p[i] & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (p[i] & 0x3F);
    }
    static constexpr uint32_t kMinForLen[5] = {0, 0, 0x80, 0x800, 0x10000};
    if (cp < kMinForLen[n]) return false;             // overlong
    if (cp >= 0xD800 && cp <= 0xDFFF) return false;   // surrogate
    if (cp > 0x10FFFF) return false;
    p += n;
  }
  return true;
}

}  // namespace skiff
