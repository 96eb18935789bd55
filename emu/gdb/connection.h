// The debugger's TCP connection (plain POSIX sockets): a listening socket on the loopback
// interface, one accepted gdb, and the frames read from it (packet.h).
//
// connection.cpp defines: Listener, Connection.
#pragma once

#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <string_view>

#include "emu/gdb/packet.h"

namespace gdb {

class Listener {
 public:
  Listener() = default;
  ~Listener();
  Listener(const Listener&) = delete;
  Listener& operator=(const Listener&) = delete;
  // Listens on 127.0.0.1:port. False with a one-line `error` (the port is taken, ...).
  bool open(uint16_t port, std::string& error);
  // An accepted connection's descriptor: waits up to `timeoutMs` (-1: for ever); -1 if none.
  int accept(int timeoutMs);
  uint16_t port() const { return port_; }

 private:
  int fd_ = -1;
  uint16_t port_ = 0;
};

class Connection {
 public:
  explicit Connection(int fd) : fd_(fd) {}
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // Reads what has arrived, waiting up to `timeoutMs` (-1: for ever) for the first byte. False
  // once gdb has closed the connection (or it failed).
  bool fill(int timeoutMs);
  // The next packet or interrupt from the bytes read: acks, junk, bad checksums and packets too
  // long are handled here (a `-` asks gdb to send again, unless in no-ack mode).
  std::optional<Frame> next();
  // Whether a Ctrl-C (0x03) came in the bytes read so far; the packets before it stay queued.
  bool takeInterrupt();
  // Sends one packet (framed and checksummed); false when the connection is gone.
  bool send(std::string_view payload);
  // gdb's console output ('O' packets), in pieces that fit a packet.
  bool console(std::string_view text);
  void setNoAck(bool on) { noAck_ = on; }
  bool noAck() const { return noAck_; }
  bool closed() const { return closed_; }

 private:
  bool writeAll(std::string_view bytes);
  void parse();

  int fd_;
  bool noAck_ = false;
  bool closed_ = false;
  std::string in_;            // bytes not parsed yet
  std::deque<Frame> frames_;  // packets and interrupts parsed, in order
};

}  // namespace gdb
