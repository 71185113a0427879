#pragma once
// The HTTP message types the host passes around: Beast's, with whole bodies in strings
// (request bodies are capped per app before they are read; response bodies per app).

#include <cstdint>
#include <string>

#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>

namespace skiff::host {

using Request = boost::beast::http::request<boost::beast::http::string_body>;
using Response = boost::beast::http::response<boost::beast::http::string_body>;

// The connection a request came in on (CGI's REMOTE_ADDR, SERVER_PORT, ...).
struct PeerInfo {
  std::string remote_addr;
  uint16_t remote_port = 0;
  std::string local_addr;
  uint16_t local_port = 0;
};

}  // namespace skiff::host
