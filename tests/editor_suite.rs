//! The editor against every valid input of the yaml-test-suite: a key inserted into every
//! reachable mapping, an item appended to every reachable sequence, one operation per run.
//! Zero panics, every success passes the contract checks of `secctx::yaml::oracle`, everything
//! else is a clean refusal. Prints the counts.
//!
//! The suite's path comes from `SECCTX_YAML_TEST_SUITE` (a folder holding `index.tsv`); the test
//! is skipped when it is unset.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use secctx::yaml::oracle::{Action, Op, Outcome, Target, run};
use secctx::yaml::{Kind, NewValue, parse, strip_bom};

fn suite_dir() -> Option<PathBuf> {
    std::env::var_os("SECCTX_YAML_TEST_SUITE").map(PathBuf::from)
}

/// (id, path) of every case the index does not mark as an error.
fn valid_cases(dir: &Path) -> Vec<(String, PathBuf)> {
    let index = std::fs::read_to_string(dir.join("index.tsv")).expect("index.tsv is readable");
    let mut lines = index.lines();
    let header: Vec<&str> = lines
        .next()
        .expect("index.tsv has a header")
        .split('\t')
        .collect();
    let col = |name: &str| {
        header
            .iter()
            .position(|h| *h == name)
            .expect("index.tsv column")
    };
    let (id, path, error) = (col("id"), col("path"), col("error"));
    lines
        .map(|l| l.split('\t').collect::<Vec<_>>())
        .filter(|f| f.get(error) == Some(&"no"))
        .map(|f| (f[id].to_string(), dir.join(f[path])))
        .collect()
}

fn values() -> Vec<NewValue> {
    vec![
        NewValue::str("added"),
        NewValue::Map(vec![
            ("inner".to_string(), NewValue::Bool(true)),
            (
                "list".to_string(),
                NewValue::Seq(vec![NewValue::str("ALL")]),
            ),
        ]),
    ]
}

#[test]
fn every_mapping_and_sequence_of_the_yaml_test_suite() {
    let Some(dir) = suite_dir() else {
        eprintln!("SECCTX_YAML_TEST_SUITE is not set: skipping the yaml-test-suite sweep");
        return;
    };
    let cases = valid_cases(&dir);
    assert!(
        cases.len() > 250,
        "only {} valid cases in {}",
        cases.len(),
        dir.display()
    );
    let mut counts: BTreeMap<String, usize> = BTreeMap::new();
    let mut examples: BTreeMap<String, String> = BTreeMap::new();
    let mut violations = Vec::new();
    let mut files = 0;
    for (id, path) in &cases {
        let Ok(bytes) = std::fs::read(path) else {
            continue;
        };
        let Ok(input) = String::from_utf8(bytes) else {
            *counts.entry("input: not UTF-8".to_string()).or_default() += 1;
            continue;
        };
        files += 1;
        let (body, _) = strip_bom(&input);
        let tree = match parse(body) {
            Ok(t) => t,
            Err(e) => {
                *counts.entry("input: unparseable".to_string()).or_default() += 1;
                examples
                    .entry("input: unparseable".to_string())
                    .or_insert(format!("{id}: {e}"));
                continue;
            }
        };
        let mut ops = Vec::new();
        for (n, node) in tree.nodes.iter().enumerate() {
            let Some(target) = Target::of(&tree, n) else {
                continue;
            };
            for value in values() {
                let action = match node.kind {
                    Kind::Map { .. } => Action::Insert {
                        key: "secctx_new_key".to_string(),
                        value,
                    },
                    Kind::Seq { .. } => Action::Append { item: value },
                    _ => continue,
                };
                ops.push(Op {
                    target: target.clone(),
                    action,
                });
            }
        }
        for op in ops {
            let result = std::panic::catch_unwind(|| run(&input, std::slice::from_ref(&op)));
            let label = match result {
                Err(_) => {
                    violations.push(format!("{id}: panic on {op}"));
                    "PANIC".to_string()
                }
                Ok(Err(v)) => {
                    violations.push(format!("{id}: {op}: {v}"));
                    "VIOLATION".to_string()
                }
                Ok(Ok(outcome)) => {
                    let label = outcome.label();
                    let detail = match &outcome {
                        Outcome::Refused(r) => r.to_string(),
                        Outcome::Failed(e) => e.to_string(),
                        _ => String::new(),
                    };
                    examples
                        .entry(label.clone())
                        .or_insert(format!("{id}: {op}: {detail}"));
                    label
                }
            };
            *counts.entry(label).or_default() += 1;
        }
    }
    println!("yaml-test-suite: {files} valid inputs");
    for (label, n) in &counts {
        println!("{n:6}  {label}");
    }
    for (label, e) in &examples {
        println!("example of {label}: {e}");
    }
    for v in violations.iter().take(20) {
        println!("{v}");
    }
    assert!(
        violations.is_empty(),
        "{} contract violations (first ones above)",
        violations.len()
    );
    assert!(
        counts.get("done").copied().unwrap_or(0) > 700,
        "too few successful edits: {counts:?}"
    );
}
