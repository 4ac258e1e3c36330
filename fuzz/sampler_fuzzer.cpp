// libFuzzer target: generation options. Any sampling parameters (every float bit pattern: NaN,
// infinities, negatives) are either refused by Sampler with a chord::Error or give a sampler that,
// for any logits, picks a token inside the vocabulary or says with an Error that none can be.
#include <cstring>
#include <vector>

#include "chord/sampler.hpp"
#include "fuzz_input.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    chord::fuzz::FuzzInput in(data, size);
    chord::SamplerParams p;
    p.temperature = in.value<float>();
    p.top_k = in.value<int32_t>();
    p.top_p = in.value<float>();
    p.min_p = in.value<float>();
    p.repeat_penalty = in.value<float>();
    p.frequency_penalty = in.value<float>();
    p.presence_penalty = in.value<float>();
    p.penalty_last_n = in.value<int16_t>();
    p.seed = in.value<uint64_t>();
    const size_t n_vocab = 1 + in.byte();
    std::vector<float> logits(n_vocab);
    for (float& l : logits) l = in.value<float>();
    try {
        chord::Sampler sampler(p);
        for (int step = 0; step < 4; ++step) {
            const chord::TokenId token = sampler.sample(logits.data(), logits.size());
            if (token < 0 || size_t(token) >= n_vocab) chord::fuzz::violated("sampled a token outside the vocabulary");
            sampler.accept(token);
        }
    } catch (const chord::Error&) {
        // refused parameters, or logits that leave nothing to choose
    }
    return 0;
}
