#include "platform/file.h"

#include <gtest/gtest.h>

#include <fcntl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <csignal>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <string>
#include <thread>

// read_file reads regular files straight into the result (sized from fstat) and anything
// else (pipes, devices) by doubling; both must return exactly the bytes, and failures
// are IoError values naming the path.

namespace skiff::platform {
namespace {

class ReadFile : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/skiff-file-test-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    m_dir = tmpl;
  }
  void TearDown() override { std::filesystem::remove_all(m_dir); }

  std::string write(const std::string& name, const std::vector<uint8_t>& bytes) {
    std::string path = m_dir + "/" + name;
    int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    EXPECT_GE(fd, 0);
    EXPECT_EQ(::write(fd, bytes.data(), bytes.size()), static_cast<ssize_t>(bytes.size()));
    ::close(fd);
    return path;
  }

  static std::vector<uint8_t> pattern(size_t n) {
    std::vector<uint8_t> v(n);
    for (size_t i = 0; i < n; ++i) v[i] = static_cast<uint8_t>(i * 131 + (i >> 9));
    return v;
  }

  std::string m_dir;
};

TEST_F(ReadFile, RegularFilesComeBackExactly) {
  for (size_t n : {size_t{0}, size_t{1}, size_t{4095}, size_t{4096}, size_t{200'001}}) {
    auto want = pattern(n);
    auto got = read_file(write("f" + std::to_string(n), want));
    ASSERT_TRUE(got.ok()) << got.error().context();
    EXPECT_EQ(*got, want) << n << " bytes";
  }
}

// A FIFO has no size: the doubling path, with more than its first 64 KiB.
TEST_F(ReadFile, PipesAreReadToTheEnd) {
  std::string path = m_dir + "/fifo";
  ASSERT_EQ(::mkfifo(path.c_str(), 0600), 0);
  auto want = pattern(300'000);
  std::thread writer([&] {
    int fd = ::open(path.c_str(), O_WRONLY);
    size_t off = 0;
    while (fd >= 0 && off < want.size()) {
      ssize_t n = ::write(fd, want.data() + off, want.size() - off);
      if (n <= 0) break;
      off += static_cast<size_t>(n);
    }
    if (fd >= 0) ::close(fd);
  });
  auto got = read_file(path);
  writer.join();
  ASSERT_TRUE(got.ok()) << got.error().context();
  EXPECT_EQ(*got, want);
}

// An endless input (/dev/zero, a pipe that never closes) read with a cap stops one byte
// past it, so the caller can say "too large" without having read it all.
TEST_F(ReadFile, ReadAllStopsOneBytePastItsCap) {
  auto zero = ReadableFile::open("/dev/zero");
  ASSERT_TRUE(zero.ok()) << zero.error().context();
  auto got = zero->read_all(100'000);
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->size(), 100'001u);
  const std::string path = write("small", pattern(5000));
  auto file = ReadableFile::open(path);
  ASSERT_TRUE(file.ok());
  auto whole = file->read_all(5000);
  ASSERT_TRUE(whole.ok());
  EXPECT_EQ(*whole, pattern(5000)) << "a file of exactly the cap is read whole, and no more";
}

TEST_F(ReadFile, FailuresNameThePath) {
  auto missing = read_file(m_dir + "/missing.wasm");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code(), ErrorCode::IoError);
  EXPECT_NE(missing.error().context().find("missing.wasm: No such file or directory"), std::string::npos)
      << missing.error().context();

  auto dir = read_file(m_dir);
  ASSERT_FALSE(dir.ok());
  EXPECT_NE(dir.error().context().find("Is a directory"), std::string::npos) << dir.error().context();
}

TEST_F(ReadFile, ReplacingAFileLeavesTheOldOneWhenTheWriteFails) {
  const std::string path = write("out.skf", pattern(100));
  ASSERT_TRUE(replace_file(path, pattern(5000)).ok());
  EXPECT_EQ(*read_file(path), pattern(5000));
  // A write past RLIMIT_FSIZE fails (EFBIG, with SIGXFSZ ignored) after a partial write.
  std::vector<uint8_t> big = pattern(64 * 1024);
  std::thread([&] {
    struct sigaction ign{}, old{};
    ign.sa_handler = SIG_IGN;
    ::sigaction(SIGXFSZ, &ign, &old);
    rlimit lim{}, was{};
    ::getrlimit(RLIMIT_FSIZE, &was);
    lim = was;
    lim.rlim_cur = 16 * 1024;
    ::setrlimit(RLIMIT_FSIZE, &lim);
    Result<void> r = replace_file(path, big);
    ::setrlimit(RLIMIT_FSIZE, &was);
    ::sigaction(SIGXFSZ, &old, nullptr);
    ASSERT_FALSE(r.ok());
    EXPECT_NE(r.error().context().find("out.skf: File too large"), std::string::npos) << r.error().context();
  }).join();
  EXPECT_EQ(*read_file(path), pattern(5000));
  size_t files = 0;
  for ([[maybe_unused]] const auto& e : std::filesystem::directory_iterator(m_dir)) ++files;
  EXPECT_EQ(files, 1u) << "a temporary file was left behind";
}

// The temporary is created exclusively: a symlink planted at a name it might take is
// never written through.
TEST_F(ReadFile, ReplacingAFileNeverWritesThroughASymlink) {
  const std::string victim = write("victim", pattern(10));
  const std::string path = m_dir + "/out.skf";
  for (int n = 0; n < 64; ++n) {
    const std::string link = path + ".tmp." + std::to_string(::getpid()) + "." + std::to_string(n);
    ASSERT_EQ(::symlink(victim.c_str(), link.c_str()), 0);
  }
  Result<void> r = replace_file(path, pattern(300));
  EXPECT_EQ(*read_file(victim), pattern(10));
  if (r.ok()) {
    EXPECT_EQ(*read_file(path), pattern(300));
  }
}

}  // namespace
}  // namespace skiff::platform
