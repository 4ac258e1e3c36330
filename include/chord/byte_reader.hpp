// A bounds-checked little-endian cursor over bytes that may come from anywhere.
//
// Every read checks the bytes it needs against the bytes that exist, without overflow, before it
// touches them; running out is a Truncated error that says what was being read and where.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

#include "chord/error.hpp"

namespace chord {

struct ByteSpan {
    const uint8_t* data = nullptr;
    size_t size = 0;
};

class ByteReader {
public:
    ByteReader(ByteSpan bytes, size_t position = 0) : bytes_(bytes), position_(position) {}

    size_t position() const { return position_; }
    size_t remaining() const { return bytes_.size - position_; }
    const uint8_t* current() const { return bytes_.data + position_; }

    // Fails unless `n` more bytes exist. `what` names the item for the error message.
    void require(uint64_t n, const char* what) const {
        if (n > remaining())
            throw Error(ErrorCode::Truncated, std::string("truncated: ") + what + " needs " + std::to_string(n) +
                                                  " bytes at offset " + std::to_string(position_) + ", but only " +
                                                  std::to_string(remaining()) + " remain");
    }

    template <typename T>
    T read(const char* what) {
        require(sizeof(T), what);
        T value;
        std::memcpy(&value, current(), sizeof(T));  // GGUF is little-endian, as are our targets
        position_ += sizeof(T);
        return value;
    }

    void skip(uint64_t n, const char* what) {
        require(n, what);
        position_ += size_t(n);
    }

    // A GGUF string: u64 byte length, then the bytes (no terminator). A view into the input.
    std::string_view read_string(const char* what) {
        const uint64_t length = read<uint64_t>(what);
        require(length, what);
        std::string_view s(reinterpret_cast<const char*>(current()), size_t(length));
        position_ += size_t(length);
        return s;
    }

private:
    ByteSpan bytes_;
    size_t position_;
};

}  // namespace chord
