// Conformance with llama.cpp's Jinja engine: every real chat template of tests/data/chat_templates
// rendered for every case of cases.json must give exactly the text llama.cpp gave (goldens/), and
// fail where llama.cpp failed. The goldens come from renderer/render_goldens.cpp, which ran
// llama.cpp's engine with the context built here: messages, tools (when the case has them),
// add_generation_prompt, bos_token "<s>", eos_token "</s>", the case's kwargs, and
// strftime_now's clock at 2026-01-02T03:04:05Z.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "chord/jinja/template.hpp"
#include "test_support.hpp"

namespace chord {
namespace {

using Json = nlohmann::ordered_json;

const std::filesystem::path kDataDir = std::filesystem::path(CHORD_TEST_DATA_DIR) / "chat_templates";
constexpr std::time_t kRenderTime = 1767323045;  // 2026-01-02T03:04:05Z

std::string read_text(const std::filesystem::path& path) {
    const std::vector<uint8_t> bytes = test::read_file(path);
    return std::string(bytes.begin(), bytes.end());
}

Json read_json(const std::filesystem::path& path) { return Json::parse(read_text(path)); }

// The golden files' names, sorted; empty when the directory is missing (the parameterized suite
// is then uninstantiated, which gtest reports as a failure, and GoldensCoverEveryTemplate fails).
std::vector<std::string> golden_names() {
    std::vector<std::string> names;
    std::error_code ec;
    for (const auto& entry : std::filesystem::directory_iterator(kDataDir / "goldens", ec))
        if (entry.path().extension() == ".json") names.push_back(entry.path().filename().string());
    std::sort(names.begin(), names.end());
    return names;
}

Json render_context(const Json& c) {
    Json context;
    context["messages"] = c.at("messages");
    if (c.contains("tools")) context["tools"] = c.at("tools");
    context["add_generation_prompt"] = c.at("add_generation_prompt");
    context["bos_token"] = "<s>";
    context["eos_token"] = "</s>";
    if (c.contains("kwargs"))
        for (const auto& kv : c.at("kwargs").items()) context[kv.key()] = kv.value();
    return context;
}

// Where two texts part, with a little of each around it.
std::string first_difference(const std::string& ours, const std::string& theirs) {
    size_t i = 0;
    while (i < ours.size() && i < theirs.size() && ours[i] == theirs[i]) ++i;
    const size_t from = i < 40 ? 0 : i - 40;
    std::ostringstream s;
    s << "first difference at byte " << i << "\n  ours:      " << Json(ours.substr(from, 100)).dump()
      << "\n  llama.cpp: " << Json(theirs.substr(from, 100)).dump();
    return s.str();
}

class ChatTemplateConformance : public testing::TestWithParam<std::string> {};

TEST_P(ChatTemplateConformance, EveryCaseRendersAsLlamaCpp) {
    const Json golden = read_json(kDataDir / "goldens" / GetParam());
    const std::string source = read_text(kDataDir / "templates" / golden.at("template").get<std::string>());
    std::map<std::string, Json> cases;
    for (const Json& c : read_json(kDataDir / "cases.json")) cases[c.at("id").get<std::string>()] = c;

    std::unique_ptr<jinja::Template> tmpl;
    std::string parse_error;
    try {
        tmpl = std::make_unique<jinja::Template>(source);
    } catch (const Error& e) {
        parse_error = e.what();
    }

    size_t matched = 0, total = 0;
    for (const Json& result : golden.at("results")) {
        const std::string id = result.at("case").get<std::string>();
        SCOPED_TRACE("case " + id);
        ASSERT_EQ(cases.count(id), 1u) << "the golden names a case cases.json does not have";
        ++total;
        std::string output, error = parse_error;
        if (tmpl) {
            try {
                output = tmpl->render(render_context(cases[id]), kRenderTime);
            } catch (const Error& e) {
                error = e.what();
            }
        }
        if (result.contains("output")) {
            const std::string expected = result.at("output").get<std::string>();
            EXPECT_TRUE(error.empty()) << "llama.cpp renders this case; ours fails: " << error;
            if (!error.empty()) continue;
            EXPECT_EQ(output, expected) << first_difference(output, expected);
            matched += output == expected;
        } else {
            EXPECT_FALSE(error.empty()) << "llama.cpp fails on this case (" << result.at("error").get<std::string>()
                                        << "); ours renders:\n"
                                        << output;
            matched += !error.empty();
        }
    }
    EXPECT_EQ(total, cases.size()) << "the golden does not cover every case";
    std::printf("[ measured ] %s: %zu/%zu cases as llama.cpp\n", GetParam().c_str(), matched, total);
}

// No prefix: the tests are ChatTemplateConformance.EveryCaseRendersAsLlamaCpp/<template>.
INSTANTIATE_TEST_SUITE_P(, ChatTemplateConformance, testing::ValuesIn(golden_names()),
                         [](const testing::TestParamInfo<std::string>& p) {
                             return test::parameter_name(p.param.substr(0, p.param.size() - 5));  // without .json
                         });

TEST(ChatTemplateConformanceData, GoldensCoverEveryTemplate) {
    std::vector<std::string> templates;
    std::error_code ec;
    for (const auto& entry : std::filesystem::directory_iterator(kDataDir / "templates", ec))
        if (entry.path().extension() == ".jinja") templates.push_back(entry.path().stem().string());
    ASSERT_FALSE(templates.empty()) << "no templates in " << (kDataDir / "templates");
    const std::vector<std::string> goldens = golden_names();
    for (const std::string& name : templates)
        EXPECT_TRUE(std::find(goldens.begin(), goldens.end(), name + ".json") != goldens.end())
            << "no golden for template " << name;
}

}  // namespace
}  // namespace chord
