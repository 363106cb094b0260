// Every member of MarginEngine compiles for each built-in policy and journal: an
// explicit instantiation definition instantiates them all, where a program instantiates only what
// it calls. This is also what a service does to compile the engine once (README, "Compile the
// engine once"): a member that fails to compile for some policy would break that build first.
#include "service_engine.hpp"

#include <backstop/engine/engine_journal.hpp>
#include <backstop/engine/margin_engine.hpp>
#include <backstop/fund/any_policy.hpp>
#include <backstop/fund/fee_capture/capped_liquidator_share.hpp>
#include <backstop/fund/fee_capture/fixed_shares.hpp>
#include <backstop/fund/fee_capture/fund_first_until_target.hpp>
#include <backstop/fund/settlement/capped_per_event_and_market.hpp>
#include <backstop/fund/settlement/cover_above_floor.hpp>
#include <backstop/fund/settlement/cover_up_to_balance.hpp>
#include <backstop/fund/socialized_loss/clearing_house_waterfall.hpp>
#include <backstop/fund/socialized_loss/funding_socialization.hpp>
#include <backstop/fund/socialized_loss/pro_rata_haircut.hpp>
#include <backstop/fund/socialized_loss/random_start_adl.hpp>
#include <backstop/fund/socialized_loss/ranked_adl.hpp>
#include <backstop/fund/socialized_loss/water_filling_adl.hpp>
#include <backstop/ledger/journal.hpp>
#include <backstop/money/assets.hpp>

namespace backstop {
using namespace assets;

// The service's engine (extern_engine_main.cpp links against it); then each policy of each kind
// at least once, the lab's runtime fund and the journals.
template class MarginEngine<service::Fund>;
template class MarginEngine<InsuranceFund<USDC, fee_capture::CappedLiquidatorShare<USDC>, settlement::CoverAboveFloor<USDC>,
                                          socialized_loss::RankedAdl<USDC, adl_rank::BinanceLeveragePnl>>>;
template class MarginEngine<InsuranceFund<USDC, fee_capture::FundFirstUntilTarget<USDC>,
                                          settlement::CappedPerEventAndMarket<USDC>, socialized_loss::ProRataHaircut<USDC>>>;
template class MarginEngine<InsuranceFund<USDC, fee_capture::FixedShares<USDC>, settlement::CoverUpToBalance<USDC>,
                                          socialized_loss::WaterFillingAdl<USDC>>>;
template class MarginEngine<InsuranceFund<USDC, fee_capture::FixedShares<USDC>, settlement::CoverUpToBalance<USDC>,
                                          socialized_loss::RandomStartAdl<USDC>>>;
template class MarginEngine<InsuranceFund<USDC, fee_capture::FixedShares<USDC>, settlement::CoverUpToBalance<USDC>,
                                          socialized_loss::ClearingHouseWaterfall<USDC>>>;
template class MarginEngine<InsuranceFund<USDC, fee_capture::FixedShares<USDC>, settlement::CoverUpToBalance<USDC>,
                                          socialized_loss::FundingSocialization<USDC>>>;
template class MarginEngine<RuntimeInsuranceFund<USDC>, VectorJournal<USDC>, BasicVectorJournal<EngineCommand>>;
template class MarginEngine<RuntimeInsuranceFund<USDC>, RingJournal<USDC>, BasicRingJournal<EngineCommand>>;

}  // namespace backstop
