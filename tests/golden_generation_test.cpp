// Generation against llama.cpp's golden outputs (tests/data/golden): for every golden model and
// prompt, the prompt tokens are exact, and at each of the 16 greedy steps (fed llama.cpp's own
// token, so the contexts stay identical) our best token is llama.cpp's wherever its margin is
// clear, and its top-5 logits are close to ours. The synth models of the newer architectures are
// also shown to be sensitive: a copy without one of their features fails the same judgement.
#include <gtest/gtest.h>

#include <cmath>

#include "chord/model.hpp"
#include "golden_models.hpp"

namespace chord {
namespace {

// Below this golden margin (top1 - top2) the two best tokens are within the noise of 8-bit
// activation rounding and either may win (shared/README.md, issue 5).
constexpr float kClearMargin = 0.05f;
// How close our logits stay to llama.cpp's five best. With float weights only the order of
// float sums differs (measured <= 0.015). With quantized weights, a float sum of ours that differs
// in its last bit can flip an 8-bit activation rounding of a later layer, and random weights amplify
// that: measured <= 0.142 here (tests/data/golden/README.md), against about 0.2 if activations
// were not rounded at all.
constexpr float kFloatWeightTolerance = 0.02f;
constexpr float kQuantizedWeightTolerance = 0.15f;

TokenId argmax(const std::vector<float>& v) { return TokenId(std::max_element(v.begin(), v.end()) - v.begin()); }

struct Verdict {
    size_t steps = 0, matched = 0, clear_steps = 0, clear_mismatches = 0, prompt_mismatches = 0;
    float max_diff = 0.0f;
    std::string first_mismatch;  // where a clear step first went another way
};

// Runs every golden prompt through `model`, feeding llama.cpp's tokens, and compares.
Verdict judge(Model& model, const nlohmann::json& golden) {
    Verdict v;
    for (const auto& c : golden["cases"]) {
        const std::vector<TokenId> prompt = c["prompt_tokens"].get<std::vector<TokenId>>();
        if (model.tokenizer().encode(c["prompt"].get<std::string>()) != prompt) ++v.prompt_mismatches;
        const std::vector<float>* logits = &model.forward(prompt.data(), prompt.size(), 0);
        uint32_t n_past = uint32_t(prompt.size());
        size_t step_index = 0;
        for (const auto& step : c["steps"]) {
            const TokenId expected = step["token"].get<TokenId>();
            const auto& top5 = step["top5"];
            const float margin = top5[0][1].get<float>() - top5[1][1].get<float>();
            for (const auto& entry : top5)
                v.max_diff = std::max(v.max_diff, std::fabs((*logits)[entry[0].get<size_t>()] - entry[1].get<float>()));
            const bool same = argmax(*logits) == expected;
            if (margin > kClearMargin) {
                ++v.clear_steps;
                if (!same && v.clear_mismatches++ == 0)
                    v.first_mismatch = "prompt '" + c["prompt"].get<std::string>() + "' step " + std::to_string(step_index) +
                                       ": ours " + std::to_string(argmax(*logits)) + ", llama.cpp " + std::to_string(expected) +
                                       " (margin " + std::to_string(margin) + ")";
            }
            v.matched += same;
            ++v.steps;
            ++step_index;
            logits = &model.forward(&expected, 1, n_past++);
        }
    }
    return v;
}

float tolerance_for(const Model& model) {
    const bool float_weights = model.file().find_tensor("blk.0.ffn_down.weight")->traits().block_elements == 1;
    return float_weights ? kFloatWeightTolerance : kQuantizedWeightTolerance;
}

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
        for (const std::string& model : test::golden_names()) cases.push_back({model, kernels, name});
    return cases;
}

ModelOptions golden_options(CpuKernels kernels) {
    ModelOptions options;
    options.n_ctx = 256;
    options.threads = 2;  // the fast kernels threaded; the others run on one thread anyway
    options.kernels = kernels;
    return options;
}

class GoldenGeneration : public testing::TestWithParam<GoldenCase> {};

TEST_P(GoldenGeneration, GreedyStepsAndLogitsMatchLlamaCpp) {
    const std::string& name = GetParam().model;
    const nlohmann::json golden = test::read_golden(name);
    const auto model = Model::load(test::golden_model_path(name, golden).string(), golden_options(GetParam().kernels));
    const float tolerance = tolerance_for(*model);
    const Verdict v = judge(*model, golden);
    std::printf("[ measured ] %s (%s kernels): %zu/%zu greedy steps match (%zu with a clear margin), max top-5 logit diff %.4f\n",
                name.c_str(), GetParam().kernels_name, v.matched, v.steps, v.clear_steps, v.max_diff);
    EXPECT_EQ(v.prompt_mismatches, 0u);
    EXPECT_EQ(v.clear_mismatches, 0u) << v.first_mismatch;
    EXPECT_LE(v.max_diff, tolerance);
    EXPECT_EQ(v.steps, golden["cases"].size() * 16u);
}

INSTANTIATE_TEST_SUITE_P(GoldenModels, GoldenGeneration, testing::ValuesIn(golden_cases()),
                         [](const testing::TestParamInfo<GoldenCase>& p) {
                             return test::parameter_name(p.param.model) + "_" + p.param.kernels_name;
                         });

// Each feature of the newer architectures, taken out of its test model (`chord synth --without`),
// must change greedy tokens or logits beyond the tolerance: otherwise the golden above could not
// tell whether we compute it. (A final soft-cap is monotonic: it moves the logits, never the order.)
struct FeatureCase {
    std::string model, feature;
};

std::vector<FeatureCase> feature_cases() {
    const std::pair<const char*, std::vector<const char*>> kFeatures[] = {
        {"synth-llama3-q8_0", {"rope_freqs"}},
        {"synth-phi3-q8_0", {"rope_factors", "long_factors", "rope_attn_factor"}},
        {"synth-qwen3-q8_0", {"qk_norm"}},
        {"synth-qwen3-yarn-q8_0", {"rope_scaling"}},
        {"synth-gemma2-q8_0", {"attn_softcap", "final_softcap", "swa"}},
        {"synth-gemma3-q8_0", {"qk_norm", "swa", "rope_base_swa", "rope_scaling", "final_softcap"}},
    };
    std::vector<FeatureCase> cases;
    for (const auto& [model, features] : kFeatures)
        for (const char* f : features) cases.push_back({model, f});
    return cases;
}

class GoldenSensitivity : public testing::TestWithParam<FeatureCase> {};

TEST_P(GoldenSensitivity, ModelWithoutTheFeatureFailsTheGolden) {
    const auto& [name, feature] = GetParam();
    const nlohmann::json golden = test::read_golden(name);
    const auto model = Model::load(test::write_synth_model(name, golden, "--without " + feature).string(),
                                   golden_options(CpuKernels::Fast));
    const Verdict v = judge(*model, golden);
    std::printf("[ measured ] %s without %s: %zu/%zu clear steps differ, max top-5 logit diff %.3f\n", name.c_str(),
                feature.c_str(), v.clear_mismatches, v.clear_steps, v.max_diff);
    EXPECT_TRUE(v.clear_mismatches > 0 || v.max_diff > tolerance_for(*model));
}

INSTANTIATE_TEST_SUITE_P(NewArchitectures, GoldenSensitivity, testing::ValuesIn(feature_cases()),
                         [](const testing::TestParamInfo<FeatureCase>& p) {
                             return test::parameter_name(p.param.model + "_" + p.param.feature);
                         });

}  // namespace
}  // namespace chord
