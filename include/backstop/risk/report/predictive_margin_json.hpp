// A scenario's predictive margins (risk/predictive_margin.hpp) in scenario files: written only
// when the scenario has them, fractions as fractions (0.05 is 5%), read field by field with the
// first error named.
#pragma once

#include "backstop/risk/predictive_margin.hpp"
#include "backstop/risk/report/json_fields.hpp"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <optional>
#include <string>

namespace backstop {
namespace risk {
namespace detail {

inline nlohmann::json predictive_margin_setup_json(const PredictiveMarginSetup& p) {
    return {{"model_filter", p.model_filter},
            {"omega", p.omega},
            {"alpha", p.alpha},
            {"beta", p.beta},
            {"baseline_volatility", p.baseline_volatility},
            {"sensitivity", p.sensitivity},
            {"maintenance_min", p.maintenance_min.to_double()},
            {"initial_min", p.initial_min.to_double()},
            {"maintenance_max", p.maintenance_max.to_double()},
            {"initial_max", p.initial_max.to_double()},
            {"step_max", p.step_max.to_double()},
            {"update_every_steps", p.update_every_steps}};
}

// Fields not given keep the defaults of PredictiveMarginSetup; the whole must be valid().
inline void read_predictive_margin(const nlohmann::json& object, std::optional<PredictiveMarginSetup>& out,
                                   std::string& error) {
    PredictiveMarginSetup p = out.value_or(PredictiveMarginSetup{});
    JsonFields fields(object, "scenario.predictive_margin", error);
    fields.boolean("model_filter", p.model_filter);
    fields.number("omega", p.omega, 0.0, 1.0);
    fields.number("alpha", p.alpha, 0.0, 1.0);
    fields.number("beta", p.beta, 0.0, 1.0);
    fields.number("baseline_volatility", p.baseline_volatility, 0.0, 1.0);
    fields.number("sensitivity", p.sensitivity, 0.0, 100.0);
    fields.fraction_ppm("maintenance_min", p.maintenance_min);
    fields.fraction_ppm("initial_min", p.initial_min);
    fields.fraction_ppm("maintenance_max", p.maintenance_max);
    fields.fraction_ppm("initial_max", p.initial_max);
    fields.fraction_ppm("step_max", p.step_max);
    fields.integer("update_every_steps", p.update_every_steps, std::uint32_t{1}, std::uint32_t{1'000'000});
    fields.only_known(predictive_margin_setup_json(PredictiveMarginSetup{}));
    if (fields.failed()) return;
    if (!p.valid()) {
        return fields.fail("scenario.predictive_margin: invalid (a filter with alpha + beta < 1 and omega in (0, 1), "
                           "minima at most maxima, maintenance_max at most initial_max, a positive step_max)");
    }
    out = p;
}

}  // namespace detail
}  // namespace risk
}  // namespace backstop
