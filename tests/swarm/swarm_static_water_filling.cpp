// The swarm's worlds with the water-filling policy in its static form (one translation unit per
// engine type: they compile in parallel).
#include "swarm/swarm_assert.hpp"  // first: BACKSTOP_ASSERT throws

#include "swarm/swarm_run.hpp"

namespace backstop_swarm {
SwarmTally run_static_water_filling(std::uint64_t seed, RunOptions options) {
    return run_world<StaticFund<socialized_loss::WaterFillingAdl<USDC>>>(seed, options);
}
}  // namespace backstop_swarm
