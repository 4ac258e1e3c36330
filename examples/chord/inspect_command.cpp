// `chord inspect MODEL [--json] [--full]`: the header, metadata and tensor table of a GGUF file.
#include <cstdio>
#include <iostream>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "chord/gguf.hpp"
#include "commands.hpp"
#include "text_escape.hpp"

namespace chord::cli {
namespace {

using Json = nlohmann::ordered_json;

constexpr size_t kArrayPreview = 8;          // array elements shown unless --full
constexpr size_t kStringPreviewChars = 100;  // characters of a long string shown in text output

struct InspectOptions {
    std::string model;
    bool json = false;
    bool full = false;
};

std::string type_label(const MetaValue& v) {
    if (v.type() != MetaType::Array) return meta_type_name(v.type());
    const MetaArray a = v.as_array();
    return std::string(meta_type_name(a.element_type())) + "[" + std::to_string(a.size()) + "]";
}

std::string scalar_text(const MetaValue& v, size_t max_chars) {
    switch (v.type()) {
        case MetaType::String: return "\"" + escape_for_terminal(v.as_string(), max_chars) + "\"";
        case MetaType::Bool: return v.as_bool() ? "true" : "false";
        case MetaType::F32:
        case MetaType::F64: {
            char buf[32];
            std::snprintf(buf, sizeof buf, "%.9g", v.as_f64());
            return buf;
        }
        default: return v.is_signed_integer() ? std::to_string(v.as_i64()) : std::to_string(v.as_u64());
    }
}

std::string value_text(const MetaValue& v, size_t max_items, size_t max_chars) {
    if (v.type() != MetaType::Array) return scalar_text(v, max_chars);
    const MetaArray a = v.as_array();
    std::string out = "[";
    size_t shown = 0;
    for (MetaValue e : a) {
        if (shown == max_items) break;
        out += (shown ? ", " : "") + value_text(e, max_items, max_chars);
        ++shown;
    }
    if (shown < a.size()) out += ", … " + std::to_string(a.size() - shown) + " more";
    return out + "]";
}

Json value_json(const MetaValue& v, size_t max_items) {
    switch (v.type()) {
        case MetaType::String: return std::string(v.as_string());
        case MetaType::Bool: return v.as_bool();
        case MetaType::F32:
        case MetaType::F64: return v.as_f64();
        case MetaType::Array: {
            Json items = Json::array();
            for (MetaValue e : v.as_array()) {
                if (items.size() == max_items) break;
                items.push_back(value_json(e, max_items));
            }
            return items;
        }
        default: return v.is_signed_integer() ? Json(v.as_i64()) : Json(v.as_u64());
    }
}

Json entry_json(const MetaValue& v, size_t max_items) {
    Json entry = {{"type", meta_type_name(v.type())}};
    if (v.type() == MetaType::Array) {
        const MetaArray a = v.as_array();
        entry["element_type"] = meta_type_name(a.element_type());
        entry["length"] = a.size();
        entry["truncated"] = a.size() > max_items;
    }
    entry["value"] = value_json(v, max_items);
    return entry;
}

Json shape_json(const TensorInfo& t) {
    Json shape = Json::array();
    for (uint32_t d = 0; d < t.n_dims; ++d) shape.push_back(t.shape[d]);
    return shape;
}

std::string shape_text(const TensorInfo& t) {
    std::string s = "[";
    for (uint32_t d = 0; d < t.n_dims; ++d) s += (d ? ", " : "") + std::to_string(t.shape[d]);
    return s + "]";
}

struct TensorTotals {
    uint64_t parameters = 0;
    uint64_t bytes = 0;
    std::map<std::string, uint64_t> tensors_per_type;
};

TensorTotals totals_of(const GgufFile& file) {
    TensorTotals totals;
    for (const TensorInfo& t : file.tensors()) {
        totals.parameters += t.n_elements;
        totals.bytes += t.n_bytes;
        ++totals.tensors_per_type[type_name(t.type)];
    }
    return totals;
}

void print_json(const GgufFile& file, const InspectOptions& options) {
    const size_t max_items = options.full ? SIZE_MAX : kArrayPreview;
    const TensorTotals totals = totals_of(file);
    Json out;
    out["file"] = options.model;
    out["file_bytes"] = file.file_size();
    out["version"] = file.version();
    out["alignment"] = file.alignment();
    out["data_offset"] = file.data_offset();
    Json metadata = Json::object();
    for (const MetaEntry& e : file.metadata()) metadata[std::string(e.key)] = entry_json(e.value, max_items);
    out["metadata"] = std::move(metadata);
    out["summary"] = {{"tensors", file.tensors().size()},
                      {"parameters", totals.parameters},
                      {"tensor_bytes", totals.bytes},
                      {"tensors_per_type", totals.tensors_per_type}};
    Json tensors = Json::array();
    for (const TensorInfo& t : file.tensors())
        tensors.push_back({{"name", std::string(t.name)},
                           {"type", type_name(t.type)},
                           {"shape", shape_json(t)},
                           {"file_offset", file.data_offset() + t.offset},
                           {"bytes", t.n_bytes}});
    out["tensors"] = std::move(tensors);
    // Metadata strings are not guaranteed UTF-8: show bad bytes as U+FFFD rather than fail.
    std::cout << out.dump(2, ' ', false, Json::error_handler_t::replace) << "\n";
}

void print_text(const GgufFile& file, const InspectOptions& options) {
    const size_t max_items = options.full ? SIZE_MAX : kArrayPreview;
    const size_t max_chars = options.full ? SIZE_MAX : kStringPreviewChars;
    const TensorTotals totals = totals_of(file);
    std::printf("file:      %s\n", escape_for_terminal(options.model).c_str());
    std::printf("format:    GGUF v%u, %llu bytes, alignment %u, tensor data at offset %llu\n", file.version(),
                (unsigned long long)file.file_size(), file.alignment(), (unsigned long long)file.data_offset());
    std::printf("\nmetadata (%zu keys):\n", file.metadata().size());
    for (const MetaEntry& e : file.metadata())
        std::printf("  %-44s %-16s %s\n", escape_for_terminal(e.key).c_str(), type_label(e.value).c_str(),
                    value_text(e.value, max_items, max_chars).c_str());
    std::printf("\ntensors (%zu, %llu parameters, %llu bytes):\n", file.tensors().size(),
                (unsigned long long)totals.parameters, (unsigned long long)totals.bytes);
    if (!file.tensors().empty()) std::printf("  %-40s %-8s %-24s %s\n", "name", "type", "shape", "bytes");
    for (const TensorInfo& t : file.tensors())
        std::printf("  %-40s %-8s %-24s %llu\n", escape_for_terminal(t.name).c_str(), type_name(t.type),
                    shape_text(t).c_str(), (unsigned long long)t.n_bytes);
}

}  // namespace

void register_inspect_command(CLI::App& app) {
    auto options = std::make_shared<InspectOptions>();
    CLI::App* cmd = app.add_subcommand("inspect", "Print the metadata and tensor table of a GGUF file");
    cmd->add_option("model", options->model, "GGUF file")->required();
    cmd->add_flag("--json", options->json, "Print JSON instead of text");
    cmd->add_flag("--full", options->full, "Print arrays and strings whole instead of summarised");
    cmd->callback([options] {
        const GgufFile file = GgufFile::open(options->model);
        if (options->json)
            print_json(file, *options);
        else
            print_text(file, *options);
    });
}

}  // namespace chord::cli
