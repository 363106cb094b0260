// Rankings for auto-deleveraging: the bearer with the highest key is deleveraged first; ties go
// to the lower account id. Keys are doubles computed once per bearer (IEEE arithmetic, so the
// order is the same on every conforming platform); only the order matters, not the value.
#pragma once

#include "backstop/core/config.hpp"
#include "backstop/fund/fund_types.hpp"
#include "backstop/money/asset.hpp"

#include <algorithm>
#include <cstdint>
#include <type_traits>

namespace backstop {
namespace detail {
// A bearer's equity (collateral + unrealised PnL) as the nearest double. The sum is exact in a
// wider type, then rounded once: for int64 money that is the double the int64 sum gave whenever
// it did not overflow, so ranks are unchanged, and __int128 -> double rounds the same way on
// every platform.
template <class Asset>
double equity_as_double(const LossBearer<Asset>& bearer) {
    if constexpr (std::is_same<typename Amount<Asset>::rep, std::int64_t>::value) {
        // The same double as the exact sum's: in 64 bits when it fits (libgcc's 128-bit
        // conversion took a tenth of an ADL over 10^5 bearers), otherwise in 128.
        std::int64_t sum = 0;
        if (!__builtin_add_overflow(bearer.collateral.atoms(), bearer.unrealised_pnl.atoms(), &sum)) {
            return static_cast<double>(sum);
        }
        return static_cast<double>(int128(bearer.collateral.atoms()) + bearer.unrealised_pnl.atoms());
    } else {
        return static_cast<double>(bearer.equity().atoms());
    }
}
}  // namespace detail

namespace adl_rank {

// BitMEX: PnL% x effective leverage for a profit, PnL% / effective leverage for a loss, with
// PnL% = unrealised PnL / entry value and effective leverage = position value / equity
// (bitmex.com/app/autoDeleveraging; domain.md 3.1).
struct PnlTimesLeverage {
    template <class Asset>
    static double key(const LossBearer<Asset>& bearer) {
        const double entry = static_cast<double>(bearer.entry_value.atoms());
        const double equity = detail::equity_as_double(bearer);
        if (entry <= 0.0 || equity <= 0.0) return 0.0;
        const double pnl_fraction = static_cast<double>(bearer.unrealised_pnl.atoms()) / entry;
        const double leverage = static_cast<double>(bearer.position_value.atoms()) / equity;
        if (leverage <= 0.0) return 0.0;
        return pnl_fraction > 0.0 ? pnl_fraction * leverage : pnl_fraction / leverage;
    }
};

// Binance: LeveragePnL = PnL% x MarginRatio with PnL% = max(0, uPnL) / max(1, wallet balance)
// and MarginRatio = maintenance / (wallet balance + uPnL), 0 when that is not positive
// (binance.com/en/support/faq/360033525471; domain.md 3.2). "1" is one whole unit of the asset.
struct BinanceLeveragePnl {
    template <class Asset>
    static double key(const LossBearer<Asset>& bearer) {
        const double one_unit = static_cast<double>(pow10<std::int64_t>(AssetTraits<Asset>::decimals));
        const double wallet = static_cast<double>(bearer.collateral.atoms());
        const double profit = std::max(0.0, static_cast<double>(bearer.unrealised_pnl.atoms()));
        const double pnl_fraction = profit / std::max(one_unit, wallet);
        const double equity = wallet + static_cast<double>(bearer.unrealised_pnl.atoms());
        const double margin_ratio =
            equity > 0.0 ? static_cast<double>(bearer.maintenance.atoms()) / equity : 0.0;
        return pnl_fraction * margin_ratio;
    }
};

}  // namespace adl_rank
}  // namespace backstop
