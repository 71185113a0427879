#pragma once
// UTF-8 well-formedness (https://webassembly.github.io/spec/core/binary/values.html#names):
// names are UTF-8 with no overlong forms, no surrogates (U+D800..U+DFFF) and nothing
// above U+10FFFF.

#include <cstddef>
#include <cstdint>

namespace skiff {

bool is_valid_utf8(const uint8_t* data, size_t len);

}  // namespace skiff
