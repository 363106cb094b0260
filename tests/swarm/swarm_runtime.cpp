// The swarm's worlds with every policy in its runtime form (RuntimeInsuranceFund: fee capture,
// settlement and socialized loss chosen at run time).
#include "swarm/swarm_assert.hpp"  // first: BACKSTOP_ASSERT throws

#include "swarm/swarm_run.hpp"

namespace backstop_swarm {
SwarmTally run_runtime(std::uint64_t seed, RunOptions options) {
    return run_world<RuntimeInsuranceFund<USDC>>(seed, options);
}
}  // namespace backstop_swarm
