#include "base/utf8.h"

#include <gtest/gtest.h>

#include <string_view>
#include <vector>

// Covers (https://webassembly.github.io/spec/core/binary/values.html#names):
//   - valid 1, 2, 3 and 4 byte characters at the edges of each length class
//   - overlong forms of every length (C0/C1 leads, E0 80..9F, F0 80..8F)
//   - surrogates U+D800..U+DFFF, and the code points just around them
//   - code points above U+10FFFF (F4 90.., F5..F7 leads) and 5/6-byte forms (F8..FF)
//   - truncated sequences (at the end of the input and before an ASCII byte)
//   - stray continuation bytes and bad continuation bytes
//   - the length argument is honoured (embedded NUL, a sequence cut by `len`)

namespace skiff {
namespace {

bool valid(std::vector<uint8_t> bytes) { return is_valid_utf8(bytes.data(), bytes.size()); }

TEST(Utf8, AcceptsEmptyInput) {
  EXPECT_TRUE(is_valid_utf8(nullptr, 0));
  EXPECT_TRUE(valid({}));
}

TEST(Utf8, AcceptsAsciiIncludingNulAndDel) {
  EXPECT_TRUE(valid({0x00}));
  EXPECT_TRUE(valid({'a', 'b', 'c'}));
  EXPECT_TRUE(valid({0x7F}));
  EXPECT_TRUE(valid({'a', 0x00, 'b'}));
}

TEST(Utf8, AcceptsTwoByteCharactersAtBothEnds) {
  EXPECT_TRUE(valid({0xC2, 0x80}));  // U+0080, smallest 2-byte
  EXPECT_TRUE(valid({0xC3, 0xA9}));  // U+00E9 é
  EXPECT_TRUE(valid({0xDF, 0xBF}));  // U+07FF, largest 2-byte
}

TEST(Utf8, AcceptsThreeByteCharactersAroundTheSurrogateGap) {
  EXPECT_TRUE(valid({0xE0, 0xA0, 0x80}));  // U+0800, smallest 3-byte
  EXPECT_TRUE(valid({0xE2, 0x82, 0xAC}));  // U+20AC €
  EXPECT_TRUE(valid({0xED, 0x9F, 0xBF}));  // U+D7FF, just below the surrogates
  EXPECT_TRUE(valid({0xEE, 0x80, 0x80}));  // U+E000, just above the surrogates
  EXPECT_TRUE(valid({0xEF, 0xBF, 0xBF}));  // U+FFFF, largest 3-byte
}

TEST(Utf8, AcceptsFourByteCharactersUpToMaxCodePoint) {
  EXPECT_TRUE(valid({0xF0, 0x90, 0x80, 0x80}));  // U+10000, smallest 4-byte
  EXPECT_TRUE(valid({0xF0, 0x9F, 0x98, 0x80}));  // U+1F600 emoji
  EXPECT_TRUE(valid({0xF4, 0x8F, 0xBF, 0xBF}));  // U+10FFFF, the largest code point
}

TEST(Utf8, AcceptsMixedSequence) {
  // "aé€😀" followed by NUL
  EXPECT_TRUE(valid({'a', 0xC3, 0xA9, 0xE2, 0x82, 0xAC, 0xF0, 0x9F, 0x98, 0x80, 0x00}));
}

TEST(Utf8, RejectsOverlongTwoByteForms) {
  EXPECT_FALSE(valid({0xC0, 0x80}));  // U+0000 overlong
  EXPECT_FALSE(valid({0xC0, 0xAF}));  // '/' overlong
  EXPECT_FALSE(valid({0xC1, 0xBF}));  // U+007F overlong
}

TEST(Utf8, RejectsOverlongThreeByteForms) {
  EXPECT_FALSE(valid({0xE0, 0x80, 0x80}));  // U+0000
  EXPECT_FALSE(valid({0xE0, 0x81, 0xBF}));  // U+007F
  EXPECT_FALSE(valid({0xE0, 0x9F, 0xBF}));  // U+07FF, one below the 3-byte range
}

TEST(Utf8, RejectsOverlongFourByteForms) {
  EXPECT_FALSE(valid({0xF0, 0x80, 0x80, 0x80}));  // U+0000
  EXPECT_FALSE(valid({0xF0, 0x8F, 0xBF, 0xBF}));  // U+FFFF, one below the 4-byte range
}

TEST(Utf8, RejectsSurrogates) {
  EXPECT_FALSE(valid({0xED, 0xA0, 0x80}));  // U+D800, first high surrogate
  EXPECT_FALSE(valid({0xED, 0xAF, 0xBF}));  // U+DBFF
  EXPECT_FALSE(valid({0xED, 0xB0, 0x80}));  // U+DC00, first low surrogate
  EXPECT_FALSE(valid({0xED, 0xBF, 0xBF}));  // U+DFFF, last surrogate
  // A CESU-8 style pair of surrogates for U+10000 is not UTF-8 either.
  EXPECT_FALSE(valid({0xED, 0xA0, 0x80, 0xED, 0xB0, 0x80}));
}

TEST(Utf8, RejectsCodePointsAboveMax) {
  EXPECT_FALSE(valid({0xF4, 0x90, 0x80, 0x80}));  // U+110000
  EXPECT_FALSE(valid({0xF4, 0xBF, 0xBF, 0xBF}));  // U+13FFFF
  EXPECT_FALSE(valid({0xF5, 0x80, 0x80, 0x80}));  // lead byte F5
  EXPECT_FALSE(valid({0xF7, 0xBF, 0xBF, 0xBF}));  // U+1FFFFF, largest 4-byte pattern
}

TEST(Utf8, RejectsFiveAndSixByteFormsAndInvalidLeadBytes) {
  EXPECT_FALSE(valid({0xF8, 0x88, 0x80, 0x80, 0x80}));        // 5-byte form
  EXPECT_FALSE(valid({0xFC, 0x84, 0x80, 0x80, 0x80, 0x80}));  // 6-byte form
  EXPECT_FALSE(valid({0xFE}));
  EXPECT_FALSE(valid({0xFF}));
}

TEST(Utf8, RejectsStrayContinuationBytes) {
  EXPECT_FALSE(valid({0x80}));
  EXPECT_FALSE(valid({0xBF}));
  EXPECT_FALSE(valid({'a', 0x80, 'b'}));
  EXPECT_FALSE(valid({0xC3, 0xA9, 0xA9}));  // é followed by an extra continuation byte
}

TEST(Utf8, RejectsTruncatedSequencesAtEnd) {
  EXPECT_FALSE(valid({0xC2}));
  EXPECT_FALSE(valid({0xE0, 0xA0}));
  EXPECT_FALSE(valid({0xF0, 0x90, 0x80}));
  EXPECT_FALSE(valid({'a', 'b', 0xE2, 0x82}));
}

TEST(Utf8, RejectsTruncatedSequencesFollowedByAscii) {
  EXPECT_FALSE(valid({0xC2, 'a'}));
  EXPECT_FALSE(valid({0xE2, 0x82, 'a'}));
  EXPECT_FALSE(valid({0xF0, 0x9F, 0x98, 'a'}));
  EXPECT_FALSE(valid({0xE2, 0xC3, 0xA9}));  // a new lead byte where a continuation belongs
}

TEST(Utf8, HonoursTheLengthArgument) {
  const uint8_t bytes[] = {'a', 0xC3, 0xA9, 0xFF};
  EXPECT_TRUE(is_valid_utf8(bytes, 3));   // "aé"; the 0xFF is past `len`
  EXPECT_FALSE(is_valid_utf8(bytes, 4));  // includes the 0xFF
  EXPECT_FALSE(is_valid_utf8(bytes, 2));  // cuts é in half
  EXPECT_TRUE(is_valid_utf8(bytes, 1));
}

}  // namespace
}  // namespace skiff
