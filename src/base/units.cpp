#include "base/units.h"

#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <string>

namespace skiff {

Result<uint64_t> parse_duration(std::string_view text) {
  static constexpr struct {
    std::string_view suffix;
    double ns;
  } kUnits[] = {{"ns", 1}, {"us", 1e3}, {"ms", 1e6}, {"s", 1e9}, {"m", 60e9}, {"h", 3600e9}};
  auto bad = [&](const char* why) {
    return Error(ErrorCode::InvalidArgument, kNoOffset, "\"" + std::string(text) + "\" is not a duration (" + why + ")");
  };
  std::string_view num = text;
  double unit = 1e9;  // plain seconds
  for (const auto& u : kUnits) {  // the two-letter units first: "ms" is not "m" + "s"
    if (text.size() > u.suffix.size() && text.ends_with(u.suffix)) {
      num = text.substr(0, text.size() - u.suffix.size());
      unit = u.ns;
      break;
    }
  }
  std::string s(num);
  char* end = nullptr;
  errno = 0;
  const double v = s.empty() || !(std::isdigit(static_cast<unsigned char>(s[0])) || s[0] == '.')
                       ? -1
                       : std::strtod(s.c_str(), &end);
  if (v < 0 || end != s.c_str() + s.size() || errno != 0)
    return bad("examples: 2s, 1.5s, 500ms, 250us, 2m, 1h");
  const double ns = v * unit;
  if (!(ns >= 1)) return bad("must be positive");
  if (ns > 1e18) return bad("too long");
  return static_cast<uint64_t>(ns);
}

Result<uint64_t> parse_size(std::string_view text) {
  auto bad = [&](const char* why) {
    return Error(ErrorCode::InvalidArgument, kNoOffset, "\"" + std::string(text) + "\" is not a size (" + why + ")");
  };
  size_t digits = 0;
  while (digits < text.size() && std::isdigit(static_cast<unsigned char>(text[digits]))) ++digits;
  if (digits == 0 || digits > 19) return bad("examples: 65536, 64K, 16M, 1G, 1GiB");
  uint64_t v = std::strtoull(std::string(text.substr(0, digits)).c_str(), nullptr, 10);
  // suffix ::= "" | "B" | unit ("" | "B" | "iB"), unit ::= K | k | M | G | T
  std::string_view suffix = text.substr(digits);
  unsigned shift = 0;
  constexpr std::string_view kUnits = "KMGT";
  if (size_t unit =
          suffix.empty() ? std::string_view::npos : kUnits.find(suffix[0] == 'k' ? 'K' : suffix[0]);
      unit != std::string_view::npos) {
    shift = 10 * static_cast<unsigned>(unit + 1);
    suffix.remove_prefix(1);
    if (suffix == "iB") suffix = "B";
  }
  if (!suffix.empty() && suffix != "B") return bad("units: K, M, G, T (powers of 1024)");
  if (shift && v > (UINT64_MAX >> shift)) return bad("too large");
  return v << shift;
}

}  // namespace skiff
