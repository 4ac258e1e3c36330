// GGUF metadata values: the 13 value types, decoded lazily from views into the file's bytes.
//
// A MetaValue is small and points into the input; nothing is copied until asked for. Arrays (of
// any type, nested too) are walked and validated once at parse time, so later iteration cannot
// fail. Typed accessors throw WrongType naming the key.
#pragma once

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <limits>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "chord/byte_reader.hpp"
#include "chord/error.hpp"
#include "chord/utf8.hpp"

namespace chord {

enum class MetaType : uint32_t {
    U8 = 0, I8 = 1, U16 = 2, I16 = 3, U32 = 4, I32 = 5, F32 = 6, Bool = 7,
    String = 8, Array = 9, U64 = 10, I64 = 11, F64 = 12,
};

inline const char* meta_type_name(MetaType t) {
    static const char* const names[] = {"u8",  "i8",     "u16",   "i16", "u32", "i32", "f32",
                                        "bool", "string", "array", "u64", "i64", "f64"};
    return uint32_t(t) <= 12 ? names[uint32_t(t)] : "unknown";
}

// Bytes of one value of a fixed-size type; 0 for String and Array.
inline size_t meta_type_size(MetaType t) {
    static const uint8_t sizes[] = {1, 1, 2, 2, 4, 4, 4, 1, 0, 0, 8, 8, 8};
    return uint32_t(t) <= 12 ? sizes[uint32_t(t)] : 0;
}

// A number for an error message: short, and exact enough to recognise (1e+300, nan, 0.1).
inline std::string number_text(double x) {
    char text[32];
    std::snprintf(text, sizeof text, "%.9g", x);
    return text;
}

// Deeper nesting than this is refused: real files nest at most once, and a limit keeps a hostile
// file from exhausting the stack.
constexpr int kMaxArrayNesting = 8;

class MetaArray;

class MetaValue {
public:
    MetaType type() const { return type_; }
    std::string_view key() const { return key_; }

    bool is_integer() const {
        return type_ == MetaType::U8 || type_ == MetaType::I8 || type_ == MetaType::U16 || type_ == MetaType::I16 ||
               type_ == MetaType::U32 || type_ == MetaType::I32 || type_ == MetaType::U64 || type_ == MetaType::I64;
    }
    bool is_number() const { return is_integer() || type_ == MetaType::F32 || type_ == MetaType::F64; }
    bool is_signed_integer() const {
        return type_ == MetaType::I8 || type_ == MetaType::I16 || type_ == MetaType::I32 || type_ == MetaType::I64;
    }

    // Any integer type whose value is >= 0.
    uint64_t as_u64() const {
        if (!is_integer()) throw wrong_type("an integer");
        if (is_signed_integer()) {
            const int64_t v = signed_value();
            if (v < 0)
                throw Error(ErrorCode::WrongType,
                            "metadata '" + std::string(key_) + "' is " + std::to_string(v) + ", expected a non-negative integer");
            return uint64_t(v);
        }
        return unsigned_value();
    }

    // Any integer type whose value fits in int64.
    int64_t as_i64() const {
        if (!is_integer()) throw wrong_type("an integer");
        if (is_signed_integer()) return signed_value();
        const uint64_t v = unsigned_value();
        if (v > uint64_t(INT64_MAX))
            throw Error(ErrorCode::WrongType, "metadata '" + std::string(key_) + "' is too large for a signed integer");
        return int64_t(v);
    }

    // Any numeric type.
    double as_f64() const {
        if (type_ == MetaType::F32) return load<float>();
        if (type_ == MetaType::F64) return load<double>();
        if (is_signed_integer()) return double(signed_value());
        if (is_integer()) return double(unsigned_value());
        throw wrong_type("a number");
    }
    float as_f32() const { return float(as_f64()); }

    bool as_bool() const {
        if (type_ != MetaType::Bool) throw wrong_type("a bool");
        return data_[0] != 0;
    }

    std::string_view as_string() const {
        if (type_ != MetaType::String) throw wrong_type("a string");
        return std::string_view(reinterpret_cast<const char*>(data_), size_);
    }

    // A string the library reads as text (a name, a token): it must be valid UTF-8, as GGUF
    // requires. Raw strings stay available through as_string().
    std::string_view as_text() const {
        const std::string_view s = as_string();
        if (!is_valid_utf8(s))
            throw Error(ErrorCode::Malformed, "metadata '" + std::string(key_) + "' is not valid UTF-8 (" +
                                                  describe_invalid_utf8(s) + " of '" + printable_utf8(s) + "')");
        return s;
    }

    inline MetaArray as_array() const;

    // The value as GGUF encodes it (without its type tag): to copy metadata into another file.
    std::string encoded() const {
        std::string out;
        const auto append = [&out](const void* p, size_t n) { out.append(static_cast<const char*>(p), n); };
        if (type_ == MetaType::String) {
            const uint64_t length = size_;
            append(&length, sizeof length);
        } else if (type_ == MetaType::Array) {
            const uint32_t element_type = uint32_t(element_type_);
            append(&element_type, sizeof element_type);
            append(&count_, sizeof count_);
        }
        append(data_, size_);
        return out;
    }

    // Decodes one value of `type` at the reader's position and advances past it, validating every
    // length, count and nested element against the bytes that exist.
    static MetaValue decode(MetaType type, ByteReader& reader, std::string_view key, int depth = 0) {
        MetaValue v;
        v.type_ = type;
        v.key_ = key;
        if (type == MetaType::String) {
            const std::string_view s = reader.read_string("string value");
            v.data_ = reinterpret_cast<const uint8_t*>(s.data());
            v.size_ = s.size();
            return v;
        }
        if (type == MetaType::Array) return decode_array(reader, key, depth);
        const size_t size = meta_type_size(type);
        if (size == 0) throw Error(ErrorCode::Malformed, "unknown metadata value type " + std::to_string(uint32_t(type)));
        reader.require(size, meta_type_name(type));
        v.data_ = reader.current();
        v.size_ = size;
        if (type == MetaType::Bool && v.data_[0] > 1)
            throw Error(ErrorCode::Malformed, "bool value " + std::to_string(v.data_[0]) + " at offset " +
                                                  std::to_string(reader.position()) + " is neither 0 nor 1");
        reader.skip(size, meta_type_name(type));
        return v;
    }

    static MetaType read_type(ByteReader& reader, const char* what) {
        const size_t at = reader.position();
        const uint32_t id = reader.read<uint32_t>(what);
        if (id > uint32_t(MetaType::F64))
            throw Error(ErrorCode::Malformed,
                        "unknown metadata value type " + std::to_string(id) + " at offset " + std::to_string(at));
        return MetaType(id);
    }

private:
    friend class MetaArray;

    template <typename T>
    T load() const {
        T v;
        std::memcpy(&v, data_, sizeof v);
        return v;
    }
    uint64_t unsigned_value() const {
        switch (type_) {
            case MetaType::U8: return load<uint8_t>();
            case MetaType::U16: return load<uint16_t>();
            case MetaType::U32: return load<uint32_t>();
            default: return load<uint64_t>();
        }
    }
    int64_t signed_value() const {
        switch (type_) {
            case MetaType::I8: return load<int8_t>();
            case MetaType::I16: return load<int16_t>();
            case MetaType::I32: return load<int32_t>();
            default: return load<int64_t>();
        }
    }
    Error wrong_type(const char* expected) const {
        return Error(ErrorCode::WrongType, "metadata '" + std::string(key_) + "' is " + meta_type_name(type_) +
                                               ", expected " + expected);
    }

    static MetaValue decode_array(ByteReader& reader, std::string_view key, int depth) {
        if (depth >= kMaxArrayNesting)
            throw Error(ErrorCode::Malformed, "arrays nested deeper than " + std::to_string(kMaxArrayNesting) +
                                                  " levels at offset " + std::to_string(reader.position()));
        MetaValue v;
        v.type_ = MetaType::Array;
        v.key_ = key;
        v.depth_ = depth;
        v.element_type_ = read_type(reader, "array element type");
        v.count_ = reader.read<uint64_t>("array length");
        v.data_ = reader.current();
        const size_t start = reader.position();
        const size_t element_size = meta_type_size(v.element_type_);
        if (element_size != 0) {
            if (v.count_ > reader.remaining() / element_size)
                throw Error(ErrorCode::Truncated, "truncated: array of " + std::to_string(v.count_) + " " +
                                                      meta_type_name(v.element_type_) + " at offset " +
                                                      std::to_string(start) + " needs more bytes than remain (" +
                                                      std::to_string(reader.remaining()) + ")");
            if (v.element_type_ == MetaType::Bool) {
                for (uint64_t i = 0; i < v.count_; ++i)
                    if (v.data_[i] > 1)
                        throw Error(ErrorCode::Malformed, "bool array element " + std::to_string(i) + " at offset " +
                                                              std::to_string(start + i) + " is neither 0 nor 1");
            }
            reader.skip(v.count_ * element_size, "array elements");
        } else {
            // Variable-size elements: each takes at least 8 bytes, so this loop ends quickly on any
            // count the bytes cannot hold.
            for (uint64_t i = 0; i < v.count_; ++i) decode(v.element_type_, reader, key, depth + 1);
        }
        v.size_ = reader.position() - start;
        return v;
    }

    MetaType type_ = MetaType::U8;
    MetaType element_type_ = MetaType::U8;  // arrays only
    std::string_view key_;                  // for error messages
    const uint8_t* data_ = nullptr;         // the value's bytes (arrays: the elements)
    size_t size_ = 0;                       // bytes at data_
    uint64_t count_ = 0;                    // arrays: number of elements
    int depth_ = 0;                         // arrays: nesting level, for decoding elements
};

// A validated array: its elements are decoded on the fly.
class MetaArray {
public:
    explicit MetaArray(const MetaValue& array) : array_(array) {}

    MetaType element_type() const { return array_.element_type_; }
    uint64_t size() const { return array_.count_; }
    std::string_view key() const { return array_.key_; }

    class Iterator {
    public:
        Iterator(const MetaValue& array, uint64_t index)
            : reader_(ByteSpan{array.data_, array.size_}), array_(&array), index_(index) {}
        MetaValue operator*() const {
            ByteReader copy = reader_;
            return MetaValue::decode(array_->element_type_, copy, array_->key_, array_->depth_ + 1);
        }
        Iterator& operator++() {
            MetaValue::decode(array_->element_type_, reader_, array_->key_, array_->depth_ + 1);
            ++index_;
            return *this;
        }
        bool operator!=(const Iterator& other) const { return index_ != other.index_; }

    private:
        ByteReader reader_;
        const MetaValue* array_;
        uint64_t index_;
    };

    Iterator begin() const { return Iterator(array_, 0); }
    Iterator end() const { return Iterator(array_, array_.count_); }

    // Element i: O(1) for fixed-size elements, a walk from the start for strings and arrays.
    MetaValue operator[](uint64_t i) const {
        if (i >= size())
            throw Error(ErrorCode::InvalidArgument, "index " + std::to_string(i) + " out of range for array '" +
                                                        std::string(key()) + "' of " + std::to_string(size()));
        const size_t element_size = meta_type_size(element_type());
        if (element_size != 0) {
            ByteReader reader(ByteSpan{array_.data_, array_.size_}, size_t(i) * element_size);
            return MetaValue::decode(element_type(), reader, key(), array_.depth_ + 1);
        }
        Iterator it = begin();
        for (uint64_t k = 0; k < i; ++k) ++it;
        return *it;
    }

    std::vector<std::string_view> strings() const {
        if (element_type() != MetaType::String) throw wrong_elements("strings");
        std::vector<std::string_view> out;
        out.reserve(size_t(size()));
        for (MetaValue v : *this) out.push_back(v.as_string());
        return out;
    }

    // Elements of any numeric type, converted. A float element for an integer T must be a finite
    // number in T's range (converting any other is undefined behaviour); a double beyond float's
    // range becomes +-Inf.
    template <typename T>
    std::vector<T> numbers() const {
        std::vector<T> out;
        out.reserve(size_t(size()));
        for (MetaValue v : *this) {
            if (!v.is_number()) throw wrong_elements("numbers");
            if (v.is_integer()) {
                out.push_back(v.is_signed_integer() ? T(v.as_i64()) : T(v.as_u64()));
            } else {
                out.push_back(from_float<T>(v.as_f64(), out.size()));
            }
        }
        return out;
    }

private:
    template <typename T>
    T from_float(double x, size_t index) const {
        if constexpr (std::is_integral_v<T>) {
            // 2^63 and up do not fit int64 (the bound itself is exact in double).
            const double limit = std::ldexp(1.0, std::numeric_limits<T>::digits);
            if (!(x >= double(std::numeric_limits<T>::min()) && x < limit))
                throw Error(ErrorCode::WrongType, "metadata '" + std::string(key()) + "' element " + std::to_string(index) +
                                                      " is " + number_text(x) + ", not an integer in range");
            return T(x);
        } else {
            if (std::isfinite(x) && std::fabs(x) > double(std::numeric_limits<T>::max()))
                return x > 0 ? std::numeric_limits<T>::infinity() : -std::numeric_limits<T>::infinity();
            return T(x);
        }
    }

    Error wrong_elements(const char* expected) const {
        return Error(ErrorCode::WrongType, "metadata '" + std::string(key()) + "' is an array of " +
                                               meta_type_name(element_type()) + ", expected " + expected);
    }

    MetaValue array_;
};

inline MetaArray MetaValue::as_array() const {
    if (type_ != MetaType::Array) throw wrong_type("an array");
    return MetaArray(*this);
}

}  // namespace chord
