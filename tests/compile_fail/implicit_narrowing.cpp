// A wide amount silently narrowed to int64 (it may not fit): narrowing is rep_cast, a Result.
#include <backstop/money/amount.hpp>
#include <backstop/money/assets.hpp>
using namespace backstop;
using namespace backstop::assets;
int main() {
    Amount<USDC, Int128> wide(Int128(5));
#ifdef BACKSTOP_COMPILE_FAIL
    Amount<USDC> narrow = wide;
#else
    Amount<USDC> narrow = rep_cast<std::int64_t>(wide).value();
#endif
    return narrow.is_zero() ? 1 : 0;
}
