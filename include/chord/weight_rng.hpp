// Seeded pseudo-random weights for synthetic models: fast, and the same numbers on every
// platform (integer arithmetic, then one exact conversion and one multiply per weight).
#pragma once

#include <cstdint>
#include <string_view>

namespace chord {

// SplitMix64: turns any seed, even 0 or 1, into well-mixed 64-bit words.
inline uint64_t splitmix64(uint64_t& state) {
    uint64_t z = (state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

// FNV-1a: a stream per tensor name, so a tensor's values do not depend on the others.
inline uint64_t fnv1a64(std::string_view s) {
    uint64_t h = 0xCBF29CE484222325ull;
    for (char c : s) h = (h ^ uint8_t(c)) * 0x100000001B3ull;
    return h;
}

// xoshiro256+ (Blackman & Vigna), with roughly normal floats on top.
class WeightRng {
public:
    explicit WeightRng(uint64_t seed) {
        for (uint64_t& s : state_) s = splitmix64(seed);
    }

    uint64_t next() {
        const uint64_t result = state_[0] + state_[3];
        const uint64_t t = state_[1] << 17;
        state_[2] ^= state_[0];
        state_[3] ^= state_[1];
        state_[1] ^= state_[2];
        state_[0] ^= state_[3];
        state_[2] ^= t;
        state_[3] = (state_[3] << 45) | (state_[3] >> 19);
        return result;
    }

    // Mean 0, standard deviation 1, roughly normal: the sum of the four 16-bit parts of one
    // draw (Irwin-Hall), centred and scaled. Its tails stop at ±3.46, which random test weights
    // do not miss, and it costs one draw instead of a logarithm and a cosine.
    float normal() {
        const uint64_t r = next();
        const uint32_t sum = uint32_t(r & 0xFFFF) + uint32_t((r >> 16) & 0xFFFF) + uint32_t((r >> 32) & 0xFFFF) +
                             uint32_t(r >> 48);
        constexpr float kMean = 2.0f * 65535.0f;
        constexpr float kInverseStd = 1.7320508f / 65536.0f;  // sqrt(12 / 4) / 65536
        return (float(int32_t(sum)) - kMean) * kInverseStd;
    }

private:
    uint64_t state_[4];
};

}  // namespace chord
