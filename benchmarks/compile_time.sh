#!/usr/bin/env bash
# Compile time of a small engine program (the README's, copied out as tests/readme does) with each
# umbrella header, and of the same program as production code writes it (the engine's own include;
# and with its engine declared extern, compiled once elsewhere),
# next to a peer compiled in the same run: a program of the same size on the standard library and
# fmt alone. g++ -std=c++17 -O2 -c, the least CPU time (user + system: a shared machine's steal
# stays out) of N runs (default 3) for each, in seconds.
#
#   benchmarks/compile_time.sh [runs] [compiler]
#
# Issue 19's bound: the program with <backstop.hpp> in 3 s. Figures: docs/benchmarks.md.
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-3}
cxx=${2:-g++}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# The README's engine program: the ```cpp block that starts with the engine's include.
python3 - README.md "$work/engine_program.cpp" <<'EOF'
import sys
text = open(sys.argv[1], encoding="utf-8").read()
start = text.index("```cpp\n#include <backstop/engine/margin_engine.hpp>") + len("```cpp\n")
open(sys.argv[2], "w", encoding="utf-8").write(text[start:text.index("```", start)])
EOF
lines=$(wc -l < "$work/engine_program.cpp")

# The same program in a service that compiles its engine once (README, "Compile the engine once"):
# the engine type declared extern after the program's own alias of it.
grep -q '^using Usdc = Amount<USDC>;$' "$work/engine_program.cpp" || { echo "the README's program changed" >&2; exit 1; }
sed 's/^using Usdc = Amount<USDC>;$/&\nextern template class backstop::MarginEngine<Fund>;/' "$work/engine_program.cpp" > "$work/engine_extern.cpp"
{ echo '#include <backstop.hpp>'; cat "$work/engine_program.cpp"; } > "$work/umbrella.cpp"
{ echo '#include <backstop.hpp>'; cat "$work/engine_extern.cpp"; } > "$work/umbrella_extern.cpp"
{ echo '#include <backstop_report.hpp>'; cat "$work/engine_program.cpp"; } > "$work/umbrella_report.cpp"
cat > "$work/peer.cpp" <<'EOF'
// The peer: a program of the same kind on the standard library and fmt alone.
#include <fmt/format.h>
#include <algorithm>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>
struct Account { std::int64_t collateral; std::int64_t position; std::int64_t entry; };
std::optional<std::int64_t> equity(const Account& a, std::int64_t mark) {
    std::int64_t pnl = 0;
    if (__builtin_mul_overflow(a.position, mark - a.entry, &pnl)) return std::nullopt;
    return a.collateral + pnl;
}
int main() {
    std::vector<Account> accounts{{1'000, 10, 100}, {2'000, -10, 100}};
    std::sort(accounts.begin(), accounts.end(), [](auto& x, auto& y) { return x.collateral < y.collateral; });
    for (const Account& a : accounts) fmt::print("{}\n", equity(a, 90).value_or(0));
    return std::to_string(accounts.size()).size() == 1 ? 0 : 1;
}
EOF

best_time() {  # the least CPU time (user + system) of $runs compiles of $1, in seconds
  local best=""
  for _ in $(seq "$runs"); do
    local t
    t=$( { /usr/bin/time -f "%U %S" "$cxx" -std=c++17 -O2 -Iinclude \
             -c "$1" -o "$work/out.o" 2>&1 1>/dev/null; } | tail -1 | awk '{print $1 + $2}')
    best=$(python3 -c "t=$t; b='$best'; print(f'{min(t, float(b)) if b else t:.2f}')")
  done
  echo "$best"
}

peer=$(best_time "$work/peer.cpp")
echo "compiler: $($cxx --version | head -1); -std=c++17 -O2 -c; CPU seconds, least of $runs; the program: $lines lines"
printf '%-52s %8s %8s %10s\n' "translation unit" "seconds" "/ peer" "/ 3 s bound"
row() { printf '%-52s %8s %8s %10s\n' "$1" "$2" "$(python3 -c "print(f'{$2/$peer:.1f}')")" "$(python3 -c "print(f'{$2/3:.2f}')")"; }
row "peer: the same kind of program, std and fmt only" "$peer"
row "engine program, <backstop/engine/margin_engine.hpp>" "$(best_time "$work/engine_program.cpp")"
row "engine program, its engine extern (compiled once)" "$(best_time "$work/engine_extern.cpp")"
row "engine program + <backstop.hpp>" "$(best_time "$work/umbrella.cpp")"
row "engine program, engine extern, + <backstop.hpp>" "$(best_time "$work/umbrella_extern.cpp")"
row "engine program + <backstop_report.hpp>" "$(best_time "$work/umbrella_report.cpp")"
