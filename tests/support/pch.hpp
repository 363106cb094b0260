// The test binaries' precompiled header (tests/CMakeLists.txt): the third-party and standard
// headers nearly every test file includes, the larger part of their parsing time. No backstop
// or tests/ header: CMake makes whatever the PCH includes a system header, which would hide
// their warnings (and swarm_assert.hpp must come before any backstop header).
#pragma once

#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <limits>
#include <map>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include <boost/multiprecision/cpp_int.hpp>
#include <catch2/catch.hpp>
#include <fmt/format.h>
