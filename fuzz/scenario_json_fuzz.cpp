// Fuzz target: the scenario file reader (risk/report/scenario_json.hpp) on arbitrary text.
//
// A scenario file is untrusted input. Checks:
//   - scenario_from_json_text never throws and never crashes: whatever the text, it returns a
//     scenario or an error message;
//   - a scenario it reads writes back (scenario_to_json) to a document that reads again to the
//     same document: reading is the inverse of writing on everything reading accepts.
// The input is used whole as text, or, when it starts with 0x01, as a JSON value spliced into
// one field of the default scenario's document (the field chosen by the next byte), so that
// the fuzzer reaches the range checks of every field without having to write a whole file.
#include <backstop/risk/report/scenario_json.hpp>

#include "fuzz_input.hpp"

#include <nlohmann/json.hpp>

#include <cstddef>
#include <cstdint>
#include <exception>
#include <string>
#include <vector>

using namespace backstop;
using namespace backstop::risk;
using backstop_fuzz::FuzzInput;

namespace {

// Reading must not throw; one that does is a finding.
ScenarioFromJson read_or_trap(const std::string& text) {
    try {
        return scenario_from_json_text(text);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "scenario_from_json_text threw: %s\n", e.what());
        __builtin_trap();
    }
}

// Every leaf of the default document, as a JSON pointer: the fields a splice can replace.
std::vector<nlohmann::json::json_pointer> leaves_of_default() {
    std::vector<nlohmann::json::json_pointer> leaves;
    const nlohmann::json flat = scenario_to_json(Scenario{}).flatten();
    for (auto it = flat.begin(); it != flat.end(); ++it) leaves.emplace_back(it.key());
    return leaves;
}

void check_round_trip(const Scenario& scenario) {
    const std::string written = scenario_to_json(scenario).dump();
    const ScenarioFromJson again = read_or_trap(written);
    if (!again.ok()) std::fprintf(stderr, "written scenario refused: %s\n%s\n", again.error.c_str(), written.c_str());
    FUZZ_CHECK(again.ok());
    FUZZ_CHECK(scenario_to_json(again.scenario).dump() == written);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    FuzzInput in(data, size);
    std::string text;
    if (size > 2 && data[0] == 0x01) {
        static const std::vector<nlohmann::json::json_pointer> leaves = leaves_of_default();
        in.byte();
        const nlohmann::json::json_pointer& leaf = leaves[in.byte() % leaves.size()];
        const std::string value(in.rest());
        // The spliced value must itself be JSON; text that is not goes in as a string.
        nlohmann::json document = scenario_to_json(Scenario{});
        const nlohmann::json parsed = nlohmann::json::parse(value, nullptr, false);
        document[leaf] = parsed.is_discarded() ? nlohmann::json(value) : parsed;
        try {
            text = document.dump();
        } catch (const nlohmann::json::exception&) {
            return 0;  // a string that is not UTF-8 cannot be written as JSON: not the reader's input
        }
    } else {
        text = std::string(in.rest());
    }
    const ScenarioFromJson read = read_or_trap(text);
    if (read.ok()) check_round_trip(read.scenario);
    return 0;
}
