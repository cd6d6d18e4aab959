#!/bin/sh
# Seeds fuzz/corpus/editor from the editor's test inputs (and the yaml-test-suite when
# SECCTX_YAML_TEST_SUITE points at it): each file behind a few selector triples (operation,
# node low byte, node high byte). The corpus folder is not committed.
set -eu
cd "$(dirname "$0")"
out=corpus/editor
mkdir -p "$out"
n=0
seed() {
    for sel in '\000\000\000' '\001\003\000' '\002\001\000' '\003\005\000' '\215\002\000' '\016\007\000'; do
        printf "$sel" > "$out/seed-$n"
        cat "$1" >> "$out/seed-$n"
        n=$((n + 1))
    done
}
for f in ../testdata/editor/*.yaml; do seed "$f"; done
if [ -n "${SECCTX_YAML_TEST_SUITE:-}" ]; then
    for f in "$SECCTX_YAML_TEST_SUITE"/*/in.yaml "$SECCTX_YAML_TEST_SUITE"/*/*/in.yaml; do
        [ -f "$f" ] && seed "$f"
    done
fi
echo "$n seeds in $out"
