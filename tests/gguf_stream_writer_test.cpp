// GgufStreamWriter: tensor data written in pieces gives the same file as GgufWriter builds in
// memory, and a wrong amount of data is an error rather than a bad file.
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <string>
#include <vector>

#include "chord/gguf.hpp"
#include "chord/gguf_stream_writer.hpp"
#include "chord/gguf_writer.hpp"
#include "test_support.hpp"

namespace chord {
namespace {

struct TestTensor {
    std::string name;
    GgmlType type;
    std::vector<uint64_t> shape;
    std::vector<uint8_t> data;
};

std::vector<TestTensor> test_tensors() {
    std::vector<TestTensor> tensors = {
        {"a", GgmlType::F32, {3}, {}},  // 12 bytes: the next offset needs padding
        {"b", GgmlType::Q4_0, {64, 2}, {}},
        {"c", GgmlType::F16, {5, 3}, {}},
    };
    for (TestTensor& t : tensors) {
        t.data.resize(GgufLayout::tensor_size(t.name, t.type, t.shape));
        for (size_t i = 0; i < t.data.size(); ++i) t.data[i] = uint8_t(i * 7 + t.name[0]);
    }
    return tensors;
}

std::filesystem::path temp_path(const std::string& name) {
    return std::filesystem::path(testing::TempDir()) / (name + "_" + std::to_string(getpid()) + ".gguf");
}

TEST(GgufStreamWriter, PiecewiseDataGivesTheSameFileAsTheInMemoryWriter) {
    for (uint32_t alignment : {32u, 64u}) {
        GgufWriter memory(alignment);
        GgufLayout layout(alignment);
        memory.set("general.name", GgufValue::string("stream"));
        layout.set("general.name", GgufValue::string("stream"));
        for (const TestTensor& t : test_tensors()) {
            memory.add_tensor(t.name, t.type, t.shape, t.data.data(), t.data.size());
            layout.add_tensor(t.name, t.type, t.shape);
        }
        const std::filesystem::path path = temp_path("stream");
        const uint64_t expected_size = layout.file_size();
        GgufStreamWriter stream(path.string(), std::move(layout));
        for (const TestTensor& t : test_tensors()) {
            EXPECT_EQ(stream.current().name, t.name);
            for (size_t at = 0; at < t.data.size(); at += 5)  // in pieces of 5 bytes
                stream.write(t.data.data() + at, std::min<size_t>(5, t.data.size() - at));
        }
        stream.finish();
        const std::vector<uint8_t> bytes = test::read_file(path);
        EXPECT_EQ(bytes, memory.to_bytes()) << "alignment " << alignment;
        EXPECT_EQ(bytes.size(), expected_size);
        const GgufFile file = GgufFile::from_buffer(bytes);
        EXPECT_EQ(file.tensors().size(), 3u);
        std::filesystem::remove(path);
    }
}

TEST(GgufStreamWriter, WrongAmountsOfDataAreErrors) {
    const std::filesystem::path path = temp_path("stream_errors");
    GgufLayout layout;
    layout.add_tensor("t", GgmlType::F32, {4});
    {
        GgufStreamWriter stream(path.string(), layout);
        const std::vector<uint8_t> too_much(20);
        EXPECT_THROW(stream.write(too_much.data(), too_much.size()), Error);
        stream.write(too_much.data(), 8);
        try {
            stream.finish();
            FAIL() << "an unwritten tensor must be an error";
        } catch (const Error& e) {
            EXPECT_NE(std::string(e.what()).find("'t'"), std::string::npos) << e.what();
        }
    }
    {
        GgufStreamWriter stream(path.string(), layout);
        const std::vector<uint8_t> data(16);
        stream.write(data.data(), data.size());
        EXPECT_THROW(stream.write(data.data(), 1), Error);  // past the last tensor
        stream.finish();
    }
    std::filesystem::remove(path);
    EXPECT_THROW(GgufStreamWriter("/nonexistent/dir/x.gguf", layout), Error);
}

}  // namespace
}  // namespace chord
