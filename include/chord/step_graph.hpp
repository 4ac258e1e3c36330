// A forward pass as data: the operations of one step in order, each on rows [0, n) of backend
// buffers, where n, the tokens and their positions are the step's (StepInputs). The Model builds
// its graph once, at load; a backend runs it op by op (run_op_by_op) or plans it whole — the
// WebGPU backend fuses neighbouring operations and replays the plan every decoding step.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <variant>
#include <vector>

#include "chord/backend_params.hpp"

namespace chord {

// Each struct names the Backend operation of the same name and carries its arguments.
struct EmbedOp { BufferId table, out; };                 // out[i] = table[tokens[i]]
struct ScaleOp { BufferId x; float factor; };             // x[i] *= factor
struct RmsNormOp { BufferId x, weight; float eps; BufferId out; };
struct MatmulOp { BufferId weight, x, out; };             // out[i] = W · x[i]
struct AddBiasOp { BufferId x, bias; };
struct LastRowOp { BufferId src, dst; };                  // dst[0] = src[n − 1] (one row, whatever n)
struct CopyColumnsOp { BufferId src; size_t col; BufferId dst; };
struct RmsNormHeadsOp { BufferId x, weight; float eps; uint32_t head_dim; };
struct RopeOp { BufferId x; RopeParams params; };         // at the step's positions
struct AttentionOp { BufferId q, k, v, k_cache, v_cache; AttentionParams params; BufferId out; };
struct SwigluOp { BufferId gate, up; };
struct GegluOp { BufferId gate, up; };
struct AddOp { BufferId x, y; };                          // x[i] += y[i]
struct SoftCapOp { BufferId x; float cap; };

using Op = std::variant<EmbedOp, ScaleOp, RmsNormOp, MatmulOp, AddBiasOp, LastRowOp, CopyColumnsOp, RmsNormHeadsOp, RopeOp,
                        AttentionOp, SwigluOp, GegluOp, AddOp, SoftCapOp>;

struct StepGraph {
    // Unique among the graphs of this process, so that a backend can key what it planned by it.
    uint64_t id = next_id();
    std::vector<Op> ops;
    // Operations from this index on act on one row (the last token's, which a LastRowOp took
    // out): only its logits are needed.
    size_t one_row_from = std::numeric_limits<size_t>::max();

    template <typename T>
    void add(T op) { ops.emplace_back(std::move(op)); }

private:
    static uint64_t next_id() {
        static std::atomic<uint64_t> counter{0};
        return ++counter;
    }
};

struct StepInputs {
    const int32_t* tokens;
    const int32_t* positions;
    size_t n;
};

}  // namespace chord
