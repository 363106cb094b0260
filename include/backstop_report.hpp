// Everything, the risk lab's report included, for notebooks: <backstop.hpp> plus the report
// headers (risk/report/), which need nlohmann-json (and fmt, like the rest). Kept apart because
// the report adds seconds to the parse of an interactive session.
#pragma once

#include "backstop.hpp"

#include "backstop/risk/report/adl_report.hpp"
#include "backstop/risk/report/console_table.hpp"
#include "backstop/risk/report/gamma_study_report.hpp"
#include "backstop/risk/report/incident_report.hpp"
#include "backstop/risk/report/joint_report.hpp"
#include "backstop/risk/report/json_fields.hpp"
#include "backstop/risk/report/market_json.hpp"
#include "backstop/risk/report/predictive_margin_json.hpp"
#include "backstop/risk/report/predictive_margin_report.hpp"
#include "backstop/risk/report/report_charts.hpp"
#include "backstop/risk/report/report_csv.hpp"
#include "backstop/risk/report/report_files.hpp"
#include "backstop/risk/report/report_format.hpp"
#include "backstop/risk/report/report_html.hpp"
#include "backstop/risk/report/report_json.hpp"
#include "backstop/risk/report/report_words.hpp"
#include "backstop/risk/report/scenario_json.hpp"
#include "backstop/risk/report/stress_report.hpp"
#include "backstop/risk/report/svg_plot.hpp"
