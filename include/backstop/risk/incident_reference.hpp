// A published incident that a scenario replays (examples/data/incidents/): what was reported,
// in which unit, and where, so that the report can put the simulated figure next to it.
#pragma once

#include <string>

namespace backstop {
namespace risk {

struct IncidentReference {
    std::string name;                  // "BitMEX, 12-13 March 2020"
    std::string measure;               // what was published: "largest one-day fund drawdown"
    double published_fund_loss = 0.0;  // in `unit`
    std::string unit = "USDC";         // the unit of the published figure ("XBT", "USD")
    double quote_per_unit = 1.0;       // quote units per `unit` (the lab simulates in quote units)
    std::string source;                // where the figure comes from (domain.md, with its sources)
    std::string assumptions;           // what the replay assumes where nothing was published

    bool valid() const {
        return !name.empty() && published_fund_loss >= 0.0 && published_fund_loss <= 1e15 &&
               quote_per_unit > 0.0 && quote_per_unit <= 1e12 && !unit.empty();
    }
};

}  // namespace risk
}  // namespace backstop
