// A read-only file as bytes: memory-mapped natively, so that a tensor's pages are read from disk
// only when the tensor is used; read into memory where mmap is not available (Emscripten's FS).
#pragma once

#include <cerrno>
#include <cstring>
#include <string>
#include <vector>

#include "chord/byte_reader.hpp"
#include "chord/error.hpp"

#if defined(__EMSCRIPTEN__) || defined(_WIN32)
#include <fstream>
#define CHORD_HAVE_MMAP 0
#else
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#define CHORD_HAVE_MMAP 1
#endif

namespace chord {

class MappedFile {
public:
    explicit MappedFile(const std::string& path) {
#if CHORD_HAVE_MMAP
        const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
        if (fd < 0) throw io_error("cannot open", path);
        struct stat st {};
        if (::fstat(fd, &st) != 0) {
            const Error e = io_error("cannot stat", path);
            ::close(fd);
            throw e;
        }
        if (!S_ISREG(st.st_mode)) {
            ::close(fd);
            throw Error(ErrorCode::Io, "cannot read '" + path + "': not a regular file");
        }
        size_ = size_t(st.st_size);
        if (size_ > 0) {
            void* p = ::mmap(nullptr, size_, PROT_READ, MAP_PRIVATE, fd, 0);
            if (p == MAP_FAILED) {
                const Error e = io_error("cannot map", path);
                ::close(fd);
                throw e;
            }
            data_ = static_cast<const uint8_t*>(p);
        }
        ::close(fd);  // the mapping keeps the file alive
#else
        std::ifstream in(path, std::ios::binary | std::ios::ate);
        if (!in) throw io_error("cannot open", path);
        buffer_.resize(size_t(in.tellg()));
        in.seekg(0);
        if (!in.read(reinterpret_cast<char*>(buffer_.data()), std::streamsize(buffer_.size())))
            throw io_error("cannot read", path);
        data_ = buffer_.data();
        size_ = buffer_.size();
#endif
    }

    ~MappedFile() {
#if CHORD_HAVE_MMAP
        if (data_) ::munmap(const_cast<uint8_t*>(data_), size_);
#endif
    }

    MappedFile(const MappedFile&) = delete;
    MappedFile& operator=(const MappedFile&) = delete;

    ByteSpan bytes() const { return ByteSpan{data_, size_}; }

private:
    static Error io_error(const char* action, const std::string& path) {
        return Error(ErrorCode::Io, std::string(action) + " '" + path + "': " + std::strerror(errno));
    }

    const uint8_t* data_ = nullptr;
    size_t size_ = 0;
#if !CHORD_HAVE_MMAP
    std::vector<uint8_t> buffer_;
#endif
};

}  // namespace chord
