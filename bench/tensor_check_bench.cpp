// What the NaN/Inf scan of the weights (tensor_check.hpp) costs at load: the scan alone over
// every tensor, and the whole Model::load it is part of, on the largest shared model and on
// generated models of about 100 MB (F16: every element is checked; Q4_K: one scale pair per
// 256 weights).
//   build/native/bin/chord_bench_tensor_check
#include <benchmark/benchmark.h>

#include <string>
#include <vector>

#include "chord/mapped_file.hpp"
#include "chord/model.hpp"
#include "chord/synth_model.hpp"
#include "chord/tensor_check.hpp"

namespace {

using namespace chord;

const std::string kShared = CHORD_SHARED_DIR;

std::vector<uint8_t> read_model(const std::string& name) {
    const MappedFile file(kShared + "/models/" + name);
    return std::vector<uint8_t>(file.bytes().data, file.bytes().data + file.bytes().size);
}

std::vector<uint8_t> generated(const std::string& shape, const std::string& type) {
    const GgufFile vocab = GgufFile::open(kShared + "/models/stories260K-f32.gguf");
    SynthOptions o;
    o.shape = ModelShape::parse(shape);
    o.type = type;
    return synth_model_bytes(o, vocab);
}

const std::vector<uint8_t>& model_bytes(int which) {
    static const std::vector<uint8_t> shared = read_model("synth-qwen2-bpe-q4_k_m.gguf");
    static const std::vector<uint8_t> f16 = generated("dim=1024,layers=3,heads=8,ffn=4096", "f16");                   // ~102 MB
    static const std::vector<uint8_t> q4_k = generated("dim=2048,layers=4,heads=16,kv_heads=4,ffn=5632", "q4_k");  // ~101 MB
    return which == 0 ? shared : which == 1 ? f16 : q4_k;
}

void BM_FindNonFinite(benchmark::State& state) {
    const std::vector<uint8_t>& bytes = model_bytes(int(state.range(0)));
    const GgufFile file = GgufFile::from_memory(bytes.data(), bytes.size());
    uint64_t weight_bytes = 0;
    for (const TensorInfo& t : file.tensors()) weight_bytes += t.n_bytes;
    for (auto _ : state)
        for (const TensorInfo& t : file.tensors()) benchmark::DoNotOptimize(find_non_finite(file.tensor(t)));
    state.SetBytesProcessed(int64_t(state.iterations()) * int64_t(weight_bytes));
    state.counters["MB"] = double(weight_bytes) / 1e6;
}

void BM_ModelLoad(benchmark::State& state) {
    const std::vector<uint8_t>& bytes = model_bytes(int(state.range(0)));
    ModelOptions options;
    options.threads = 1;
    options.n_ctx = 64;
    for (auto _ : state) benchmark::DoNotOptimize(Model::load(GgufFile::from_memory(bytes.data(), bytes.size()), options));
    state.SetBytesProcessed(int64_t(state.iterations()) * int64_t(bytes.size()));
}

// 0: synth-qwen2-bpe-q4_k_m.gguf (the largest shared model), 1: generated F16, 2: generated Q4_K.
BENCHMARK(BM_FindNonFinite)->Arg(0)->Arg(1)->Arg(2)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_ModelLoad)->Arg(0)->Arg(1)->Arg(2)->Unit(benchmark::kMillisecond);

}  // namespace
