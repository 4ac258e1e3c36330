// libFuzzer target: generation options as JSON text (what the JS package sends). Any bytes are
// either refused with a chord::Error naming the problem, or give options that keep their promises
// (max_tokens >= 0, no empty stop string) and that Sampler either refuses with an Error or samples
// inside the vocabulary with.
#include <vector>

#include "chord/generate_options_json.hpp"
#include "fuzz_input.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    chord::GenerateOptions o;
    try {
        o = chord::generate_options_from_json(std::string_view(reinterpret_cast<const char*>(data), size));
    } catch (const chord::Error&) {
        return 0;
    }
    if (o.max_tokens < 0) chord::fuzz::violated("negative max_tokens accepted");
    for (const std::string& stop : o.stop)
        if (stop.empty()) chord::fuzz::violated("empty stop string accepted");
    const std::vector<float> logits = {0.5f, -1.0f, 3.0f, 3.0f, -20.0f, 0.0f, 1.0f, 2.5f};
    try {
        chord::Sampler sampler(o.sampling);
        for (int step = 0; step < 4; ++step) {
            const chord::TokenId token = sampler.sample(logits.data(), logits.size());
            if (token < 0 || size_t(token) >= logits.size()) chord::fuzz::violated("sampled a token outside the vocabulary");
            sampler.accept(token);
        }
    } catch (const chord::Error&) {
        // parameters out of the sampler's ranges
    }
    return 0;
}
