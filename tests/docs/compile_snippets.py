#!/usr/bin/env python3
"""Compile every C++ block of the given Markdown files (and run the complete programs).

Conventions (docs/README: "Code in the docs compiles"):

* A ```cpp (or ```c++) block is compiled; blocks in other languages are not.
* A block with `int main(` is a complete program: compiled as it stands with every warning as an
  error, linked with -lfmt and run. When the next thing after it (blank lines aside) is a
  ```text, ```console or ```output block, the program's standard output must equal that block.
* Any other block is a fragment. All the fragments of one Markdown file share one translation
  unit (compile time): their `#include` lines are hoisted to its top, after the library's
  money layer, <cassert> and a few standard headers, and `using namespace backstop;` and
  `using namespace backstop::assets;`. A fragment is then compiled
    - at namespace scope if it declares a type or a template at column 0 (`struct`, `class`,
      `enum`, `union`, `template`, `namespace x {`), or if it is marked `scope=namespace`;
    - otherwise as the body of a function of its own (`scope=body` forces this).
  Unused variables in fragments are not errors; every other warning is.
* A fragment may use names it does not declare from a context: tests/docs/context/NAME.inc,
  compiled before it in an enclosing block (the fragment's own declarations shadow the
  context's). It opts in with `context=NAME`.
* Options go in an HTML comment, invisible on the rendered page, on the line before the fence
  (blank lines between allowed): `<!-- snippet: context=engine -->`, `<!-- snippet: skip -->`
  (a block that is not meant to compile, e.g. one that shows a compile error).

Errors point at the Markdown file's lines (#line directives). Exit status 0 when every block
compiled (and every program ran and printed what the page shows), 1 otherwise.

--self-test checks the checker: a broken fragment, a broken program and a program whose output
differs from its page must each fail it, and a good page must pass.
"""

import argparse
import concurrent.futures
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

CPP_LANGUAGES = {"cpp", "c++", "cxx"}
OUTPUT_LANGUAGES = {"text", "console", "output"}
FENCE = re.compile(r"^```\s*([\w+-]*).*$")  # "```cpp title" too
OPTIONS = re.compile(r"^<!--\s*snippet:\s*(.*?)\s*-->\s*$")
MAIN = re.compile(r"\bint\s+main\s*\(")
NAMESPACE_SCOPE = re.compile(r"^(template\s*<|struct\s|class\s|enum\s|union\s|namespace\s+\w+\s*\{)")
INCLUDE = re.compile(r"^\s*#\s*include\b")

BASE_INCLUDES = [
    "#include <backstop/core/format.hpp>",
    "#include <backstop/money/money.hpp>",
    "#include <algorithm>",
    "#include <array>",
    "#include <cassert>",
    "#include <cstdint>",
    "#include <string>",
    "#include <string_view>",
    "#include <vector>",
]
# Fragments often declare what they go on to show without using it.
FRAGMENT_FLAGS = ["-Wno-unused-variable", "-Wno-unused-but-set-variable", "-Wno-unused-local-typedefs",
                  "-Wno-unused-function"]


class Block:
    def __init__(self, path, line, language, lines, options):
        self.path = path          # the Markdown file
        self.line = line          # line number of the block's first code line
        self.language = language
        self.lines = lines
        self.options = options    # dict from the snippet comment
        self.expected = None      # the output block after a program, if any

    def is_program(self):
        return any(MAIN.search(line) for line in self.lines)

    def at_namespace_scope(self):
        scope = self.options.get("scope")
        if scope:
            return scope == "namespace"
        return any(NAMESPACE_SCOPE.match(line) for line in self.lines)


def parse_options(comment):
    options = {}
    for word in comment.split():
        key, _, value = word.partition("=")
        options[key] = value or True
    return options


def read_blocks(path):
    """Every fenced block of a Markdown file, with its options and, for programs, the output."""
    with open(path, encoding="utf-8") as f:
        text = f.read().split("\n")
    blocks = []
    i = 0
    pending_options = {}
    while i < len(text):
        line = text[i]
        option_match = OPTIONS.match(line)
        if option_match:
            pending_options = parse_options(option_match.group(1))
            i += 1
            continue
        fence = FENCE.match(line)
        if not fence:
            if line.strip():
                pending_options = {}
            i += 1
            continue
        language = fence.group(1).lower()
        start = i + 1
        end = start
        while end < len(text) and not text[end].startswith("```"):
            end += 1
        if end == len(text):
            raise SystemExit(f"{path}:{i + 1}: unterminated code block")
        blocks.append(Block(path, start + 1, language, text[start:end], pending_options))
        pending_options = {}
        i = end + 1
    # A program's expected output: the very next block, if it is an output block and only blank
    # lines separate them.
    for index, block in enumerate(blocks[:-1]):
        following = blocks[index + 1]
        gap = text[block.line - 1 + len(block.lines) + 1: following.line - 2]
        if following.language in OUTPUT_LANGUAGES and all(not g.strip() for g in gap):
            block.expected = following.lines
    return [b for b in blocks if b.language in CPP_LANGUAGES and "skip" not in b.options]


def line_directive(line, path):
    return f'#line {line} "{path}"'


def fragment_unit(path, blocks, context_dir):
    """One translation unit for every fragment of a page."""
    includes, seen = [], set()
    contexts = {}

    def add_include(text):
        key = text.strip()
        if key not in seen:
            seen.add(key)
            includes.append(key)

    for include in BASE_INCLUDES:
        add_include(include)
    for block in blocks:
        for line in block.lines:
            if INCLUDE.match(line):
                add_include(line)
        name = block.options.get("context")
        if name and name not in contexts:
            context_path = os.path.join(context_dir, f"{name}.inc")
            if not os.path.exists(context_path):
                raise SystemExit(f"{block.path}:{block.line}: no context {context_path}")
            with open(context_path, encoding="utf-8") as f:
                context_lines = f.read().split("\n")
            for line in context_lines:
                if INCLUDE.match(line):
                    add_include(line)
            contexts[name] = (context_path, context_lines)

    out = [f"// Generated by tests/docs/compile_snippets.py from {path}: do not edit."]
    out += includes
    out += ["using namespace backstop;", "using namespace backstop::assets;", ""]
    for block in blocks:
        # Includes are hoisted: blank them where they stood, so the line numbers still match.
        code = ["" if INCLUDE.match(line) else line for line in block.lines]
        if block.at_namespace_scope():
            out.append(line_directive(block.line, path))
            out += code
        else:
            out.append(f"void snippet_at_line_{block.line}() {{")
            name = block.options.get("context")
            if name:
                context_path, context_lines = contexts[name]
                out.append(line_directive(1, context_path))
                out += ["" if INCLUDE.match(line) else line for line in context_lines]
            out.append("{")
            out.append(line_directive(block.line, path))
            out += code
            out.append("}")
            out.append("}")
        out.append("")
    return "\n".join(out) + "\n"


def run(command, timeout=600):
    started = time.monotonic()
    result = subprocess.run(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            timeout=timeout)
    return result.returncode, result.stdout, time.monotonic() - started


def compile_job(job, args):
    """(ok, message) for one job: ('fragments', path, source) or ('program', block)."""
    compiler = [args.cxx, f"-std=c++{args.std}", "-O0"] + args.flag + ["-I", args.include]
    if job[0] == "fragments":
        _, path, source, name = job
        source_path = os.path.join(args.work, f"{name}.cpp")
        with open(source_path, "w", encoding="utf-8") as f:
            f.write(source)
        code, output, seconds = run(compiler + FRAGMENT_FLAGS + ["-c", source_path, "-o",
                                                                 os.path.join(args.work, f"{name}.o")])
        what = f"{path}: fragments ({source_path})"
        return code == 0, f"{'ok  ' if code == 0 else 'FAIL'} {what} {seconds:.1f} s\n" + ("" if code == 0 else output)
    _, block, name = job
    source_path = os.path.join(args.work, f"{name}.cpp")
    binary = os.path.join(args.work, name)
    with open(source_path, "w", encoding="utf-8") as f:
        f.write(line_directive(block.line, block.path) + "\n" + "\n".join(block.lines) + "\n")
    what = f"{block.path}:{block.line}: program"
    code, output, seconds = run(compiler + [source_path, "-o", binary] + args.link)
    if code != 0:
        return False, f"FAIL {what} does not compile\n{output}"
    code, output, _ = run([binary], timeout=120)
    if code != 0:
        return False, f"FAIL {what} exited with {code}\n{output}"
    if block.expected is not None:
        got = [line.rstrip() for line in output.rstrip("\n").split("\n")]
        want = [line.rstrip() for line in block.expected]
        while want and not want[-1]:
            want.pop()
        if got != want:
            return False, (f"FAIL {what}: its output differs from the page's\n--- page\n" + "\n".join(want) +
                           "\n--- program\n" + "\n".join(got) + "\n")
        return True, f"ok   {what} {seconds:.1f} s, output as on the page"
    return True, f"ok   {what} {seconds:.1f} s, ran"


def check(args):
    os.makedirs(args.work, exist_ok=True)
    jobs = []
    count = 0
    for path in args.markdown:
        blocks = read_blocks(path)
        count += len(blocks)
        stem = re.sub(r"\W", "_", os.path.relpath(path, args.root) if args.root else os.path.basename(path))
        fragments = [b for b in blocks if not b.is_program()]
        if fragments:
            shown = os.path.relpath(path, args.root) if args.root else path
            jobs.append(("fragments", shown, fragment_unit(path, fragments, args.context), stem))
        for block in blocks:
            if block.is_program():
                jobs.append(("program", block, f"{stem}_{block.line}"))
    started = time.monotonic()
    failures = 0
    with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
        for ok, message in pool.map(lambda job: compile_job(job, args), jobs):
            print(message.rstrip("\n"), flush=True)
            failures += 0 if ok else 1
    print(f"{count} C++ blocks in {len(args.markdown)} files, {len(jobs)} compilations, "
          f"{failures} failed, {time.monotonic() - started:.1f} s")
    return 1 if failures else 0


SELF_TEST_PAGES = {
    "good.md": ("pass", """# good
<!-- snippet: context=sample -->
```cpp
Amount<USDC> fee = parse<Amount<USDC>>("1.5").value();
fmt::print("{} {}\\n", fee, sample_count);
```

```cpp
struct SOL { static constexpr std::string_view symbol = "SOL"; static constexpr int decimals = 9; };
```

```cpp
#include <backstop/money/money.hpp>
int main() { fmt::print("{}\\n", backstop::Amount<backstop::assets::USDC>(1)); }
```

```text
0.000001 USDC
```

```sh
this is not C++ and is not compiled
```

<!-- snippet: skip -->
```cpp
Amount<USDC> a = 5;  // shown as a compile error: skipped
```
"""),
    "broken_fragment.md": ("fail", """# broken fragment
```cpp
Amount<USDC> a = parse<Amount<USDC>>("1").value();
Amount<BTC> b = a;  // different assets: does not compile
```
"""),
    "broken_namespace_block.md": ("fail", """# broken declaration
```cpp
struct Broken { int x = "not an int"; };
```
"""),
    "broken_program.md": ("fail", """# broken program
```cpp
#include <backstop/money/money.hpp>
int main() { return undeclared_name; }
```
"""),
    "wrong_output.md": ("fail", """# program whose output is not the page's
```cpp
#include <fmt/format.h>
int main() { fmt::print("42\\n"); }
```

```text
43
```
"""),
    "missing_context.md": ("fail", """# a fragment using a name no context gives it
```cpp
fmt::print("{}\\n", sample_count);
```
"""),
}


def self_test(args):
    work = tempfile.mkdtemp(prefix="docs-snippets-self-test-", dir=args.work if args.work else None)
    context = os.path.join(work, "context")
    os.makedirs(context)
    with open(os.path.join(context, "sample.inc"), "w", encoding="utf-8") as f:
        f.write("#include <cstddef>\nconst std::size_t sample_count = 3;\n")
    problems = []
    for name, (expected, page) in SELF_TEST_PAGES.items():
        path = os.path.join(work, name)
        with open(path, "w", encoding="utf-8") as f:
            f.write(page)
        command = [sys.executable, os.path.abspath(__file__), "--cxx", args.cxx, "--std", args.std,
                   "--include", args.include, "--context", context, "--work", os.path.join(work, name + ".out"),
                   "--jobs", "1"] + [f"--flag={flag}" for flag in args.flag] + \
                  [f"--link={item}" for item in args.link] + [path]
        code, output, seconds = run(command)
        outcome = "pass" if code == 0 else "fail"
        print(f"{'ok  ' if outcome == expected else 'FAIL'} {name}: {outcome}ed (expected to {expected}), "
              f"{seconds:.1f} s")
        if outcome != expected:
            problems.append(name)
            print(output)
        elif expected == "fail" and "FAIL" not in output:
            problems.append(name)
            print(f"FAIL {name}: failed without naming the block\n{output}")
    if not problems:
        shutil.rmtree(work, ignore_errors=True)
    return 1 if problems else 0


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("markdown", nargs="*", help="Markdown files, or directories of them")
    parser.add_argument("--cxx", default=os.environ.get("CXX", "g++"))
    parser.add_argument("--std", default="17")
    parser.add_argument("--include", default=os.path.join(here, "..", "..", "include"))
    parser.add_argument("--context", default=os.path.join(here, "context"), help="directory of NAME.inc")
    parser.add_argument("--work", default=None, help="directory for sources and objects")
    parser.add_argument("--root", default=None, help="print Markdown paths relative to this")
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--flag", action="append", default=None, help="a compiler flag (repeatable)")
    parser.add_argument("--link", action="append", default=None, help="a linker argument (repeatable)")
    parser.add_argument("--self-test", action="store_true")
    args = parser.parse_args()
    if args.flag is None:
        args.flag = ["-Wall", "-Wextra", "-Wpedantic", "-Wconversion", "-Wsign-conversion", "-Werror"]
    if args.link is None:
        args.link = ["-lfmt", "-lpthread"]
    if args.self_test:
        if args.work:
            os.makedirs(args.work, exist_ok=True)
        return self_test(args)
    if not args.markdown:
        parser.error("no Markdown files")
    # A directory stands for its *.md files, found when the check runs (a new page is checked
    # without reconfiguring).
    files = []
    for path in args.markdown:
        if os.path.isdir(path):
            files += sorted(os.path.join(path, name) for name in os.listdir(path) if name.endswith(".md"))
        else:
            files.append(path)
    args.markdown = files
    if args.work is None:
        args.work = tempfile.mkdtemp(prefix="docs-snippets-")
    return check(args)


if __name__ == "__main__":
    sys.exit(main())
