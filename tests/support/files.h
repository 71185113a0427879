#pragma once
// Directory listings for tests that check what a sandboxed operation left behind.

#include <dirent.h>

#include <set>
#include <string>

namespace skiff::test {

// The names in a directory, without "." and ".." (empty if it cannot be opened).
inline std::set<std::string> entries(const std::string& dir) {
  std::set<std::string> out;
  DIR* d = ::opendir(dir.c_str());
  if (!d) return out;
  while (dirent* e = ::readdir(d)) {
    std::string name = e->d_name;
    if (name != "." && name != "..") out.insert(name);
  }
  ::closedir(d);
  return out;
}

}  // namespace skiff::test
