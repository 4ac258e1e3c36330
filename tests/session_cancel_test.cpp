// Cancellation at every point of a generation — between any two prompt batches and after any
// generated token — leaves the session usable, and the next generation is exactly what a fresh
// model produces: nothing of the cancelled one leaks into the cache or the sampler.
#include <gtest/gtest.h>

#include "chord/session.hpp"
#include "test_support.hpp"

namespace chord {
namespace {

constexpr uint32_t kBatch = 4;  // small batches: a prompt of a few dozen tokens has many cancel points
constexpr const char* kPrompt =
    "Once upon a time, there was a little girl named Lily. She loved to play outside in the park with her friends.";

std::unique_ptr<Model> load(const std::string& name = "stories260K-f32.gguf") {
    ModelOptions options;
    options.n_ctx = 256;
    options.batch_size = kBatch;
    options.threads = 1;
    return Model::load((test::shared_dir() / "models" / name).string(), options);
}

GenerateOptions sampled() {  // seeded sampling: a leaked sampler state would change the tokens
    GenerateOptions o;
    o.max_tokens = 24;
    o.sampling.temperature = 0.8f;
    o.sampling.top_k = 40;
    o.sampling.seed = 1234;
    o.sampling.repeat_penalty = 1.1f;
    return o;
}

// Drives a generation step by step and cancels it after `steps` steps (reading a prompt batch
// is a step, so is making a token). Returns whether it was still running when cancelled.
bool generate_and_cancel_after(Session& session, const std::vector<TokenId>& prompt, const GenerateOptions& o, size_t steps) {
    session.begin(prompt, o);
    for (size_t i = 0; i < steps; ++i)
        if (session.step().done) return false;
    session.cancel();
    const Session::Step last = session.step();
    EXPECT_TRUE(last.done);
    EXPECT_EQ(session.result().finish_reason, FinishReason::Cancelled);
    return true;
}

// The trained model, and quantized ones: their batched and one-token kernels differ.
class SessionCancelAnywhere : public testing::TestWithParam<std::string> {};

TEST_P(SessionCancelAnywhere, ThenTheNextResultIsAFreshModels) {
    auto fresh_model = load(GetParam());
    const std::vector<TokenId> prompt = fresh_model->tokenizer().encode(kPrompt);
    ASSERT_GT(prompt.size(), 6 * kBatch);
    const GenerateResult expected = Session(*fresh_model).generate_tokens(prompt, sampled());
    ASSERT_EQ(expected.tokens.size(), 24u);

    auto model = load(GetParam());
    Session session(*model);
    size_t cancel_points = 0;
    for (size_t steps = 0;; ++steps) {
        if (!generate_and_cancel_after(session, prompt, sampled(), steps)) break;
        ++cancel_points;
        const GenerateResult again = session.generate_tokens(prompt, sampled());
        ASSERT_EQ(again.tokens, expected.tokens) << "after a cancel at step " << steps;
        ASSERT_EQ(again.text, expected.text) << "after a cancel at step " << steps;
        session.reset();  // the next round starts from an empty cache, as the first did
    }
    const size_t prompt_steps = (prompt.size() + kBatch - 1) / kBatch;
    // Every step but the one that makes the last token (the prompt's last batch makes the first).
    EXPECT_EQ(cancel_points, prompt_steps + expected.tokens.size() - 1);
    std::printf("[ measured ] %s: %zu cancel points (%zu prompt batches, %zu tokens), each followed by a fresh result\n",
                GetParam().c_str(), cancel_points, prompt_steps, expected.tokens.size());
}

INSTANTIATE_TEST_SUITE_P(Models, SessionCancelAnywhere,
                         testing::Values("stories260K-f32.gguf", "synth-llama-q4_0.gguf", "synth-llama-q4_k.gguf",
                                         "synth-llama-q8_0.gguf"),
                         [](const testing::TestParamInfo<std::string>& p) {
                             return test::parameter_name(p.param.substr(0, p.param.size() - 5));
                         });

TEST(SessionCancel, AfterACancelADifferentPromptGivesAFreshResult) {
    auto fresh_model = load();
    const std::vector<TokenId> other = fresh_model->tokenizer().encode("The cat sat on the mat and looked at the dog.");
    const GenerateResult expected = Session(*fresh_model).generate_tokens(other, sampled());

    auto model = load();
    Session session(*model);
    const std::vector<TokenId> prompt = model->tokenizer().encode(kPrompt);
    for (size_t steps : {1, 3, 15}) {  // mid-prompt, end of prompt, mid-generation
        ASSERT_TRUE(generate_and_cancel_after(session, prompt, sampled(), steps));
        EXPECT_EQ(session.generate_tokens(other, sampled()).tokens, expected.tokens) << "after a cancel at step " << steps;
    }
}

TEST(SessionCancel, PromptProgressReportsEveryBatchAndItsCallbackCancels) {
    auto model = load();
    Session session(*model);
    const std::vector<TokenId> prompt = model->tokenizer().encode(kPrompt);
    std::vector<size_t> reported;
    GenerateOptions o = sampled();
    o.on_prompt_progress = [&](size_t read, size_t total) {
        EXPECT_EQ(total, prompt.size());
        reported.push_back(read);
        return true;
    };
    session.generate_tokens(prompt, o);
    ASSERT_EQ(reported.size(), (prompt.size() + kBatch - 1) / kBatch);
    for (size_t i = 0; i + 1 < reported.size(); ++i) EXPECT_EQ(reported[i], (i + 1) * kBatch);
    EXPECT_EQ(reported.back(), prompt.size());

    session.reset();
    size_t calls = 0;
    o.on_prompt_progress = [&](size_t, size_t) { return ++calls < 3; };
    const GenerateResult cancelled = session.generate_tokens(prompt, o);
    EXPECT_EQ(calls, 3u);
    EXPECT_EQ(cancelled.finish_reason, FinishReason::Cancelled);
    EXPECT_TRUE(cancelled.tokens.empty());
    EXPECT_EQ(session.cached_tokens().size(), 3 * kBatch);  // what was read stays, for the next try
}

}  // namespace
}  // namespace chord
