// ChatPrompter: the model's own chat template through chord::jinja with the variables llama.cpp's
// server gives it, the BOS/EOS text taken off where the tokenizer adds them, the built-in formats by
// name, and the errors of each path.
#include <gtest/gtest.h>

#include <optional>
#include <string>

#include "chord/chat_prompt.hpp"
#include "chord/gguf_writer.hpp"

namespace chord {
namespace {

using Json = nlohmann::ordered_json;

const std::time_t kNow = 1767323045;  // 2026-01-02T03:04:05Z

GgufFile gguf_with_template(std::optional<std::string> jinja) {
    GgufWriter w;
    w.set("general.architecture", GgufValue::string("llama"));
    if (jinja) w.set("tokenizer.chat_template", GgufValue::string(*jinja));
    return GgufFile::from_buffer(w.to_bytes());
}

// llama's SentencePiece vocabulary: BOS "<s>" (added by the tokenizer), EOS "</s>" (not added).
const Tokenizer& llama_spm() {
    static const Tokenizer t =
        Tokenizer::from_gguf(GgufFile::open(std::string(CHORD_SHARED_DIR) + "/vocab/ggml-vocab-llama-spm.gguf"));
    return t;
}

ChatRequest conversation(bool add_generation_prompt = true) {
    ChatRequest r;
    r.messages = Json::array({{{"role", "system"}, {"content", "Be brief."}}, {{"role", "user"}, {"content", "Hi"}}});
    r.add_generation_prompt = add_generation_prompt;
    return r;
}

std::string render(const std::string& jinja, const ChatRequest& request) {
    return ChatPrompter(gguf_with_template(jinja), llama_spm()).render(request, std::nullopt, kNow).text;
}

ErrorCode error_code(const std::function<void()>& f, std::string* message = nullptr) {
    try {
        f();
    } catch (const Error& e) {
        if (message) *message = e.what();
        return e.code();
    }
    ADD_FAILURE() << "no chord::Error";
    return ErrorCode::Io;
}

TEST(ChatPrompter, RendersTheModelsOwnTemplate) {
    const std::string jinja =
        "{% for m in messages %}<|{{ m.role }}|>{{ m.content }}<|end|>{% endfor %}"
        "{% if add_generation_prompt %}<|assistant|>{% endif %}";
    const ChatPrompter prompter(gguf_with_template(jinja), llama_spm());
    EXPECT_TRUE(prompter.has_model_template());
    const ChatPrompt p = prompter.render(conversation(), std::nullopt, kNow);
    EXPECT_EQ(p.text, "<|system|>Be brief.<|end|><|user|>Hi<|end|><|assistant|>");
    EXPECT_EQ(p.template_name, "model");
    EXPECT_EQ(prompter.render(conversation(false), std::nullopt, kNow).text, "<|system|>Be brief.<|end|><|user|>Hi<|end|>");
}

TEST(ChatPrompter, GivesTheVariablesLlamaCppsServerGives) {
    // add_generation_prompt is set only when true; enable_thinking is true unless the caller says.
    const std::string probe = "{{ add_generation_prompt is defined }} {{ enable_thinking }} {{ tools is defined }}";
    EXPECT_EQ(render(probe, conversation(true)), "True True False");
    EXPECT_EQ(render(probe, conversation(false)), "False True False");
    ChatRequest r = conversation();
    r.variables = {{"enable_thinking", false}, {"custom", "x"}};
    r.tools = Json::array({{{"type", "function"}, {"function", {{"name", "get_weather"}}}}});
    EXPECT_EQ(render(probe + " {{ custom }} {{ tools[0].function.name }}", r), "True False True x get_weather");
    r.tools = Json::array();  // no tools: the variable is not there, as llama.cpp leaves it out
    EXPECT_EQ(render("{{ tools is defined }}", r), "False");
    EXPECT_EQ(render("{{ strftime_now('%Y-%m-%d') }}", r), "2026-01-02");
}

TEST(ChatPrompter, TakesOffTheBosTheTokenizerAddsAndKeepsTheEos) {
    // llama-spm adds BOS itself: a template's leading "<s>" would make it twice. It does not add EOS.
    EXPECT_EQ(render("{{ bos_token }}[INST] {{ messages[1].content }} [/INST]{{ eos_token }}", conversation()),
              "[INST] Hi [/INST]</s>");
    EXPECT_EQ(render("x{{ bos_token }}", conversation()), "x<s>");  // only at the start
}

TEST(ChatPrompter, ANamedBuiltInFormatWinsOverTheFile) {
    const ChatPrompter prompter(gguf_with_template("{{ 'own' }}"), llama_spm());
    const ChatPrompt p = prompter.render(conversation(), std::string_view("chatml"), kNow);
    EXPECT_EQ(p.template_name, "chatml");
    EXPECT_EQ(p.text, "<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n");
    ChatRequest off = conversation();
    off.variables = {{"enable_thinking", false}};
    EXPECT_EQ(prompter.render(off, std::string_view("qwen3"), kNow).text, p.text + "<think>\n\n</think>\n\n");
}

TEST(ChatPrompter, BuiltInFormatsRefuseWhatTheyCannotWrite) {
    const ChatPrompter prompter(gguf_with_template(std::nullopt), llama_spm());
    ChatRequest tools = conversation();
    tools.tools = Json::array({{{"type", "function"}}});
    EXPECT_EQ(error_code([&] { prompter.render(tools, std::string_view("chatml"), kNow); }), ErrorCode::InvalidArgument);
    ChatRequest unknown = conversation();
    unknown.variables = {{"thinking", false}};
    EXPECT_EQ(error_code([&] { prompter.render(unknown, std::string_view("qwen3"), kNow); }), ErrorCode::InvalidArgument);
    ChatRequest parts = conversation();
    parts.messages[1]["content"] = Json::array({{{"type", "text"}, {"text", "Hi"}}});
    EXPECT_EQ(error_code([&] { prompter.render(parts, std::string_view("chatml"), kNow); }), ErrorCode::InvalidArgument);
    EXPECT_EQ(error_code([&] { prompter.render(conversation(), std::string_view("alpaca"), kNow); }), ErrorCode::Unsupported);
}

TEST(ChatPrompter, NoTemplateAndNoNameIsUnsupported) {
    const ChatPrompter prompter(gguf_with_template(std::nullopt), llama_spm());
    EXPECT_FALSE(prompter.has_model_template());
    std::string message;
    EXPECT_EQ(error_code([&] { prompter.require(std::nullopt); }, &message), ErrorCode::Unsupported);
    EXPECT_NE(message.find("pass a chat template name explicitly"), std::string::npos) << message;
    EXPECT_EQ(error_code([&] { prompter.render(conversation(), std::nullopt, kNow); }), ErrorCode::Unsupported);
    EXPECT_NO_THROW(prompter.require(std::string_view("llama3")));
}

TEST(ChatPrompter, TemplateErrorsNameTheLine) {
    // A template that does not parse: the model still loads (the constructor does not throw); using it fails.
    const ChatPrompter broken(gguf_with_template("line one\n{% if %}"), llama_spm());
    std::string message;
    EXPECT_EQ(error_code([&] { broken.require(std::nullopt); }, &message), ErrorCode::Malformed);
    EXPECT_NE(message.find("chat template line 2"), std::string::npos) << message;
    EXPECT_NO_THROW(broken.render(conversation(), std::string_view("chatml"), kNow));  // a built-in still works
    // A template refusing the conversation.
    const std::string refuses = "{% if messages[0].role == 'system' %}\n{{ raise_exception('System role not supported') }}{% endif %}";
    EXPECT_EQ(error_code([&] { render(refuses, conversation()); }, &message), ErrorCode::InvalidArgument);
    EXPECT_NE(message.find("chat template line 2: System role not supported"), std::string::npos) << message;
}

TEST(ChatPrompter, RendersARealTemplateFromAVocabularyFile) {
    // Phi-3's file carries its own template; its tokenizer adds BOS "<s>", which the template does not write.
    const GgufFile phi3 = GgufFile::open(std::string(CHORD_SHARED_DIR) + "/vocab/ggml-vocab-phi-3.gguf");
    const ChatPrompter prompter(phi3, Tokenizer::from_gguf(phi3));
    ChatRequest r;
    r.messages = Json::array({{{"role", "user"}, {"content", "Hi"}}});
    EXPECT_EQ(prompter.render(r, std::nullopt, kNow).text, "<|user|>\nHi<|end|>\n<|assistant|>\n");
}

}  // namespace
}  // namespace chord
