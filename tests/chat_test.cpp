// Chat templates: the prompt text of each format, checked against llama.cpp; recognising a
// template from its Jinja source; the real templates of the families people run (Llama 3.x,
// Qwen2.5/Qwen3, Gemma 2/3, Phi-3.5, SmolLM2); Qwen3's thinking switch; choosing the template for a
// model; names and errors.
//
// The Jinja sources and expected outputs marked "llama.cpp" are copied from llama.cpp's
// tests/test-chat-template.cpp (github.com/ggml-org/llama.cpp, commit 03f94f19a2c4, unchanged at
// 3f545beccee6 of August 2026), where they are the template_str and expected_output of its test
// cases, for its conversation below. The families' texts expected below are what llama.cpp's
// llm_chat_apply_template (src/llama-chat.cpp at 3f545beccee6) writes for kFamilyConversation.
#include <gtest/gtest.h>

#include <fstream>
#include <iterator>
#include <optional>
#include <string>
#include <vector>

#include "chord/chat.hpp"
#include "chord/gguf_writer.hpp"

namespace chord {
namespace {

// llama.cpp's test conversation. The padded answer shows which formats trim.
const std::vector<ChatMessage> kConversation = {
    {"system", "You are a helpful assistant"},
    {"user", "Hello"},
    {"assistant", "Hi there"},
    {"user", "Who are you"},
    {"assistant", "   I am an assistant   "},
    {"user", "Another question"},
};

// --- llama.cpp's template sources ---

constexpr const char* kOpenHermes =  // teknium/OpenHermes-2.5-Mistral-7B
    "{% for message in messages %}{{'<|im_start|>' + message['role'] + '\\n' + message['content'] "
    "+ '<|im_end|>' + '\\n'}}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>"
    "assistant\\n' }}{% endif %}";
constexpr const char* kMistralPreV1 =  // Mistral-7B-Instruct-v0.2, old: no system prompt
    "{{ bos_token }}{% for message in messages %}{% if (message['role'] == 'user') != "
    "(loop.index0 % 2 == 0) %}{{ raise_exception('Conversation roles must alternate user/assistant/user/assist"
    "ant/...') }}{% endif %}{% if message['role'] == 'user' %}{{ '[INST] ' + message['content'] "
    "+ ' [/INST]' }}{% elif message['role'] == 'assistant' %}{{ message['content'] + "
    "eos_token}}{% else %}{{ raise_exception('Only user and assistant roles are supported!') "
    "}}{% endif %}{% endfor %}";
constexpr const char* kFusionNet =  // TheBloke/FusionNet_34Bx2_MoE-AWQ
    "{%- for idx in range(0, messages|length) -%}\n"
    "{%- if messages[idx]['role'] == 'user' -%}\n"
    "{%- if idx > 1 -%}\n"
    "{{- bos_token + '[INST] ' + messages[idx]['content'] + ' [/INST]' -}}\n"
    "{%- else -%}\n"
    "{{- messages[idx]['content'] + ' [/INST]' -}}\n"
    "{%- endif -%}\n"
    "{% elif messages[idx]['role'] == 'system' %}\n"
    "{{- '[INST] <<SYS>>\\n' + messages[idx]['content'] + '\\n<</SYS>>\\n\\n' -}}\n"
    "{%- elif messages[idx]['role'] == 'assistant' -%}\n"
    "{{- ' '  + messages[idx]['content'] + ' ' + eos_token -}}\n"
    "{% endif %}\n"
    "{% endfor %}";
constexpr const char* kVigogne =  // bofenghuang/vigogne-2-70b-chat
    "{{ bos_token }}{% if messages[0]['role'] == 'system' %}{% set loop_messages = messages[1:] "
    "%}{% set system_message = messages[0]['content'] %}{% elif true == true and not "
    "'<<SYS>>' in messages[0]['content'] %}{% set loop_messages = messages %}{% set system_message "
    "= 'Vous êtes Vigogne, un assistant IA créé par Zaion Lab. Vous suivez extrêmement "
    "bien les instructions. Aidez autant que vous le pouvez.' %}{% else %}{% set loop_messages "
    "= messages %}{% set system_message = false %}{% endif %}{% for message in loop_messages "
    "%}{% if (message['role'] == 'user') != (loop.index0 % 2 == 0) %}{{ raise_exception('Conversation "
    "roles must alternate user/assistant/user/assistant/...') }}{% endif %}{% if loop.index0 "
    "== 0 and system_message != false %}{% set content = '<<SYS>>\\n' + system_message "
    "+ '\\n<</SYS>>\\n\\n' + message['content'] %}{% else %}{% set content = message['content'] "
    "%}{% endif %}{% if message['role'] == 'user' %}{{ '[INST] ' + content.strip() + "
    "' [/INST]' }}{% elif message['role'] == 'system' %}{{ '<<SYS>>\\n' + content.strip() "
    "+ '\\n<</SYS>>\\n\\n' }}{% elif message['role'] == 'assistant' %}{{ ' '  + content.strip() "
    "+ ' ' + eos_token }}{% endif %}{% endfor %}";
constexpr const char* kMistralV1 =  // mistralai/Mistral-7B-Instruct-v0.2, mistralai 'v1' template
    "{%- if messages[0]['role'] == 'system' %}\n"
    "    {%- set system_message = messages[0]['content'] %}\n"
    "    {%- set loop_messages = messages[1:] %}\n"
    "{%- else %}\n"
    "    {%- set loop_messages = messages %}\n"
    "{%- endif %}\n"
    "\n"
    "{{- bos_token }}\n"
    "{%- for message in loop_messages %}\n"
    "    {%- if (message['role'] == 'user') != (loop.index0 % 2 == 0) %}\n"
    "        {{- raise_exception('After the optional system message, conversation roles "
    "must alternate user/assistant/user/assistant/...') }}\n"
    "    {%- endif %}\n"
    "    {%- if message['role'] == 'user' %}\n"
    "        {%- if loop.first and system_message is defined %}\n"
    "            {{- ' [INST] ' + system_message + '\\n\\n' + message['content'] + ' "
    "[/INST]' }}\n"
    "        {%- else %}\n"
    "            {{- ' [INST] ' + message['content'] + ' [/INST]' }}\n"
    "        {%- endif %}\n"
    "    {%- elif message['role'] == 'assistant' %}\n"
    "        {{- ' ' + message['content'] + eos_token}}\n"
    "    {%- else %}\n"
    "        {{- raise_exception('Only user and assistant roles are supported, with the "
    "exception of an initial optional system message!') }}\n"
    "    {%- endif %}\n"
    "{%- endfor %}\n";
constexpr const char* kMistralV3 =  // Mistral-Large-Instruct-2407, 'v3' (system prompt first)
    "{%- if messages[0][\"role\"] == \"system\" %}\n"
    "    {%- set system_message = messages[0][\"content\"] %}\n"
    "    {%- set loop_messages = messages[1:] %}\n"
    "{%- else %}\n"
    "    {%- set loop_messages = messages %}\n"
    "{%- endif %}\n"
    "{%- if not tools is defined %}\n"
    "    {%- set tools = none %}\n"
    "{%- endif %}\n"
    "{%- set user_messages = loop_messages | selectattr(\"role\", \"equalto\", \"user\") "
    "| list %}\n"
    "\n"
    "{#- This block checks for alternating user/assistant messages, skipping tool calling "
    "messages #}\n"
    "{%- set ns = namespace() %}\n"
    "{%- set ns.index = 0 %}\n"
    "{%- for message in loop_messages %}\n"
    "    {%- if not (message.role == \"tool\" or message.role == \"tool_results\" or "
    "(message.tool_calls is defined and message.tool_calls is not none)) %}\n"
    "        {%- if (message[\"role\"] == \"user\") != (ns.index % 2 == 0) %}\n"
    "            {{- raise_exception(\"After the optional system message, conversation "
    "roles must alternate user/assistant/user/assistant/...\") }}\n"
    "        {%- endif %}\n"
    "        {%- set ns.index = ns.index + 1 %}\n"
    "    {%- endif %}\n"
    "{%- endfor %}\n"
    "\n"
    "{{- bos_token }}\n"
    "{%- for message in loop_messages %}\n"
    "    {%- if message[\"role\"] == \"user\" %}\n"
    "        {%- if tools is not none and (message == user_messages[-1]) %}\n"
    "            {{- \"[AVAILABLE_TOOLS] [\" }}\n"
    "            {%- for tool in tools %}\n"
    "                {%- set tool = tool.function %}\n"
    "                {{- '{\"type\": \"function\", \"function\": {' }}\n"
    "                {%- for key, val in tool.items() if key != \"return\" %}\n"
    "                    {%- if val is string %}\n"
    "                        {{- '\"' + key + '\": \"' + val + '\"' }}\n"
    "                    {%- else %}\n"
    "                        {{- '\"' + key + '\": ' + val|tojson }}\n"
    "                    {%- endif %}\n"
    "                    {%- if not loop.last %}\n"
    "                        {{- \", \" }}\n"
    "                    {%- endif %}\n"
    "                {%- endfor %}\n"
    "                {{- \"}}\" }}\n"
    "                {%- if not loop.last %}\n"
    "                    {{- \", \" }}\n"
    "                {%- else %}\n"
    "                    {{- \"]\" }}\n"
    "                {%- endif %}\n"
    "            {%- endfor %}\n"
    "            {{- \"[/AVAILABLE_TOOLS]\" }}\n"
    "            {%- endif %}\n"
    "        {%- if loop.last and system_message is defined %}\n"
    "            {{- \"[INST] \" + system_message + \"\\n\\n\" + message[\"content\"] "
    "+ \"[/INST]\" }}\n"
    "        {%- else %}\n"
    "            {{- \"[INST] \" + message[\"content\"] + \"[/INST]\" }}\n"
    "        {%- endif %}\n"
    "    {%- elif message.tool_calls is defined and message.tool_calls is not none %}"
    "\n"
    "        {{- \"[TOOL_CALLS] [\" }}\n"
    "        {%- for tool_call in message.tool_calls %}\n"
    "            {%- set out = tool_call.function|tojson %}\n"
    "            {{- out[:-1] }}\n"
    "            {%- if not tool_call.id is defined or tool_call.id|length != 9 %}\n"
    "                {{- raise_exception(\"Tool call IDs should be alphanumeric strings "
    "with length 9!\") }}\n"
    "            {%- endif %}\n"
    "            {{- ', \"id\": \"' + tool_call.id + '\"}' }}\n"
    "            {%- if not loop.last %}\n"
    "                {{- \", \" }}\n"
    "            {%- else %}\n"
    "                {{- \"]\" + eos_token }}\n"
    "            {%- endif %}\n"
    "        {%- endfor %}\n"
    "    {%- elif message[\"role\"] == \"assistant\" %}\n"
    "        {{- \" \" + message[\"content\"]|trim + eos_token}}\n"
    "    {%- elif message[\"role\"] == \"tool_results\" or message[\"role\"] == \"tool\" "
    "%}\n"
    "        {%- if message.content is defined and message.content.content is defined "
    "%}\n"
    "            {%- set content = message.content.content %}\n"
    "        {%- else %}\n"
    "            {%- set content = message.content %}\n"
    "        {%- endif %}\n"
    "        {{- '[TOOL_RESULTS] {\"content\": ' + content|string + \", \" }}\n"
    "        {%- if not message.tool_call_id is defined or message.tool_call_id|length "
    "!= 9 %}\n"
    "            {{- raise_exception(\"Tool call IDs should be alphanumeric strings with "
    "length 9!\") }}\n"
    "        {%- endif %}\n"
    "        {{- '\"call_id\": \"' + message.tool_call_id + '\"}[/TOOL_RESULTS]' }}\n"
    "    {%- else %}\n"
    "        {{- raise_exception(\"Only user and assistant roles are supported, with "
    "the exception of an initial optional system message!\") }}\n"
    "    {%- endif %}\n"
    "{%- endfor %}\n";
constexpr const char* kMistralV3Tekken =  // Mistral-Nemo-Instruct-2407, 'v3-tekken' template
    "{%- if messages[0][\"role\"] == \"system\" %}\n"
    "    {%- set system_message = messages[0][\"content\"] %}\n"
    "    {%- set loop_messages = messages[1:] %}\n"
    "{%- else %}\n"
    "    {%- set loop_messages = messages %}\n"
    "{%- endif %}\n"
    "{%- if not tools is defined %}\n"
    "    {%- set tools = none %}\n"
    "{%- endif %}\n"
    "{%- set user_messages = loop_messages | selectattr(\"role\", \"equalto\", \"user\") "
    "| list %}\n"
    "\n"
    "{#- This block checks for alternating user/assistant messages, skipping tool calling "
    "messages #}\n"
    "{%- set ns = namespace() %}\n"
    "{%- set ns.index = 0 %}\n"
    "{%- for message in loop_messages %}\n"
    "    {%- if not (message.role == \"tool\" or message.role == \"tool_results\" or "
    "(message.tool_calls is defined and message.tool_calls is not none)) %}\n"
    "        {%- if (message[\"role\"] == \"user\") != (ns.index % 2 == 0) %}\n"
    "            {{- raise_exception(\"After the optional system message, conversation "
    "roles must alternate user/assistant/user/assistant/...\") }}\n"
    "        {%- endif %}\n"
    "        {%- set ns.index = ns.index + 1 %}\n"
    "    {%- endif %}\n"
    "{%- endfor %}\n"
    "\n"
    "{{- bos_token }}\n"
    "{%- for message in loop_messages %}\n"
    "    {%- if message[\"role\"] == \"user\" %}\n"
    "        {%- if tools is not none and (message == user_messages[-1]) %}\n"
    "            {{- \"[AVAILABLE_TOOLS][\" }}\n"
    "            {%- for tool in tools %}\n"
    "                {%- set tool = tool.function %}\n"
    "                {{- '{\"type\": \"function\", \"function\": {' }}\n"
    "                {%- for key, val in tool.items() if key != \"return\" %}\n"
    "                    {%- if val is string %}\n"
    "                        {{- '\"' + key + '\": \"' + val + '\"' }}\n"
    "                    {%- else %}\n"
    "                        {{- '\"' + key + '\": ' + val|tojson }}\n"
    "                    {%- endif %}\n"
    "                    {%- if not loop.last %}\n"
    "                        {{- \", \" }}\n"
    "                    {%- endif %}\n"
    "                {%- endfor %}\n"
    "                {{- \"}}\" }}\n"
    "                {%- if not loop.last %}\n"
    "                    {{- \", \" }}\n"
    "                {%- else %}\n"
    "                    {{- \"]\" }}\n"
    "                {%- endif %}\n"
    "            {%- endfor %}\n"
    "            {{- \"[/AVAILABLE_TOOLS]\" }}\n"
    "            {%- endif %}\n"
    "        {%- if loop.last and system_message is defined %}\n"
    "            {{- \"[INST]\" + system_message + \"\\n\\n\" + message[\"content\"] "
    "+ \"[/INST]\" }}\n"
    "        {%- else %}\n"
    "            {{- \"[INST]\" + message[\"content\"] + \"[/INST]\" }}\n"
    "        {%- endif %}\n"
    "    {%- elif (message.tool_calls is defined and message.tool_calls is not none) "
    "%}\n"
    "        {{- \"[TOOL_CALLS][\" }}\n"
    "        {%- for tool_call in message.tool_calls %}\n"
    "            {%- set out = tool_call.function|tojson %}\n"
    "            {{- out[:-1] }}\n"
    "            {%- if not tool_call.id is defined or tool_call.id|length != 9 %}\n"
    "                {{- raise_exception(\"Tool call IDs should be alphanumeric strings "
    "with length 9!\") }}\n"
    "            {%- endif %}\n"
    "            {{- ', \"id\": \"' + tool_call.id + '\"}' }}\n"
    "            {%- if not loop.last %}\n"
    "                {{- \", \" }}\n"
    "            {%- else %}\n"
    "                {{- \"]\" + eos_token }}\n"
    "            {%- endif %}\n"
    "        {%- endfor %}\n"
    "    {%- elif message[\"role\"] == \"assistant\" %}\n"
    "        {{- message[\"content\"] + eos_token}}\n"
    "    {%- elif message[\"role\"] == \"tool_results\" or message[\"role\"] == \"tool\" "
    "%}\n"
    "        {%- if message.content is defined and message.content.content is defined "
    "%}\n"
    "            {%- set content = message.content.content %}\n"
    "        {%- else %}\n"
    "            {%- set content = message.content %}\n"
    "        {%- endif %}\n"
    "        {{- '[TOOL_RESULTS]{\"content\": ' + content|string + \", \" }}\n"
    "        {%- if not message.tool_call_id is defined or message.tool_call_id|length "
    "!= 9 %}\n"
    "            {{- raise_exception(\"Tool call IDs should be alphanumeric strings with "
    "length 9!\") }}\n"
    "        {%- endif %}\n"
    "        {{- '\"call_id\": \"' + message.tool_call_id + '\"}[/TOOL_RESULTS]' }}\n"
    "    {%- else %}\n"
    "        {{- raise_exception(\"Only user and assistant roles are supported, with "
    "the exception of an initial optional system message!\") }}\n"
    "    {%- endif %}\n"
    "{%- endfor %}\n";
constexpr const char* kMistralV7 =  // mistralai/Mistral-Large-Instruct-2411, 'v7' template
    "{{ bos_token }}{% for message in messages %}{% if message['role'] == 'user' %}{{ "
    "'[INST] ' + message['content'] + '[/INST]' }}{% elif message['role'] == 'system' "
    "%}{{ '[SYSTEM_PROMPT] ' + message['content'] + '[/SYSTEM_PROMPT]' }}{% elif message['role'] "
    "== 'assistant' %}{{ ' ' + message['content'] + eos_token }}{% else %}{{ raise_exception('Only "
    "user, system and assistant roles are supported!') }}{% endif %}{% endfor %}";
constexpr const char* kPhi3Mini =  // Phi-3-mini
    "{{ bos_token }}{% for message in messages %}{% if (message['role'] == 'user') %}"
    "{{'<|user|>' + '\n"
    "' + message['content'] + '<|end|>' + '\n"
    "' + '<|assistant|>' + '\n"
    "'}}{% elif (message['role'] == 'assistant') %}{{message['content'] + '<|end|>' + "
    "'\n"
    "'}}{% endif %}{% endfor %}";
constexpr const char* kPhi3Small =  // Phi-3-small
    "{{ bos_token }}{% for message in messages %}{{'<|' + message['role'] + '|>' + '\n"
    "' + message['content'] + '<|end|>\n"
    "' }}{% endfor %}{% if add_generation_prompt %}{{ '<|assistant|>\n"
    "' }}{% else %}{{ eos_token }}{% endif %}";
constexpr const char* kPhi3Medium =  // Phi-3-medium
    "{% for message in messages %}{% if (message['role'] == 'user') %}{{'<|user|>' + "
    "'\n"
    "' + message['content'] + '<|end|>' + '\n"
    "' + '<|assistant|>' + '\n"
    "'}}{% elif (message['role'] == 'assistant') %}{{message['content'] + '<|end|>' + "
    "'\n"
    "'}}{% endif %}{% endfor %}";
constexpr const char* kPhi3Vision =  // Phi-3-vision
    "{% for message in messages %}{{'<|' + message['role'] + '|>' + '\n"
    "' + message['content'] + '<|end|>\n"
    "' }}{% endfor %}{% if add_generation_prompt and messages[-1]['role'] != 'assistant' "
    "%}{{- '<|assistant|>\n"
    "' -}}{% endif %}";
constexpr const char* kPhi4 =  // phi-4
    "{% for message in messages %}{% if (message['role'] == 'system') %}{{'<|im_start|>"
    "system<|im_sep|>' + message['content'] + '<|im_end|>'}}{% elif (message['role'] "
    "== 'user') %}{{'<|im_start|>user<|im_sep|>' + message['content'] + '<|im_end|><|im_start|>"
    "assistant<|im_sep|>'}}{% elif (message['role'] == 'assistant') %}{{message['content'] "
    "+ '<|im_end|>'}}{% endif %}{% endfor %}";
constexpr const char* kLlama3 =  // Llama-3
    "{% set loop_messages = messages %}{% for message in loop_messages %}{% set content "
    "= '<|start_header_id|>' + message['role'] + '<|end_header_id|>\n"
    "\n"
    "'+ message['content'] | trim + '<|eot_id|>' %}{% if loop.index0 == 0 %}{% set content "
    "= bos_token + content %}{% endif %}{{ content }}{% endfor %}{{ '<|start_header_id|>"
    "assistant<|end_header_id|>\n"
    "\n"
    "' }}";
constexpr const char* kGemma =  // google/gemma-7b-it
    "{% if messages[0]['role'] == 'system' %}{{ raise_exception('System role not supported') "
    "}}{% endif %}{% for message in messages %}{% if (message['role'] == 'user') != (loop.index0 "
    "% 2 == 0) %}{{ raise_exception('Conversation roles must alternate user/assistant/user/assistant/...') "
    "}}{% endif %}{% if (message['role'] == 'assistant') %}{% set role = 'model' %}{% "
    "else %}{% set role = message['role'] %}{% endif %}{{ '<start_of_turn>' + role + "
    "'\\n' + message['content'] | trim + '<end_of_turn>\\n' }}{% endfor %}{% if add_generation_prompt "
    "%}{{'<start_of_turn>model\\n'}}{% endif %}";
constexpr const char* kDeepseekCoder =  // deepseek-ai/deepseek-coder-33b-instruct
    "{% if not add_generation_prompt is defined %}\n"
    "{% set add_generation_prompt = false %}\n"
    "{% endif %}\n"
    "{%- set ns = namespace(found=false) -%}\n"
    "{%- for message in messages -%}\n"
    "    {%- if message['role'] == 'system' -%}\n"
    "        {%- set ns.found = true -%}\n"
    "    {%- endif -%}\n"
    "{%- endfor -%}\n"
    "{{bos_token}}{%- if not ns.found -%}\n"
    "{{'You are an AI programming assistant, utilizing the Deepseek Coder model, developed "
    "by Deepseek Company, and you only answer questions related to computer science. "
    "For politically sensitive questions, security and privacy issues, and other non-computer "
    "science questions, you will refuse to answer\\n'}}\n"
    "{%- endif %}\n"
    "{%- for message in messages %}\n"
    "    {%- if message['role'] == 'system' %}\n"
    "{{ message['content'] }}\n"
    "    {%- else %}\n"
    "        {%- if message['role'] == 'user' %}\n"
    "{{'### Instruction:\\n' + message['content'] + '\\n'}}\n"
    "        {%- else %}\n"
    "{{'### Response:\\n' + message['content'] + '\\n<|EOT|>\\n'}}\n"
    "        {%- endif %}\n"
    "    {%- endif %}\n"
    "{%- endfor %}\n"
    "{% if add_generation_prompt %}\n"
    "{{'### Response:'}}\n"
    "{% endif %}";
// Families wasm-chord does not write; their markers must not be mistaken for a family it does.
constexpr const char* kMonarch =  // mlabonne/AlphaMonarch-7B
    "{% for message in messages %}{{bos_token + message['role'] + '\\n' + message['content'] "
    "+ eos_token + '\\n'}}{% endfor %}{% if add_generation_prompt %}{{ bos_token + 'assistant\\n' "
    "}}{% endif %}";
constexpr const char* kOrion =  // OrionStarAI/Orion-14B-Chat
    "{% for message in messages %}{% if loop.first %}{{ bos_token }}{% endif %}{% if "
    "message['role'] == 'user' %}{{ 'Human: ' + message['content'] + '\\n\\nAssistant: "
    "' + eos_token }}{% elif message['role'] == 'assistant' %}{{ message['content'] + "
    "eos_token }}{% endif %}{% endfor %}";
constexpr const char* kVicuna =  // eachadea/vicuna-13b-1.1
    "{%- for message in messages %}{%- if message['role'] == 'system' -%}{{- '' + message['content'] "
    "+ '\n"
    "\n"
    "' -}}{%- else -%}{%- if message['role'] == 'user' -%}{{-'USER: ' + message['content'] "
    "+ '\n"
    "'-}}{%- else -%}{{-'ASSISTANT: ' + message['content'] + '</s>\n"
    "' -}}{%- endif -%}{%- endif -%}{%- endfor -%}{%- if add_generation_prompt -%}{{-'ASSISTANT:'-}"
    "}{%- endif -%}";
constexpr const char* kCommandR =  // CohereForAI/c4ai-command-r-plus
    "{{ bos_token }}{% if messages[0]['role'] == 'system' %}{% set loop_messages = messages[1:] "
    "%}{% set system_message = messages[0]['content'] %}{% elif false == true %}{% set "
    "loop_messages = messages %}{% set system_message = 'You are Command-R, a brilliant, "
    "sophisticated, AI-assistant trained to assist human users by providing thorough "
    "responses. You are trained by Cohere.' %}{% else %}{% set loop_messages = messages "
    "%}{% set system_message = false %}{% endif %}{% if system_message != false %}{{ "
    "'<|START_OF_TURN_TOKEN|><|SYSTEM_TOKEN|>' + system_message + '<|END_OF_TURN_TOKEN|>"
    "' }}{% endif %}{% for message in loop_messages %}{% if (message['role'] == 'user') "
    "!= (loop.index0 % 2 == 0) %}{{ raise_exception('Conversation roles must alternate "
    "user/assistant/user/assistant/...') }}{% endif %}{% set content = message['content'] "
    "%}{% if message['role'] == 'user' %}{{ '<|START_OF_TURN_TOKEN|><|USER_TOKEN|>' + "
    "content.strip() + '<|END_OF_TURN_TOKEN|>' }}{% elif message['role'] == 'assistant' "
    "%}{{ '<|START_OF_TURN_TOKEN|><|CHATBOT_TOKEN|>'  + content.strip() + '<|END_OF_TURN_TOKEN|>"
    "' }}{% endif %}{% endfor %}{% if add_generation_prompt %}{{ '<|START_OF_TURN_TOKEN|>"
    "<|CHATBOT_TOKEN|>' }}{% endif %}";
constexpr const char* kGlmEdge =  // GLMEdge: <|user|> and <|assistant|> like Phi-3, but no <|end|>
    "{% for item in messages %}{% if item['role'] == 'system' %}<|system|>\n"
    "{{ item['content'] }}{% elif item['role'] == 'user' %}<|user|>\n"
    "{{ item['content'] }}{% elif item['role'] == 'assistant' %}<|assistant|>\n"
    "{{ item['content'] }}{% endif %}{% endfor %}<|assistant|>";
constexpr const char* kGranite =  // ibm-granite/granite-3.x
    "{%- for message in messages %}\n"
    "    {%- if message['role'] == 'assistant_tool_call' %}\n"
    "    {{- '<|start_of_role|>assistant<|end_of_role|><|tool_call|>' + message['content'] "
    "+ '<|end_of_text|>\\n' }}\n"
    "    {%- else %}\n"
    "    {{- '<|start_of_role|>' + message['role'] + '<|end_of_role|>' + message['content'] "
    "+ '<|end_of_text|>\\n' }}\n"
    "    {%- endif %}\n"
    "    {%- if loop.last and add_generation_prompt %}\n"
    "    {{- '<|start_of_role|>assistant<|end_of_role|>' }}\n"
    "    {%- endif %}\n"
    "{%- endfor %}";

// --- rendering ---

struct RenderCase {
    ChatTemplate id;
    std::string expected;
};

TEST(ChatRender, MatchesLlamaCpp) {
    const std::string kOpenHermesExpected =
        "<|im_start|>system\n"
        "You are a helpful assistant<|im_end|>\n"
        "<|im_start|>user\n"
        "Hello<|im_end|>\n"
        "<|im_start|>assistant\n"
        "Hi there<|im_end|>\n"
        "<|im_start|>user\n"
        "Who are you<|im_end|>\n"
        "<|im_start|>assistant\n"
        "   I am an assistant   <|im_end|>\n"
        "<|im_start|>user\n"
        "Another question<|im_end|>\n"
        "<|im_start|>assistant\n";
    const std::vector<RenderCase> cases = {
        {ChatTemplate::ChatML, kOpenHermesExpected},  // llama.cpp: OpenHermes
        // wasm-chord's qwen3 with thinking on (the default) is llama.cpp's chatml.
        {ChatTemplate::Qwen3, kOpenHermesExpected},
        {ChatTemplate::Llama2,  // llama.cpp: Mistral-7B-Instruct-v0.2 without a system prompt
         "[INST] You are a helpful assistant\n"
         "Hello [/INST]Hi there</s>[INST] Who are you [/INST]   I am an assistant   </s>[INST] "
         "Another question [/INST]"},
        {ChatTemplate::Llama2SysBos,  // llama.cpp: FusionNet
         "[INST] <<SYS>>\n"
         "You are a helpful assistant\n"
         "<</SYS>>\n"
         "\n"
         "Hello [/INST]Hi there</s><s>[INST] Who are you [/INST]   I am an assistant   </s>"
         "<s>[INST] Another question [/INST]"},
        {ChatTemplate::Llama2SysStrip,  // llama.cpp: vigogne
         "[INST] <<SYS>>\n"
         "You are a helpful assistant\n"
         "<</SYS>>\n"
         "\n"
         "Hello [/INST]Hi there</s>[INST] Who are you [/INST]I am an assistant</s>[INST] Another "
         "question [/INST]"},
        {ChatTemplate::MistralV1,  // llama.cpp: Mistral 'v1'
         " [INST] You are a helpful assistant\n"
         "\n"
         "Hello [/INST] Hi there</s> [INST] Who are you [/INST]    I am an assistant   </s>"
         " [INST] Another question [/INST]"},
        {ChatTemplate::MistralV3,  // llama.cpp: Mistral 'v3'
         "[INST] You are a helpful assistant\n"
         "\n"
         "Hello[/INST] Hi there</s>[INST] Who are you[/INST] I am an assistant</s>[INST] Another "
         "question[/INST]"},
        {ChatTemplate::MistralV3Tekken,  // llama.cpp: Mistral 'v3-tekken'
         "[INST]You are a helpful assistant\n"
         "\n"
         "Hello[/INST]Hi there</s>[INST]Who are you[/INST]   I am an assistant   </s>[INST]Another "
         "question[/INST]"},
        {ChatTemplate::MistralV7,  // llama.cpp: Mistral 'v7'
         "[SYSTEM_PROMPT] You are a helpful assistant[/SYSTEM_PROMPT][INST] Hello[/INST] Hi "
         "there</s>[INST] Who are you[/INST]    I am an assistant   </s>[INST] Another question[/INST]"},
        {ChatTemplate::Phi3,  // llama.cpp: Phi-3 mini, small, medium and vision
         "<|system|>\n"
         "You are a helpful assistant<|end|>\n"
         "<|user|>\n"
         "Hello<|end|>\n"
         "<|assistant|>\n"
         "Hi there<|end|>\n"
         "<|user|>\n"
         "Who are you<|end|>\n"
         "<|assistant|>\n"
         "   I am an assistant   <|end|>\n"
         "<|user|>\n"
         "Another question<|end|>\n"
         "<|assistant|>\n"},
        {ChatTemplate::Phi4,  // llama.cpp: phi-4
         "<|im_start|>system<|im_sep|>You are a helpful assistant<|im_end|><|im_start|>user<|im_sep|>"
         "Hello<|im_end|><|im_start|>assistant<|im_sep|>Hi there<|im_end|><|im_start|>user<|im_sep|>"
         "Who are you<|im_end|><|im_start|>assistant<|im_sep|>   I am an assistant   <|im_end|>"
         "<|im_start|>user<|im_sep|>Another question<|im_end|><|im_start|>assistant<|im_sep|>"},
        {ChatTemplate::Llama3,  // llama.cpp: Llama-3
         "<|start_header_id|>system<|end_header_id|>\n"
         "\n"
         "You are a helpful assistant<|eot_id|><|start_header_id|>user<|end_header_id|>\n"
         "\n"
         "Hello<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n"
         "\n"
         "Hi there<|eot_id|><|start_header_id|>user<|end_header_id|>\n"
         "\n"
         "Who are you<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n"
         "\n"
         "I am an assistant<|eot_id|><|start_header_id|>user<|end_header_id|>\n"
         "\n"
         "Another question<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n"
         "\n"},
        {ChatTemplate::Gemma,  // llama.cpp: gemma-7b-it
         "<start_of_turn>user\n"
         "You are a helpful assistant\n"
         "\n"
         "Hello<end_of_turn>\n"
         "<start_of_turn>model\n"
         "Hi there<end_of_turn>\n"
         "<start_of_turn>user\n"
         "Who are you<end_of_turn>\n"
         "<start_of_turn>model\n"
         "I am an assistant<end_of_turn>\n"
         "<start_of_turn>user\n"
         "Another question<end_of_turn>\n"
         "<start_of_turn>model\n"},
        {ChatTemplate::Deepseek,  // llama.cpp: deepseek-coder
         "You are a helpful assistant### Instruction:\n"
         "Hello\n"
         "### Response:\n"
         "Hi there\n"
         "<|EOT|>\n"
         "### Instruction:\n"
         "Who are you\n"
         "### Response:\n"
         "   I am an assistant   \n"
         "<|EOT|>\n"
         "### Instruction:\n"
         "Another question\n"
         "### Response:\n"},
        // llama.cpp has no test case for these two; the text follows its code for them, which
        // differs from the cases above only in the <<SYS>> wrapper and in the spaces.
        {ChatTemplate::Llama2Sys,
         "[INST] <<SYS>>\nYou are a helpful assistant\n<</SYS>>\n\nHello [/INST]Hi there</s>"
         "[INST] Who are you [/INST]   I am an assistant   </s>[INST] Another question [/INST]"},
        {ChatTemplate::MistralV7Tekken,
         "[SYSTEM_PROMPT]You are a helpful assistant[/SYSTEM_PROMPT][INST]Hello[/INST]Hi there</s>"
         "[INST]Who are you[/INST]   I am an assistant   </s>[INST]Another question[/INST]"},
    };
    ASSERT_EQ(cases.size(), chat_template_names().size()) << "every template has a case";
    for (const RenderCase& c : cases) {
        SCOPED_TRACE(chat_template_name(c.id));
        EXPECT_EQ(render_chat(c.id, kConversation, /*add_generation_prompt=*/true), c.expected);
    }
}

TEST(ChatRender, GenerationPromptIsOnlyTheAssistantOpening) {
    const std::vector<ChatMessage> chat = {{"user", "Hi"}};
    EXPECT_EQ(render_chat(ChatTemplate::ChatML, chat, false), "<|im_start|>user\nHi<|im_end|>\n");
    EXPECT_EQ(render_chat(ChatTemplate::ChatML, chat, true), "<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n");
    EXPECT_EQ(render_chat(ChatTemplate::Llama3, chat, false),
              "<|start_header_id|>user<|end_header_id|>\n\nHi<|eot_id|>");
    // [INST] formats end the user turn where the answer begins: nothing to add.
    for (ChatTemplate id : {ChatTemplate::Llama2Sys, ChatTemplate::MistralV1, ChatTemplate::MistralV7}) {
        SCOPED_TRACE(chat_template_name(id));
        EXPECT_EQ(render_chat(id, chat, true), render_chat(id, chat, false));
    }
}

TEST(ChatRender, NoBosAtTheStart) {
    // The tokenizer adds BOS; a template that wrote "<s>" too would give the model two.
    for (std::string_view name : chat_template_names()) {
        SCOPED_TRACE(name);
        const std::string text = render_chat(chat_template_from_name(name), kConversation, true);
        EXPECT_NE(text.rfind("<s>", 0), 0u);
    }
}

TEST(ChatRender, EmptyConversation) {
    EXPECT_EQ(render_chat(ChatTemplate::ChatML, {}, true), "<|im_start|>assistant\n");
    EXPECT_EQ(render_chat(ChatTemplate::ChatML, {}, false), "");
    // llama.cpp's llama2 opens the first turn before it looks at the messages; mistral does not.
    EXPECT_EQ(render_chat(ChatTemplate::Llama2Sys, {}, true), "[INST] ");
    EXPECT_EQ(render_chat(ChatTemplate::MistralV1, {}, true), "");
}

TEST(ChatRender, GemmaHoldsTheSystemTextForTheNextUserTurn) {
    // Assistant first: the system text waits for the user turn; several system messages join.
    const std::vector<ChatMessage> chat = {
        {"system", " Be brief. "}, {"system", "Be kind."}, {"assistant", "Hello!"}, {"user", "Hi"}};
    EXPECT_EQ(render_chat(ChatTemplate::Gemma, chat, false),
              "<start_of_turn>model\nHello!<end_of_turn>\n"
              "<start_of_turn>user\nBe brief.Be kind.\n\nHi<end_of_turn>\n");
    // System text with no user turn after it is dropped, as in llama.cpp.
    EXPECT_EQ(render_chat(ChatTemplate::Gemma, {{"user", "Hi"}, {"system", "late"}}, true),
              "<start_of_turn>user\nHi<end_of_turn>\n<start_of_turn>model\n");
}

TEST(ChatRender, TrimsTheWhitespaceLlamaCppTrims) {
    // C's isspace set: space, \t, \n, \v, \f, \r; nothing else (a no-break space stays).
    const std::vector<ChatMessage> chat = {{"user", " \t\n\v\f\rHi\xC2\xA0 \r\n"}};
    EXPECT_EQ(render_chat(ChatTemplate::Llama3, chat, false),
              "<|start_header_id|>user<|end_header_id|>\n\nHi\xC2\xA0<|eot_id|>");
    EXPECT_EQ(render_chat(ChatTemplate::Llama3, {{"user", " \n "}}, false),
              "<|start_header_id|>user<|end_header_id|>\n\n<|eot_id|>");
}

TEST(ChatRender, InvalidRoleIsAnError) {
    for (const char* role : {"tool", "", "System", "model"}) {
        SCOPED_TRACE(role);
        try {
            render_chat(ChatTemplate::ChatML, {{"user", "Hi"}, {role, "x"}}, true);
            FAIL() << "expected an error";
        } catch (const Error& e) {
            EXPECT_EQ(e.code(), ErrorCode::InvalidArgument);
            EXPECT_NE(std::string(e.what()).find("message 1"), std::string::npos) << e.what();
            EXPECT_NE(std::string(e.what()).find("'" + std::string(role) + "'"), std::string::npos) << e.what();
        }
    }
}

// --- detection ---

struct DetectCase {
    const char* model;
    const char* jinja;
    std::optional<ChatTemplate> expected;
};

TEST(ChatDetect, RecognisesLlamaCppTemplates) {
    const std::vector<DetectCase> cases = {
        {"OpenHermes", kOpenHermes, ChatTemplate::ChatML},
        {"Mistral-7B-Instruct-v0.2 (pre-v1)", kMistralPreV1, ChatTemplate::Llama2},
        {"FusionNet", kFusionNet, ChatTemplate::Llama2SysBos},
        {"vigogne", kVigogne, ChatTemplate::Llama2SysStrip},
        {"Mistral v1", kMistralV1, ChatTemplate::MistralV1},
        {"Mistral v3", kMistralV3, ChatTemplate::MistralV3},
        {"Mistral v3-tekken", kMistralV3Tekken, ChatTemplate::MistralV3Tekken},
        {"Mistral v7", kMistralV7, ChatTemplate::MistralV7},
        {"Phi-3-mini", kPhi3Mini, ChatTemplate::Phi3},
        {"Phi-3-small", kPhi3Small, ChatTemplate::Phi3},
        {"Phi-3-medium", kPhi3Medium, ChatTemplate::Phi3},
        {"Phi-3-vision", kPhi3Vision, ChatTemplate::Phi3},
        {"phi-4", kPhi4, ChatTemplate::Phi4},
        {"Llama-3", kLlama3, ChatTemplate::Llama3},
        {"gemma-7b-it", kGemma, ChatTemplate::Gemma},
        {"deepseek-coder", kDeepseekCoder, ChatTemplate::Deepseek},
        // A Llama 2 template with <<SYS>> but neither strip() nor a BOS in the history (not from
        // llama.cpp's tests: Meta's own template strips, so it is llama2-sys-strip).
        {"llama2-sys (written for this test)",
         "{% for message in messages %}{% if message['role'] == 'system' %}{{ '<<SYS>>\\n' + message['content'] + "
         "'\\n<</SYS>>\\n\\n' }}{% elif message['role'] == 'user' %}{{ '[INST] ' + message['content'] + ' [/INST]' }}"
         "{% endif %}{% endfor %}",
         ChatTemplate::Llama2Sys},
        // Recognised by llama.cpp as families wasm-chord does not write: no guess.
        {"AlphaMonarch", kMonarch, std::nullopt},
        {"Orion", kOrion, std::nullopt},
        {"vicuna", kVicuna, std::nullopt},
        {"command-r", kCommandR, std::nullopt},
        {"GLMEdge", kGlmEdge, std::nullopt},
        {"granite", kGranite, std::nullopt},
        {"SmolVLM-like: <|im_start|> but not ChatML",
         "<|im_start|>{{ 'User: ' + message['content'] + '<end_of_utterance>' }}", std::nullopt},
        // Unknown.
        {"no markers", "{% for message in messages %}{{ message['content'] }}{% endfor %}", std::nullopt},
        {"empty", "", std::nullopt},
    };
    for (const DetectCase& c : cases) {
        SCOPED_TRACE(c.model);
        EXPECT_EQ(detect_chat_template(c.jinja), c.expected);
    }
}

TEST(ChatDetect, ATemplateNameIsItsOwnSource) {
    // As in llama.cpp, a source that is exactly a name counts: the legacy way to set a template.
    for (std::string_view name : chat_template_names()) {
        SCOPED_TRACE(name);
        EXPECT_EQ(detect_chat_template(name), chat_template_from_name(name));
    }
    EXPECT_EQ(detect_chat_template("zephyr"), std::nullopt);
}

TEST(ChatDetect, Phi3VocabularyFile) {
    const GgufFile gguf = GgufFile::open(std::string(CHORD_SHARED_DIR) + "/vocab/ggml-vocab-phi-3.gguf");
    EXPECT_EQ(detect_chat_template(gguf.get_string("tokenizer.chat_template")), ChatTemplate::Phi3);
    EXPECT_EQ(chat_template_for(gguf, std::nullopt), ChatTemplate::Phi3);
    EXPECT_EQ(chat_template_for(gguf, std::string_view("chatml")), ChatTemplate::ChatML);  // explicit wins
}

// --- choosing the template for a model ---

GgufFile gguf_with_template(std::optional<std::string> jinja) {
    GgufWriter w;
    w.set("general.architecture", GgufValue::string("llama"));
    if (jinja) w.set("tokenizer.chat_template", GgufValue::string(*jinja));
    return GgufFile::from_buffer(w.to_bytes());
}

// The Unsupported error's message, or "" when chat_template_for succeeds or throws otherwise.
std::string unsupported_message(const GgufFile& gguf) {
    try {
        chat_template_for(gguf, std::nullopt);
    } catch (const Error& e) {
        if (e.code() == ErrorCode::Unsupported) return e.what();
    }
    return "";
}

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

TEST(ChatTemplateFor, DetectsFromMetadata) {
    EXPECT_EQ(chat_template_for(gguf_with_template(kLlama3), std::nullopt), ChatTemplate::Llama3);
    EXPECT_EQ(chat_template_for(gguf_with_template(kGemma), std::nullopt), ChatTemplate::Gemma);
}

TEST(ChatTemplateFor, ExplicitNameWinsEvenWithoutMetadata) {
    EXPECT_EQ(chat_template_for(gguf_with_template(std::nullopt), std::string_view("llama3")), ChatTemplate::Llama3);
    EXPECT_EQ(chat_template_for(gguf_with_template(kLlama3), std::string_view("gemma")), ChatTemplate::Gemma);
}

TEST(ChatTemplateFor, MissingTemplateIsUnsupported) {
    const std::string message = unsupported_message(gguf_with_template(std::nullopt));
    EXPECT_TRUE(contains(message, "no chat template")) << message;
    EXPECT_TRUE(contains(message, "tokenizer.chat_template")) << message;
    EXPECT_TRUE(contains(message, "pass a chat template name explicitly")) << message;
    EXPECT_TRUE(contains(message, "chatml")) << message;
    // A real vocabulary file without a template.
    const GgufFile gpt2 = GgufFile::open(std::string(CHORD_SHARED_DIR) + "/vocab/ggml-vocab-gpt-2.gguf");
    EXPECT_TRUE(contains(unsupported_message(gpt2), "no chat template"));
}

TEST(ChatTemplateFor, UnrecognisedTemplateIsUnsupported) {
    const std::string message = unsupported_message(gguf_with_template("{{ messages }}"));
    EXPECT_TRUE(contains(message, "not one wasm-chord recognises")) << message;
    EXPECT_TRUE(contains(message, "pass a chat template name explicitly")) << message;
}

TEST(ChatTemplateFor, KnownButUnwrittenFamilyIsNamed) {
    const std::string message = unsupported_message(gguf_with_template(kCommandR));
    EXPECT_TRUE(contains(message, "'command-r'")) << message;
    EXPECT_TRUE(contains(message, "pass a chat template name explicitly")) << message;
}

TEST(ChatTemplateFor, UnknownExplicitNameIsUnsupported) {
    try {
        chat_template_for(gguf_with_template(kLlama3), std::string_view("llama-3"));
        FAIL() << "expected an error";
    } catch (const Error& e) {
        EXPECT_EQ(e.code(), ErrorCode::Unsupported);
        EXPECT_TRUE(contains(e.what(), "'llama-3'")) << e.what();
    }
}

// --- the families people run: their real templates ---

// Qwen3's thinking switch as its template writes it, in a minimal ChatML template of our own.
constexpr const char* kQwen3Switch =
    "{%- for message in messages %}{{- '<|im_start|>' + message.role + '\\n' + message.content + '<|im_end|>\\n' }}"
    "{%- endfor %}{%- if add_generation_prompt %}{{- '<|im_start|>assistant\\n' }}"
    "{%- if enable_thinking is defined and enable_thinking is false %}{{- '<think>\\n\\n</think>\\n\\n' }}{%- endif %}"
    "{%- endif %}";

// System, user, assistant, user: the conversation of a chat's second turn. The padded answer
// shows which formats trim.
const std::vector<ChatMessage> kFamilyConversation = {
    {"system", "You are a helpful assistant."},
    {"user", "Hello"},
    {"assistant", " Hi there! "},
    {"user", "What is 2+2?"},
};

// What llama.cpp writes for kFamilyConversation in each format, without the generation prompt.
constexpr const char* kLlama3Text =
    "<|start_header_id|>system<|end_header_id|>\n\nYou are a helpful assistant.<|eot_id|>"
    "<|start_header_id|>user<|end_header_id|>\n\nHello<|eot_id|>"
    "<|start_header_id|>assistant<|end_header_id|>\n\nHi there!<|eot_id|>"
    "<|start_header_id|>user<|end_header_id|>\n\nWhat is 2+2?<|eot_id|>";
constexpr const char* kChatMLText =
    "<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n"
    "<|im_start|>user\nHello<|im_end|>\n"
    "<|im_start|>assistant\n Hi there! <|im_end|>\n"
    "<|im_start|>user\nWhat is 2+2?<|im_end|>\n";
constexpr const char* kGemmaText =  // the system text opens the first user turn
    "<start_of_turn>user\nYou are a helpful assistant.\n\nHello<end_of_turn>\n"
    "<start_of_turn>model\nHi there!<end_of_turn>\n"
    "<start_of_turn>user\nWhat is 2+2?<end_of_turn>\n";
constexpr const char* kPhi3Text =
    "<|system|>\nYou are a helpful assistant.<|end|>\n"
    "<|user|>\nHello<|end|>\n"
    "<|assistant|>\n Hi there! <|end|>\n"
    "<|user|>\nWhat is 2+2?<|end|>\n";

struct FamilyCase {
    const char* source;  // a template of the family (see the constants above)
    ChatTemplate expected;
    const char* text;               // without the generation prompt
    const char* generation_prompt;  // what add_generation_prompt adds
};

const std::vector<FamilyCase> kFamilies = {
    {kLlama3, ChatTemplate::Llama3, kLlama3Text, "<|start_header_id|>assistant<|end_header_id|>\n\n"},
    // Qwen3 is llama.cpp's chatml plus the thinking switch (on here, the default: nothing added).
    {kQwen3Switch, ChatTemplate::Qwen3, kChatMLText, "<|im_start|>assistant\n"},
    {kOpenHermes, ChatTemplate::ChatML, kChatMLText, "<|im_start|>assistant\n"},
    {kGemma, ChatTemplate::Gemma, kGemmaText, "<start_of_turn>model\n"},
    {kPhi3Mini, ChatTemplate::Phi3, kPhi3Text, "<|assistant|>\n"},
};

TEST(ChatFamilies, DetectedFromTheirTemplates) {
    for (const FamilyCase& c : kFamilies) {
        SCOPED_TRACE(c.source);
        const std::string source = c.source;
        EXPECT_EQ(detect_chat_template(source), c.expected);
        EXPECT_EQ(chat_template_for(gguf_with_template(source), std::nullopt), c.expected);  // as a GGUF carries it
    }
}

TEST(ChatFamilies, RenderedAsLlamaCppRendersThem) {
    for (const FamilyCase& c : kFamilies) {
        SCOPED_TRACE(c.source);
        const ChatTemplate id = *detect_chat_template(c.source);
        EXPECT_EQ(render_chat(id, kFamilyConversation, /*add_generation_prompt=*/false), c.text);
        EXPECT_EQ(render_chat(id, kFamilyConversation, /*add_generation_prompt=*/true),
                  std::string(c.text) + c.generation_prompt);
    }
}

TEST(ChatFamilies, SmolLM2GetsNoDefaultSystemPrompt) {
    // SmolLM2's Jinja writes "You are a helpful AI assistant named SmolLM..." when the conversation
    // has no system message; llama.cpp's chatml does not, and neither does wasm-chord.
    const ChatTemplate id = ChatTemplate::ChatML;
    EXPECT_EQ(render_chat(id, {{"user", "Hi"}}, true), "<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n");
}

TEST(ChatFamilies, ExaoneMoeIsNamedNotMistakenForFalcon3) {
    // llama.cpp's current rules: <|assistant|> and <|user|> with <|tool_declare|> is EXAONE MoE.
    const std::string source = "<|user|>\n{{ content }}<|assistant|>\n<|tool_declare|></s>";
    EXPECT_EQ(chat_detail::detect_family(source), std::string_view("exaone-moe"));
    EXPECT_EQ(detect_chat_template(source), std::nullopt);
}

// --- Qwen3's thinking switch ---

ChatOptions thinking(bool on) {
    ChatOptions options;
    options.enable_thinking = on;
    return options;
}

TEST(ChatThinking, OffEndsTheGenerationPromptWithAnEmptyThinkBlock) {
    const std::string history = kChatMLText;
    EXPECT_EQ(render_chat(ChatTemplate::Qwen3, kFamilyConversation, true, thinking(false)),
              history + "<|im_start|>assistant\n<think>\n\n</think>\n\n");
    // On, the default, is llama.cpp's chatml byte for byte.
    EXPECT_EQ(render_chat(ChatTemplate::Qwen3, kFamilyConversation, true, thinking(true)),
              history + "<|im_start|>assistant\n");
    EXPECT_EQ(render_chat(ChatTemplate::Qwen3, kFamilyConversation, true),
              render_chat(ChatTemplate::ChatML, kFamilyConversation, true));
    // Without a generation prompt there is nothing to switch (Qwen3's template writes it inside
    // its add_generation_prompt block).
    EXPECT_EQ(render_chat(ChatTemplate::Qwen3, kFamilyConversation, false, thinking(false)), history);
    EXPECT_EQ(render_chat(ChatTemplate::Qwen3, {}, true, thinking(false)), "<|im_start|>assistant\n<think>\n\n</think>\n\n");
}

// Unescapes the Jinja string literal that starts at `at` (just past its opening quote).
std::string jinja_literal(const std::string& source, size_t at) {
    std::string text;
    for (; at < source.size() && source[at] != '\''; ++at) {
        if (source[at] == '\\' && at + 1 < source.size()) {
            const char escaped = source[++at];
            text += escaped == 'n' ? '\n' : escaped;
        } else {
            text += source[at];
        }
    }
    return text;
}

TEST(ChatThinking, TheBytesAreThoseOfQwen3sTemplate) {
    // Qwen3's template, at its end:
    //   {{- '<|im_start|>assistant\n' }}
    //   {%- if enable_thinking is defined and enable_thinking is false %}
    //       {{- '<think>\n\n</think>\n\n' }}
    const std::string source = kQwen3Switch;
    const size_t prompt_at = source.rfind("{{- '<|im_start|>assistant");
    const size_t switch_at = source.find("enable_thinking is false %}", prompt_at);
    ASSERT_NE(prompt_at, std::string::npos);
    ASSERT_NE(switch_at, std::string::npos);
    const size_t block_at = source.find("{{- '", switch_at);
    ASSERT_NE(block_at, std::string::npos);
    const std::string generation_prompt = jinja_literal(source, prompt_at + 5);
    const std::string thinking_off = jinja_literal(source, block_at + 5);
    EXPECT_EQ(generation_prompt, "<|im_start|>assistant\n");
    EXPECT_EQ(thinking_off, "<think>\n\n</think>\n\n");
    const std::vector<ChatMessage> chat = {{"user", "Hi"}};
    EXPECT_EQ(render_chat(ChatTemplate::Qwen3, chat, true, thinking(false)),
              render_chat(ChatTemplate::Qwen3, chat, false) + generation_prompt + thinking_off);
}

TEST(ChatThinking, OnlyQwen3HasTheSwitchOthersIgnoreIt) {
    for (std::string_view name : chat_template_names()) {
        SCOPED_TRACE(name);
        const ChatTemplate id = chat_template_from_name(name);
        EXPECT_EQ(chat_template_has_thinking_switch(id), name == "qwen3");
        if (name == "qwen3") continue;
        EXPECT_EQ(render_chat(id, kConversation, true, thinking(false)), render_chat(id, kConversation, true));
    }
}

TEST(ChatThinking, OnlyQwen3sSwitchMakesATemplateQwen3) {
    const std::string qwen3 = kQwen3Switch;
    EXPECT_EQ(detect_chat_template(qwen3), ChatTemplate::Qwen3);
    EXPECT_EQ(chat_template_name(*detect_chat_template(qwen3)), std::string_view("qwen3"));
    // ChatML that mentions enable_thinking, or writes <think>, without Qwen3's switch: chatml.
    EXPECT_EQ(detect_chat_template("<|im_start|>{% if enable_thinking %}{{ '<think>\\n' }}{% endif %}"),
              ChatTemplate::ChatML);
    EXPECT_EQ(detect_chat_template(kOpenHermes), ChatTemplate::ChatML);
    // The switch's text outside ChatML is not Qwen3.
    EXPECT_EQ(detect_chat_template("{%- if enable_thinking is defined and enable_thinking is false %}"
                                   "{{- '<think>\\n\\n</think>\\n\\n' }}{%- endif %}"),
              std::nullopt);
}

// --- names ---

TEST(ChatTemplateNames, RoundTrip) {
    const std::vector<std::string_view> names = chat_template_names();
    EXPECT_EQ(names.front(), "chatml");
    for (std::string_view name : names) {
        SCOPED_TRACE(name);
        EXPECT_EQ(chat_template_name(chat_template_from_name(name)), name);
    }
    // Every enum value has a row in the table.
    for (int i = 0; i <= int(ChatTemplate::Qwen3); ++i) {
        const auto id = ChatTemplate(i);
        EXPECT_EQ(chat_template_from_name(chat_template_name(id)), id);
    }
}

TEST(ChatTemplateNames, UnknownNameListsTheKnownOnes) {
    for (const char* name : {"alpaca", "ChatML", "", "llama2 "}) {
        SCOPED_TRACE(name);
        try {
            chat_template_from_name(name);
            FAIL() << "expected an error";
        } catch (const Error& e) {
            EXPECT_EQ(e.code(), ErrorCode::Unsupported);
            EXPECT_TRUE(contains(e.what(), "'" + std::string(name) + "'")) << e.what();
            for (std::string_view known : chat_template_names()) EXPECT_TRUE(contains(e.what(), std::string(known)));
        }
    }
}

}  // namespace
}  // namespace chord
