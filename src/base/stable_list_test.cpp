#include "base/stable_list.h"

#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace skiff {
namespace {

// Covers: addresses handed out stay valid and keep their values while later elements
// fill several chunks; elements are built from the arguments given.
TEST(StableList, AddressesSurviveGrowth) {
  StableList<std::string> list;
  std::vector<std::string*> seen;
  for (int i = 0; i < 1000; ++i) seen.push_back(&list.emplace_back(std::to_string(i)));
  for (int i = 0; i < 1000; ++i) EXPECT_EQ(*seen[static_cast<size_t>(i)], std::to_string(i));
  EXPECT_EQ(list.emplace_back("last"), "last");
  EXPECT_EQ(*seen.front(), "0");
}

}  // namespace
}  // namespace skiff
