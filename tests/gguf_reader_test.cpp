// The GGUF reader: header, alignment, tensor table validation, zero-copy lazy views, files.
#include <gtest/gtest.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>

#include "chord/gguf.hpp"
#include "chord/gguf_writer.hpp"

namespace chord {
namespace {

template <typename T>
void patch(std::vector<uint8_t>& bytes, size_t offset, T value) {
    ASSERT_LE(offset + sizeof value, bytes.size());
    std::memcpy(bytes.data() + offset, &value, sizeof value);
}

// Parses and returns the error; fails the test if parsing succeeds.
Error parse_error(const std::vector<uint8_t>& bytes) {
    try {
        GgufFile::from_memory(bytes.data(), bytes.size());
    } catch (const Error& e) {
        return e;
    }
    ADD_FAILURE() << "expected the file to be rejected";
    return Error(ErrorCode::InvalidArgument, "");
}

bool contains(const Error& e, const std::string& text) { return std::string(e.what()).find(text) != std::string::npos; }

std::vector<float> iota_floats(size_t n) {
    std::vector<float> v(n);
    for (size_t i = 0; i < n; ++i) v[i] = float(i) * 0.25f - 3.0f;
    return v;
}

// A file with two F32 tensors: "a" of shape [4, 2] and "b" of shape [8].
std::vector<uint8_t> two_tensor_file(uint32_t alignment = kGgufDefaultAlignment) {
    GgufWriter w(alignment);
    w.set("general.architecture", GgufValue::string("llama"));
    const std::vector<float> a = iota_floats(8), b = iota_floats(8);
    w.add_tensor("a", GgmlType::F32, {4, 2}, a.data(), a.size() * 4);
    w.add_tensor("b", GgmlType::F32, {8}, b.data(), b.size() * 4);
    return w.to_bytes();
}

TEST(GgufReader, ReadsHeaderTableAndZeroCopyViews) {
    const std::vector<uint8_t> bytes = two_tensor_file();
    const GgufFile f = GgufFile::from_memory(bytes.data(), bytes.size());
    EXPECT_EQ(f.version(), 3u);
    EXPECT_EQ(f.alignment(), 32u);
    EXPECT_EQ(f.data_offset() % 32, 0u);
    ASSERT_EQ(f.tensors().size(), 2u);
    const TensorInfo& a = f.tensors()[0];
    EXPECT_EQ(a.name, "a");
    EXPECT_EQ(a.type, GgmlType::F32);
    EXPECT_EQ(a.n_dims, 2u);
    EXPECT_EQ(a.shape[0], 4u);
    EXPECT_EQ(a.shape[1], 2u);
    EXPECT_EQ(a.shape[2], 1u);
    EXPECT_EQ(a.n_elements, 8u);
    EXPECT_EQ(a.n_bytes, 32u);
    EXPECT_EQ(a.rows(), 2u);
    const TensorView view = f.tensor("b");
    EXPECT_EQ(view.data, bytes.data() + f.data_offset() + f.tensors()[1].offset);  // no copy
    EXPECT_EQ(view.to_floats(), iota_floats(8));
    try {
        f.tensor("c");
        FAIL();
    } catch (const Error& e) {
        EXPECT_EQ(e.code(), ErrorCode::NotFound);
    }
}

TEST(GgufReader, Version2IsReadVersion1AndOthersAreRejected) {
    GgufWriter v2(kGgufDefaultAlignment, 2);
    v2.set("k", GgufValue::u32(1));
    EXPECT_EQ(GgufFile::from_buffer(v2.to_bytes()).version(), 2u);

    std::vector<uint8_t> bytes = two_tensor_file();
    patch<uint32_t>(bytes, 4, 1);
    Error e = parse_error(bytes);
    EXPECT_EQ(e.code(), ErrorCode::UnsupportedVersion);
    EXPECT_TRUE(contains(e, "version 1")) << e.what();
    patch<uint32_t>(bytes, 4, 4);
    e = parse_error(bytes);
    EXPECT_EQ(e.code(), ErrorCode::UnsupportedVersion);
    EXPECT_TRUE(contains(e, "unsupported GGUF version 4")) << e.what();
    patch<uint32_t>(bytes, 4, 0x03000000);  // a version 3 file written big-endian
    EXPECT_TRUE(contains(parse_error(bytes), "big-endian"));
}

TEST(GgufReader, RejectsWhatIsNotGguf) {
    const std::string elf = "\x7f" "ELF and more bytes here";
    const std::vector<uint8_t> bytes(elf.begin(), elf.end());
    const Error e = parse_error(bytes);
    EXPECT_EQ(e.code(), ErrorCode::NotGguf);
    EXPECT_TRUE(contains(e, "7f 45 4c 46")) << e.what();
    EXPECT_EQ(parse_error({}).code(), ErrorCode::Truncated);
    EXPECT_EQ(parse_error({'G', 'G', 'U', 'F', 3, 0}).code(), ErrorCode::Truncated);
}

TEST(GgufReader, CustomAlignmentIsHonoured) {
    const std::vector<uint8_t> bytes = two_tensor_file(256);
    const GgufFile f = GgufFile::from_memory(bytes.data(), bytes.size());
    EXPECT_EQ(f.alignment(), 256u);
    EXPECT_EQ(f.data_offset() % 256, 0u);
    EXPECT_EQ(f.tensors()[1].offset, 256u);
    EXPECT_EQ(f.tensor("b").to_floats(), iota_floats(8));
}

TEST(GgufReader, RejectsBadAlignmentValues) {
    for (uint32_t bad : {0u, 3u, 48u, 1u << 31}) {
        GgufWriter w;
        w.set("general.alignment", GgufValue::u32(bad));
        const Error e = parse_error(w.to_bytes());
        EXPECT_EQ(e.code(), ErrorCode::Malformed) << bad;
        EXPECT_TRUE(contains(e, "general.alignment")) << e.what();
    }
    GgufWriter w;
    w.set("general.alignment", GgufValue::string("32"));
    EXPECT_EQ(parse_error(w.to_bytes()).code(), ErrorCode::WrongType);
}

// Offsets of the fields of the first tensor entry ("a", 2 dims) of two_tensor_file().
struct FirstEntry {
    size_t n_dims, dim0, dim1, type, offset;
};
FirstEntry first_entry(const std::vector<uint8_t>& bytes) {
    const GgufFile f = GgufFile::from_memory(bytes.data(), bytes.size());
    const size_t start = size_t(f.tensors()[0].info_offset);
    const size_t n_dims = start + 8 + 1;  // u64 name length, then "a"
    return {n_dims, n_dims + 4, n_dims + 12, n_dims + 20, n_dims + 24};
}

TEST(GgufReader, TensorTableErrorsNameTheTensorAndTheProblem) {
    const std::vector<uint8_t> good = two_tensor_file();
    const FirstEntry at = first_entry(good);
    struct Case {
        const char* what;
        std::function<void(std::vector<uint8_t>&)> corrupt;
        ErrorCode code;
        const char* message;
    };
    const std::vector<Case> cases = {
        {"zero dims", [&](auto& b) { patch<uint32_t>(b, at.n_dims, 0); }, ErrorCode::Malformed, "0 dimensions"},
        {"five dims", [&](auto& b) { patch<uint32_t>(b, at.n_dims, 5); }, ErrorCode::Malformed, "5 dimensions"},
        {"shape overflow", [&](auto& b) { patch<uint64_t>(b, at.dim1, uint64_t(1) << 62); }, ErrorCode::Malformed,
         "shape overflows"},
        {"huge shape", [&](auto& b) { patch<uint64_t>(b, at.dim1, uint64_t(1) << 40); }, ErrorCode::Truncated,
         "tensor 'a' needs bytes"},
        {"unknown type", [&](auto& b) { patch<uint32_t>(b, at.type, 77); }, ErrorCode::UnsupportedType,
         "unknown tensor type id 77"},
        {"retired type", [&](auto& b) { patch<uint32_t>(b, at.type, 4); }, ErrorCode::UnsupportedType,
         "unknown tensor type id 4"},
        {"row not whole blocks", [&](auto& b) { patch<uint32_t>(b, at.type, uint32_t(GgmlType::Q4_0)); },
         ErrorCode::Malformed, "not a multiple of the Q4_0 block size 32"},
        {"misaligned offset", [&](auto& b) { patch<uint64_t>(b, at.offset, 4); }, ErrorCode::Malformed,
         "not a multiple of the alignment"},
        {"offset past end", [&](auto& b) { patch<uint64_t>(b, at.offset, uint64_t(1) << 40); }, ErrorCode::Truncated,
         "tensor 'a' needs bytes"},
        {"offset overflow", [&](auto& b) { patch<uint64_t>(b, at.offset, UINT64_MAX - 31); }, ErrorCode::Truncated,
         "tensor 'a' needs bytes"},
        {"overlap", [&](auto& b) { patch<uint64_t>(b, at.offset, 32); }, ErrorCode::Malformed, "overlaps"},
        // The third "entry" starts in the zero padding before the data: its name is empty.
        {"tensor count too large", [&](auto& b) { patch<uint64_t>(b, 8, uint64_t(1) << 62); },
         ErrorCode::Malformed, "tensor 2 (table entry at offset"},
        {"metadata count too large", [&](auto& b) { patch<uint64_t>(b, 16, UINT64_MAX); }, ErrorCode::Truncated,
         "truncated"},
    };
    for (const Case& c : cases) {
        std::vector<uint8_t> bytes = good;
        c.corrupt(bytes);
        const Error e = parse_error(bytes);
        EXPECT_EQ(e.code(), c.code) << c.what << ": " << e.what();
        EXPECT_TRUE(contains(e, c.message)) << c.what << ": " << e.what();
    }
}

TEST(GgufReader, DuplicateKeysAndTensorNamesAreRejected) {
    GgufWriter keys;
    keys.set("k", GgufValue::u32(1));
    keys.set("k", GgufValue::u32(2));
    Error e = parse_error(keys.to_bytes());
    EXPECT_EQ(e.code(), ErrorCode::Malformed);
    EXPECT_TRUE(contains(e, "duplicate metadata key")) << e.what();

    GgufWriter tensors;
    const std::vector<float> x(4, 1.0f);
    tensors.add_tensor("t", GgmlType::F32, {4}, x.data(), 16);
    tensors.add_tensor("t", GgmlType::F32, {4}, x.data(), 16);
    e = parse_error(tensors.to_bytes());
    EXPECT_EQ(e.code(), ErrorCode::Malformed);
    EXPECT_TRUE(contains(e, "tensor 1 't'")) << e.what();
}

TEST(GgufReader, HostileLengthsAndNestingFailFastWithoutAllocating) {
    const auto header = [](uint64_t kv_count) {
        GgufWriter w;
        std::vector<uint8_t> b = w.to_bytes();
        b.resize(24);  // the header alone, without the padding before the (empty) data section
        patch<uint64_t>(b, 16, kv_count);
        return b;
    };
    const auto append = [](std::vector<uint8_t>& b, const std::string& s) { b.insert(b.end(), s.begin(), s.end()); };
    std::string key;
    GgufValue::append_string(key, "k");

    // A string claiming 2^64-1 bytes.
    std::vector<uint8_t> b = header(1);
    append(b, key);
    std::string value;
    GgufValue::append_pod(value, uint32_t(MetaType::String));
    GgufValue::append_pod(value, UINT64_MAX);
    append(b, value);
    Error e = parse_error(b);
    EXPECT_EQ(e.code(), ErrorCode::Truncated);
    EXPECT_TRUE(contains(e, "metadata entry 0 'k' at offset 24")) << e.what();

    // An array of 2^61 u64 (would be 16 EiB).
    b = header(1);
    append(b, key);
    value.clear();
    GgufValue::append_pod(value, uint32_t(MetaType::Array));
    GgufValue::append_pod(value, uint32_t(MetaType::U64));
    GgufValue::append_pod(value, uint64_t(1) << 61);
    append(b, value);
    EXPECT_EQ(parse_error(b).code(), ErrorCode::Truncated);

    // An array of 2^62 strings, each empty: the walk stops where the bytes do.
    b = header(1);
    append(b, key);
    value.clear();
    GgufValue::append_pod(value, uint32_t(MetaType::Array));
    GgufValue::append_pod(value, uint32_t(MetaType::String));
    GgufValue::append_pod(value, uint64_t(1) << 62);
    for (int i = 0; i < 100; ++i) GgufValue::append_pod(value, uint64_t(0));
    append(b, value);
    EXPECT_EQ(parse_error(b).code(), ErrorCode::Truncated);

    // Arrays nested 1000 deep.
    b = header(1);
    append(b, key);
    value.clear();
    GgufValue::append_pod(value, uint32_t(MetaType::Array));
    for (int i = 0; i < 1000; ++i) {
        GgufValue::append_pod(value, uint32_t(MetaType::Array));
        GgufValue::append_pod(value, uint64_t(1));
    }
    append(b, value);
    e = parse_error(b);
    EXPECT_EQ(e.code(), ErrorCode::Malformed);
    EXPECT_TRUE(contains(e, "nested deeper")) << e.what();

    // Unknown value type and a bool that is neither 0 nor 1.
    b = header(1);
    append(b, key);
    value.clear();
    GgufValue::append_pod(value, uint32_t(13));
    append(b, value);
    EXPECT_TRUE(contains(parse_error(b), "unknown metadata value type 13"));
    b = header(1);
    append(b, key);
    value.clear();
    GgufValue::append_pod(value, uint32_t(MetaType::Bool));
    value += char(2);
    append(b, value);
    EXPECT_TRUE(contains(parse_error(b), "neither 0 nor 1"));
}

// Laziness: with the tensor data pages unreadable, parsing still succeeds. Touching a tensor
// byte during parsing would crash this test.
TEST(GgufReader, ParsingNeverTouchesTensorData) {
    const size_t page = size_t(sysconf(_SC_PAGESIZE));
    GgufWriter w{uint32_t(page)};
    std::vector<float> weights(page / 4 * 3, 1.0f);
    w.add_tensor("w", GgmlType::F32, {weights.size()}, weights.data(), weights.size() * 4);
    const std::vector<uint8_t> bytes = w.to_bytes();
    const size_t mapping_size = (bytes.size() + page - 1) / page * page;
    void* p = mmap(nullptr, mapping_size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    ASSERT_NE(p, MAP_FAILED);
    auto* base = static_cast<uint8_t*>(p);
    std::memcpy(base, bytes.data(), bytes.size());
    const GgufFile probe = GgufFile::from_memory(base, bytes.size());
    const size_t data_offset = size_t(probe.data_offset());
    ASSERT_EQ(data_offset % page, 0u);
    ASSERT_EQ(mprotect(base + data_offset, mapping_size - data_offset, PROT_NONE), 0);

    const GgufFile f = GgufFile::from_memory(base, bytes.size());
    const TensorView view = f.tensor("w");  // a view is only a pointer: still untouched
    EXPECT_EQ(view.size, weights.size() * 4);

    ASSERT_EQ(mprotect(base + data_offset, mapping_size - data_offset, PROT_READ), 0);
    EXPECT_EQ(view.to_floats(), weights);
    munmap(p, mapping_size);
}

TEST(GgufReader, OpensFilesAndReportsIoErrors) {
    const std::filesystem::path path = std::filesystem::path(testing::TempDir()) / "chord_reader_test.gguf";
    GgufWriter w;
    w.set("general.architecture", GgufValue::string("llama"));
    const std::vector<float> x = iota_floats(32);
    w.add_tensor("x", GgmlType::F32, {32}, x.data(), 128);
    w.write_file(path.string());
    {
        const GgufFile f = GgufFile::open(path.string());
        EXPECT_EQ(f.get_string("general.architecture"), "llama");
        EXPECT_EQ(f.tensor("x").to_floats(), x);
    }
    std::filesystem::remove(path);

    try {
        GgufFile::open(path.string());
        FAIL();
    } catch (const Error& e) {
        EXPECT_EQ(e.code(), ErrorCode::Io);
        EXPECT_TRUE(contains(e, "chord_reader_test.gguf")) << e.what();
    }
    try {
        GgufFile::open(testing::TempDir());
        FAIL();
    } catch (const Error& e) {
        EXPECT_EQ(e.code(), ErrorCode::Io);
        EXPECT_TRUE(contains(e, "not a regular file")) << e.what();
    }
}

TEST(GgufReader, ErrorsFromOpenNameTheFile) {
    const std::filesystem::path path = std::filesystem::path(testing::TempDir()) / "chord_truncated.gguf";
    std::vector<uint8_t> bytes = two_tensor_file();
    bytes.pop_back();  // the last byte of tensor "b"
    {
        std::ofstream out(path, std::ios::binary);
        out.write(reinterpret_cast<const char*>(bytes.data()), std::streamsize(bytes.size()));
    }
    try {
        GgufFile::open(path.string());
        FAIL();
    } catch (const Error& e) {
        EXPECT_EQ(e.code(), ErrorCode::Truncated);
        EXPECT_TRUE(contains(e, "chord_truncated.gguf")) << e.what();
        EXPECT_TRUE(contains(e, "tensor 'b'")) << e.what();
    }
    std::filesystem::remove(path);
}

}  // namespace
}  // namespace chord
