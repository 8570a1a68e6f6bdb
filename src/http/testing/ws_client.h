// A blocking WebSocket client for tests, on Boost.Beast: every operation gives up after a
// deadline, so a broken server fails the test instead of hanging it.
#pragma once

#include <utility>  // before any Asio header (Boost 1.74 with GCC 12)

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#include <chrono>
#include <cstdint>
#include <string>

namespace zx::http::testing {

class WsClient {
 public:
  using Clock = std::chrono::steady_clock;

  WsClient() : ws_(ioc_) {}

  // TCP connect and the opening handshake to ws://127.0.0.1:port/target; `response` gets the
  // server's answer (101, or the refusal with its body).
  boost::beast::error_code Connect(uint16_t port, const std::string& target,
                                   boost::beast::websocket::response_type* response = nullptr,
                                   std::chrono::milliseconds timeout = std::chrono::seconds(5)) {
    namespace asio = boost::asio;
    boost::beast::error_code ec;
    boost::beast::get_lowest_layer(ws_).socket().connect(
        asio::ip::tcp::endpoint(asio::ip::make_address("127.0.0.1"), port), ec);
    if (ec) return ec;
    boost::beast::websocket::response_type res;
    ec = Run(
        [&](auto done) {
          ws_.async_handshake(res, "127.0.0.1:" + std::to_string(port), target,
                              [done](boost::beast::error_code e) { done(e, 0); });
        },
        timeout);
    if (response) *response = std::move(res);
    return ec;
  }

  boost::beast::error_code Write(const std::string& message, bool binary = false,
                                 std::chrono::milliseconds timeout = std::chrono::seconds(5)) {
    ws_.binary(binary);
    return Run([&](auto done) { ws_.async_write(boost::asio::buffer(message), done); }, timeout);
  }

  // One message; an error when the connection closes (see reason()) or the deadline passes.
  boost::beast::error_code Read(std::string* out,
                                std::chrono::milliseconds timeout = std::chrono::seconds(5)) {
    boost::beast::flat_buffer buffer;
    auto ec = Run([&](auto done) { ws_.async_read(buffer, done); }, timeout);
    if (!ec && out) *out = boost::beast::buffers_to_string(buffer.data());
    return ec;
  }

  boost::beast::error_code Close(int code = 1000) {
    return Run([&](auto done) {
      ws_.async_close(static_cast<boost::beast::websocket::close_code>(code),
                      [done](boost::beast::error_code e) { done(e, 0); });
    });
  }

  // The close frame the server sent (code 0 when none).
  int close_code() const { return static_cast<int>(ws_.reason().code); }

 private:
  template <typename Start>
  boost::beast::error_code Run(Start start,
                               std::chrono::milliseconds timeout = std::chrono::seconds(5)) {
    boost::beast::error_code result = boost::asio::error::would_block;
    bool finished = false;
    start([&](boost::beast::error_code ec, size_t) {
      result = ec;
      finished = true;
    });
    ioc_.restart();
    ioc_.run_for(timeout);
    if (!finished) {  // the deadline: cancel and let the operation complete
      boost::beast::get_lowest_layer(ws_).cancel();
      ioc_.restart();
      ioc_.run_for(std::chrono::seconds(2));
      if (!finished) return boost::asio::error::timed_out;
      if (result == boost::asio::error::operation_aborted) return boost::asio::error::timed_out;
    }
    return result;
  }

  boost::asio::io_context ioc_;
  boost::beast::websocket::stream<boost::beast::tcp_stream> ws_;
};

}  // namespace zx::http::testing
