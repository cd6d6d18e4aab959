//! `secctx fix` against the upstream pod-security-admission fixtures, judged by the reference
//! checker: every fixture the restricted profile denies (at the latest version) is fixed, and the
//! result is evaluated again with `pss_check.py --level restricted --api-validate`.
//!
//! For every pod, after the fix:
//! - `allowPrivilegeEscalation`, `capabilities_restricted`, `runAsNonRoot` and
//!   `seccompProfile_restricted` pass, unless secctx reported the pod as needing attention for
//!   that rule (a warning finding of the matching secctx rule);
//! - no API error appears that the original did not have (`allowPrivilegeEscalation: false`
//!   beside `privileged: true`, a seccomp field disagreeing with its annotation, Linux-only
//!   fields on a Windows pod, ...).
//!
//! Both with the default settings and with `--force`. Runs when `SECCTX_PSS` names the `pss`
//! folder (`.ci/run` sets it; needs `python3` with PyYAML); otherwise says it was skipped.
//! The counts are printed at the end (`cargo test --test pss_fix -- --nocapture`).

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;

use secctx::finding::{Finding, Severity};
use secctx::fix::{Outcome, fix_bytes};
use secctx::settings::Settings;

/// The four checks secctx's rules answer, and the rule that answers each.
const CHECKS: [(&str, &str); 4] = [
    ("allowPrivilegeEscalation", "no-privilege-escalation"),
    ("capabilities_restricted", "drop-all-capabilities"),
    ("runAsNonRoot", "run-as-non-root"),
    ("seccompProfile_restricted", "seccomp-runtime-default"),
];

/// Every fixture file, both levels, every version.
fn fixture_files(root: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![root.join("fixtures/test/testdata")];
    while let Some(dir) = stack.pop() {
        let entries =
            std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("read {}: {e}", dir.display()));
        for entry in entries {
            let path = entry.expect("a directory entry").path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "yaml") {
                out.push(path);
            }
        }
    }
    out.sort();
    out
}

/// One pod as the checker saw it.
#[derive(Debug, Default)]
struct Verdict {
    failures: BTreeSet<String>,
    api_errors: Vec<String>,
}

/// Runs the checker over a folder; verdicts by file name.
fn check_dir(checker: &Path, dir: &Path) -> BTreeMap<String, Verdict> {
    let out = Command::new("python3")
        .arg(checker)
        .args([
            "--level",
            "restricted",
            "--api-validate",
            "--no-summary",
            "--no-generic",
        ])
        .arg(dir)
        .output()
        .expect("python3 runs");
    let stdout = String::from_utf8(out.stdout).expect("JSON lines are UTF-8");
    assert!(
        out.status.code().is_some_and(|c| c <= 1),
        "pss_check.py failed (needs PyYAML):\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut verdicts: BTreeMap<String, Verdict> = BTreeMap::new();
    for line in stdout.lines() {
        let v: serde_json::Value = serde_json::from_str(line).expect("a JSON line");
        let file = v["file"].as_str().expect("file");
        assert!(v.get("error").is_none(), "{file}: {}", v["error"]);
        let name = Path::new(file)
            .file_name()
            .expect("a file name")
            .to_string_lossy()
            .to_string();
        let verdict = verdicts.entry(name).or_default();
        for f in v["failures"].as_array().into_iter().flatten() {
            verdict
                .failures
                .insert(f["id"].as_str().expect("id").to_string());
        }
        for e in v["api_errors"].as_array().into_iter().flatten() {
            verdict.api_errors.push(format!(
                "{}: {}",
                e["field"].as_str().unwrap_or(""),
                e["error"].as_str().unwrap_or("")
            ));
        }
    }
    verdicts
}

#[derive(Debug, Default)]
struct Counts {
    changed: usize,
    unchanged: usize,
    other_outcome: usize,
    /// Pods passing all four checks after the fix.
    clean: usize,
    /// (check, pods) still failing but reported by secctx.
    explained: BTreeMap<&'static str, usize>,
    /// Pods that passed the four checks before the fix already (denied for other reasons).
    clean_before: usize,
}

/// Fixes every denied fixture with `settings`; returns the counts and the broken promises.
fn run(
    checker: &Path,
    originals: &Path,
    names: &[String],
    settings: &Settings,
    before: &BTreeMap<String, Verdict>,
) -> (Counts, Vec<String>) {
    let fixed = tempfile::tempdir().expect("a temp dir");
    let mut findings: BTreeMap<String, Vec<Finding>> = BTreeMap::new();
    let mut counts = Counts::default();
    for name in names {
        let input = std::fs::read(originals.join(name)).expect("read a copy");
        let report = fix_bytes(&input, settings);
        let output = match &report.outcome {
            Outcome::Changed { output } => {
                counts.changed += 1;
                output.clone()
            }
            Outcome::Unchanged => {
                counts.unchanged += 1;
                input
            }
            _ => {
                counts.other_outcome += 1;
                input
            }
        };
        std::fs::write(fixed.path().join(name), output).expect("write the fixed copy");
        findings.insert(name.clone(), report.findings);
    }
    let after = check_dir(checker, fixed.path());
    let mut broken = Vec::new();
    for name in names {
        let (b, a) = (&before[name], &after[name]);
        let reported = |rule: &str| {
            findings[name]
                .iter()
                .any(|f| f.rule == rule && f.severity >= Severity::Warning)
        };
        let mut clean = true;
        for (check, rule) in CHECKS {
            if !a.failures.contains(check) {
                continue;
            }
            clean = false;
            if reported(rule) {
                *counts.explained.entry(check).or_default() += 1;
                if std::env::var_os("SECCTX_PSS_VERBOSE").is_some() {
                    for f in findings[name].iter().filter(|f| f.rule == rule) {
                        eprintln!("explained {name} {check}: {}", f.message);
                    }
                }
            } else {
                broken.push(format!(
                    "{name}: still fails {check} and secctx said nothing about {rule}"
                ));
            }
        }
        if clean {
            counts.clean += 1;
        }
        if CHECKS.iter().all(|(c, _)| !b.failures.contains(*c)) {
            counts.clean_before += 1;
        }
        let mut old = b.api_errors.clone();
        for e in &a.api_errors {
            match old.iter().position(|o| o == e) {
                Some(i) => {
                    old.remove(i);
                }
                None => broken.push(format!("{name}: gained an API error: {e}")),
            }
        }
    }
    (counts, broken)
}

#[test]
fn fixed_fixtures_pass_the_restricted_checks_secctx_answers() {
    let Some(root) = std::env::var_os("SECCTX_PSS") else {
        eprintln!("pss_fix: skipped (set SECCTX_PSS to the shared pss folder, as .ci/run does)");
        return;
    };
    let root = PathBuf::from(root);
    let checker = root.join("pss_check.py");

    // Copies of every fixture (the same pod recurs across versions: the distinct ones are
    // counted too).
    let all = tempfile::tempdir().expect("a temp dir");
    let mut seen = BTreeSet::new();
    let files = fixture_files(&root);
    assert!(
        files.len() > 4000,
        "expected the upstream fixtures under {}",
        root.display()
    );
    for path in &files {
        let bytes = std::fs::read(path).expect("read a fixture");
        seen.insert(bytes.clone());
        let rel = path
            .strip_prefix(root.join("fixtures/test/testdata"))
            .expect("under testdata");
        let name = rel.to_string_lossy().replace('/', "__");
        std::fs::write(all.path().join(name), bytes).expect("copy a fixture");
    }
    let distinct = seen.len();

    // The ones the restricted profile denies, copied apart.
    let verdicts = check_dir(&checker, all.path());
    let denied = tempfile::tempdir().expect("a temp dir");
    let mut names = Vec::new();
    let mut denied_distinct = BTreeSet::new();
    for (name, v) in &verdicts {
        if !v.failures.is_empty() {
            let bytes = std::fs::read(all.path().join(name)).expect("read a copy");
            std::fs::write(denied.path().join(name), &bytes).expect("copy a denied fixture");
            denied_distinct.insert(bytes);
            names.push(name.clone());
        }
    }
    let before = check_dir(&checker, denied.path());
    let failing_before: BTreeMap<&str, usize> = CHECKS
        .iter()
        .map(|(c, _)| {
            (
                *c,
                names
                    .iter()
                    .filter(|n| before[*n].failures.contains(*c))
                    .count(),
            )
        })
        .collect();

    let mut all_broken = Vec::new();
    let mut notes = vec![format!(
        "pss_fix: {} fixture files ({distinct} distinct), {} denied by restricted at the latest version ({} distinct); failing before the fix: {failing_before:?}",
        files.len(),
        names.len(),
        denied_distinct.len()
    )];
    for (label, settings) in [
        ("default", Settings::default()),
        (
            "--force",
            Settings {
                force: true,
                ..Settings::default()
            },
        ),
    ] {
        let (counts, broken) = run(&checker, denied.path(), &names, &settings, &before);
        notes.push(format!(
            "pss_fix [{label}]: {} changed, {} unchanged, {} other; {} pass all four checks ({} did before); still failing but reported by secctx: {:?}; {} broken promises",
            counts.changed,
            counts.unchanged,
            counts.other_outcome,
            counts.clean,
            counts.clean_before,
            counts.explained,
            broken.len()
        ));
        all_broken.extend(broken.into_iter().map(|b| format!("[{label}] {b}")));
    }
    for n in &notes {
        eprintln!("{n}");
    }
    assert!(
        names.len() > 2000,
        "expected most fixtures to be denied: {}",
        names.len()
    );
    assert!(
        all_broken.is_empty(),
        "{} problems:\n{}",
        all_broken.len(),
        all_broken.join("\n")
    );
}
