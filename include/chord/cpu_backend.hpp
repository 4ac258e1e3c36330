// The CPU backend: plain, readable reference kernels (scalar, one thread). Faster SIMD and
// threaded kernels are tested against it.
#pragma once

#include <memory>

#include "chord/backend.hpp"

namespace chord {

std::unique_ptr<Backend> make_cpu_backend();

}  // namespace chord
