// libFuzzer target: decode + validate arbitrary bytes, one-shot and streamed, and read
// back from a file through binary::read_module_file (which leaves out trailing custom
// sections). Any crash, hang, sanitizer report or leak is a bug. The paths must also
// agree: the same verdict and the same error code whatever the chunking, so the
// streaming decoder cannot drift from the one-shot one, and whatever read_module_file
// left out.

#include <sys/mman.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>

#include "engine/binary/module_file.h"
#include "engine/validate/validated_module.h"

using namespace skiff;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::span<const uint8_t> bytes(data, size);
  // One input in four also goes through the threaded body validator (forced on for
  // small modules), which must report exactly what a sequential pass reports.
  engine::validate::ValidateOptions opts;
  if (size % 4 == 0) {
    opts.threads = 3;
    opts.min_parallel_code_bytes = 0;
  }
  auto whole = engine::validate::decode_and_validate(bytes, opts);

  // Stream in chunks whose sizes come from the input itself (1..16 bytes).
  engine::validate::StreamingValidator sv;
  size_t pos = 0;
  Result<void> fed = ok();
  while (pos < size && fed.ok()) {
    size_t n = 1 + (data[pos] & 0x0F);
    if (n > size - pos) n = size - pos;
    fed = sv.feed(bytes.subspan(pos, n));
    pos += n;
  }
  bool streamed_ok = false;
  ErrorCode streamed_code = ErrorCode::Ok;
  if (fed.ok()) {
    auto r = sv.finish();
    streamed_ok = r.ok();
    if (!r.ok()) streamed_code = r.error().code();
  } else {
    streamed_code = fed.error().code();
  }
  if (whole.ok() != streamed_ok) __builtin_trap();
  if (!whole.ok() && whole.error().code() != streamed_code) __builtin_trap();

  // The same bytes as a file (one memory file, rewritten per input).
  static const int fd = ::memfd_create("fuzz-module", MFD_CLOEXEC);
  if (fd < 0 || ::ftruncate(fd, 0) != 0) return 0;
  if (size && ::pwrite(fd, data, size, 0) != static_cast<ssize_t>(size)) return 0;
  auto read = engine::binary::read_module_file("/proc/self/fd/" + std::to_string(fd));
  if (!read.ok() || read->size() > size) __builtin_trap();
  auto from_file = engine::validate::decode_and_validate(*read, opts);
  if (whole.ok() != from_file.ok()) __builtin_trap();
  if (!whole.ok() && whole.error().code() != from_file.error().code()) __builtin_trap();
  return 0;
}
