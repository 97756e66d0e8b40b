// channels/common/http_client: whether a failed request may have reached the receiver
// (HttpAnswer::never_sent), which decides if a send without an idempotency key is repeated.
#include "channels/common/http_client.hpp"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

namespace {

using parley::channels::HttpCall;
using parley::channels::performHttp;

// A loopback socket that listens (the kernel completes connections) but never answers.
struct SilentServer {
  int fd = -1;
  int port = 0;
  SilentServer() {
    fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = 0;
    ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
    ::listen(fd, 4);
    socklen_t len = sizeof addr;
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
    port = ntohs(addr.sin_port);
  }
  ~SilentServer() { ::close(fd); }
};

TEST(HttpClient, ARefusedConnectionNeverSentTheRequest) {
  int port = 0;
  {
    SilentServer closed;  // a port that was free a moment ago, closed again: nothing listens
    port = closed.port;
  }
  HttpCall call;
  call.method = "POST";
  call.url = "http://127.0.0.1:" + std::to_string(port) + "/v23.0/1_2/comments";
  call.body = "{}";
  call.timeout_ms = 2000;
  const auto answer = performHttp(call);
  EXPECT_FALSE(answer.transport_ok);
  EXPECT_TRUE(answer.never_sent) << answer.error;
}

TEST(HttpClient, ATimeoutAfterTheRequestWentOutMayHaveActed) {
  SilentServer silent;
  HttpCall call;
  call.method = "POST";
  call.url = "http://127.0.0.1:" + std::to_string(silent.port) + "/v23.0/1_2/comments";
  call.body = R"({"message":"Ja"})";
  call.timeout_ms = 300;
  const auto answer = performHttp(call);
  EXPECT_FALSE(answer.transport_ok);
  EXPECT_FALSE(answer.never_sent) << answer.error;
}

}  // namespace
