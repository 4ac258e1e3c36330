// The forward pass as a graph (step_graph.hpp): the Model hands the backend one graph per batch
// of tokens, the same graph every time, and run_op_by_op calls each operation with the batch's
// rows, the tail after the LastRowOp with one row.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "chord/model.hpp"
#include "test_support.hpp"

namespace chord {
namespace {

// The CPU backend, recording each run() and each operation with its row count.
class RecordingBackend final : public Backend {
public:
    struct Call {
        std::string op;
        size_t n;
    };
    std::vector<uint64_t> graph_ids;
    std::vector<size_t> step_rows;
    std::vector<Call> calls;

    std::string name() const override { return "recording"; }
    BufferId upload_weight(const TensorView& t) override { return cpu_->upload_weight(t); }
    BufferId create_activations(size_t rows, size_t cols) override { return cpu_->create_activations(rows, cols); }
    BufferId create_cache(size_t n_ctx, size_t width, KvCacheType type) override { return cpu_->create_cache(n_ctx, width, type); }
    void read(BufferId a, size_t row, size_t n, float* out) const override { cpu_->read(a, row, n, out); }
    void write(BufferId a, size_t row, size_t n, const float* in) override { cpu_->write(a, row, n, in); }

    void embed(BufferId t, const int32_t* tokens, size_t n, BufferId out) override { log("embed", n); cpu_->embed(t, tokens, n, out); }
    void rms_norm(BufferId x, BufferId w, float eps, size_t n, BufferId out) override {
        log("rms_norm", n); cpu_->rms_norm(x, w, eps, n, out);
    }
    void matmul(BufferId w, BufferId x, size_t n, BufferId out) override { log("matmul", n); cpu_->matmul(w, x, n, out); }
    void add_bias(BufferId x, BufferId b, size_t n) override { log("add_bias", n); cpu_->add_bias(x, b, n); }
    void copy_rows(BufferId s, size_t first, size_t n, BufferId d) override { log("copy_rows", n); cpu_->copy_rows(s, first, n, d); }
    void copy_columns(BufferId s, size_t col, size_t n, BufferId d) override {
        log("copy_columns", n); cpu_->copy_columns(s, col, n, d);
    }
    void rope(BufferId x, const RopeParams& p, const int32_t* positions, size_t n) override {
        log("rope", n); cpu_->rope(x, p, positions, n);
    }
    void attention(BufferId q, BufferId k, BufferId v, BufferId kc, BufferId vc, const AttentionParams& p, const int32_t* positions,
                   size_t n, BufferId out) override {
        log("attention", n); cpu_->attention(q, k, v, kc, vc, p, positions, n, out);
    }
    void rms_norm_heads(BufferId x, BufferId w, float eps, uint32_t hd, size_t n) override {
        log("rms_norm_heads", n); cpu_->rms_norm_heads(x, w, eps, hd, n);
    }
    void swiglu(BufferId g, BufferId u, size_t n) override { log("swiglu", n); cpu_->swiglu(g, u, n); }
    void geglu(BufferId g, BufferId u, size_t n) override { log("geglu", n); cpu_->geglu(g, u, n); }
    void add(BufferId x, BufferId y, size_t n) override { log("add", n); cpu_->add(x, y, n); }
    void scale(BufferId x, float f, size_t n) override { log("scale", n); cpu_->scale(x, f, n); }
    void soft_cap(BufferId x, float cap, size_t n) override { log("soft_cap", n); cpu_->soft_cap(x, cap, n); }

    void run(const StepGraph& graph, const StepInputs& step) override {
        graph_ids.push_back(graph.id);
        step_rows.push_back(step.n);
        run_op_by_op(*this, graph, step);
    }

private:
    void log(const char* op, size_t n) { calls.push_back({op, n}); }
    std::unique_ptr<Backend> cpu_ = make_cpu_backend({1, CpuKernels::Reference});
};

TEST(StepGraph, OneGraphPerBatchItsTailOnTheLastRowAndTheLogitsOfTheCpu) {
    const std::string path = (test::shared_dir() / "models" / "stories260K-f32.gguf").string();
    ModelOptions options;
    options.n_ctx = 64;
    options.batch_size = 4;
    options.kernels = CpuKernels::Reference;
    auto recorder = std::make_unique<RecordingBackend>();
    RecordingBackend& rec = *recorder;
    auto recorded = Model::load(path, options, std::move(recorder));
    auto plain = Model::load(path, options);

    const std::vector<TokenId> prompt = {1, 403, 407, 261, 378, 27, 88, 13, 300, 11};
    EXPECT_EQ(recorded->forward(prompt.data(), prompt.size(), 0), plain->forward(prompt.data(), prompt.size(), 0));
    EXPECT_EQ(rec.step_rows, (std::vector<size_t>{4, 4, 2}));
    const TokenId next = 42;
    EXPECT_EQ(recorded->forward(&next, 1, 10), plain->forward(&next, 1, 10));
    ASSERT_EQ(rec.graph_ids.size(), 4u);
    for (uint64_t id : rec.graph_ids) EXPECT_EQ(id, rec.graph_ids[0]);

    // Within each batch: every operation on the batch's rows until the last row is taken out,
    // then the final norm and the logits on that one row.
    size_t call = 0;
    for (size_t rows : rec.step_rows) {
        ASSERT_EQ(rec.calls.at(call).op, "embed");
        while (rec.calls.at(call).op != "copy_rows") EXPECT_EQ(rec.calls.at(call++).n, rows);
        EXPECT_EQ(rec.calls.at(call++).n, 1u);  // the last row
        EXPECT_EQ(rec.calls.at(call).op, "rms_norm");
        EXPECT_EQ(rec.calls.at(call++).n, 1u);
        EXPECT_EQ(rec.calls.at(call).op, "matmul");
        EXPECT_EQ(rec.calls.at(call++).n, 1u);
    }
    EXPECT_EQ(call, rec.calls.size());
}

}  // namespace
}  // namespace chord
