// Weight types: block layouts, the type table with reference dequantizers and weight quantizers,
// and the 8-bit quantization of activations. Include this for everything about quantized data.
#pragma once

#include "chord/dequantize.hpp"
#include "chord/fp16.hpp"
#include "chord/quant_blocks.hpp"
#include "chord/quantize.hpp"
#include "chord/quantize_weights.hpp"
#include "chord/type_traits.hpp"
