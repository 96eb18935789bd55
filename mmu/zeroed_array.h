// A fixed-size array of zero bytes from calloc, for the big per-frame and per-slot tables of the
// MMU and the CPU. A large calloc comes from fresh anonymous pages, which the host zeroes on first
// touch: making a table costs nothing, and only the pages a run uses are ever touched. (The same
// tables as std::vector were written whole at construction: megabytes per machine, paid by every
// boot and every test.) T must be trivially copyable, with all-zero bytes a valid value.
#pragma once

#include <cstddef>
#include <cstdlib>
#include <memory>
#include <new>
#include <type_traits>

namespace mmu {

template <typename T>
class ZeroedArray {
  static_assert(std::is_trivially_copyable_v<T>, "ZeroedArray holds plain data only");

 public:
  explicit ZeroedArray(size_t n) : data_(static_cast<T*>(std::calloc(n, sizeof(T)))), size_(n) {
    if (data_ == nullptr) throw std::bad_alloc();
  }
  T& operator[](size_t i) { return data_.get()[i]; }
  const T& operator[](size_t i) const { return data_.get()[i]; }
  size_t size() const { return size_; }

 private:
  struct Free {
    void operator()(T* p) const { std::free(p); }
  };
  std::unique_ptr<T, Free> data_;
  size_t size_;
};

}  // namespace mmu
