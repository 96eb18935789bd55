#include "emu/cli/output_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>

namespace cli {

namespace {

struct Cookie {
  int fd;
  std::shared_ptr<int> firstError;
};

// glibc's cookie write (fopencookie(3)): the bytes written, or -1 with errno; a short count is
// an error to stdio too.
ssize_t writeAll(void* c, const char* buf, size_t size) {
  Cookie& cookie = *static_cast<Cookie*>(c);
  size_t done = 0;
  while (done < size) {
    ssize_t n = ::write(cookie.fd, buf + done, size - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      if (n == 0) errno = EIO;
      if (*cookie.firstError == 0) *cookie.firstError = errno;
      return done > 0 ? static_cast<ssize_t>(done) : -1;
    }
    done += static_cast<size_t>(n);
  }
  return static_cast<ssize_t>(done);
}

int closeFile(void* c) {
  Cookie* cookie = static_cast<Cookie*>(c);
  int status = ::close(cookie->fd);
  if (status != 0 && *cookie->firstError == 0) *cookie->firstError = errno;
  delete cookie;
  return status;
}

}  // namespace

std::FILE* openOutput(const std::string& path, std::shared_ptr<int>& firstError) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
  if (fd < 0) return nullptr;
  firstError = std::make_shared<int>(0);
  cookie_io_functions_t io{};
  io.write = writeAll;
  io.close = closeFile;
  auto* cookie = new Cookie{fd, firstError};
  std::FILE* f = fopencookie(cookie, "w", io);
  if (f == nullptr) {
    int saved = errno;
    ::close(fd);
    delete cookie;
    errno = saved;
  }
  return f;
}

}  // namespace cli
