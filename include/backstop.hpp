// Everything, for notebooks (clang-repl, cling). Production code includes what it uses.
#pragma once

#include "backstop/version.hpp"
#include "backstop/core/assert.hpp"
#include "backstop/core/checked_arith.hpp"
#include "backstop/core/config.hpp"
#include "backstop/core/error_code.hpp"
#include "backstop/core/format.hpp"
#include "backstop/core/result.hpp"
#include "backstop/core/rounding.hpp"
#include "backstop/core/wide_int.hpp"
#include "backstop/money/money.hpp"
