// A double truncated into an exact amount without a rounding direction.
#include <backstop/money/amount.hpp>
#include <backstop/money/assets.hpp>
using namespace backstop;
using namespace backstop::assets;
int main() {
    double atoms = 2.5;
#ifdef BACKSTOP_COMPILE_FAIL
    Amount<USDC> amount(atoms);
#else
    Amount<USDC> amount = rep_cast<std::int64_t>(Amount<USDC, double>(atoms), round_down).value();
#endif
    return amount.is_zero() ? 1 : 0;
}
