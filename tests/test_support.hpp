// Helpers shared by the tests: where the shared test data is, and reading files.
#pragma once

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>
#include <string>
#include <vector>

#include "chord/error.hpp"

namespace chord::test {

inline std::filesystem::path shared_dir() { return std::filesystem::path(CHORD_SHARED_DIR); }

// All files of a shared subdirectory with the given extension, sorted. Throws if the directory is
// missing, so a test that needs the shared data fails loudly instead of passing on nothing.
inline std::vector<std::filesystem::path> shared_files(const std::string& subdir, const std::string& extension) {
    const std::filesystem::path dir = shared_dir() / subdir;
    if (!std::filesystem::is_directory(dir))
        throw Error(ErrorCode::Io, "shared test data directory '" + dir.string() + "' does not exist");
    std::vector<std::filesystem::path> files;
    for (const auto& entry : std::filesystem::directory_iterator(dir))
        if (entry.path().extension() == extension) files.push_back(entry.path());
    std::sort(files.begin(), files.end());
    return files;
}

inline std::vector<std::filesystem::path> shared_gguf_files() {
    std::vector<std::filesystem::path> files = shared_files("models", ".gguf");
    const std::vector<std::filesystem::path> vocabs = shared_files("vocab", ".gguf");
    files.insert(files.end(), vocabs.begin(), vocabs.end());
    return files;
}

// File names of a shared subdirectory, for INSTANTIATE_TEST_SUITE_P. Empty when the data is
// missing: the suite is then left uninstantiated, which gtest reports as a failure.
inline std::vector<std::string> shared_file_names(const std::string& subdir, const std::string& extension) {
    std::vector<std::string> names;
    try {
        for (const auto& p : shared_files(subdir, extension)) names.push_back(p.filename().string());
    } catch (const Error&) {
    }
    return names;
}

// A file name as a gtest parameter name: letters and digits kept, the rest '_'.
inline std::string parameter_name(std::string name) {
    for (char& c : name)
        if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
    return name;
}

// n values drawn from a normal distribution (mean 0), reproducibly from `seed`.
inline std::vector<float> random_normal(size_t n, uint32_t seed, float stddev) {
    std::mt19937 rng(seed);
    std::normal_distribution<float> normal(0.0f, stddev);
    std::vector<float> x(n);
    for (float& v : x) v = normal(rng);
    return x;
}

inline std::vector<uint8_t> read_file(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw Error(ErrorCode::Io, "cannot read '" + path.string() + "'");
    return std::vector<uint8_t>(std::istreambuf_iterator<char>(in), {});
}

}  // namespace chord::test
