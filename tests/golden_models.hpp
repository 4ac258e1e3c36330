// The golden files of tests/data/golden (llama.cpp's greedy outputs, tests/data/golden/README.md)
// and the models they were made from: a shared model (../shared/models/NAME.gguf), or, for a golden
// that carries "synth_args", the random-weight model `chord synth SYNTH_ARGS --vocab
// ../shared/models/SYNTH_VOCAB` writes again, checked byte for byte against the recorded checksum.
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "cli_runner.hpp"
#include "test_support.hpp"

namespace chord::test {

inline std::filesystem::path golden_dir() { return std::filesystem::path(CHORD_TEST_DATA_DIR) / "golden"; }

inline std::vector<std::string> golden_names() {
    std::vector<std::string> names;
    for (const auto& entry : std::filesystem::directory_iterator(golden_dir()))
        if (entry.path().extension() == ".json") names.push_back(entry.path().stem().string());
    std::sort(names.begin(), names.end());
    return names;
}

inline nlohmann::json read_golden(const std::string& name) {
    return nlohmann::json::parse(std::ifstream(golden_dir() / (name + ".json")));
}

inline bool is_synth_golden(const nlohmann::json& golden) { return golden.contains("synth_args"); }

// 64-bit FNV-1a: enough to tell that `chord synth` still writes the file the golden was made from.
inline uint64_t fnv1a64(const std::vector<uint8_t>& bytes) {
    uint64_t h = 0xcbf29ce484222325ull;
    for (uint8_t b : bytes) h = (h ^ b) * 0x100000001b3ull;
    return h;
}

// Writes the synth golden's model with extra `chord synth` arguments (e.g. "--without swa") into
// the test's temporary directory and returns its path.
inline std::filesystem::path write_synth_model(const std::string& name, const nlohmann::json& golden,
                                               const std::string& extra_args = "") {
    std::string args = "synth";
    for (const auto& a : golden["synth_args"]) args += " " + quoted(a.get<std::string>());
    const std::filesystem::path out =
        std::filesystem::path(testing::TempDir()) / ("chord_golden_" + std::to_string(getpid()) + "_" + name + ".gguf");
    args += " --vocab " + quoted((shared_dir() / "models" / golden["synth_vocab"].get<std::string>()).string()) + " -o " +
            quoted(out.string()) + " " + extra_args;
    const RunResult r = run_chord(args);
    if (r.exit_code != 0) throw std::runtime_error("chord " + args + " failed: " + r.err);
    return out;
}

// The model of golden `name`, ready to load. A synth model whose bytes differ from the recorded
// ones fails the test: the golden no longer describes it (make it again, README.md there says how).
inline std::filesystem::path golden_model_path(const std::string& name, const nlohmann::json& golden) {
    if (!is_synth_golden(golden)) return shared_dir() / "models" / (name + ".gguf");
    const std::filesystem::path path = write_synth_model(name, golden);
    const std::vector<uint8_t> bytes = read_file(path);
    char hash[17];
    std::snprintf(hash, sizeof hash, "%016llx", static_cast<unsigned long long>(fnv1a64(bytes)));
    EXPECT_EQ(bytes.size(), golden["model_bytes"].get<size_t>()) << name << ": chord synth writes another file now";
    EXPECT_EQ(std::string(hash), golden["model_fnv1a64"].get<std::string>()) << name << ": chord synth writes another file now";
    return path;
}

}  // namespace chord::test
