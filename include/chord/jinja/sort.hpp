// The engine's sort: GCC's std::sort, step for step.
//
// llama.cpp sorts (|sort, |dictsort) with std::sort, which is not stable: where items compare
// equal, their final order is whatever the algorithm's moves leave. To put ties where llama.cpp
// (built with GCC, as on Linux) puts them, on every platform, this is libstdc++'s introsort:
// median-of-three quicksort down to runs of 16, heapsort past 2·log2(n) levels, then insertion
// sort. libstdc++'s inner loops run unguarded, trusting sentinels a strict weak ordering provides;
// the engine's ordering is not always one (NaN, mixed kinds), so the loops are bounded here. For a
// proper ordering the bounds never bind, and the result is std::sort's.
#pragma once

#include <cstddef>
#include <utility>
#include <vector>

namespace chord::jinja {

namespace detail {

using Index = std::ptrdiff_t;

template <typename T, typename Less>
class GccSort {
public:
    GccSort(std::vector<T>& v, Less& less) : v_(v), less_(less) {}

    void run() {
        const Index n = static_cast<Index>(v_.size());
        if (n == 0) return;
        Index log2 = 0;
        while ((Index(1) << (log2 + 1)) <= n) ++log2;
        introsort(0, n, 2 * log2);
        final_insertion_sort(0, n);
    }

private:
    static constexpr Index kThreshold = 16;

    T& at(Index i) { return v_[static_cast<size_t>(i)]; }
    bool less(Index a, Index b) { return less_(at(a), at(b)); }
    void swap(Index a, Index b) { std::swap(at(a), at(b)); }

    void introsort(Index first, Index last, Index depth) {
        while (last - first > kThreshold) {
            if (depth == 0) {
                make_heap(first, last);
                sort_heap(first, last);
                return;
            }
            --depth;
            move_median_to_first(first, first + 1, first + (last - first) / 2, last - 1);
            const Index cut = partition(first + 1, last, first);
            introsort(cut, last, depth);
            last = cut;
        }
    }

    void move_median_to_first(Index result, Index a, Index b, Index c) {
        if (less(a, b)) {
            if (less(b, c)) {
                swap(result, b);
            } else if (less(a, c)) {
                swap(result, c);
            } else {
                swap(result, a);
            }
        } else if (less(a, c)) {
            swap(result, a);
        } else if (less(b, c)) {
            swap(result, c);
        } else {
            swap(result, b);
        }
    }

    // Around the pivot at `pivot`, just before [first, last).
    Index partition(Index first, Index last, Index pivot) {
        const Index end = last;
        for (;;) {
            while (first < end && less(first, pivot)) ++first;
            --last;
            while (last > pivot && less(pivot, last)) --last;
            if (!(first < last)) return first;
            swap(first, last);
            ++first;
        }
    }

    // Moves at(i) down to its place, not below `floor`.
    void linear_insert(Index i, Index floor) {
        T value = std::move(at(i));
        Index next = i - 1;
        while (next >= floor && less_(value, at(next))) {
            at(i) = std::move(at(next));
            i = next;
            --next;
        }
        at(i) = std::move(value);
    }

    void insertion_sort(Index first, Index last) {
        if (first == last) return;
        for (Index i = first + 1; i != last; ++i) {
            if (less(i, first)) {
                T value = std::move(at(i));
                for (Index j = i; j > first; --j) at(j) = std::move(at(j - 1));
                at(first) = std::move(value);
            } else {
                linear_insert(i, first);
            }
        }
    }

    void final_insertion_sort(Index first, Index last) {
        if (last - first > kThreshold) {
            insertion_sort(first, first + kThreshold);
            for (Index i = first + kThreshold; i != last; ++i) linear_insert(i, first);
        } else {
            insertion_sort(first, last);
        }
    }

    void push_heap(Index first, Index hole, Index top, T value) {
        Index parent = (hole - 1) / 2;
        while (hole > top && less_(at(first + parent), value)) {
            at(first + hole) = std::move(at(first + parent));
            hole = parent;
            parent = (hole - 1) / 2;
        }
        at(first + hole) = std::move(value);
    }

    void adjust_heap(Index first, Index hole, Index len, T value) {
        const Index top = hole;
        Index child = hole;
        while (child < (len - 1) / 2) {
            child = 2 * (child + 1);
            if (less(first + child, first + (child - 1))) --child;
            at(first + hole) = std::move(at(first + child));
            hole = child;
        }
        if ((len & 1) == 0 && child == (len - 2) / 2) {
            child = 2 * (child + 1);
            at(first + hole) = std::move(at(first + (child - 1)));
            hole = child - 1;
        }
        push_heap(first, hole, top, std::move(value));
    }

    void make_heap(Index first, Index last) {
        const Index len = last - first;
        if (len < 2) return;
        for (Index parent = (len - 2) / 2;; --parent) {
            T value = std::move(at(first + parent));
            adjust_heap(first, parent, len, std::move(value));
            if (parent == 0) return;
        }
    }

    void sort_heap(Index first, Index last) {
        while (last - first > 1) {
            --last;
            T value = std::move(at(last));
            at(last) = std::move(at(first));
            adjust_heap(first, 0, last - first, std::move(value));
        }
    }

    std::vector<T>& v_;
    Less& less_;
};

}  // namespace detail

template <typename T, typename Less>
void gcc_sort(std::vector<T>& v, Less less) {
    detail::GccSort<T, Less>(v, less).run();
}

}  // namespace chord::jinja
