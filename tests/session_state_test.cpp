// Saved sessions (Session::save and load, session_state.hpp): a context saved and loaded into a
// fresh model instance continues exactly as the original does, its prompt prefix reused; states
// of another model, shape or cache type, and truncated or damaged ones, are refused with the
// session left as it was.
#include <gtest/gtest.h>

#include "chord/session.hpp"
#include "test_support.hpp"

namespace chord {
namespace {

std::unique_ptr<Model> load_model(const std::string& file, uint32_t n_ctx, KvCacheType type = KvCacheType::F16) {
    ModelOptions options;
    options.n_ctx = n_ctx;
    options.threads = 1;
    options.kv_cache_type = type;
    return Model::load((test::shared_dir() / "models" / file).string(), options);
}

GenerateOptions greedy(int max_tokens) {
    GenerateOptions o;
    o.max_tokens = max_tokens;
    o.sampling.temperature = 0.0f;
    o.stop_at_end_of_generation = false;
    return o;
}

// The prompt that continues a generation: what the cache holds, and the token not yet run.
std::vector<TokenId> continuation(const Session& session, const GenerateResult& r) {
    std::vector<TokenId> next = session.cached_tokens();
    next.push_back(r.tokens.back());
    return next;
}

struct Case {
    const char* file;
    KvCacheType type;
    uint32_t n_ctx;
    int first, then;  // tokens generated before the save, and after it
};

class SessionStateTest : public testing::TestWithParam<Case> {};

// Generate, save, go on; on a fresh instance of the model: load, go on the same way. The two
// continuations are the same tokens, and neither recomputes the saved context.
TEST_P(SessionStateTest, ALoadedSessionContinuesAsTheSavedOne) {
    const Case& c = GetParam();
    auto model = load_model(c.file, c.n_ctx, c.type);
    Session session(*model);
    const GenerateResult before = session.generate("Once upon a time", greedy(c.first));
    const std::vector<uint8_t> state = session.save();
    const std::vector<TokenId> next = continuation(session, before);
    const GenerateResult after = session.generate_tokens(next, greedy(c.then));
    EXPECT_EQ(after.prompt_tokens_computed, 1u);

    auto fresh = load_model(c.file, c.n_ctx, c.type);
    Session loaded(*fresh);
    loaded.load(state);
    EXPECT_EQ(loaded.cached_tokens(), std::vector<TokenId>(next.begin(), next.end() - 1));
    const GenerateResult again = loaded.generate_tokens(next, greedy(c.then));
    EXPECT_EQ(again.prompt_tokens_computed, 1u);
    EXPECT_EQ(again.tokens, after.tokens);
    EXPECT_EQ(again.context_shifts, after.context_shifts);
}

INSTANTIATE_TEST_SUITE_P(Models, SessionStateTest,
                         testing::Values(Case{"stories260K-f32.gguf", KvCacheType::F16, 256, 40, 30},
                                         Case{"stories260K-f32.gguf", KvCacheType::F32, 256, 40, 30},
                                         // saved after shifts, and shifting again after the load
                                         Case{"stories260K-f32.gguf", KvCacheType::F16, 64, 150, 100},
                                         Case{"synth-llama-q8_0.gguf", KvCacheType::Q8_0, 64, 85, 60},
                                         Case{"synth-qwen2-bpe-q4_k_m.gguf", KvCacheType::F16, 64, 30, 20}),
                         [](const testing::TestParamInfo<Case>& p) {
                             return test::parameter_name(std::string(p.param.file) + "_" + kv_cache_type_name(p.param.type) + "_ctx" +
                                                         std::to_string(p.param.n_ctx));
                         });

ErrorCode load_error(Session& session, const std::vector<uint8_t>& state) {
    try {
        session.load(state);
    } catch (const Error& e) {
        return e.code();
    }
    ADD_FAILURE() << "the state loaded";
    return ErrorCode::Io;
}

// Refused states leave the session as it was: its cache still reused by the next prompt.
void expect_unchanged(Session& session, const std::vector<TokenId>& cached) {
    EXPECT_EQ(session.cached_tokens(), cached);
    std::vector<TokenId> next = cached;
    next.push_back(cached.back());
    EXPECT_EQ(session.generate_tokens(next, greedy(1)).prompt_tokens_computed, 1u);
}

TEST(SessionState, StatesOfAnotherModelShapeOrCacheAreInvalidArguments) {
    auto stories = load_model("stories260K-f32.gguf", 64);
    Session saved(*stories);
    saved.generate("Once upon a time", greedy(8));
    const std::vector<uint8_t> state = saved.save();

    struct Other {
        const char* file;
        uint32_t n_ctx;
        KvCacheType type;
    };
    for (const Other& o : {Other{"stories260K-f32.gguf", 128, KvCacheType::F16},   // context
                           Other{"stories260K-f32.gguf", 64, KvCacheType::F32},    // cache type
                           Other{"synth-llama-f16.gguf", 64, KvCacheType::F16}}) {  // shape
        auto model = load_model(o.file, o.n_ctx, o.type);
        Session session(*model);
        session.generate("Once upon a", greedy(2));
        const std::vector<TokenId> cached = session.cached_tokens();
        EXPECT_EQ(load_error(session, state), ErrorCode::InvalidArgument) << o.file << " " << o.n_ctx;
        expect_unchanged(session, cached);
    }
    // Same shape, other weights: the model fingerprint tells them apart.
    auto f16 = load_model("synth-llama-f16.gguf", 64), q8_0 = load_model("synth-llama-q8_0.gguf", 64);
    Session from(*f16), into(*q8_0);
    from.generate("Once upon a time", greedy(4));
    into.generate("Once upon a", greedy(2));
    const std::vector<TokenId> cached = into.cached_tokens();
    EXPECT_EQ(load_error(into, from.save()), ErrorCode::InvalidArgument);
    expect_unchanged(into, cached);
}

TEST(SessionState, TruncatedOrDamagedStatesAreRefused) {
    auto model = load_model("stories260K-f32.gguf", 64);
    Session session(*model);
    session.generate("Once upon a time", greedy(8));
    const std::vector<uint8_t> state = session.save();
    session.generate("Once upon a time there", greedy(3));
    const std::vector<TokenId> cached = session.cached_tokens();

    for (size_t size : {size_t(0), size_t(3), size_t(8), size_t(20), size_t(40), state.size() / 2, state.size() - 1})
        EXPECT_EQ(load_error(session, std::vector<uint8_t>(state.begin(), state.begin() + std::ptrdiff_t(size))), ErrorCode::Truncated)
            << size << " of " << state.size() << " bytes";
    std::vector<uint8_t> longer = state;
    longer.push_back(0);
    EXPECT_EQ(load_error(session, longer), ErrorCode::Malformed);
    for (size_t at : {size_t(0), size_t(4), size_t(8), size_t(36), size_t(45), state.size() / 2, state.size() - 1}) {
        std::vector<uint8_t> damaged = state;
        damaged[at] ^= 0x10;
        const ErrorCode code = load_error(session, damaged);
        EXPECT_TRUE(code == ErrorCode::Malformed || code == ErrorCode::Truncated) << "byte " << at << ": " << error_code_name(code);
    }
    expect_unchanged(session, cached);
    session.load(state);  // the intact state still loads
    EXPECT_EQ(session.cached_tokens().size(), 5u + 8u - 1u);
}

TEST(SessionState, AnEmptySessionSavesAnEmptyContext) {
    auto model = load_model("stories260K-f32.gguf", 64);
    Session empty(*model), other(*model);
    other.generate("Once upon a time", greedy(4));
    other.load(empty.save());
    EXPECT_TRUE(other.cached_tokens().empty());
    EXPECT_EQ(other.generate("Once upon a time", greedy(2)).prompt_tokens_computed, 5u);
}

TEST(SessionState, NotDuringAGeneration) {
    auto model = load_model("stories260K-f32.gguf", 64);
    Session session(*model);
    session.generate("Once upon a time", greedy(4));
    const std::vector<uint8_t> state = session.save();
    session.begin(model->tokenizer().encode("Once upon a time"), greedy(4));
    EXPECT_THROW(session.load(state), Error);
    while (!session.step().done) {
    }
    EXPECT_NO_THROW(session.load(state));
}

}  // namespace
}  // namespace chord
