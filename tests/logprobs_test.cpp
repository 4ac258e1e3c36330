// OpenAI's logit_bias and logprobs: the bias moves the sampler's choice before everything else
// and is checked like every parameter; a generation's logprobs are the log-softmax of the model's
// own logits for each token it wrote, with the most likely tokens beside it.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "chord/session.hpp"
#include "test_support.hpp"

namespace chord {
namespace {

TEST(LogitBias, MovesTheChoiceBeforeEverythingElse) {
    const std::vector<float> logits = {1.0f, 2.0f, 3.0f};
    SamplerParams p;
    p.temperature = 0;
    EXPECT_EQ(Sampler(p).sample(logits.data(), logits.size()), 2);
    p.logit_bias = {{2, -100.0f}};
    EXPECT_EQ(Sampler(p).sample(logits.data(), logits.size()), 1);
    p.logit_bias = {{0, 5.0f}, {7, 100.0f}};  // an id past the vocabulary biases nothing
    EXPECT_EQ(Sampler(p).sample(logits.data(), logits.size()), 0);
    // Sampled too: a token banned by the bias is never drawn.
    p.temperature = 1.0f;
    p.top_k = 0;
    p.top_p = 1.0f;
    p.min_p = 0;
    p.logit_bias = {{2, -100.0f}};
    Sampler sampler(p);
    for (int i = 0; i < 200; ++i) EXPECT_NE(sampler.sample(logits.data(), logits.size()), 2);
}

TEST(LogitBias, BadValuesAreInvalidArguments) {
    SamplerParams p;
    p.logit_bias = {{-1, 1.0f}};
    EXPECT_THROW(validate(p), Error);
    p.logit_bias = {{1, std::nanf("")}};
    EXPECT_THROW(validate(p), Error);
}

std::unique_ptr<Model> stories() {
    ModelOptions options;
    options.n_ctx = 128;
    return Model::load((test::shared_dir() / "models" / "stories260K-f32.gguf").string(), options);
}

TEST(Logprobs, AreTheLogSoftmaxOfTheModelsLogitsForEachWrittenToken) {
    auto model = stories();
    const std::vector<TokenId> prompt = model->tokenizer().encode("Once upon a time");
    GenerateOptions o;
    o.max_tokens = 6;
    o.sampling.temperature = 0;
    o.top_logprobs = 3;
    Session session(*model);
    const GenerateResult r = session.generate_tokens(prompt, o);
    ASSERT_EQ(r.logprobs.size(), r.tokens.size());
    for (size_t i = 0; i < r.tokens.size(); ++i) {
        const TokenLogprob& lp = r.logprobs[i];
        EXPECT_EQ(lp.token, r.tokens[i]);
        ASSERT_EQ(lp.top.size(), 3u);
        EXPECT_EQ(lp.top[0].first, lp.token);  // greedy writes the most likely token
        EXPECT_FLOAT_EQ(lp.top[0].second, lp.logprob);
        EXPECT_LE(lp.logprob, 0.0f);
        EXPECT_GE(lp.top[0].second, lp.top[1].second);
        EXPECT_GE(lp.top[1].second, lp.top[2].second);
    }
    // The first token's, computed here from the model's logits after the prompt.
    model->forward(prompt.data(), prompt.size(), 0);
    const std::vector<float> logits = model->finish_forward();
    double total = 0;
    for (float l : logits) total += std::exp(double(l));
    EXPECT_NEAR(r.logprobs[0].logprob, double(logits[size_t(r.tokens[0])]) - std::log(total), 1e-5);
}

TEST(Logprobs, OffByDefaultAndBoundedWhenOn) {
    auto model = stories();
    Session session(*model);
    GenerateOptions o;
    o.max_tokens = 3;
    EXPECT_TRUE(session.generate("Once", o).logprobs.empty());
    o.top_logprobs = 0;
    const GenerateResult r = session.generate("Once", o);
    ASSERT_EQ(r.logprobs.size(), 3u);
    EXPECT_TRUE(r.logprobs[0].top.empty());
    o.top_logprobs = kMaxTopLogprobs + 1;
    EXPECT_THROW(session.generate("Once", o), Error);
    o.top_logprobs = -1;
    o.sampling.logit_bias = {{TokenId(model->tokenizer().vocab().size()), 1.0f}};  // not a token of this model
    EXPECT_THROW(session.generate("Once", o), Error);
}

TEST(Logprobs, ABiasAgainstTheGreedyTokenChangesTheGeneration) {
    auto model = stories();
    Session session(*model);
    GenerateOptions o;
    o.max_tokens = 1;
    o.sampling.temperature = 0;
    const TokenId first = session.generate("Once upon a time", o).tokens.at(0);
    o.sampling.logit_bias = {{first, -100.0f}};
    EXPECT_NE(session.generate("Once upon a time", o).tokens.at(0), first);
}

}  // namespace
}  // namespace chord
