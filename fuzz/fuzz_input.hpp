// Reading a libFuzzer input as a sequence of fields: the fuzz targets take their choices (which
// vocabulary, which flags, which numbers) from the front of the input and the rest as payload.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>

namespace chord::fuzz {

class FuzzInput {
public:
    FuzzInput(const uint8_t* data, size_t size) : data_(data), size_(size) {}

    uint8_t byte() { return size_ ? (--size_, *data_++) : 0; }

    template <typename T>
    T value() {  // the next sizeof(T) bytes as a T (zeros past the end)
        T v{};
        const size_t n = size_ < sizeof(T) ? size_ : sizeof(T);
        std::memcpy(&v, data_, n);
        data_ += n;
        size_ -= n;
        return v;
    }

    // Everything up to the next `separator` (or the end), which is consumed.
    std::string_view until(char separator) {
        const auto* begin = reinterpret_cast<const char*>(data_);
        const void* found = std::memchr(data_, separator, size_);
        const size_t n = found ? size_t(static_cast<const uint8_t*>(found) - data_) : size_;
        data_ += n + (found ? 1 : 0);
        size_ -= n + (found ? 1 : 0);
        return {begin, n};
    }

    std::string_view rest() {
        std::string_view all(reinterpret_cast<const char*>(data_), size_);
        data_ += size_;
        size_ = 0;
        return all;
    }

    bool empty() const { return size_ == 0; }

private:
    const uint8_t* data_;
    size_t size_;
};

// A broken promise of the library (not a rejected input): stop here so that libFuzzer saves it.
[[noreturn]] inline void violated(const char* what) {
    __builtin_printf("invariant violated: %s\n", what);
    __builtin_trap();
}

}  // namespace chord::fuzz
