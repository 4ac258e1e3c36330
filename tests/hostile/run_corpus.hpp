// Runs hostile cases: each file is parsed and loaded as a model (CPU, one thread) from a buffer of
// exactly its size (so that ASan sees any read past its end), and must give the expected
// chord::Error — not another exception, not success — quickly. The same code checks the native
// and the wasm builds.
#pragma once

#include <chrono>
#include <cstdint>
#include <cstring>
#include <map>
#include <memory>
#include <new>
#include <string>
#include <vector>

#include "chord/error.hpp"
#include "chord/gguf.hpp"
#include "chord/model.hpp"
#include "chord/utf8.hpp"
#include "hostile_case.hpp"

#ifdef __EMSCRIPTEN__
#include <emscripten/heap.h>
#else
#include <sys/resource.h>
#endif

namespace chord::hostile {

// The most memory this process has held: the wasm heap (which only grows), or the peak RSS.
inline uint64_t peak_memory_bytes() {
#ifdef __EMSCRIPTEN__
    return emscripten_get_heap_size();
#else
    rusage usage{};
    getrusage(RUSAGE_SELF, &usage);
    return uint64_t(usage.ru_maxrss) * 1024;  // kilobytes on Linux
#endif
}

constexpr size_t kMaxMessageBytes = 600;

// Empty when the case gives the expected error; else what happened instead.
inline std::string check_hostile_case(const HostileCase& c) {
    std::unique_ptr<uint8_t[]> exact(new uint8_t[c.bytes.size()]);
    if (!c.bytes.empty()) std::memcpy(exact.get(), c.bytes.data(), c.bytes.size());
    const std::string expected = std::string(error_code_name(c.code)) + " containing \"" + c.fragment + "\"";
    try {
        std::unique_ptr<Model> model = Model::load(GgufFile::from_memory(exact.get(), c.bytes.size()), c.options);
        return "loaded without an error (expected " + expected + ")";
    } catch (const Error& e) {
        const std::string message = e.what();
        if (e.code() != c.code || message.find(c.fragment) == std::string::npos)
            return std::string("chord::Error ") + error_code_name(e.code()) + " \"" + printable_utf8(message) + "\", expected " + expected;
        // A message for people (and a JS string): valid UTF-8, whatever bytes the file held, and short.
        if (!is_valid_utf8(message)) return "the message is not valid UTF-8: \"" + printable_utf8(message) + "\"";
        if (message.size() > kMaxMessageBytes) return "a message of " + std::to_string(message.size()) + " bytes";
        return "";
    } catch (const std::bad_alloc&) {
        return "std::bad_alloc, expected " + expected;
    } catch (const std::exception& e) {
        return std::string("non-chord exception \"") + e.what() + "\", expected " + expected;
    }
}

struct CorpusResult {
    size_t cases = 0;
    std::map<std::string, size_t> per_category;
    std::vector<std::string> failures;  // "name: what happened"
    double seconds = 0;
    double slowest_seconds = 0;
    std::string slowest;
    uint64_t peak_memory_growth = 0;  // bytes, over the whole run

    // "truncation 712, header 12, …"
    std::string counts() const {
        std::string out;
        for (const auto& [category, n] : per_category) out += (out.empty() ? "" : ", ") + category + " " + std::to_string(n);
        return out;
    }
};

// Runs every case; a case slower than `time_limit_seconds` is a failure.
inline CorpusResult run_hostile_corpus(const std::vector<HostileCase>& corpus, double time_limit_seconds) {
    using Clock = std::chrono::steady_clock;
    CorpusResult r;
    const uint64_t memory_before = peak_memory_bytes();
    const Clock::time_point start = Clock::now();
    for (const HostileCase& c : corpus) {
        const Clock::time_point case_start = Clock::now();
        std::string failure = check_hostile_case(c);
        const double seconds = std::chrono::duration<double>(Clock::now() - case_start).count();
        if (failure.empty() && seconds > time_limit_seconds)
            failure = "took " + std::to_string(seconds) + " s, more than " + std::to_string(time_limit_seconds) + " s";
        if (!failure.empty()) r.failures.push_back(c.name + ": " + failure);
        if (seconds > r.slowest_seconds) r.slowest_seconds = seconds, r.slowest = c.name;
        ++r.cases;
        ++r.per_category[c.category];
    }
    r.seconds = std::chrono::duration<double>(Clock::now() - start).count();
    r.peak_memory_growth = peak_memory_bytes() - memory_before;
    return r;
}

}  // namespace chord::hostile
