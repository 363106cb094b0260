// A program outside the project: it must build against the packaged headers and targets alone.
#include <backstop.hpp>

#include <fmt/format.h>

int main() {
    using namespace backstop;
    using namespace backstop::assets;
    const auto fee = apply_rate(parse<Amount<USDC>>("1000").value(), Bps(150), round_up).value();
    fmt::print("consumer: 1.5% of 1000 USDC is {}\n", fee);
    return fee == parse<Amount<USDC>>("15").value() ? 0 : 1;
}
