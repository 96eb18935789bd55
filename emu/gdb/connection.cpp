// The debugger's socket: POSIX sockets on the loopback interface.
#include "emu/gdb/connection.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace gdb {

Listener::~Listener() {
  if (fd_ >= 0) close(fd_);
}

bool Listener::open(uint16_t port, std::string& error) {
  fd_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd_ < 0) {
    error = std::string("--gdb: cannot make a socket: ") + std::strerror(errno);
    return false;
  }
  int one = 1;
  setsockopt(fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 || listen(fd_, 1) != 0) {
    error = "--gdb " + std::to_string(port) +
            ": cannot listen on 127.0.0.1:" + std::to_string(port) + ": " + std::strerror(errno);
    return false;
  }
  port_ = port;
  return true;
}

int Listener::accept(int timeoutMs) {
  pollfd p{fd_, POLLIN, 0};
  int n;
  do {
    n = ::poll(&p, 1, timeoutMs);
  } while (n < 0 && errno == EINTR && timeoutMs < 0);
  if (n <= 0) return -1;
  int fd = ::accept4(fd_, nullptr, nullptr, SOCK_CLOEXEC);
  if (fd >= 0) {
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  }
  return fd;
}

Connection::~Connection() {
  if (fd_ >= 0) close(fd_);
}

bool Connection::fill(int timeoutMs) {
  if (closed_) return false;
  pollfd p{fd_, POLLIN, 0};
  int n = ::poll(&p, 1, timeoutMs);
  if (n < 0) return errno == EINTR;
  if (n == 0) return true;
  char buf[4096];
  ssize_t got = ::recv(fd_, buf, sizeof buf, 0);
  if (got <= 0) {
    if (got < 0 && (errno == EINTR || errno == EAGAIN)) return true;
    closed_ = true;
    return false;
  }
  in_.append(buf, static_cast<size_t>(got));
  parse();
  return true;
}

void Connection::parse() {
  for (;;) {
    Frame f = parseFrame(in_);
    if (f.kind == Frame::Kind::kNeedMore) return;
    in_.erase(0, f.consumed);
    switch (f.kind) {
      case Frame::Kind::kPacket:
        if (!noAck_) writeAll("+");
        frames_.push_back(std::move(f));
        break;
      case Frame::Kind::kInterrupt:
        frames_.push_back(std::move(f));
        break;
      case Frame::Kind::kBadChecksum:
      case Frame::Kind::kTooLong:
        if (!noAck_) writeAll("-");
        break;
      default:  // acks, naks (we never resend: gdb only nacks line noise) and junk
        break;
    }
  }
}

std::optional<Frame> Connection::next() {
  if (frames_.empty()) return std::nullopt;
  Frame f = std::move(frames_.front());
  frames_.pop_front();
  return f;
}

bool Connection::takeInterrupt() {
  for (auto it = frames_.begin(); it != frames_.end(); ++it) {
    if (it->kind == Frame::Kind::kInterrupt) {
      frames_.erase(it);
      return true;
    }
  }
  return false;
}

bool Connection::writeAll(std::string_view bytes) {
  while (!bytes.empty() && !closed_) {
    ssize_t n = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      closed_ = true;
      return false;
    }
    bytes.remove_prefix(static_cast<size_t>(n));
  }
  return !closed_;
}

bool Connection::send(std::string_view payload) {
  return writeAll(framePacket(payload));
}

bool Connection::console(std::string_view text) {
  constexpr size_t kPiece = 1024;
  for (size_t at = 0; at < text.size(); at += kPiece) {
    if (!send("O" + toHex(text.substr(at, kPiece)))) return false;
  }
  return true;
}

}  // namespace gdb
