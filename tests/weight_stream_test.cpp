// Streamed loads: a GGUF file opened from its header alone (GgufFile::header_probe / from_header),
// a model built on it with empty weight buffers, and WeightStream filling them from the data
// section in pieces of any size. The model must compute exactly the logits of a normal load; a
// short stream, a NaN weight or a backend that cannot stream are typed errors.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <random>

#include "chord/gguf_split_writer.hpp"
#include "chord/model.hpp"
#include "chord/session_state.hpp"
#include "chord/streamed_model_load.hpp"
#include "streaming_test_backend.hpp"
#include "test_support.hpp"

namespace chord {
namespace {

namespace fs = std::filesystem;

std::vector<uint8_t> file_bytes(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    return std::vector<uint8_t>(std::istreambuf_iterator<char>(in), {});
}

fs::path model_path(const std::string& name) { return test::shared_dir() / "models" / name; }

// How many bytes the header takes, asking header_probe() as a loader would: a small prefix first.
uint64_t probed_header_size(const std::vector<uint8_t>& bytes, uint64_t first = 16) {
    uint64_t have = first;
    for (int round = 0; round < 64; ++round) {
        const GgufFile::HeaderProbe probe = GgufFile::header_probe(bytes.data(), size_t(std::min<uint64_t>(have, bytes.size())), bytes.size());
        if (probe.complete) return probe.bytes;
        EXPECT_GT(probe.bytes, have);
        have = probe.bytes;
    }
    ADD_FAILURE() << "the probe never completed";
    return 0;
}

std::vector<float> logits_of(Model& model) {
    const std::vector<TokenId> ids = model.tokenizer().encode("Once upon a time", {true, false});
    return model.forward(ids.data(), ids.size(), 0);
}

// Streams `bytes`' data section into a streamed load on the test backend, in pieces whose sizes
// cycle through `pieces`.
std::unique_ptr<Model> stream_model(const std::vector<uint8_t>& bytes, const std::vector<size_t>& pieces,
                                    test::StreamingTestBackend** backend_out = nullptr) {
    const uint64_t header = probed_header_size(bytes);
    auto backend = std::make_unique<test::StreamingTestBackend>();
    if (backend_out) *backend_out = backend.get();
    StreamedModelLoad load(GgufFile::from_header(bytes.data(), size_t(header), bytes.size()), {}, std::move(backend));
    size_t at = size_t(header), k = 0;
    while (at < bytes.size()) {
        const size_t n = std::min(pieces[k++ % pieces.size()], bytes.size() - at);
        load.consume(bytes.data() + at, n);
        at += n;
    }
    return load.finish();
}

TEST(HeaderProbe, FindsTheDataSectionOfEveryModel) {
    for (const std::string name : {"stories260K-f32.gguf", "synth-llama-q3_k.gguf", "synth-qwen2-bpe-q4_k_m.gguf"}) {
        const std::vector<uint8_t> bytes = file_bytes(model_path(name));
        const GgufFile whole = GgufFile::from_memory(bytes.data(), bytes.size());
        for (uint64_t first : {uint64_t(1), uint64_t(16), uint64_t(4096), uint64_t(bytes.size())})
            EXPECT_EQ(probed_header_size(bytes, first), whole.data_offset()) << name << " from " << first;

        const GgufFile header = GgufFile::from_header(bytes.data(), size_t(whole.data_offset()), bytes.size());
        EXPECT_FALSE(header.has_tensor_data());
        EXPECT_EQ(header.file_size(), whole.file_size());
        EXPECT_EQ(header.bytes_here(), whole.data_offset());
        EXPECT_EQ(header.metadata().size(), whole.metadata().size());
        ASSERT_EQ(header.tensors().size(), whole.tensors().size());
        for (size_t i = 0; i < whole.tensors().size(); ++i) {
            EXPECT_EQ(header.tensors()[i].name, whole.tensors()[i].name);
            EXPECT_EQ(header.tensors()[i].offset, whole.tensors()[i].offset);
            EXPECT_EQ(header.tensors()[i].n_bytes, whole.tensors()[i].n_bytes);
        }
        try {
            header.tensor(whole.tensors()[0].name);
            ADD_FAILURE() << "a header-only file gave tensor data";
        } catch (const Error& e) {
            EXPECT_EQ(e.code(), ErrorCode::InvalidArgument);
        }
    }
}

TEST(HeaderProbe, ChecksTheTableAgainstTheWholeFilesSize) {
    const std::vector<uint8_t> bytes = file_bytes(model_path("stories260K-f32.gguf"));
    const uint64_t header = probed_header_size(bytes);
    // A file one byte short of its last tensor: the complete header says so, without asking for more.
    try {
        GgufFile::header_probe(bytes.data(), size_t(header), bytes.size() - 1);
        ADD_FAILURE() << "no error";
    } catch (const Error& e) {
        EXPECT_EQ(e.code(), ErrorCode::Truncated) << e.what();
    }
    EXPECT_THROW(GgufFile::from_header(bytes.data(), size_t(header), bytes.size() - 1), Error);
    // A file that ends inside its header: Truncated once the whole file has been read.
    try {
        GgufFile::header_probe(bytes.data(), size_t(header / 2), header / 2);
        ADD_FAILURE() << "no error";
    } catch (const Error& e) {
        EXPECT_EQ(e.code(), ErrorCode::Truncated) << e.what();
    }
    // Not a GGUF file: said at once.
    const std::vector<uint8_t> junk(64, 'x');
    try {
        GgufFile::header_probe(junk.data(), 8, 1 << 20);
        ADD_FAILURE() << "no error";
    } catch (const Error& e) {
        EXPECT_EQ(e.code(), ErrorCode::NotGguf);
    }
}

TEST(WeightStream, ComputesExactlyTheLogitsOfANormalLoad) {
    // stories: F32 matrices; q3_k: rows of 110 bytes, so pieces of two rows keep 4-byte boundaries;
    // qwen2 q4_k_m: mixed types, biases.
    const std::vector<std::vector<size_t>> piece_sizes = {{1}, {7, 4093, 13}, {1 << 20}, {size_t(1) << 30}};
    for (const std::string name : {"stories260K-f32.gguf", "synth-llama-q3_k.gguf", "synth-qwen2-bpe-q4_k_m.gguf"}) {
        const std::vector<uint8_t> bytes = file_bytes(model_path(name));
        auto reference = Model::load(GgufFile::from_memory(bytes.data(), bytes.size()));
        const std::vector<float> expected = logits_of(*reference);
        for (const std::vector<size_t>& pieces : piece_sizes) {
            if (name != "stories260K-f32.gguf" && pieces.size() == 1 && pieces[0] == 1) continue;  // byte by byte: slow, once is enough
            test::StreamingTestBackend* backend = nullptr;
            auto model = stream_model(bytes, pieces, &backend);
            EXPECT_EQ(logits_of(*model), expected) << name << ", first piece " << pieces[0];
            // Saved sessions tell models apart by the first bytes of each tensor: kept as they passed.
            EXPECT_EQ(model_fingerprint(*model), model_fingerprint(*reference)) << name << ", first piece " << pieces[0];
            // Every weight whole, from the file's own bytes.
            const GgufFile whole = GgufFile::from_memory(bytes.data(), bytes.size());
            EXPECT_EQ(backend->weights().size(), whole.tensors().size()) << name;
            for (const auto& w : backend->weights()) {
                const TensorView v = whole.tensor(w.info->name);
                EXPECT_TRUE(std::equal(w.bytes.begin(), w.bytes.end(), v.data)) << w.info->name;
                if (w.info->n_dims == 1) {
                    EXPECT_EQ(w.pieces, 1u) << w.info->name << ": a vector arrives whole";
                }
            }
        }
    }
}

TEST(WeightStream, AShortStreamIsTruncatedAndLeavesNothing) {
    const std::vector<uint8_t> bytes = file_bytes(model_path("synth-llama-q4_0.gguf"));
    const uint64_t header = probed_header_size(bytes);
    for (uint64_t missing : {uint64_t(1), uint64_t(1000), bytes.size() - header}) {
        StreamedModelLoad load(GgufFile::from_header(bytes.data(), size_t(header), bytes.size()), {},
                               std::make_unique<test::StreamingTestBackend>());
        load.consume(bytes.data() + header, size_t(bytes.size() - header - missing));
        try {
            load.finish();
            ADD_FAILURE() << "no error with " << missing << " bytes missing";
        } catch (const Error& e) {
            EXPECT_EQ(e.code(), ErrorCode::Truncated) << e.what();
            EXPECT_NE(std::string(e.what()).find("tensor '"), std::string::npos) << e.what();
        }
    }
    // More bytes than the file holds: an error, not a write past the end.
    StreamedModelLoad load(GgufFile::from_header(bytes.data(), size_t(header), bytes.size()), {},
                           std::make_unique<test::StreamingTestBackend>());
    std::vector<uint8_t> longer(bytes.begin() + header, bytes.end());
    longer.push_back(0);
    EXPECT_THROW(load.consume(longer.data(), longer.size()), Error);
}

TEST(WeightStream, ANanWeightFailsAsANormalLoadSaysIt) {
    std::vector<uint8_t> bytes = file_bytes(model_path("stories260K-f32.gguf"));
    const GgufFile whole = GgufFile::from_memory(bytes.data(), bytes.size());
    const TensorInfo* t = whole.find_tensor("blk.2.ffn_down.weight");
    ASSERT_NE(t, nullptr);
    const uint32_t nan_bits = 0x7FC00000u;
    std::memcpy(bytes.data() + whole.data_offset() + t->offset + 4 * 1234, &nan_bits, 4);  // element 1234, past the first pieces
    std::string expected;
    try {
        Model::load(GgufFile::from_memory(bytes.data(), bytes.size()));
    } catch (const Error& e) {
        expected = e.what();
    }
    ASSERT_NE(expected.find("element 1234"), std::string::npos) << expected;
    for (size_t piece : {size_t(100), size_t(1) << 20}) {
        try {
            stream_model(bytes, {piece});
            ADD_FAILURE() << "no error";
        } catch (const Error& e) {
            EXPECT_EQ(e.code(), ErrorCode::Malformed);
            EXPECT_EQ(std::string(e.what()), expected);
        }
    }
}

TEST(WeightStream, TheCpuBackendSaysItCannot) {
    const std::vector<uint8_t> bytes = file_bytes(model_path("stories260K-f32.gguf"));
    const uint64_t header = probed_header_size(bytes);
    try {
        StreamedModelLoad load(GgufFile::from_header(bytes.data(), size_t(header), bytes.size()), {}, make_cpu_backend());
        ADD_FAILURE() << "no error";
    } catch (const Error& e) {
        EXPECT_EQ(e.code(), ErrorCode::Unsupported) << e.what();
    }
    EXPECT_THROW(StreamedModelLoad(GgufFile::from_memory(bytes.data(), bytes.size()), {}, std::make_unique<test::StreamingTestBackend>()),
                 Error);
}

TEST(WeightStream, SplitModelsStreamEachPartInTurn) {
    const fs::path source = model_path("synth-qwen2-bpe-q4_k_m.gguf");
    const fs::path dir = fs::temp_directory_path() / ("chord-stream-split-" + std::to_string(::getpid()));
    fs::remove_all(dir);
    fs::create_directories(dir);
    SplitLimits limits;
    limits.max_tensors = 9;
    const std::vector<std::string> paths = write_split(GgufFile::open(source.string()), (dir / "m").string(), limits);
    ASSERT_GE(paths.size(), 3u);
    std::vector<std::vector<uint8_t>> parts;
    std::vector<GgufFile> headers;
    for (const std::string& path : paths) {
        parts.push_back(file_bytes(path));
        const uint64_t header = probed_header_size(parts.back());
        headers.push_back(GgufFile::from_header(parts.back().data(), size_t(header), parts.back().size()));
    }
    auto reference = Model::load(source.string());
    const std::vector<float> expected = logits_of(*reference);

    StreamedModelLoad load(GgufFile::join(std::move(headers)), {}, std::make_unique<test::StreamingTestBackend>());
    for (size_t i = 0; i < parts.size(); ++i) {
        const uint64_t header = probed_header_size(parts[i]);
        for (size_t at = size_t(header); at < parts[i].size(); at += 777)
            load.consume(parts[i].data() + at, std::min<size_t>(777, parts[i].size() - at));
        if (i + 1 < parts.size()) {
            load.end_part();
        } else {
            auto model = load.finish();
            EXPECT_EQ(logits_of(*model), expected);
            EXPECT_EQ(model_fingerprint(*model), model_fingerprint(*reference));
        }
    }
    // A set whose last part never came.
    std::vector<GgufFile> again;
    for (auto& p : parts) again.push_back(GgufFile::from_header(p.data(), size_t(probed_header_size(p)), p.size()));
    StreamedModelLoad short_load(GgufFile::join(std::move(again)), {}, std::make_unique<test::StreamingTestBackend>());
    const uint64_t header0 = probed_header_size(parts[0]);
    short_load.consume(parts[0].data() + header0, size_t(parts[0].size() - header0));
    short_load.end_part();
    try {
        short_load.finish();
        ADD_FAILURE() << "no error";
    } catch (const Error& e) {
        EXPECT_EQ(e.code(), ErrorCode::Truncated) << e.what();
    }
    fs::remove_all(dir);
}

}  // namespace
}  // namespace chord
