// Metadata: every one of the 13 value types, nested arrays, and the typed accessors.
#include <gtest/gtest.h>

#include <cmath>
#include <functional>

#include "chord/gguf.hpp"
#include "chord/gguf_writer.hpp"

namespace chord {
namespace {

GgufFile parse(const GgufWriter& writer) { return GgufFile::from_buffer(writer.to_bytes()); }

ErrorCode error_code_of(const std::function<void()>& f) {
    try {
        f();
    } catch (const Error& e) {
        return e.code();
    }
    ADD_FAILURE() << "expected a chord::Error";
    return ErrorCode::InvalidArgument;
}

TEST(GgufMetadata, AllThirteenScalarAndStringTypesRoundTrip) {
    GgufWriter w;
    w.set("u8", GgufValue::u8(250));
    w.set("i8", GgufValue::i8(-100));
    w.set("u16", GgufValue::u16(65000));
    w.set("i16", GgufValue::i16(-30000));
    w.set("u32", GgufValue::u32(4000000000u));
    w.set("i32", GgufValue::i32(-2000000000));
    w.set("f32", GgufValue::f32(1e-5f));
    w.set("bool", GgufValue::boolean(true));
    w.set("string", GgufValue::string("llama \xF0\x9F\xA6\x99"));
    w.set("array", GgufValue::numbers(MetaType::I32, std::vector<int32_t>{1, -2, 3}));
    w.set("u64", GgufValue::u64(UINT64_MAX));
    w.set("i64", GgufValue::i64(INT64_MIN));
    w.set("f64", GgufValue::f64(-0.125));
    const GgufFile f = parse(w);

    ASSERT_EQ(f.metadata().size(), 13u);
    const MetaType expected[] = {MetaType::U8,   MetaType::I8,     MetaType::U16,   MetaType::I16, MetaType::U32,
                                 MetaType::I32,  MetaType::F32,    MetaType::Bool,  MetaType::String,
                                 MetaType::Array, MetaType::U64,   MetaType::I64,   MetaType::F64};
    for (size_t i = 0; i < 13; ++i) EXPECT_EQ(f.metadata()[i].value.type(), expected[i]) << i;

    EXPECT_EQ(f.get_u64("u8"), 250u);
    EXPECT_EQ(f.get("i8").as_i64(), -100);
    EXPECT_EQ(f.get_u64("u16"), 65000u);
    EXPECT_EQ(f.get("i16").as_i64(), -30000);
    EXPECT_EQ(f.get_u64("u32"), 4000000000u);
    EXPECT_EQ(f.get("i32").as_i64(), -2000000000);
    EXPECT_EQ(f.get("f32").as_f32(), 1e-5f);
    EXPECT_TRUE(f.get("bool").as_bool());
    EXPECT_EQ(f.get_string("string"), "llama \xF0\x9F\xA6\x99");
    EXPECT_EQ(f.get("array").as_array().numbers<int>(), (std::vector<int>{1, -2, 3}));
    EXPECT_EQ(f.get_u64("u64"), UINT64_MAX);
    EXPECT_EQ(f.get("i64").as_i64(), INT64_MIN);
    EXPECT_EQ(f.get_f64("f64"), -0.125);
    EXPECT_EQ(f.get_f64("u16"), 65000.0);  // integers read as numbers too
}

TEST(GgufMetadata, WrongTypeNamesTheKeyAndBothTypes) {
    GgufWriter w;
    w.set("general.name", GgufValue::string("x"));
    w.set("negative", GgufValue::i32(-1));
    w.set("big", GgufValue::u64(UINT64_MAX));
    const GgufFile f = parse(w);
    try {
        f.get_u64("general.name");
        FAIL();
    } catch (const Error& e) {
        EXPECT_EQ(e.code(), ErrorCode::WrongType);
        EXPECT_STREQ(e.what(), "metadata 'general.name' is string, expected an integer");
    }
    EXPECT_EQ(error_code_of([&] { f.get_u64("negative"); }), ErrorCode::WrongType);
    EXPECT_EQ(error_code_of([&] { f.get("big").as_i64(); }), ErrorCode::WrongType);
    EXPECT_EQ(error_code_of([&] { f.get("negative").as_string(); }), ErrorCode::WrongType);
    EXPECT_EQ(error_code_of([&] { f.get("negative").as_array(); }), ErrorCode::WrongType);
    EXPECT_EQ(error_code_of([&] { f.get("missing.key"); }), ErrorCode::MissingKey);
    EXPECT_EQ(f.find("missing.key"), nullptr);
    EXPECT_EQ(f.get_u64_or("missing.key", 7), 7u);
    EXPECT_EQ(f.get_f64_or("missing.key", 0.5), 0.5);
}

TEST(GgufMetadata, StringArraysAreViewsAndIndexable) {
    std::vector<std::string> tokens;
    for (int i = 0; i < 1000; ++i) tokens.push_back("tok" + std::to_string(i));
    tokens.push_back("");  // empty strings are valid elements
    GgufWriter w;
    w.set("tokenizer.ggml.tokens", GgufValue::strings(tokens));
    const GgufFile f = parse(w);
    const MetaArray a = f.get("tokenizer.ggml.tokens").as_array();
    EXPECT_EQ(a.element_type(), MetaType::String);
    ASSERT_EQ(a.size(), tokens.size());
    const std::vector<std::string_view> views = a.strings();
    for (size_t i = 0; i < tokens.size(); ++i) ASSERT_EQ(views[i], tokens[i]);
    EXPECT_EQ(a[999].as_string(), "tok999");
    EXPECT_EQ(error_code_of([&] { a[1001]; }), ErrorCode::InvalidArgument);
    EXPECT_EQ(error_code_of([&] { a.numbers<float>(); }), ErrorCode::WrongType);
}

TEST(GgufMetadata, NestedArraysOfEveryElementKind) {
    const GgufValue inner1 = GgufValue::numbers(MetaType::F32, std::vector<float>{0.5f, -1.5f});
    const GgufValue inner2 = GgufValue::strings({"a", "bc"});
    const GgufValue inner3 = GgufValue::array(MetaType::Bool, {GgufValue::boolean(false), GgufValue::boolean(true)});
    const GgufValue deep = GgufValue::array(MetaType::Array, {GgufValue::array(MetaType::Array, {inner1})});
    GgufWriter w;
    w.set("nested", GgufValue::array(MetaType::Array, {inner1, inner2, inner3}));
    w.set("deep", deep);
    w.set("after", GgufValue::u8(9));  // parsing must land exactly after the nested arrays
    const GgufFile f = parse(w);

    const MetaArray outer = f.get("nested").as_array();
    ASSERT_EQ(outer.size(), 3u);
    EXPECT_EQ(outer[0].as_array().numbers<float>(), (std::vector<float>{0.5f, -1.5f}));
    EXPECT_EQ(outer[1].as_array().strings(), (std::vector<std::string_view>{"a", "bc"}));
    const MetaArray bools = outer[2].as_array();
    EXPECT_FALSE(bools[0].as_bool());
    EXPECT_TRUE(bools[1].as_bool());
    size_t visited = 0;
    for (MetaValue element : outer) {
        EXPECT_EQ(element.type(), MetaType::Array);
        ++visited;
    }
    EXPECT_EQ(visited, 3u);
    EXPECT_EQ(f.get("deep").as_array()[0].as_array()[0].as_array()[1].as_f32(), -1.5f);
    EXPECT_EQ(f.get_u64("after"), 9u);
}

TEST(GgufMetadata, EmptyArraysAndEmptyStrings) {
    GgufWriter w;
    w.set("empty_strings", GgufValue::strings({}));
    w.set("empty_numbers", GgufValue::numbers(MetaType::U64, std::vector<uint64_t>{}));
    w.set("empty_string", GgufValue::string(""));
    const GgufFile f = parse(w);
    EXPECT_EQ(f.get("empty_strings").as_array().size(), 0u);
    EXPECT_TRUE(f.get("empty_numbers").as_array().numbers<double>().empty());
    EXPECT_EQ(f.get_string("empty_string"), "");
}

TEST(GgufMetadata, NaNAndInfinityValuesAreKeptAsIs) {
    GgufWriter w;
    w.set("nan", GgufValue::f32(NAN));
    w.set("inf", GgufValue::f64(-INFINITY));
    const GgufFile f = parse(w);
    EXPECT_TRUE(std::isnan(f.get_f64("nan")));
    EXPECT_EQ(f.get_f64("inf"), -INFINITY);
}

}  // namespace
}  // namespace chord
