// Sessions on the bundled model: greedy output as llama.cpp's, stop strings across tokens,
// token and context limits, cancellation from a callback and from another thread, prompt reuse.
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <thread>

#include "chord/session.hpp"
#include "test_support.hpp"

namespace chord {
namespace {

std::unique_ptr<Model> stories(uint32_t n_ctx = 256) {
    ModelOptions options;
    options.n_ctx = n_ctx;
    return Model::load((test::shared_dir() / "models" / "stories260K-f32.gguf").string(), options);
}

GenerateOptions greedy(int max_tokens) {
    GenerateOptions o;
    o.max_tokens = max_tokens;
    o.sampling.temperature = 0.0f;
    return o;
}

const nlohmann::json& golden_case() {
    static const nlohmann::json golden =
        nlohmann::json::parse(std::ifstream(test::shared_dir() / "golden" / "stories260K-f32.json"));
    return golden["cases"][0];
}

TEST(Session, GreedyGenerationIsLlamaCppsAndStreamsTheSameText) {
    auto model = stories();
    Session session(*model);
    std::string streamed;
    const GenerateResult r = session.generate("Once upon a time", greedy(16), [&](std::string_view text, TokenId) {
        streamed += text;
        return true;
    });
    std::vector<TokenId> expected;
    for (const auto& step : golden_case()["steps"]) expected.push_back(step["token"].get<TokenId>());
    EXPECT_EQ(r.tokens, expected);
    EXPECT_EQ(r.text, golden_case()["text"].get<std::string>());
    EXPECT_EQ(streamed, r.text);
    EXPECT_EQ(r.finish_reason, FinishReason::Length);
    EXPECT_EQ(r.prompt_tokens, 5u);
    EXPECT_GT(r.generation_ms, 0.0);
}

TEST(Session, SteppingByHandGivesTheSameGeneration) {
    auto model = stories();
    Session session(*model);
    GenerateOptions o = greedy(20);
    o.stop = {"girl named"};
    session.begin(model->tokenizer().encode("Once upon a time"), o);
    std::string text;
    size_t steps = 0;
    for (Session::Step s = session.step();; s = session.step(), ++steps) {
        text += s.text;
        if (s.done) break;
    }
    EXPECT_EQ(text, ", there was a little ");
    EXPECT_EQ(session.result().text, text);
    EXPECT_EQ(session.result().finish_reason, FinishReason::Stop);
    EXPECT_TRUE(session.step().done);  // finished stays finished
    auto other_model = stories();
    Session other(*other_model);
    EXPECT_EQ(other.generate("Once upon a time", o).text, text);
}

TEST(Session, StopStringSpanningTokensEndsBeforeIt) {
    auto model = stories();
    Session session(*model);
    GenerateOptions o = greedy(32);
    o.stop = {"little girl"};  // " little" and " girl" are two tokens
    std::string streamed;
    const GenerateResult r = session.generate("Once upon a time", o, [&](std::string_view text, TokenId) {
        streamed += text;
        return true;
    });
    EXPECT_EQ(r.finish_reason, FinishReason::Stop);
    EXPECT_EQ(r.text, ", there was a ");
    EXPECT_EQ(streamed, r.text);  // nothing of the stop string was ever streamed
}

TEST(Session, HeldBackTextIsFlushedWhenNoStopStringFollows) {
    auto model = stories();
    Session session(*model);
    GenerateOptions o = greedy(4);  // ", there was a"
    o.stop = {"a lion"};           // " a" could start it, but the generation ends first
    const GenerateResult r = session.generate("Once upon a time", o);
    EXPECT_EQ(r.finish_reason, FinishReason::Length);
    EXPECT_EQ(r.text, ", there was a");
}

TEST(Session, CallbackCanCancelAndTheSessionStaysUsable) {
    auto model = stories();
    Session session(*model);
    int calls = 0;
    const GenerateResult cancelled =
        session.generate("Once upon a time", greedy(16), [&](std::string_view, TokenId) { return ++calls < 3; });
    EXPECT_EQ(cancelled.finish_reason, FinishReason::Cancelled);
    EXPECT_EQ(cancelled.tokens.size(), 3u);
    const GenerateResult again = session.generate("Once upon a time", greedy(16));
    auto fresh_model = stories();
    Session fresh(*fresh_model);
    EXPECT_EQ(again.tokens, fresh.generate("Once upon a time", greedy(16)).tokens);
}

TEST(Session, CancelFromAnotherThread) {
    auto model = stories();
    Session session(*model);
    std::atomic<int> tokens{0};
    GenerateResult r;
    std::thread worker([&] {
        r = session.generate("Once upon a time", greedy(200), [&](std::string_view, TokenId) {
            ++tokens;
            std::this_thread::sleep_for(std::chrono::milliseconds(2));
            return true;
        });
    });
    while (tokens.load() < 5) std::this_thread::yield();
    session.cancel();
    worker.join();
    EXPECT_EQ(r.finish_reason, FinishReason::Cancelled);
    EXPECT_LT(r.tokens.size(), 200u);
    EXPECT_EQ(session.generate("Once upon a time", greedy(3)).tokens.size(), 3u);  // usable afterwards
}

TEST(Session, APromptThatExtendsTheCacheComputesOnlyWhatIsNew) {
    auto model = stories();
    Session session(*model);
    const GenerateResult first = session.generate("Once upon a time", greedy(8));
    EXPECT_EQ(first.prompt_tokens_computed, 5u);
    const GenerateResult second = session.generate("Once upon a time", greedy(8));
    EXPECT_EQ(second.prompt_tokens_computed, 1u);  // only the last token, for its logits
    EXPECT_EQ(second.tokens, first.tokens);
    const GenerateResult third = session.generate("Once upon a time, there was", greedy(8));
    EXPECT_LT(third.prompt_tokens_computed, third.prompt_tokens);
    session.reset();
    EXPECT_EQ(session.generate("Once upon a time", greedy(1)).prompt_tokens_computed, 5u);
}

TEST(Session, ContextLimits) {
    auto model = stories(16);
    Session session(*model);
    GenerateOptions no_shift = greedy(100);
    no_shift.context_shift = false;  // (context_shift_test.cpp: with the shift)
    const GenerateResult r = session.generate("Once upon a time", no_shift);  // 5 prompt tokens
    EXPECT_EQ(r.finish_reason, FinishReason::ContextFull);
    EXPECT_EQ(r.tokens.size(), 16u - 5u + 1u);  // the last token needs no cache slot of its own
    try {
        session.generate("one two three four five six seven eight nine ten eleven twelve", greedy(1));
        FAIL();
    } catch (const Error& e) {
        EXPECT_EQ(e.code(), ErrorCode::ContextFull);
    }
    EXPECT_EQ(session.generate("Once upon a time", greedy(2)).tokens.size(), 2u);
}

TEST(Session, BadOptionsAreErrorsBeforeAnyWork) {
    auto model = stories();
    Session session(*model);
    GenerateOptions o = greedy(4);
    o.sampling.top_p = 2.0f;
    EXPECT_THROW(session.generate("Once", o), Error);
    o = greedy(-1);
    EXPECT_THROW(session.generate("Once", o), Error);
    o = greedy(4);
    o.stop = {""};
    EXPECT_THROW(session.generate("Once", o), Error);
    EXPECT_THROW(session.generate_tokens({}, greedy(4)), Error);
    EXPECT_THROW(session.generate_tokens({1, 99999}, greedy(4)), Error);
    EXPECT_EQ(session.generate("Once", greedy(2)).tokens.size(), 2u);
}

}  // namespace
}  // namespace chord
