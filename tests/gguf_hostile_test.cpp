// Hostile input: every shared model truncated at every structural boundary (and many points in
// between) and with bytes flipped in its header, metadata and tensor table. A truncated file must be
// a chord::Error; a flipped one must be an Error or parse into views that stay inside the bytes.
// The buffers are exactly as large as the input, so under ASan any read past the end is caught.
#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <set>

#include "chord/gguf.hpp"
#include "test_support.hpp"

namespace chord {
namespace {

struct Outcome {
    bool parsed = false;
    std::string unexpected;  // an exception other than chord::Error
};

// Parses `bytes` and, when that succeeds, touches the first and last byte of every tensor.
Outcome parse_and_touch(const std::vector<uint8_t>& bytes) {
    Outcome outcome;
    try {
        const GgufFile f = GgufFile::from_memory(bytes.data(), bytes.size());
        volatile uint8_t sink = 0;
        for (const TensorInfo& t : f.tensors()) {
            const TensorView v = f.tensor(t);
            if (v.data < bytes.data() || v.data + v.size > bytes.data() + bytes.size()) {
                outcome.unexpected = "tensor '" + std::string(t.name) + "' view lies outside the input";
                return outcome;
            }
            if (v.size) sink = uint8_t(sink + v.data[0] + v.data[v.size - 1]);
        }
        outcome.parsed = true;
    } catch (const Error&) {
    } catch (const std::exception& e) {
        outcome.unexpected = std::string("non-chord exception: ") + e.what();
    }
    return outcome;
}

// Offsets where a field of the file starts or ends, found from a good parse.
struct Layout {
    std::set<size_t> boundaries;
    size_t metadata_end = 0;  // == start of the tensor table
    size_t table_end = 0;
    size_t data_end = 0;      // end of the last tensor's data
};

Layout layout_of(const GgufFile& f) {
    Layout l;
    for (size_t b : {0, 4, 8, 16, 24}) l.boundaries.insert(b);
    for (const MetaEntry& e : f.metadata()) {
        const size_t at = size_t(e.offset), value = at + 8 + e.key.size() + 4;
        for (size_t b : {at, at + 8, at + 8 + e.key.size(), value, value + 1})  // key length, key, type, value
            l.boundaries.insert(b);
        if (e.value.type() == MetaType::Array || e.value.type() == MetaType::String)
            for (size_t b : {value + 4, value + 8, value + 12, value + 16, value + 20}) l.boundaries.insert(b);
    }
    l.metadata_end = f.tensors().empty() ? 24 : size_t(f.tensors().front().info_offset);
    size_t end = l.metadata_end;
    for (const TensorInfo& t : f.tensors()) {
        size_t at = size_t(t.info_offset);
        l.boundaries.insert(at);
        at += 8;
        l.boundaries.insert(at);  // name
        at += t.name.size();
        l.boundaries.insert(at);  // n_dims
        at += 4;
        for (uint32_t d = 0; d < t.n_dims; ++d, at += 8) l.boundaries.insert(at);  // dims
        l.boundaries.insert(at);  // type
        at += 4;
        l.boundaries.insert(at);  // offset
        at += 8;
        end = std::max(end, at);
        const size_t data = size_t(f.data_offset() + t.offset);
        for (size_t b : {data, data + 1, data + size_t(t.n_bytes) / 2, data + size_t(t.n_bytes) - 1})
            l.boundaries.insert(b);
        l.data_end = std::max(l.data_end, data + size_t(t.n_bytes));
    }
    l.table_end = end;
    l.boundaries.insert(end);
    l.boundaries.insert(size_t(f.data_offset()));
    return l;
}

class HostileModel : public testing::TestWithParam<std::string> {
protected:
    void SetUp() override {
        bytes_ = test::read_file(test::shared_dir() / "models" / GetParam());
        const GgufFile f = GgufFile::from_memory(bytes_.data(), bytes_.size());
        ASSERT_FALSE(f.tensors().empty());
        layout_ = layout_of(f);
    }
    std::vector<uint8_t> bytes_;
    Layout layout_;
};

TEST_P(HostileModel, EveryTruncationIsAnError) {
    std::set<size_t> cuts = layout_.boundaries;
    for (size_t b : layout_.boundaries) {  // and the bytes on either side of every boundary
        if (b > 0) cuts.insert(b - 1);
        cuts.insert(b + 1);
    }
    for (size_t i = 0; i < 64; ++i) {  // evenly through the metadata and the data
        cuts.insert(24 + (layout_.metadata_end - 24) * i / 64);
        cuts.insert(layout_.table_end + (layout_.data_end - layout_.table_end) * i / 64);
    }
    size_t tested = 0;
    for (size_t cut : cuts) {
        if (cut >= layout_.data_end) continue;  // past the last tensor the file is complete
        const std::vector<uint8_t> prefix(bytes_.begin(), bytes_.begin() + std::ptrdiff_t(cut));
        const Outcome o = parse_and_touch(prefix);
        ASSERT_TRUE(o.unexpected.empty()) << "cut at " << cut << ": " << o.unexpected;
        ASSERT_FALSE(o.parsed) << "file cut at " << cut << " of " << bytes_.size() << " bytes was accepted";
        ++tested;
    }
    std::printf("[ measured ] %s: %zu truncations, all rejected\n", GetParam().c_str(), tested);
    EXPECT_GT(tested, 100u);
}

TEST_P(HostileModel, FlippedBytesNeverEscapeTheInput) {
    std::vector<uint8_t> bytes = bytes_;  // mutated in place and restored: no copy per case
    size_t cases = 0, rejected = 0;
    const auto try_flip = [&](size_t at, uint8_t mask) {
        bytes[at] = uint8_t(bytes[at] ^ mask);
        const Outcome o = parse_and_touch(bytes);
        bytes[at] = uint8_t(bytes[at] ^ mask);
        ++cases;
        rejected += o.parsed ? 0 : 1;
        return o;
    };
    for (size_t at = 0; at < 24; ++at)  // header
        for (int mask : {0x01, 0x80, 0xFF}) {
            const Outcome o = try_flip(at, uint8_t(mask));
            ASSERT_TRUE(o.unexpected.empty()) << "header byte " << at << ": " << o.unexpected;
        }
    for (size_t at = layout_.metadata_end; at < layout_.table_end; ++at)  // every byte of the table
        for (int mask : {0x01, 0xFF}) {
            const Outcome o = try_flip(at, uint8_t(mask));
            ASSERT_TRUE(o.unexpected.empty()) << "table byte " << at << ": " << o.unexpected;
        }
    std::mt19937 rng(7);
    for (int i = 0; i < 200; ++i) {  // the metadata, sampled
        const size_t at = 24 + rng() % (layout_.metadata_end - 24);
        const Outcome o = try_flip(at, uint8_t(1 + rng() % 255));
        ASSERT_TRUE(o.unexpected.empty()) << "metadata byte " << at << ": " << o.unexpected;
    }
    std::printf("[ measured ] %s: %zu flips, %zu rejected with chord::Error, the rest parsed in bounds\n",
                GetParam().c_str(), cases, rejected);
}

INSTANTIATE_TEST_SUITE_P(SharedModels, HostileModel, testing::ValuesIn(test::shared_file_names("models", ".gguf")),
                         [](const testing::TestParamInfo<std::string>& p) {
                             return test::parameter_name(p.param.substr(0, p.param.size() - 5));  // without ".gguf"
                         });

}  // namespace
}  // namespace chord
