// An integer silently becoming money.
#include <backstop/money/amount.hpp>
#include <backstop/money/assets.hpp>
using namespace backstop;
using namespace backstop::assets;
int main() {
#ifdef BACKSTOP_COMPILE_FAIL
    Amount<USDC> amount = 5;
#else
    Amount<USDC> amount(5);
#endif
    return amount.is_zero() ? 1 : 0;
}
