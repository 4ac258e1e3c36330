// Runs the `chord` CLI from a test and checks its error contract.
#pragma once

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace chord::test {

struct RunResult {
    int exit_code = -1;
    bool signalled = false;
    std::string out, err;
};

inline std::string slurp(const std::filesystem::path& p) {
    std::ifstream in(p);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

inline std::string quoted(const std::string& s) { return "'" + s + "'"; }  // test paths have no quotes

// Runs `chord ARGS` with `input` on standard input.
inline RunResult run_chord(const std::string& args, const std::string& input = "") {
    const std::filesystem::path dir = testing::TempDir();
    // Per-process names: ctest runs tests in parallel processes.
    const std::string id = std::to_string(getpid());
    const std::filesystem::path in = dir / ("chord_cli_in_" + id), out = dir / ("chord_cli_out_" + id),
                                err = dir / ("chord_cli_err_" + id);
    std::ofstream(in, std::ios::binary) << input;
    const std::string command = quoted(CHORD_CLI_PATH) + " " + args + " >" + quoted(out.string()) + " 2>" +
                                quoted(err.string()) + " <" + quoted(in.string());
    const int status = std::system(command.c_str());
    RunResult r;
    r.signalled = WIFSIGNALED(status);
    r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    r.out = slurp(out);
    r.err = slurp(err);
    return r;
}

inline void expect_error_contract(const RunResult& r, const std::string& message_part) {
    EXPECT_FALSE(r.signalled);
    EXPECT_EQ(r.exit_code, 1);
    EXPECT_EQ(r.err.rfind("error: ", 0), 0u) << r.err;
    EXPECT_NE(r.err.find(message_part), std::string::npos) << r.err;
}

}  // namespace chord::test
