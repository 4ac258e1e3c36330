// chord::Error — the one exception type the library throws.
//
// Every failure a caller can cause (bad file, bad parameter, unsupported model) is an Error with a
// code a program can switch on and a message a person can act on: what was wrong and where (byte
// offset, metadata key, tensor name). The library never aborts or exits: an Error leaves every
// object that existed before the call usable.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>

namespace chord {

enum class ErrorCode : uint8_t {
    InvalidArgument,     // a parameter of the call is out of range or inconsistent
    Io,                  // a file could not be opened, mapped or read
    Truncated,           // the input ends before a structure it declares
    NotGguf,             // the input does not start with the GGUF magic
    UnsupportedVersion,  // a GGUF version other than 2 or 3
    Malformed,           // the structure is present but violates the format
    UnsupportedType,     // a tensor or metadata type this library cannot handle
    Unsupported,         // a model feature (architecture, tokenizer, pre-tokenizer) not implemented
    MissingKey,          // a required metadata key is absent
    WrongType,           // a metadata value has a different type than required
    NotFound,            // a tensor or other named item does not exist
    ContextFull,         // the tokens do not fit in the context window
    Cancelled,           // the caller cancelled the operation
    OutOfMemory,         // the model would not fit the memory budget, or an allocation failed
};

// Stable names for programs (the JS binding exposes them as `error.code`).
inline const char* error_code_name(ErrorCode code) {
    switch (code) {
        case ErrorCode::InvalidArgument: return "invalid_argument";
        case ErrorCode::Io: return "io";
        case ErrorCode::Truncated: return "truncated";
        case ErrorCode::NotGguf: return "not_gguf";
        case ErrorCode::UnsupportedVersion: return "unsupported_version";
        case ErrorCode::Malformed: return "malformed";
        case ErrorCode::UnsupportedType: return "unsupported_type";
        case ErrorCode::Unsupported: return "unsupported";
        case ErrorCode::MissingKey: return "missing_key";
        case ErrorCode::WrongType: return "wrong_type";
        case ErrorCode::NotFound: return "not_found";
        case ErrorCode::ContextFull: return "context_full";
        case ErrorCode::Cancelled: return "cancelled";
        case ErrorCode::OutOfMemory: return "out_of_memory";
    }
    return "unknown";
}

class Error : public std::runtime_error {
public:
    Error(ErrorCode code, const std::string& message) : std::runtime_error(message), code_(code) {}

    ErrorCode code() const noexcept { return code_; }

    // The same error with more context in front, e.g. "metadata key 'x': " + message.
    Error with_context(const std::string& prefix) const { return Error(code_, prefix + what()); }

private:
    ErrorCode code_;
};

}  // namespace chord
