#include "base/units.h"

#include <gtest/gtest.h>

// Covers: every duration unit, fractions and plain seconds; sizes in each binary unit
// with and without "B"/"iB"; rejection of empty, negative, zero, unitless garbage,
// unknown units, "B"/"iB" where no unit is (16iB) and overflow, each as InvalidArgument
// naming the text.

namespace skiff {
namespace {

TEST(Units, DurationsInEveryUnit) {
  EXPECT_EQ(*parse_duration("2s"), 2'000'000'000u);
  EXPECT_EQ(*parse_duration("1.5s"), 1'500'000'000u);
  EXPECT_EQ(*parse_duration("500ms"), 500'000'000u);
  EXPECT_EQ(*parse_duration("250us"), 250'000u);
  EXPECT_EQ(*parse_duration("10ns"), 10u);
  EXPECT_EQ(*parse_duration("2m"), 120'000'000'000u);
  EXPECT_EQ(*parse_duration("1h"), 3'600'000'000'000u);
  EXPECT_EQ(*parse_duration("3"), 3'000'000'000u);
}

TEST(Units, BadDurationsAreErrorsNamingTheText) {
  for (const char* bad : {"", "s", "-1s", "0", "0ms", "abc", "5 s", "5x", "1e30h", ".s"}) {
    auto r = parse_duration(bad);
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_EQ(r.error().code(), ErrorCode::InvalidArgument);
    EXPECT_NE(r.error().context().find(std::string("\"") + bad + "\" is not a duration"), std::string::npos)
        << r.error().context();
  }
}

TEST(Units, SizesInBinaryUnits) {
  EXPECT_EQ(*parse_size("4096"), 4096u);
  EXPECT_EQ(*parse_size("64K"), 64u << 10);
  EXPECT_EQ(*parse_size("64k"), 64u << 10);
  EXPECT_EQ(*parse_size("64KiB"), 64u << 10);
  EXPECT_EQ(*parse_size("16MB"), 16u << 20);
  EXPECT_EQ(*parse_size("1G"), 1ull << 30);
  EXPECT_EQ(*parse_size("2T"), 2ull << 40);
  EXPECT_EQ(*parse_size("7B"), 7u);
}

TEST(Units, BadSizesAreErrorsNamingTheText) {
  for (const char* bad : {"", "K", "-5", "5X", "5 M", "99999999999999999999", "17179869184T",
                          "16iB", "16BB", "16BiB", "16KiBB", "16Ki", "16KK"}) {
    auto r = parse_size(bad);
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_EQ(r.error().code(), ErrorCode::InvalidArgument);
    EXPECT_NE(r.error().context().find(std::string("\"") + bad + "\" is not a size"), std::string::npos)
        << r.error().context();
  }
}

}  // namespace
}  // namespace skiff
