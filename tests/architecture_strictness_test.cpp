// Nothing computed silently wrong: for every architecture's test model (the synth goldens), a file
// with one more tensor or one more `<arch>.*` key that changes the arithmetic is refused by name,
// while the file as written loads.
#include <gtest/gtest.h>

#include <optional>

#include "chord/model.hpp"
#include "golden_models.hpp"
#include "hostile/gguf_surgery.hpp"

namespace chord {
namespace {

std::vector<std::string> architecture_models() {
    return {"synth-llama3-q8_0", "synth-phi3-q8_0", "synth-qwen3-q8_0", "synth-gemma2-q8_0", "synth-gemma3-q8_0"};
}

class ArchitectureStrictness : public testing::TestWithParam<std::string> {
protected:
    void SetUp() override {
        const nlohmann::json golden = test::read_golden(GetParam());
        recipe_ = hostile::Recipe::of(test::read_file(test::write_synth_model(GetParam(), golden)));
        arch_ = std::string(GgufFile::from_buffer(recipe_.bytes()).get("general.architecture").as_text());
    }

    // The code of the error loading fails with, none if it loads.
    static std::optional<ErrorCode> load_error(const hostile::Recipe& recipe, std::string& message) {
        try {
            Model::load(GgufFile::from_buffer(recipe.bytes()));
        } catch (const Error& e) {
            message = e.what();
            return e.code();
        }
        return std::nullopt;
    }

    hostile::Recipe recipe_;
    std::string arch_;
};

TEST_P(ArchitectureStrictness, FileAsWrittenLoads) {
    std::string message;
    EXPECT_EQ(load_error(recipe_, message), std::nullopt) << message;
}

TEST_P(ArchitectureStrictness, UnknownTensorIsRefusedByName) {
    const std::vector<float> values(256, 1.0f);
    for (const char* name : {"blk.0.attn_sinks.weight", "blk.1.ffn_norm_extra.weight", "rope_factors_mid.weight"}) {
        hostile::Recipe r = recipe_;
        r.tensors.push_back({name, GgmlType::F32, {256}, std::vector<uint8_t>(reinterpret_cast<const uint8_t*>(values.data()),
                                                                               reinterpret_cast<const uint8_t*>(values.data()) + 1024)});
        std::string message;
        EXPECT_EQ(load_error(r, message), ErrorCode::Unsupported) << name;
        EXPECT_NE(message.find(std::string("tensor '") + name + "'"), std::string::npos) << message;
    }
}

TEST_P(ArchitectureStrictness, UnknownArithmeticKeyIsRefusedByName) {
    for (const std::string key : {".attention.scale", ".rope.scaling.beta_fast", ".attention.temperature_length"}) {
        hostile::Recipe r = recipe_;
        r.set(arch_ + key, GgufValue::f32(0.5f));
        std::string message;
        EXPECT_EQ(load_error(r, message), ErrorCode::Unsupported) << arch_ + key;
        EXPECT_NE(message.find("metadata key '" + arch_ + key + "' is not supported"), std::string::npos) << message;
    }
}

INSTANTIATE_TEST_SUITE_P(Architectures, ArchitectureStrictness, testing::ValuesIn(architecture_models()),
                         [](const testing::TestParamInfo<std::string>& p) { return test::parameter_name(p.param); });

}  // namespace
}  // namespace chord
