// The hostile-input corpus (issue 10): files made by this code from small good models, each broken
// in one way, and the chord::Error each must give. Shared by the GoogleTest suite
// (gguf_hostile_corpus_test.cpp) and the wasm program (wasm/hostile_corpus_test.cpp), which run
// every case through run_hostile_corpus().
#pragma once

#include <string>
#include <vector>

#include "hostile/base_models.hpp"
#include "hostile/content_cases.hpp"
#include "hostile/hostile_case.hpp"
#include "hostile/model_cases.hpp"
#include "hostile/run_corpus.hpp"
#include "hostile/structure_cases.hpp"
#include "hostile/tensor_table_cases.hpp"

namespace chord::hostile {

// Every case, made from the base models (make_base_models(shared_dir)).
inline std::vector<HostileCase> make_hostile_corpus(const BaseModels& models) {
    std::vector<HostileCase> corpus;
    const auto category = [&](const char* name) { return CaseSink(corpus, name); };
    {
        CaseSink sink = category("truncation");
        add_truncations(sink, "small", models.small, true);
        add_truncations(sink, "every-type", models.every_type, false);
    }
    {
        CaseSink sink = category("header");
        add_header_cases(sink, models.small);
        sink.add("empty file", {}, ErrorCode::Truncated, "truncated: GGUF magic needs 4 bytes at offset 0");
    }
    {
        CaseSink sink = category("counts");
        add_count_cases(sink, models.small);
    }
    {
        CaseSink sink = category("lengths");
        add_length_cases(sink, models.small);
    }
    {
        CaseSink sink = category("metadata types");
        add_metadata_type_cases(sink, models.small);
    }
    {
        CaseSink sink = category("names");
        add_name_cases(sink, models.small);
    }
    {
        CaseSink sink = category("dimensions");
        add_dimension_cases(sink, models.small);
    }
    {
        CaseSink sink = category("tensor types");
        add_type_id_cases(sink, models.small);
        add_unsupported_type_cases(sink, models);
    }
    {
        CaseSink sink = category("tensor offsets");
        add_offset_cases(sink, models.small);
    }
    {
        CaseSink sink = category("alignment");
        add_alignment_cases(sink, models.small);
    }
    {
        CaseSink sink = category("invalid UTF-8");
        add_utf8_cases(sink, models);
    }
    {
        CaseSink sink = category("NaN/Inf weights");
        add_non_finite_cases(sink, models);
    }
    {
        CaseSink sink = category("vocabulary");
        add_vocabulary_cases(sink, models);
        add_tokenizer_cases(sink, models);
    }
    {
        CaseSink sink = category("missing");
        add_missing_cases(sink, models);
    }
    {
        CaseSink sink = category("shapes");
        add_shape_cases(sink, models);
    }
    {
        CaseSink sink = category("metadata values");
        add_metadata_value_cases(sink, models);
        add_hyperparameter_cases(sink, models);
    }
    {
        CaseSink sink = category("memory");
        add_memory_cases(sink, models);
    }
    return corpus;
}

}  // namespace chord::hostile
