#pragma once
// binary::Decoder: bytes -> ir::Module, streaming. feed() accepts the module in chunks
// of any size; every section is decoded as soon as its last byte arrives and every
// function body of the code section as soon as it is complete, and each is handed to the
// DecoderSink right away, so validation and compilation overlap the download. The
// result of finish() is identical whatever the chunking (tests split modules at every
// byte). After an error the decoder stays failed.

#include <memory>
#include <span>

#include "base/result.h"
#include "engine/ir/module.h"

namespace skiff::engine::binary {

// Receives decoded pieces in module order. The Module reference is the one under
// construction; a body's bytes are at module.bytes[body.body.offset...] during the call
// (bytes may move between calls as more arrive). An error from a sink stops decoding.
class DecoderSink {
 public:
  virtual ~DecoderSink() = default;
  // A non-code section is complete (also called for custom sections).
  virtual Result<void> on_section(const ir::Module&, ir::SectionId) { return ok(); }
  // The code section header is read: all sections a body depends on are complete.
  virtual Result<void> on_code_start(const ir::Module&) { return ok(); }
  // Body number `index` among the defined functions is complete.
  virtual Result<void> on_function_body(const ir::Module&, uint32_t /*index*/) { return ok(); }
};

class Decoder {
 public:
  // `sink` may be null; it must outlive the decoder.
  explicit Decoder(DecoderSink* sink = nullptr);
  ~Decoder();

  Result<void> feed(std::span<const uint8_t> chunk);
  // The whole module (or its first chunk) in a buffer the module can keep: no copy.
  Result<void> feed(std::vector<uint8_t>&& chunk);
  // Ends the input; fails if the module is incomplete. Call once.
  Result<std::unique_ptr<ir::Module>> finish();

  // How many bytes have been consumed by completed sections and bodies.
  size_t decoded_bytes() const { return m_pos; }
  // The module as decoded so far (also after a failure; null after finish()).
  const ir::Module* partial() const { return m_module.get(); }

 private:
  enum class State { Header, SectionStart, SectionBody, CodeCount, CodeBody, Failed, Done };
  Result<void> advance(bool final);
  Result<void> step(bool final, bool& progressed);
  Result<void> fail(Error e);

  DecoderSink* m_sink;
  std::unique_ptr<ir::Module> m_module;
  State m_state = State::Header;
  size_t m_pos = 0;
  size_t m_section_end = 0;
  ir::SectionId m_section_id = ir::SectionId::Custom;
  int m_last_rank = 0;
  uint32_t m_bodies_left = 0;
  bool m_seen_code = false;
};

// One-shot helpers: decode a whole module (no sink, or with one).
Result<std::unique_ptr<ir::Module>> decode(std::span<const uint8_t> bytes,
                                           DecoderSink* sink = nullptr);

}  // namespace skiff::engine::binary
