#!/usr/bin/env python3
"""Summarise a `perf record --call-graph dwarf` profile of secctx by function and by phase.

    perf record -e cpu-clock -F 499 --call-graph dwarf,32768 -o perf.data \\
        target/release/secctx fix --check --color never -j1 TREE > /dev/null
    perf script -i perf.data -F tid,ip,sym --inline > perf.txt
    python3 benches/perf_phases.py perf.txt

Prints (percentages of all samples):
  - the functions with the most inclusive time (self + callees), secctx and yaml-rust2 first;
  - the functions with the most self time;
  - for chosen parents, how their inclusive time splits among their direct secctx children
    (inlined frames count as frames, so the split follows the source, not the optimiser).
"""

import collections
import re
import sys

PARENTS = [
    "secctx::cli::fix_one",
    "secctx::fix::fix_bytes",
    "secctx::fix::fix_bytes_with",
    "secctx::yaml::tree::parse",
    "secctx::yaml::tree::Builder::run",
    "secctx::yaml::tree::Builder::push_node",
    "secctx::diff::unified_diff",
    "secctx::fix::plan",
    "secctx::yaml::edit::Editor::apply_and_parse",
]


def clean(symbol):
    symbol = symbol.strip()
    symbol = re.sub(r" \(inlined\)$", "", symbol)
    symbol = re.sub(r"\+0x[0-9a-f]+$", "", symbol)
    return symbol or "[unknown]"


def samples(path):
    stack = None
    with open(path, encoding="utf-8", errors="replace") as f:
        for line in f:
            if not line.strip():
                continue
            if line.strip().isdigit():  # a sample's header: its thread id
                if stack:
                    yield stack
                stack = []
                continue
            parts = line.strip().split(None, 1)
            if len(parts) == 2 and stack is not None:
                stack.append(clean(parts[1]))  # innermost first
    if stack:
        yield stack


def main(argv):
    if len(argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    total = 0
    inclusive = collections.Counter()
    self_time = collections.Counter()
    splits = {p: collections.Counter() for p in PARENTS}
    for stack in samples(argv[1]):
        total += 1
        self_time[stack[0]] += 1
        for name in set(stack):
            inclusive[name] += 1
        outer_first = list(reversed(stack))
        for parent in PARENTS:
            if parent not in outer_first:
                continue
            i = len(outer_first) - 1 - outer_first[::-1].index(parent)  # innermost occurrence
            child = "(self)"
            for frame in outer_first[i + 1 :]:
                if "{{closure}}" in frame or frame == parent:
                    continue
                if frame.startswith(("secctx::", "yaml_rust2::", "similar::", "std::fs::")):
                    child = frame
                    break
            else:
                if i + 1 < len(outer_first):
                    child = "(other: " + outer_first[i + 1][:60] + ")"
            splits[parent][child] += 1
    if not total:
        print("no samples", file=sys.stderr)
        return 1

    def pct(n):
        return f"{100.0 * n / total:5.1f}%"

    print(f"{total} samples\n")
    print("Inclusive time, secctx / yaml-rust2 / similar functions:")
    shown = 0
    for name, n in inclusive.most_common():
        if name.startswith(("secctx::", "yaml_rust2::", "similar::")) and "{{closure}}" not in name:
            print(f"  {pct(n)}  {name}")
            shown += 1
            if shown == 30:
                break
    print("\nSelf time (top 25):")
    for name, n in self_time.most_common(25):
        print(f"  {pct(n)}  {name}")
    for parent in PARENTS:
        if not splits[parent]:
            continue
        print(f"\n{parent} ({pct(inclusive[parent])} inclusive) splits into:")
        for child, n in splits[parent].most_common(12):
            print(f"  {pct(n)}  {child}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
