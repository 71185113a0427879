#pragma once
// UTF-8 well-formedness (https://webassembly.github.io/spec/core/binary/values.html#names):
// names are UTF-8 with no overlong forms, no surrogates (U+D800..U+DFFF) and nothing
// above U+10FFFF.

#include <cstddef>
#include <cstdint>

namespace skiff {

bool is_valid_utf8(const uint8_t* data, size_t len);
// The length (1-4) of the well-formed character at p, which has `avail` bytes; 0 if what
// is there is not one (so that callers can replace it, e.g. with U+FFFD, and go on).
size_t utf8_char_length(const uint8_t* p, size_t avail);

}  // namespace skiff
