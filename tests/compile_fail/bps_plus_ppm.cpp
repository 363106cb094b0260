// Adding basis points to parts per million.
#include <backstop/money/rate.hpp>
using namespace backstop;
int main() {
    Bps penalty(150);
#ifdef BACKSTOP_COMPILE_FAIL
    auto total = penalty + Ppm(100);
#else
    auto total = to_ppm(penalty).value() + Ppm(100);
#endif
    return total.count() == 0 ? 1 : 0;
}
