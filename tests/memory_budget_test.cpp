// The memory budget: a model is measured before anything is allocated, and one over the
// caller's max_memory (or over what the platform has) is an OutOfMemory error that says what it
// needs and what to change; the exact budget it needs is enough.
#include <gtest/gtest.h>

#include <limits>
#include <utility>

#include "chord/model.hpp"
#include "forwarding_backend.hpp"
#include "test_support.hpp"

namespace chord {
namespace {

const std::string& stories_path() {
    static const std::string path = (test::shared_dir() / "models" / "stories260K-f32.gguf").string();
    return path;
}

ErrorCode load_error(const ModelOptions& options, std::string* message = nullptr) {
    try {
        Model::load(stories_path(), options);
    } catch (const Error& e) {
        if (message) *message = e.what();
        return e.code();
    }
    ADD_FAILURE() << "the model loaded";
    return ErrorCode::InvalidArgument;
}

TEST(MemoryBudget, NeedCountsTheFileTheCacheAndTheBuffers) {
    const GgufFile file = GgufFile::open(stories_path());
    const ModelConfig c = ModelConfig::from_gguf(file);
    const MemoryNeed need = model_memory_need(c, file.total_size(), 256, 64, false);
    EXPECT_EQ(need.file, file.file_size());
    EXPECT_EQ(need.kv_cache, 2ull * c.n_layer * 256 * c.kv_width() * 2);  // F16 by default
    EXPECT_GT(need.buffers, 64ull * c.n_embd * sizeof(float));
    EXPECT_EQ(need.total(), need.file + need.kv_cache + need.buffers);
    EXPECT_EQ(model_memory_need(c, file.total_size(), 256, 64, true).total(), need.file);  // a GPU's buffers are its own
}

// The cache at its real size in each type: 2 bytes a value (F16), 34 bytes a block of 32 (Q8_0), 4 (F32).
TEST(MemoryBudget, TheKvCacheCountsAtItsTypesSize) {
    const std::string path = (test::shared_dir() / "models" / "synth-llama-q4_0.gguf").string();
    const GgufFile file = GgufFile::open(path);
    const ModelConfig c = ModelConfig::from_gguf(file);
    const uint64_t values = 2ull * c.n_layer * 512 * c.kv_width();
    const MemoryNeed f16 = model_memory_need(c, file.total_size(), 512, 64, false, KvCacheType::F16);
    const MemoryNeed q8_0 = model_memory_need(c, file.total_size(), 512, 64, false, KvCacheType::Q8_0);
    const MemoryNeed f32 = model_memory_need(c, file.total_size(), 512, 64, false, KvCacheType::F32);
    EXPECT_EQ(f16.kv_cache, values * 2);
    EXPECT_EQ(q8_0.kv_cache, values / 32 * 34);
    EXPECT_EQ(f32.kv_cache, values * 4);
    EXPECT_EQ(f16.buffers, f32.buffers);
    EXPECT_EQ(f32.total() - f16.total(), values * 2);
    EXPECT_EQ(kv_cache_bytes(c, 512, KvCacheType::Q8_0), q8_0.kv_cache);
    // The budget a type needs is enough for it and one byte short of it is not.
    for (KvCacheType type : {KvCacheType::F16, KvCacheType::Q8_0, KvCacheType::F32}) {
        ModelOptions options;
        options.n_ctx = 512;
        options.threads = 1;
        options.kv_cache_type = type;
        options.max_memory = model_memory_need(c, file.total_size(), 512, 64, false, type).total();
        EXPECT_NO_THROW(Model::load(path, options)) << kv_cache_type_name(type);
        options.max_memory -= 1;
        EXPECT_THROW(Model::load(path, options), Error) << kv_cache_type_name(type);
    }
}

TEST(MemoryBudget, HostileSizesSaturateInsteadOfWrapping) {
    ModelConfig c;
    c.n_layer = c.n_embd = c.n_head = c.n_head_kv = c.head_dim = c.n_ff = c.n_vocab = 1u << 30;
    const MemoryNeed need = model_memory_need(c, ~0ull - 5, ~0u, ~0u, false);
    EXPECT_EQ(need.kv_cache, ~0ull);
    EXPECT_EQ(need.total(), ~0ull);
    EXPECT_THROW(check_memory_budget(need, 0, ~0u), Error);
}

TEST(MemoryBudget, ExactlyTheNeedLoadsOneByteLessIsAClearError) {
    ModelOptions options;
    options.n_ctx = 128;
    options.threads = 1;
    const GgufFile file = GgufFile::open(stories_path());
    const uint64_t need = model_memory_need(ModelConfig::from_gguf(file), file.total_size(), 128, 64, false).total();

    options.max_memory = need;
    EXPECT_NO_THROW(Model::load(stories_path(), options));
    options.max_memory = need - 1;
    std::string message;
    EXPECT_EQ(load_error(options, &message), ErrorCode::OutOfMemory);
    EXPECT_NE(message.find("the memory budget (maxMemory) is"), std::string::npos) << message;
    EXPECT_NE(message.find("KV cache for 128 tokens"), std::string::npos) << message;
}

// The CPU's arithmetic on buffers said to be a device's: what WebGPU's budget sees.
class DeviceBuffersBackend final : public test::ForwardingBackend {
public:
    std::string name() const override { return "device"; }
    bool buffers_in_host_memory() const override { return false; }
};

TEST(MemoryBudget, ADevicesShareFitsMaxGpuMemoryOrIsAClearErrorAndWithoutABudgetAnyModelLoads) {
    ModelOptions options;
    options.n_ctx = 128;
    const GgufFile file = GgufFile::open(stories_path());
    uint64_t weights = 0;
    for (const TensorInfo& t : file.tensors()) weights += t.n_bytes;
    const ModelConfig config = ModelConfig::from_gguf(file);
    const uint64_t need = model_gpu_memory_need(config, weights, 128, 64, KvCacheType::F16).total();
    EXPECT_EQ(need, weights + kv_cache_bytes(config, 128, KvCacheType::F16) + model_memory_need(config, 0, 128, 64, false).buffers);

    options.max_gpu_memory = need;
    EXPECT_NO_THROW(Model::load(stories_path(), options, std::make_unique<DeviceBuffersBackend>()));
    options.max_gpu_memory = need - 1;
    try {
        Model::load(stories_path(), options, std::make_unique<DeviceBuffersBackend>());
        ADD_FAILURE() << "loaded over the GPU budget";
    } catch (const Error& e) {
        EXPECT_EQ(e.code(), ErrorCode::OutOfMemory);
        EXPECT_NE(std::string(e.what()).find("of GPU memory (weights "), std::string::npos) << e.what();
        EXPECT_NE(std::string(e.what()).find("the GPU memory budget (maxGpuMemory) is"), std::string::npos) << e.what();
    }
    EXPECT_NO_THROW(Model::load(stories_path(), options));  // the CPU's memory is not the GPU's
    options.max_gpu_memory = 0;
    EXPECT_NO_THROW(Model::load(stories_path(), options, std::make_unique<DeviceBuffersBackend>()));
}

TEST(MemoryBudget, TheCpuBackendReportsWhatItHolds) {
    ModelOptions options;
    options.n_ctx = 128;
    options.threads = 1;
    const std::unique_ptr<Model> model = Model::load(stories_path(), options);
    const BackendMemory m = model->backend().memory();
    uint64_t weights = 0;
    for (const TensorInfo& t : model->file().tensors()) weights += t.n_bytes;
    EXPECT_GE(m.weights, weights);  // views into the file, and float copies of the vectors
    EXPECT_LT(m.weights, weights + 64 * 1024);
    EXPECT_EQ(m.kv_cache, model->kv_cache_bytes());
    const uint64_t buffers = model_memory_need(model->config(), 0, 128, model->batch_size(), false).buffers;
    EXPECT_GT(m.activations, buffers / 2);
    EXPECT_LT(m.activations, buffers * 2);
}

TEST(MemoryBudget, AContextWhoseCacheCannotFitThisMachineIsAnErrorNotAnAllocation) {
    ModelOptions options;
    options.n_ctx = 4'000'000'000u;  // terabytes of KV cache
    std::string message;
    EXPECT_EQ(load_error(options, &message), ErrorCode::OutOfMemory);
    EXPECT_NE(message.find("this platform has"), std::string::npos) << message;
    EXPECT_NE(message.find("ask for a smaller context"), std::string::npos) << message;
    options.n_ctx = 64;  // and the next load works
    EXPECT_EQ(Model::load(stories_path(), options)->n_ctx(), 64u);
}

TEST(MemoryBudget, TheCpuBackendRefusesBuffersWhoseSizeWouldWrap) {
    const std::unique_ptr<Backend> cpu = make_cpu_backend({1, CpuKernels::Fast});
    const size_t half = std::numeric_limits<size_t>::max() / 2;
    // A product that wraps, and one past std::vector's max_size(), in each cache type.
    for (KvCacheType type : {KvCacheType::F32, KvCacheType::F16, KvCacheType::Q8_0}) {
        for (const auto& [rows, cols] : {std::pair{half, size_t(96)}, std::pair{half / 16, size_t(32)}}) {
            try {
                cpu->create_cache(rows, cols, type);
                ADD_FAILURE() << rows << " x " << cols << " " << kv_cache_type_name(type) << " was allocated";
            } catch (const Error& e) {
                EXPECT_EQ(e.code(), ErrorCode::OutOfMemory) << e.what();
            }
        }
    }
    EXPECT_THROW(cpu->create_activations(half, 4), Error);
}

}  // namespace
}  // namespace chord
