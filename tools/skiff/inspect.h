#pragma once
// `skiff inspect`: a module's sections with sizes, imports, exports, tables, memories,
// globals, start and segments, as text or JSON (for tools).

#include <iosfwd>
#include <string>

#include "engine/ir/module.h"

namespace skiff::tools {

// Writes the summary of `m`. `validation_error` is empty for a valid module.
void inspect_text(const engine::ir::Module& m, const std::string& path,
                  const std::string& validation_error, std::ostream& out);
void inspect_json(const engine::ir::Module& m, const std::string& path,
                  const std::string& validation_error, std::ostream& out);

}  // namespace skiff::tools
