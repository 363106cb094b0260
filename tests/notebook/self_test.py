#!/usr/bin/env python3
"""The notebook checker's negative control: drift and interpreter errors must fail it.

  self_test.py NOTEBOOK [run_notebook.py options...]

1. A copy of NOTEBOOK with one stored output line altered must fail, with a diff showing the line.
2. --update on that copy must succeed and give back the original file, byte for byte (the stored
   outputs are exactly what the interpreter prints, and rewriting them changes nothing else).
3. A notebook whose second cell does not compile must fail, naming that cell.
Exit 0 when all three hold, 1 otherwise, 77 (skipped) without clang-repl-19.
"""

import json
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
RUNNER = os.path.join(HERE, "run_notebook.py")
SKIP = 77


def run(notebook, options, update=False):
    command = [sys.executable, RUNNER] + options + (["--update"] if update else []) + [notebook]
    done = subprocess.run(command, capture_output=True, text=True)
    return done.returncode, done.stdout + done.stderr


def alter(notebook_path, altered_path):
    """Writes the copy with the first stored output line changed; returns (old line, new line)."""
    with open(notebook_path, encoding="utf-8") as f:
        notebook = json.load(f)
    for cell in notebook["cells"]:
        for output in cell.get("outputs", []):
            if output.get("output_type") == "stream" and output.get("text"):
                text = output["text"]
                old = text[0]
                new = old.rstrip("\n") + " (altered)\n"
                text[0] = new
                with open(altered_path, "w", encoding="utf-8") as f:
                    f.write(json.dumps(notebook, indent=1, ensure_ascii=False) + "\n")
                return old, new
    raise SystemExit("self-test: %s has no stored output to alter" % notebook_path)


def broken_notebook(path):
    cells = [["#include <cstdio>\n", "int answer = 42;"],
             ["int broken = ;  // must fail to compile"],
             ['std::printf("%d\\n", answer);']]
    notebook = {"cells": [{"cell_type": "code", "execution_count": None, "id": "broken-%d" % i, "metadata": {},
                           "outputs": [], "source": source} for i, source in enumerate(cells)],
                "metadata": {"kernelspec": {"display_name": "C++17", "language": "cpp", "name": "xcpp17"}},
                "nbformat": 4, "nbformat_minor": 5}
    with open(path, "w", encoding="utf-8") as f:
        json.dump(notebook, f, indent=1)


def main():
    if len(sys.argv) < 2:
        print(__doc__)
        return 2
    original, options = sys.argv[1], sys.argv[2:]
    failures = []
    with tempfile.TemporaryDirectory(prefix="notebook-self-test-") as workdir:
        altered = os.path.join(workdir, os.path.basename(original))
        old, new = alter(original, altered)
        code, output = run(altered, options)
        if code == SKIP:
            print(output)
            return SKIP
        print(output)
        # The diff runs from the stored (altered) line to what the interpreter printed.
        if code != 1 or "-" + new not in output or "+" + old not in output:
            failures.append("an altered stored output was not reported as drift (exit %d)" % code)

        code, output = run(altered, options, update=True)
        print(output)
        with open(original, encoding="utf-8") as a, open(altered, encoding="utf-8") as b:
            restored = a.read() == b.read()
        if code != 0 or not restored:
            failures.append("--update did not give back the original notebook (exit %d)" % code)

        broken = os.path.join(workdir, "broken.ipynb")
        broken_notebook(broken)
        code, output = run(broken, options)
        print(output)
        if code != 1 or "code cell 2: the interpreter reported" not in output:
            failures.append("a cell that does not compile was not reported (exit %d)" % code)
    for failure in failures:
        print("SELF-TEST FAILED: " + failure)
    if not failures:
        print("self-test passed: drift and interpreter errors fail the check; --update restores")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
