#pragma once
/// \file
/// skiff::Result<T> and skiff::Error: what every fallible call of the embedding API
/// returns, and what a host function returns to trap. They are the engine's own types
/// (src/base), not a copy: a host function's error travels through the interpreter
/// unchanged and comes back out of Func::call with the wasm backtrace added. This is the
/// one internal header the public API includes; src/base depends on nothing.
///
/// An Error has a code() (ErrorCode, whose phase() says which stage failed: Decode,
/// Validate, Link, Instantiate, Trap, ...), an offset() into the module when known, and
/// a context() string; to_string() gives one line for logs.

#include "base/result.h"  // IWYU pragma: export
