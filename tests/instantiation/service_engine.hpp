// The engine of a service with many translation units, declared once: each of them includes this
// header, and its `extern template` keeps them from compiling the engine again; one of them
// (engine_instantiations.cpp here) compiles it, with `template class` (README, "Compile the engine
// once").
#pragma once

#include <backstop/engine/margin_engine.hpp>
#include <backstop/fund/fee_capture/fixed_shares.hpp>
#include <backstop/fund/settlement/cover_up_to_balance.hpp>
#include <backstop/fund/socialized_loss/ranked_adl.hpp>
#include <backstop/money/assets.hpp>

namespace service {
using Fund = backstop::InsuranceFund<backstop::assets::USDC, backstop::fee_capture::FixedShares<backstop::assets::USDC>,
                                     backstop::settlement::CoverUpToBalance<backstop::assets::USDC>,
                                     backstop::socialized_loss::RankedAdl<backstop::assets::USDC>>;
using Engine = backstop::MarginEngine<Fund>;
}  // namespace service

extern template class backstop::MarginEngine<service::Fund>;
