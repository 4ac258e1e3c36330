// Split models: llama.cpp's gguf-split writes a large model as PREFIX-00001-of-00003.gguf,
// PREFIX-00002-of-00003.gguf, ... Opening any one of them by path opens the whole set.
#pragma once

#include <cstdio>
#include <optional>
#include <string>
#include <vector>

#include "chord/gguf.hpp"

namespace chord {

struct SplitName {
    std::string prefix;  // everything before "-00001-of-00003.gguf"
    uint32_t index;      // 1-based, as in the name
    uint32_t count;
};

// The split part of a file name, if it has one.
inline std::optional<SplitName> parse_split_name(const std::string& path) {
    static constexpr char kTail[] = "-NNNNN-of-NNNNN.gguf";
    const size_t tail = sizeof kTail - 1;
    if (path.size() < tail) return std::nullopt;
    const size_t start = path.size() - tail;
    uint32_t numbers[2] = {0, 0};
    for (size_t i = 0; i < tail; ++i) {
        const char c = path[start + i];
        if (kTail[i] == 'N') {
            if (c < '0' || c > '9') return std::nullopt;
            uint32_t& n = numbers[i < 7 ? 0 : 1];
            n = n * 10 + uint32_t(c - '0');
        } else if (c != kTail[i]) {
            return std::nullopt;
        }
    }
    if (numbers[0] == 0 || numbers[0] > numbers[1]) return std::nullopt;
    return SplitName{path.substr(0, start), numbers[0], numbers[1]};
}

inline std::string split_file_name(const std::string& prefix, uint32_t index, uint32_t count) {
    char suffix[32];
    std::snprintf(suffix, sizeof suffix, "-%05u-of-%05u.gguf", index, count);
    return prefix + suffix;
}

// The files that make up the model at `path`: all parts of a split model, else just `path`.
inline std::vector<std::string> model_file_paths(const std::string& path) {
    const std::optional<SplitName> split = parse_split_name(path);
    if (!split || split->count == 1) return {path};
    std::vector<std::string> paths;
    for (uint32_t i = 1; i <= split->count; ++i) paths.push_back(split_file_name(split->prefix, i, split->count));
    return paths;
}

// Opens a model file, or every part of a split model given the path of any part.
inline GgufFile open_model_file(const std::string& path) {
    const std::vector<std::string> paths = model_file_paths(path);
    if (paths.size() == 1) return GgufFile::open(path);
    std::vector<GgufFile> files;
    for (const std::string& p : paths) files.push_back(GgufFile::open(p));
    return GgufFile::join(std::move(files));
}

}  // namespace chord
