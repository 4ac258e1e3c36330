// The KV cache types (kv_cache.hpp): F16 (the default, as llama.cpp), Q8_0 and F32. Each stores
// exactly what llama.cpp's store does (round to nearest even for halves; ggml's reference Q8_0
// rule), attention reads the stored values with llama.cpp's rounding of the query and of the
// softmax weights, the memory budget and the model count the cache at its real size, and a bad
// type is an InvalidArgument error.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <cstring>
#include <limits>
#include <random>

#include "../src/cpu/kv_cache_rows.hpp"
#include "chord/cpu_backend.hpp"
#include "chord/dequantize.hpp"
#include "chord/model.hpp"
#include "test_support.hpp"

namespace chord {
namespace {

constexpr KvCacheType kTypes[] = {KvCacheType::F16, KvCacheType::Q8_0, KvCacheType::F32};

std::string synth_path(const std::string& type) { return (test::shared_dir() / "models" / ("synth-llama-" + type + ".gguf")).string(); }
std::string stories_path() { return (test::shared_dir() / "models" / "stories260K-f32.gguf").string(); }

uint32_t bits_of(float f) {
    uint32_t u;
    std::memcpy(&u, &f, sizeof u);
    return u;
}

// Values that exercise every rounding path: normal values, exact ties between halves, half
// subnormals and their ties, values past the half range, zeros of both signs, and a block of
// zeros (a Q8_0 scale of 0).
std::vector<float> awkward_values(size_t n, uint32_t seed) {
    std::vector<float> v = test::random_normal(n, seed, 2.0f);
    const float specials[] = {0.0f,         -0.0f,     1.0f + 1.0f / 2048,  1.0f + 3.0f / 2048, -(1.0f + 1.0f / 2048),
                              65504.0f,     65519.0f,  65520.0f,            -70000.0f,          5.9604645e-08f,
                              2.9802322e-08f, 8.940697e-08f, 6.1035156e-05f, 6.0975552e-05f,    1e-30f};
    for (size_t i = 0; i < std::size(specials) && i < n; ++i) v[i * 7 % n] = specials[i];
    if (n >= 96) std::fill(v.begin() + 64, v.begin() + 96, 0.0f);
    return v;
}

// What llama.cpp's store makes of x, read back as floats.
std::vector<float> stored_as(KvCacheType type, const std::vector<float>& x) {
    std::vector<float> out(x.size());
    switch (type) {
        case KvCacheType::F32: out = x; break;
        case KvCacheType::F16:
            for (size_t i = 0; i < x.size(); ++i) out[i] = fp16_to_fp32(fp32_to_fp16(x[i]));
            break;
        case KvCacheType::Q8_0: {
            std::vector<BlockQ8_0> blocks(x.size() / kQK);
            quantize_q8_0(x.data(), blocks.data(), x.size());
            dequantize_q8_0(blocks.data(), out.data(), blocks.size());
            break;
        }
    }
    return out;
}

TEST(KvCacheType, NamesParseAndAnythingElseIsAnInvalidArgument) {
    for (KvCacheType t : kTypes) EXPECT_EQ(parse_kv_cache_type(kv_cache_type_name(t)), t);
    for (const char* bad : {"", "F16", "fp16", "q4_0", "q8_0 ", "bf16", "f32\n"}) {
        try {
            parse_kv_cache_type(bad);
            ADD_FAILURE() << "'" << bad << "' parsed";
        } catch (const Error& e) {
            EXPECT_EQ(e.code(), ErrorCode::InvalidArgument);
            EXPECT_NE(std::string(e.what()).find("'f16', 'q8_0' or 'f32'"), std::string::npos) << e.what();
        }
    }
    EXPECT_THROW(check_kv_cache_type(KvCacheType(7), 64), Error);
    EXPECT_NO_THROW(check_kv_cache_type(KvCacheType::Q8_0, 64));
    EXPECT_THROW(check_kv_cache_type(KvCacheType::Q8_0, 48), Error);
    EXPECT_NO_THROW(check_kv_cache_type(KvCacheType::F16, 48));
}

TEST(KvCacheType, RowBytesAreLlamaCppsTypeSizes) {
    EXPECT_EQ(kv_cache_row_bytes(KvCacheType::F32, 256), 1024u);
    EXPECT_EQ(kv_cache_row_bytes(KvCacheType::F16, 256), 512u);
    EXPECT_EQ(kv_cache_row_bytes(KvCacheType::Q8_0, 256), 8u * 34);
}

// Every half converts exactly as fp16_to_fp32, eight lanes at a time (a NaN to a NaN; the quiet
// NaNs fp32_to_fp16 makes bit for bit).
TEST(KvCacheRows, HalvesReadEightAtATimeConvertExactly) {
    std::vector<uint16_t> all(65536);
    for (size_t i = 0; i < all.size(); ++i) all[i] = uint16_t(i);
    for (size_t i = 0; i < all.size(); i += 8) {
        cpu::f32x4 low, high;
        cpu::load8_half(all.data() + i, low, high);
        for (size_t k = 0; k < 8; ++k) {
            const float got = k < 4 ? low[k] : high[k - 4], expected = fp16_to_fp32(all[i + k]);
            if (std::isnan(expected) && (all[i + k] & 0x200) == 0) {
                ASSERT_TRUE(std::isnan(got)) << "half " << i + k;
            } else {
                ASSERT_EQ(bits_of(got), bits_of(expected)) << "half " << i + k;
            }
        }
    }
}

// A row stored in each type reads back as llama.cpp's store rounds it, bit for bit.
TEST(KvCacheRows, StoreRoundsExactlyAsLlamaCpp) {
    const size_t width = 128, n_ctx = 3;
    for (KvCacheType type : kTypes) {
        cpu::KvCacheRows cache(n_ctx, width, type);
        for (size_t pos = 0; pos < n_ctx; ++pos) {
            const std::vector<float> x = awkward_values(width, uint32_t(pos + 1));
            cache.store(pos, x.data());
            const std::vector<float> expected = stored_as(type, x);
            std::vector<float> got(width);
            cache.load(pos, 0, width, got.data());
            for (size_t j = 0; j < width; ++j)
                ASSERT_EQ(bits_of(got[j]), bits_of(expected[j]))
                    << kv_cache_type_name(type) << " position " << pos << " value " << j << ": " << x[j] << " stored as " << got[j]
                    << ", llama.cpp stores " << expected[j];
        }
    }
    EXPECT_THROW(cpu::KvCacheRows(4, 48, KvCacheType::Q8_0), Error);  // not whole blocks
}

// llama.cpp's attention for one query head over the cached rows, written out plainly: the query
// as the key type's dot product takes it (half, Q8_0 blocks with integer sums, or float), the
// softmax (exp in float, the total in double), each weight rounded to half for F16 values, the
// weighted values summed. The sums follow float_vector.hpp's lanes, so that the backend's result
// must be equal bit for bit.
std::vector<float> reference_attention(KvCacheType type, const float* q, const std::vector<std::vector<float>>& keys,
                                       const std::vector<std::vector<float>>& values, size_t head_dim, size_t offset, float scale) {
    const std::vector<float> q_floats = stored_as(type == KvCacheType::F16 ? KvCacheType::F16 : KvCacheType::F32,
                                                  std::vector<float>(q, q + head_dim));
    std::vector<BlockQ8_0> q_blocks(head_dim / kQK);
    if (type == KvCacheType::Q8_0) quantize_q8_0(q, q_blocks.data(), head_dim);
    std::vector<float> scores(keys.size());
    float max_score = -INFINITY;
    for (size_t t = 0; t < keys.size(); ++t) {
        const std::vector<float> key = stored_as(type, keys[t]);
        if (type == KvCacheType::Q8_0) {
            std::vector<BlockQ8_0> k_blocks(keys[t].size() / kQK);
            quantize_q8_0(keys[t].data(), k_blocks.data(), keys[t].size());
            float sum = 0.0f;
            for (size_t b = 0; b < head_dim / kQK; ++b) {
                const BlockQ8_0& kb = k_blocks[offset / kQK + b];
                int products = 0;
                for (int j = 0; j < kQK; ++j) products += kb.qs[j] * q_blocks[b].qs[j];
                sum += float(products) * (fp16_to_fp32(kb.d) * fp16_to_fp32(q_blocks[b].d));
            }
            scores[t] = sum * scale;
        } else {
            scores[t] = cpu::dot(q_floats.data(), key.data() + offset, head_dim) * scale;
        }
        max_score = std::max(max_score, scores[t]);
    }
    double total = 0;
    for (float& s : scores) {
        s = std::exp(s - max_score);
        total += s;
    }
    std::vector<float> out(head_dim, 0.0f);
    for (size_t t = 0; t < keys.size(); ++t) {
        float weight = float(scores[t] / total);
        if (type == KvCacheType::F16) weight = fp16_to_fp32(fp32_to_fp16(weight));
        const std::vector<float> value = stored_as(type, values[t]);
        if (type == KvCacheType::Q8_0) {
            for (size_t d = 0; d < head_dim; ++d) out[d] += weight * value[offset + d];  // d·q, exact, as stored
        } else {
            cpu::add_scaled(weight, value.data() + offset, out.data(), head_dim);
        }
    }
    return out;
}

// The CPU backend's attention (a prompt of 5, then 3 decoding steps; 4 query heads over 2
// key/value heads of 64 values) against the reference, for every cache type, bit for bit.
TEST(KvCacheAttention, TheCpuBackendReadsEachTypeAsLlamaCpp) {
    const uint32_t n_head = 4, n_head_kv = 2, head_dim = 64;
    const size_t q_cols = n_head * head_dim, kv_cols = n_head_kv * head_dim, n_ctx = 16, prompt = 5, steps = 3;
    const AttentionParams params{n_head, n_head_kv, head_dim, 0.125f};
    for (KvCacheType type : kTypes) {
        for (CpuKernels kernels : {CpuKernels::Fast, CpuKernels::Reference}) {
            auto cpu = make_cpu_backend({2, kernels});
            const BufferId q = cpu->create_activations(prompt, q_cols), k = cpu->create_activations(prompt, kv_cols),
                           v = cpu->create_activations(prompt, kv_cols), out = cpu->create_activations(prompt, q_cols);
            const BufferId kc = cpu->create_cache(n_ctx, kv_cols, type), vc = cpu->create_cache(n_ctx, kv_cols, type);
            std::vector<std::vector<float>> keys, values;
            size_t pos = 0;
            for (size_t call = 0; call <= steps; ++call) {
                const size_t n = call == 0 ? prompt : 1;
                const std::vector<float> qs = test::random_normal(n * q_cols, uint32_t(100 + call), 1.5f);
                std::vector<float> ks, vs;
                for (size_t i = 0; i < n; ++i) {
                    keys.push_back(awkward_values(kv_cols, uint32_t(200 + pos + i)));
                    values.push_back(awkward_values(kv_cols, uint32_t(300 + pos + i)));
                    // finite scores and sums: nothing past the half range (the store test has those)
                    for (float& x : keys.back()) x = std::fmod(x, 8.0f);
                    for (float& x : values.back()) x = std::fmod(x, 1000.0f);
                    ks.insert(ks.end(), keys.back().begin(), keys.back().end());
                    vs.insert(vs.end(), values.back().begin(), values.back().end());
                }
                cpu->write(q, 0, n, qs.data());
                cpu->write(k, 0, n, ks.data());
                cpu->write(v, 0, n, vs.data());
                std::vector<int32_t> positions(n);
                for (size_t i = 0; i < n; ++i) positions[i] = int32_t(pos + i);
                cpu->attention(q, k, v, kc, vc, params, positions.data(), n, out);
                std::vector<float> got(n * q_cols);
                cpu->read(out, 0, n, got.data());
                for (size_t i = 0; i < n; ++i) {
                    const size_t n_past = pos + i + 1;
                    const std::vector<std::vector<float>> seen_k(keys.begin(), keys.begin() + std::ptrdiff_t(n_past)),
                        seen_v(values.begin(), values.begin() + std::ptrdiff_t(n_past));
                    for (uint32_t h = 0; h < n_head; ++h) {
                        const size_t offset = (h / (n_head / n_head_kv)) * head_dim;
                        const std::vector<float> expected =
                            reference_attention(type, qs.data() + i * q_cols + h * head_dim, seen_k, seen_v, head_dim, offset, params.scale);
                        for (size_t d = 0; d < head_dim; ++d)
                            ASSERT_EQ(bits_of(got[i * q_cols + h * head_dim + d]), bits_of(expected[d]))
                                << kv_cache_type_name(type) << " token at " << n_past - 1 << " head " << h << " value " << d << ": "
                                << got[i * q_cols + h * head_dim + d] << " vs " << expected[d];
                    }
                }
                pos += n;
            }
        }
    }
}

TEST(KvCacheModel, TheDefaultIsF16AndTheModelReportsTypeAndBytes) {
    ModelOptions options;
    options.n_ctx = 64;
    options.threads = 1;
    EXPECT_EQ(options.kv_cache_type, KvCacheType::F16);
    for (KvCacheType type : kTypes) {
        options.kv_cache_type = type;
        const auto model = Model::load(synth_path("q4_0"), options);
        const ModelConfig& c = model->config();
        EXPECT_EQ(model->kv_cache_type(), type);
        EXPECT_EQ(model->kv_cache_bytes(), 2ull * c.n_layer * 64 * kv_cache_row_bytes(type, c.kv_width()));
    }
    // 2 layers x 2 (keys, values) x 64 positions x 128 values: 64 KiB in F16
    options.kv_cache_type = KvCacheType::F16;
    EXPECT_EQ(Model::load(synth_path("q4_0"), options)->kv_cache_bytes(), 65536u);
}

TEST(KvCacheModel, Q8_0NeedsHeadsOfWholeBlocks) {
    ModelOptions options;
    options.n_ctx = 32;
    options.kv_cache_type = KvCacheType::Q8_0;
    try {
        Model::load(stories_path(), options);  // heads of 8 values
        ADD_FAILURE() << "a q8_0 cache with heads of 8 values";
    } catch (const Error& e) {
        EXPECT_EQ(e.code(), ErrorCode::InvalidArgument);
        EXPECT_NE(std::string(e.what()).find("multiple of 32"), std::string::npos) << e.what();
    }
    options.kv_cache_type = KvCacheType(9);
    EXPECT_THROW(Model::load(stories_path(), options), Error);
}

// F16 is what the golden outputs were made with (llama.cpp's default); the other types change
// the logits by their rounding only: the logits stay close to F16's, and so does the best token
// where F16's margin is clear of that difference.
TEST(KvCacheModel, OtherTypesStayNextToF16) {
    for (const std::string weights : {"f16", "q8_0", "q4_k"}) {
        std::vector<std::vector<float>> logits;
        for (KvCacheType type : kTypes) {
            ModelOptions options;
            options.n_ctx = 64;
            options.threads = 2;
            options.kv_cache_type = type;
            auto model = Model::load(synth_path(weights), options);
            const std::vector<TokenId> prompt = {1, 15, 27, 3, 99, 42, 7, 300, 11, 12};
            logits.push_back(model->forward(prompt.data(), prompt.size(), 0));
        }
        for (size_t t = 1; t < logits.size(); ++t) {
            float max_diff = 0;
            for (size_t i = 0; i < logits[0].size(); ++i) max_diff = std::max(max_diff, std::fabs(logits[t][i] - logits[0][i]));
            const auto best = [](const std::vector<float>& l) { return std::max_element(l.begin(), l.end()) - l.begin(); };
            std::printf("[ measured ] synth-llama-%s: %s KV cache against f16: max logit difference %.4f\n", weights.c_str(),
                        kv_cache_type_name(kTypes[t]), max_diff);
            std::vector<float> sorted = logits[0];
            std::partial_sort(sorted.begin(), sorted.begin() + 2, sorted.end(), std::greater<float>());
            if (sorted[0] - sorted[1] > 2 * max_diff) {
                EXPECT_EQ(best(logits[t]), best(logits[0])) << weights << " " << kv_cache_type_name(kTypes[t]);
            }
            EXPECT_LT(max_diff, 0.5f) << weights << " " << kv_cache_type_name(kTypes[t]);
        }
    }
}

}  // namespace
}  // namespace chord
