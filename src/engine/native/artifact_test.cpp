// Artifact primitives: the module hash, CPU feature detection and checks, and the
// artifact format's round trip and refusals. End to end (skiff compile/run, the cache
// across processes): tests/llvm/artifacts.py.
#include "engine/native/artifact.h"

#include <string>

#include <gtest/gtest.h>

namespace skiff::engine::native {
namespace {

std::span<const uint8_t> bytes_of(std::string_view s) { return {reinterpret_cast<const uint8_t*>(s.data()), s.size()}; }

// Covers: the SHA-256 of the FIPS 180-2 examples, including one spanning two blocks and
// one of a million bytes (many blocks through the same context).
TEST(ArtifactHash, IsSha256) {
  EXPECT_EQ(hex(sha256({})), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(hex(sha256(bytes_of("abc"))), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(hex(sha256(bytes_of("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"))),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  const std::string million(1000000, 'a');
  EXPECT_EQ(hex(sha256(bytes_of(million))), "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

// Covers: this CPU has every feature it reports (x86-64 machines all have SSE3 and up
// in practice, but the check must not assume it), and a feature it lacks is refused.
TEST(ArtifactFeatures, HostHasWhatItReports) {
  const std::string& host = host_features();
  EXPECT_TRUE(features_supported(host)) << host;
  EXPECT_TRUE(features_supported(""));
  EXPECT_FALSE(features_supported("+no-such-extension"));
  // Only "+name" tokens say something checkable: an artifact whose list was edited
  // ("avx2" without its "+", an empty token, a "-") is refused, not half-checked.
  EXPECT_FALSE(features_supported("avx2"));
  EXPECT_FALSE(features_supported("-avx2"));
  EXPECT_FALSE(features_supported(","));
  EXPECT_FALSE(features_supported("+"));
  if (!host.empty()) {
    EXPECT_FALSE(features_supported(host + ","));
    EXPECT_FALSE(features_supported("," + host));
    EXPECT_FALSE(features_supported(host + ",+no-such-extension"));
  }
  if (!host.empty()) {
    EXPECT_EQ(host.front(), '+') << host;
    EXPECT_EQ(host.find(",,"), std::string::npos) << host;
  }
  EXPECT_EQ(&host, &host_features()) << "detected once";
}

// Covers: an artifact parses back to what was written; every truncation is refused as
// malformed, never read past the end.
TEST(ArtifactFormat, RoundTripsAndRefusesTruncation) {
  ArtifactInfo info;
  info.module_hash = sha256(bytes_of("module"));
  info.code_format = 7;
  info.skiff_version = "skiff test";
  info.features = "+sse3";
  info.settings = "opt=2";
  const std::vector<uint8_t> wasm = {0, 'a', 's', 'm', 1, 0, 0, 0};
  const std::vector<uint8_t> object = {1, 2, 3, 4, 5};
  const std::vector<uint8_t> bytes = write_artifact(info, wasm, object);
  ASSERT_TRUE(is_artifact(bytes));
  auto a = parse_artifact(bytes);
  ASSERT_TRUE(a.ok()) << a.error().to_string();
  EXPECT_EQ(a->info.module_hash, info.module_hash);
  EXPECT_EQ(a->info.code_format, 7u);
  EXPECT_EQ(a->info.skiff_version, "skiff test");
  EXPECT_EQ(a->info.features, "+sse3");
  EXPECT_EQ(a->info.settings, "opt=2");
  EXPECT_EQ(a->wasm, wasm);
  EXPECT_EQ(a->object, object);
  for (size_t n = 0; n < bytes.size(); ++n) {
    auto t = parse_artifact(std::span<const uint8_t>(bytes).first(n));
    ASSERT_FALSE(t.ok()) << "truncated to " << n;
    EXPECT_EQ(t.error().code(), ErrorCode::MalformedObject);
  }
}

// Covers: a changed byte of the code (damage on disk or in transit) is refused, where
// before it ran as whatever instruction it had become.
TEST(ArtifactFormat, RefusesCodeThatDoesNotMatchItsHash) {
  ArtifactInfo info;
  info.skiff_version = "skiff test";
  const std::vector<uint8_t> object = {0x55, 0x48, 0x89, 0xe5, 0xc3};
  std::vector<uint8_t> bytes = write_artifact(info, {}, object);
  ASSERT_TRUE(parse_artifact(bytes).ok());
  for (size_t i = bytes.size() - object.size(); i < bytes.size(); ++i) {
    bytes[i] ^= 0x40;
    auto a = parse_artifact(bytes);
    ASSERT_FALSE(a.ok()) << "byte " << i;
    EXPECT_EQ(a.error().code(), ErrorCode::MalformedObject);
    EXPECT_NE(a.error().context().find("damaged"), std::string::npos) << a.error().context();
    bytes[i] ^= 0x40;
  }
}

}  // namespace
}  // namespace skiff::engine::native
