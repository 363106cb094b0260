// Mixing the exact and the research (double) representation of the same asset.
#include <backstop/money/amount.hpp>
#include <backstop/money/assets.hpp>
using namespace backstop;
using namespace backstop::assets;
int main() {
    Amount<USDC> exact(1);
    Amount<USDC, double> research(1.5);
#ifdef BACKSTOP_COMPILE_FAIL
    auto sum = exact + research;
#else
    auto sum = to_research(exact) + research;
#endif
    return sum.is_zero() ? 1 : 0;
}
