// Generation against llama.cpp's golden outputs: for every shared model and golden prompt, the
// prompt tokens are exact, and at each of the 16 greedy steps (fed llama.cpp's own token, so
// the contexts stay identical) our best token is llama.cpp's wherever its margin is clear, and
// its top-5 logits are close to ours.
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <nlohmann/json.hpp>

#include "chord/model.hpp"
#include "test_support.hpp"

namespace chord {
namespace {

// Below this golden margin (top1 - top2) the two best tokens are within the noise of 8-bit
// activation rounding and either may win (shared/README.md, issue 5).
constexpr float kClearMargin = 0.05f;
// How close our logits stay to llama.cpp's five best. With float weights only the order of
// float sums differs (measured <= 0.015). With quantized weights, llama.cpp's SIMD kernels
// round the 8-bit activations in ways the reference cannot reproduce bit for bit: measured
// <= 0.114 here, against about 0.2 if activations were not rounded at all.
constexpr float kFloatWeightTolerance = 0.02f;
constexpr float kQuantizedWeightTolerance = 0.15f;

// Known divergence: for Q4_0 and Q4_1 weights, the golden run read prompts of 32 tokens or more
// through a batched x86 kernel of llama.cpp whose logits differ by more than a logit from llama.cpp's
// own generic kernels. Those generic kernels (llama.cpp in wasm, via wllama 3.8.1; see
// tests/data/llama_cpp_generic_kernels.json for how it was recorded) agree with us. For these cases
// the test checks the first step against that reference, and that the golden still disagrees, so
// the exception goes as soon as the golden files are regenerated.
constexpr size_t kBatchedKernelThreshold = 32;
bool diverges_upstream(const std::string& model, size_t prompt_tokens) {
    return (model == "synth-llama-q4_0" || model == "synth-llama-q4_1") && prompt_tokens >= kBatchedKernelThreshold;
}

// llama.cpp's generic-kernel top-5 log-probabilities of the first token, for a model and prompt.
nlohmann::json generic_kernel_reference(const std::string& model, size_t prompt_tokens) {
    const nlohmann::json ref = nlohmann::json::parse(std::ifstream(std::string(CHORD_TEST_DATA_DIR) + "/llama_cpp_generic_kernels.json"));
    for (const auto& c : ref["cases"])
        if (c["model"] == model && c["prompt_tokens"] == prompt_tokens) return c["top5_logprobs"];
    return nullptr;
}

std::vector<float> log_softmax(const std::vector<float>& logits) {
    const float max = *std::max_element(logits.begin(), logits.end());
    double sum = 0;
    for (float l : logits) sum += std::exp(double(l - max));
    std::vector<float> out(logits.size());
    for (size_t i = 0; i < logits.size(); ++i) out[i] = float(double(logits[i] - max) - std::log(sum));
    return out;
}

std::vector<std::string> golden_models() {
    std::vector<std::string> names = test::shared_file_names("golden", ".json");
    for (std::string& n : names) n.resize(n.size() - 5);  // without ".json"
    return names;
}

TokenId argmax(const std::vector<float>& v) { return TokenId(std::max_element(v.begin(), v.end()) - v.begin()); }

// Every kind of CPU kernel: fast (AVX2 where the CPU has it, threaded), plain C++, reference.
struct GoldenCase {
    std::string model;
    CpuKernels kernels;
    const char* kernels_name;
};

std::vector<GoldenCase> golden_cases() {
    std::vector<GoldenCase> cases;
    for (const auto& [kernels, name] : {std::pair{CpuKernels::Fast, "fast"}, std::pair{CpuKernels::Plain, "plain"},
                                        std::pair{CpuKernels::Reference, "reference"}})
        for (const std::string& model : golden_models()) cases.push_back({model, kernels, name});
    return cases;
}

class GoldenGeneration : public testing::TestWithParam<GoldenCase> {
protected:
    const std::string& model_name() const { return GetParam().model; }
};

TEST_P(GoldenGeneration, GreedyStepsAndLogitsMatchLlamaCpp) {
    const nlohmann::json golden =
        nlohmann::json::parse(std::ifstream(test::shared_dir() / "golden" / (model_name() + ".json")));
    ModelOptions options;
    options.n_ctx = 256;
    options.threads = 2;  // the fast kernels threaded; the others run on one thread anyway
    options.kernels = GetParam().kernels;
    const auto model = Model::load((test::shared_dir() / "models" / (model_name() + ".gguf")).string(), options);
    const bool float_weights = model->file().find_tensor("blk.0.attn_q.weight")->traits().block_elements == 1;
    const float tolerance = float_weights ? kFloatWeightTolerance : kQuantizedWeightTolerance;
    size_t steps = 0, matched = 0, clear_steps = 0, divergent_cases = 0;
    float max_diff = 0.0f;
    for (const auto& c : golden["cases"]) {
        const std::vector<TokenId> prompt = c["prompt_tokens"].get<std::vector<TokenId>>();
        ASSERT_EQ(model->tokenizer().encode(c["prompt"].get<std::string>()), prompt);
        const std::vector<float>* logits = &model->forward(prompt.data(), prompt.size(), 0);
        uint32_t n_past = uint32_t(prompt.size());
        if (diverges_upstream(model_name(), prompt.size())) {
            float golden_diff = 0.0f;
            for (const auto& entry : c["steps"][0]["top5"])
                golden_diff = std::max(golden_diff, std::fabs((*logits)[entry[0].get<size_t>()] - entry[1].get<float>()));
            EXPECT_GT(golden_diff, 0.5f) << "the golden file now agrees: remove the exception";
            const nlohmann::json reference = generic_kernel_reference(model_name(), prompt.size());
            ASSERT_FALSE(reference.is_null()) << "no generic-kernel reference for this case";
            const std::vector<float> ours = log_softmax(*logits);
            EXPECT_EQ(argmax(*logits), reference[0][0].get<TokenId>());
            for (const auto& entry : reference)
                EXPECT_NEAR(ours[entry[0].get<size_t>()], entry[1].get<float>(), tolerance) << "token " << entry[0];
            ++divergent_cases;
            continue;
        }
        for (const auto& step : c["steps"]) {
            const TokenId expected = step["token"].get<TokenId>();
            const auto& top5 = step["top5"];
            const float margin = top5[0][1].get<float>() - top5[1][1].get<float>();
            for (const auto& entry : top5)
                max_diff = std::max(max_diff, std::fabs((*logits)[entry[0].get<size_t>()] - entry[1].get<float>()));
            const bool same = argmax(*logits) == expected;
            if (margin > kClearMargin) {
                ++clear_steps;
                EXPECT_TRUE(same) << "prompt '" << c["prompt"] << "' step " << steps << ": ours " << argmax(*logits)
                                  << ", llama.cpp " << expected << " (margin " << margin << ")";
            }
            matched += same;
            ++steps;
            logits = &model->forward(&expected, 1, n_past++);
        }
    }
    std::printf("[ measured ] %s (%s kernels): %zu/%zu greedy steps match (%zu with a clear margin), max top-5 logit diff %.4f%s\n",
                model_name().c_str(), GetParam().kernels_name, matched, steps, clear_steps, max_diff,
                divergent_cases ? " (1 prompt checked against llama.cpp generic kernels)" : "");
    EXPECT_LE(max_diff, tolerance);
    EXPECT_EQ(steps, (5u - divergent_cases) * 16u);
}

INSTANTIATE_TEST_SUITE_P(SharedModels, GoldenGeneration, testing::ValuesIn(golden_cases()),
                         [](const testing::TestParamInfo<GoldenCase>& p) {
                             return test::parameter_name(p.param.model) + "_" + p.param.kernels_name;
                         });

}  // namespace
}  // namespace chord
