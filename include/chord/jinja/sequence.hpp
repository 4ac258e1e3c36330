// Python's slice x[start:stop:step] over a list or the bytes of a string, as the engine computes it.
#pragma once

#include <algorithm>
#include <cstdint>
#include <limits>

#include "chord/jinja/args.hpp"

namespace chord::jinja {

template <typename Seq>
Seq slice(const Seq& seq, int64_t start, int64_t stop, int64_t step) {
    const int64_t len = static_cast<int64_t>(seq.size());
    Seq out;
    if (step == 0) return out;
    if (step > 0) {
        start = start < 0 ? std::max<int64_t>(len + start, 0) : std::min(start, len);
        stop = stop < 0 ? std::max<int64_t>(len + stop, 0) : std::min(stop, len);
        for (int64_t i = start; i < stop; i += step) {
            out.push_back(seq[static_cast<size_t>(i)]);
            if (i > std::numeric_limits<int64_t>::max() - step) break;
        }
    } else {
        start = start < 0 ? std::max<int64_t>(len + start, 0) : std::min(start, len - 1);
        stop = stop < -1 ? std::max<int64_t>(len + stop, -1) : std::min(stop, len - 1);
        for (int64_t i = start; i > stop; i += step) {
            if (i >= 0 && i < len) out.push_back(seq[static_cast<size_t>(i)]);
            if (i < std::numeric_limits<int64_t>::min() - step) break;
        }
    }
    return out;
}

// The (start, stop, step) of the engine's slice builtin: its object, then the three bounds. With
// fewer arguments the engine reads an undefined bound, which is an error.
struct SliceBounds {
    int64_t start, stop, step;
};

inline SliceBounds slice_bounds(const Args& a) {
    const Value first = a.at(1);
    const Value second = a.at_or(2, Value());
    const Value third = a.at_or(3, Value());
    SliceBounds b{as_int(first), as_int(second), a.count() == 2 ? 1 : as_int(third)};
    if (b.step == 0) throw RuntimeError("slice step cannot be zero");
    return b;
}

}  // namespace chord::jinja
