//! Snapshot tests of `secctx check` over `testdata/check/*.yaml`.
//!
//! A case may start with `# secctx-check: OPTIONS` (`--level baseline|restricted`,
//! `--version v1.NN`, `--skip RULE,...`, `--run-as-user UID`). The snapshot holds the outcome, the
//! verdict per pod spec with Kubernetes' texts, and the findings as
//! `line:col: severity[rule]: message (fixable)`. Beside the snapshot, every case checks:
//! - each failing check of a pod has a finding with that rule inside the pod's document, and no
//!   PSS finding exists for a check that does not fail;
//! - `secctx/` findings are `info`, PSS findings `warning`, and only PSS failures make
//!   `fails()` true;
//! - every finding's line and column are inside the file;
//! - a finding marked fixable without `--force` is gone after `secctx fix`, and a PSS finding
//!   marked fixable with `--force` is gone after `secctx fix --force` (the fix pipeline is run
//!   here, not trusted).

use secctx::check::{CheckOptions, CheckOutcome, CheckReport, Level, check_bytes};
use secctx::finding::Severity;
use secctx::fix::{Outcome, fix_bytes};
use secctx::settings::{Rule, Settings};

fn options_for(text: &str) -> (Settings, CheckOptions, String) {
    let mut settings = Settings::default();
    let mut opts = CheckOptions {
        level: Level::Restricted,
        version: None,
    };
    let first = text.lines().next().unwrap_or("");
    let Some(line) = first.strip_prefix("# secctx-check:") else {
        return (settings, opts, String::new());
    };
    let mut words = line.split_whitespace();
    while let Some(w) = words.next() {
        let mut arg = || {
            words
                .next()
                .unwrap_or_else(|| panic!("{w} needs a value"))
                .to_string()
        };
        match w {
            "--level" => {
                opts.level = match arg().as_str() {
                    "baseline" => Level::Baseline,
                    "restricted" => Level::Restricted,
                    other => panic!("level {other}"),
                }
            }
            "--version" => {
                let v = arg();
                opts.version = Some(v.trim_start_matches("v1.").parse().expect("v1.NN"));
            }
            "--skip" => {
                let skip: Vec<Rule> = arg()
                    .split(',')
                    .map(|r| r.parse().expect("rule name"))
                    .collect();
                settings.rules.retain(|r| !skip.contains(r));
            }
            "--run-as-user" => settings.run_as_user = Some(arg().parse().expect("uid")),
            other => panic!("unknown test option {other}"),
        }
    }
    (settings, opts, line.trim().to_string())
}

fn render(report: &CheckReport, options: &str) -> String {
    let mut out = String::new();
    if !options.is_empty() {
        out.push_str(&format!("options: {options}\n"));
    }
    out.push_str(&format!("outcome: {:?}\n", report.outcome));
    for p in &report.pods {
        out.push_str(&format!(
            "pod {}:{} doc {} {} {} `{}`: {}\n",
            p.line,
            p.col,
            p.doc_index,
            p.kind,
            p.name.as_deref().unwrap_or("-"),
            p.path,
            if p.allowed { "allowed" } else { "DENIED" }
        ));
        for f in &p.failures {
            out.push_str(&format!(
                "  {}: {}\n",
                f.id,
                secctx::k8s::pss::forbidden(&f.reason, &f.detail)
            ));
        }
    }
    out.push_str("findings:\n");
    for f in &report.findings {
        let severity = match f.severity {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Error => "error",
        };
        out.push_str(&format!(
            "{}:{}: {severity}[{}]: {}{}\n",
            f.line,
            f.col,
            f.rule,
            f.message,
            if f.fixable { " (fixable)" } else { "" }
        ));
    }
    out
}

/// The first line of each document (1-based), to place findings in documents.
fn document_starts(text: &str) -> Vec<usize> {
    let mut starts = vec![1];
    for (i, line) in text.lines().enumerate() {
        if line.starts_with("---") && i > 0 {
            starts.push(i + 2);
        }
    }
    starts
}

fn check_invariants(
    name: &str,
    text: &str,
    settings: &Settings,
    opts: &CheckOptions,
    report: &CheckReport,
) {
    let lines: Vec<&str> = text.lines().collect();
    for f in &report.findings {
        assert!(
            f.line >= 1 && f.line <= lines.len(),
            "{name}: line {} out of the file",
            f.line
        );
        assert!(
            f.col >= 1 && f.col <= lines[f.line - 1].chars().count() + 1,
            "{name}: col of {f:?}"
        );
        let expected = if f.rule.starts_with("secctx/") {
            Severity::Info
        } else {
            Severity::Warning
        };
        assert_eq!(f.severity, expected, "{name}: {f:?}");
    }
    assert_eq!(
        report.fails(),
        report.pods.iter().any(|p| !p.allowed),
        "{name}"
    );
    // Failing checks and PSS findings match, per document.
    if report.outcome == CheckOutcome::Checked {
        let starts = document_starts(text);
        let doc_of = |line: usize| starts.iter().rposition(|&s| s <= line).unwrap_or(0);
        for (doc, _) in starts.iter().enumerate() {
            let failing: std::collections::BTreeSet<&str> = report
                .pods
                .iter()
                .filter(|p| p.doc_index == doc)
                .flat_map(|p| p.failures.iter().map(|f| f.id.as_str()))
                .collect();
            let reported: std::collections::BTreeSet<&str> = report
                .findings
                .iter()
                .filter(|f| doc_of(f.line) == doc && !f.rule.starts_with("secctx/"))
                .map(|f| f.rule.as_str())
                .collect();
            assert_eq!(failing, reported, "{name}: document {doc}");
        }
    }
    // Fixability is what the fix pipeline does.
    let after = |force: bool| -> Option<CheckReport> {
        let mut s = settings.clone();
        s.force = force;
        match fix_bytes(text.as_bytes(), &s).outcome {
            Outcome::Changed { output } => Some(check_bytes(&output, settings, opts)),
            _ => None,
        }
    };
    let (plain, forced) = (after(false), after(true));
    for f in report.findings.iter().filter(|f| f.fixable) {
        let needs_force = f.message.contains("--force");
        let run = if needs_force { &forced } else { &plain };
        let run = run
            .as_ref()
            .unwrap_or_else(|| panic!("{name}: {f:?} fixable but fix changed nothing"));
        // Fix adds lines, so places move: the number of findings of the rule must drop.
        let before = report.findings.iter().filter(|x| x.rule == f.rule).count();
        let left = run.findings.iter().filter(|x| x.rule == f.rule).count();
        assert!(
            left < before,
            "{name}: {f:?} not fixed by `secctx fix{}`",
            if needs_force { " --force" } else { "" }
        );
    }
}

#[test]
fn check_cases() {
    insta::glob!("../testdata/check", "*.yaml", |path: &std::path::Path| {
        let name = path
            .file_name()
            .expect("file name")
            .to_string_lossy()
            .into_owned();
        let text = std::fs::read_to_string(path).expect("read case");
        let (settings, opts, options) = options_for(&text);
        let report = check_bytes(text.as_bytes(), &settings, &opts);
        check_invariants(&name, &text, &settings, &opts, &report);
        let snap = render(&report, &options);
        insta::with_settings!({snapshot_path => "../snapshots", omit_expression => true}, {
            insta::assert_snapshot!("case", snap);
        });
    });
}
