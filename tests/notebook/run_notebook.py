#!/usr/bin/env python3
"""Runs a notebook's code cells in one clang-repl-19 session and compares each cell's output with
the stdout stored in the .ipynb; fails with a diff on drift. --update rewrites the stored outputs.

  run_notebook.py [--update] [--native CXX] [--include DIR] [--clang-repl PATH] [--timeout S] NOTEBOOK...

--native CXX also compiles the cells as one program with CXX -O2 (#include lines first, the rest
in main(), so cells may hold statements and local classes but no functions) and requires the same
outputs: the interpreter's results are the compiled library's, bit for bit as printed.

Exit codes: 0 all outputs as stored (or updated), 1 drift or an interpreter error, 2 usage,
77 clang-repl-19 not installed (ctest: skipped).

How the cells are fed. clang-repl reads stdin a line at a time, and a line ending in a backslash
is joined to the next one without a newline, so a cell's comments and preprocessor lines would
swallow the rest of it. Each cell is therefore written to a file and fed as one line,
`#include "cell_NN.cpp"`: the interpreter parses the cell's text with its newlines, as xeus-cpp
does with a cell. After each cell an injected line prints a marker (unique per run) to stdout and
to stderr, so the output and the diagnostics of each cell can be cut apart. The interpreter's
stdout is a pipe, fully buffered: the marker line flushes it. Only python3's standard library.
"""

import argparse
import difflib
import json
import os
import secrets
import shutil
import subprocess
import sys
import tempfile
import time

SKIP = 77
DEFAULT_FLAGS = ["-std=c++17", "-DFMT_HEADER_ONLY", "-O2"]


def find_clang_repl(explicit):
    if explicit:
        return explicit if os.access(explicit, os.X_OK) else None
    for candidate in (os.environ.get("BACKSTOP_CLANG_REPL"), shutil.which("clang-repl-19"),
                      "/usr/lib/llvm-19/bin/clang-repl"):
        if candidate and os.access(candidate, os.X_OK):
            return candidate
    return None


def code_cells(notebook):
    return [cell for cell in notebook["cells"] if cell["cell_type"] == "code"]


def text_of(field):
    return "".join(field) if isinstance(field, list) else field


def stored_output(cell):
    # The stdout streams only: the interpreter's stderr is checked to be empty instead.
    return "".join(text_of(out["text"]) for out in cell.get("outputs", [])
                   if out.get("output_type") == "stream" and out.get("name") == "stdout")


def as_lines(text):
    # Jupyter's own layout: one string per line, each keeping its newline.
    return text.splitlines(keepends=True)


def run_cells(clang_repl, flags, cells, timeout, workdir):
    """Returns (outputs, errors): per code cell its stdout and its stderr."""
    marker = "@@backstop-notebook-" + secrets.token_hex(8) + "-cell-"
    feed = ["#include <cstdio>"]  # for the markers; every notebook of the library includes it anyway
    for index, cell in enumerate(cells):
        path = os.path.join(workdir, "cell_%02d.cpp" % (index + 1))
        with open(path, "w", encoding="utf-8") as out:
            source = text_of(cell["source"])
            out.write(source if source.endswith("\n") else source + "\n")
        feed.append('#include "%s"' % path)
        # One line, no backslash: std::fputs keeps the marker free of format directives.
        feed.append('std::fputs("%s%d\\n", stdout); std::fflush(stdout); std::fputs("%s%d\\n", stderr);'
                    % (marker, index + 1, marker, index + 1))
    feed.append("%quit")
    command = [clang_repl] + [arg for flag in flags for arg in ("-Xcc", flag)]
    done = subprocess.run(command, input="\n".join(feed) + "\n", capture_output=True, text=True,
                          timeout=timeout, cwd=workdir)

    def split(stream):
        parts = []
        rest = stream
        for index in range(len(cells)):
            token = "%s%d\n" % (marker, index + 1)
            at = rest.find(token)
            if at < 0:
                parts.append(None)  # the session died before this cell ended
                continue
            parts.append(rest[:at])
            rest = rest[at + len(token):]
        return parts, rest

    outputs, stdout_tail = split(done.stdout)
    errors, stderr_tail = split(done.stderr)
    return outputs, errors, stdout_tail, stderr_tail, done.returncode, command


def run_native(compiler, flags, cells, timeout, workdir):
    """The cells as one compiled program: returns its output per cell, or raises with the reason."""
    marker = "@@backstop-notebook-native-" + secrets.token_hex(8) + "@@"
    head, body = ["#include <cstdio>"], []
    for cell in cells:
        for line in text_of(cell["source"]).split("\n"):
            (head if line.lstrip().startswith("#include") else body).append(line)
        body.append('std::fputs("%s\\n", stdout);' % marker)
    source = os.path.join(workdir, "notebook.cpp")
    with open(source, "w", encoding="utf-8") as out:
        out.write("\n".join(head) + "\nint main() {\n" + "\n".join(body) + "\n}\n")
    binary = os.path.join(workdir, "notebook")
    built = subprocess.run([compiler] + flags + ["-pthread", source, "-o", binary], capture_output=True,
                           text=True, timeout=timeout)
    if built.returncode != 0:
        raise RuntimeError("%s could not compile the cells:\n%s" % (compiler, built.stderr))
    done = subprocess.run([binary], capture_output=True, text=True, timeout=timeout)
    parts = done.stdout.split(marker + "\n")
    if done.returncode != 0 or len(parts) != len(cells) + 1:
        raise RuntimeError("the compiled cells failed (exit %d):\n%s" % (done.returncode, done.stderr))
    return parts[:-1]


def check(path, args, clang_repl):
    with open(path, encoding="utf-8") as f:
        notebook = json.load(f)
    cells = code_cells(notebook)
    flags = DEFAULT_FLAGS + ["-I" + args.include] + args.flag
    name = os.path.basename(path)
    with tempfile.TemporaryDirectory(prefix="notebook-") as workdir:
        start = time.monotonic()
        outputs, errors, stdout_tail, stderr_tail, code, command = run_cells(
            clang_repl, flags, cells, args.timeout, workdir)
        seconds = time.monotonic() - start
    print("%s: %d code cells in %.1f s: %s" % (name, len(cells), seconds, " ".join(command)))
    failed = False
    for index, (cell, output, error) in enumerate(zip(cells, outputs, errors)):
        label = "%s, code cell %d" % (name, index + 1)
        if output is None or error is None:
            print("FAIL %s: the interpreter stopped before the cell ended (exit %d)" % (label, code))
            failed = True
            break
        if error:
            print("FAIL %s: the interpreter reported\n%s" % (label, error))
            failed = True
        expected = stored_output(cell)
        if args.update:
            cell["outputs"] = [{"name": "stdout", "output_type": "stream", "text": as_lines(output)}] if output else []
        elif output != expected:
            diff = difflib.unified_diff(as_lines(expected), as_lines(output), "%s (stored)" % label,
                                        "%s (clang-repl)" % label)
            print("FAIL %s: the output drifted\n%s" % (label, "".join(diff)))
            failed = True
    if stderr_tail.strip() or stdout_tail.strip():
        print("FAIL %s: after the last cell: %s%s" % (name, stdout_tail, stderr_tail))
        failed = True
    if not failed and args.native:
        with tempfile.TemporaryDirectory(prefix="notebook-native-") as workdir:
            start = time.monotonic()
            try:
                native = run_native(args.native, flags, cells, args.timeout, workdir)
            except RuntimeError as error:
                print("FAIL %s: %s" % (name, error))
                return False
            print("%s: compiled with %s in %.1f s" % (name, args.native, time.monotonic() - start))
        for index, (output, compiled) in enumerate(zip(outputs, native)):
            if output != compiled:
                label = "%s, code cell %d" % (name, index + 1)
                diff = difflib.unified_diff(as_lines(output), as_lines(compiled), "%s (clang-repl)" % label,
                                            "%s (%s)" % (label, args.native))
                print("FAIL %s: the interpreter and the compiled program differ\n%s" % (label, "".join(diff)))
                failed = True
    if failed:
        return False
    if args.update:
        for count, cell in enumerate(cells, start=1):
            cell["execution_count"] = count
        text = json.dumps(notebook, indent=1, ensure_ascii=False) + "\n"
        with open(path, encoding="utf-8") as f:
            unchanged = f.read() == text
        if not unchanged:
            with open(path, "w", encoding="utf-8") as f:
                f.write(text)
        print("%s: %s" % (name, "stored outputs unchanged" if unchanged else "stored outputs updated"))
    else:
        print("%s: every cell's output as stored" % name)
    return True


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="+")
    parser.add_argument("--update", action="store_true", help="rewrite the stored outputs")
    parser.add_argument("--include", default=os.path.normpath(os.path.join(here, "..", "..", "include")),
                        help="backstop's include directory")
    parser.add_argument("--flag", action="append", default=[], help="one more clang flag (passed with -Xcc)")
    parser.add_argument("--native", metavar="CXX", help="also compile the cells with CXX and compare")
    parser.add_argument("--clang-repl", help="the interpreter (default: clang-repl-19)")
    parser.add_argument("--timeout", type=float, default=600.0, help="seconds for one notebook")
    args = parser.parse_args()
    clang_repl = find_clang_repl(args.clang_repl)
    if clang_repl is None:
        # tests/run installs the interpreter first, so there a missing one is a failed install
        # step (clang-19 alone has no clang-repl-19), not a machine without it.
        if os.environ.get("BACKSTOP_REQUIRE_NOTEBOOKS") == "1":
            print("FAIL: clang-repl-19 not found, and BACKSTOP_REQUIRE_NOTEBOOKS=1 (cmake/install-deps.sh should have "
                  "installed clang-tools-19)")
            return 1
        print("skipped: clang-repl-19 not found (Debian: clang-tools-19; cmake/install-deps.sh installs it)")
        return SKIP
    ok = True
    for path in args.notebooks:
        try:
            ok = check(path, args, clang_repl) and ok
        except subprocess.TimeoutExpired:
            print("FAIL %s: more than %.0f s" % (path, args.timeout))
            ok = False
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
