//! What the user sees, the last step of the pipeline: one small `FileRecord` per file (status,
//! findings, counts, the diff text), rendered as it arrives, in path order, into the chosen
//! format, plus the summary and the exit status.
//!
//! Everything here is pure text rendering (no I/O), so the formats are tested directly; `cli`
//! writes the strings to stdout (the product: diffs, patch, JSON, SARIF, Markdown) and stderr
//! (findings of `fix`, notes, errors, the summary line).
//!
//! # JSON (`--format json`), schema version 1
//!
//! Stable: fields are only ever added, never renamed or removed, while `version` stays 1. The
//! document is written as it goes (one file object per line), so memory does not grow with the
//! number of files. `fix`:
//!
//! ```json
//! {"version": 1, "command": "fix", "files": [
//! {"path": "deploy/web.yaml", "status": "changed", "written": true,
//!  "findings": [{"line": 12, "col": 9, "rule": "run-as-non-root", "severity": "warning",
//!                "message": "...", "fixable": true}],
//!  "stats": {"documents": 1, "pod_specs": 1, "containers": 2, "containers_hardened": 2,
//!            "changes": 9, "rules": {"run-as-non-root": 2, "no-privilege-escalation": 2,
//!            "drop-all-capabilities": 2, "read-only-root-filesystem": 2,
//!            "seccomp-runtime-default": 1}},
//!  "diff": "--- a/deploy/web.yaml\n+++ b/deploy/web.yaml\n@@ ..."},
//! {"path": "chart/templates/job.yaml", "status": "skipped", "reason": "template",
//!  "message": "...", "written": false, "findings": [], "stats": {...}},
//! {"path": "bad.yaml", "status": "error", "written": false,
//!  "error": {"kind": "invalid-yaml", "line": 3, "col": 1, "message": "..."},
//!  "findings": [], "stats": {...}}
//! ],
//! "summary": {"files": 3, "changed": 1, "unchanged": 0, "skipped": 1, "errors": 1,
//!             "written": 1, "containers": 2, "containers_hardened": 2, "changes": 9,
//!             "findings": 1, "templates_skipped": 1, "not_kubernetes": 0, "interrupted": false}}
//! ```
//!
//! - `status`: `changed` (needed hardening; `written` tells whether the file was rewritten, false
//!   under `--dry-run`/`--check`), `unchanged` (Kubernetes, nothing to do), `skipped` (left alone
//!   on purpose; `reason` is `not-kubernetes`, `template`, `empty` or `symlink-outside`, with a
//!   `message`), `error` (not processed and not written; `error.kind` is e.g. `invalid-yaml`,
//!   `not-utf8`, `verification-failed`, `read-failed`, `read-only`, `changed-on-disk`,
//!   `write-failed`; `line`/`col` are 1-based or null).
//! - `findings[].severity`: `info`, `warning` (needs attention) or `error`. `line`/`col` 1-based,
//!   `col` in characters.
//! - `diff`: the unified diff (three lines of context), present when `status` is `changed`.
//! - `summary.findings` counts findings of severity `warning` and `error`.
//!
//! `check` uses the same frame with `"command": "check"`, `"level"` and `"kubernetes_version"`
//! (`"v1.NN"` or `"latest"`) beside `version`; each file has `path`, `status` (`checked`,
//! `skipped`, `error`), `reason`/`message`/`error` as above, `findings` and `pod_specs`; the
//! summary has `files`, `checked`, `skipped`, `errors`, `pod_specs`, `violations` (findings of
//! severity `warning` or `error`), `files_with_violations`, `interrupted`.
//!
//! # SARIF (`check --format sarif`)
//!
//! SARIF 2.1.0, one run, tool `secctx` with one `rules` entry per check (id, name, short and full
//! description, help text and Markdown, help URI, default level), one result per finding with a
//! `%SRCROOT%`-relative `artifactLocation.uri` and a region, and files that could not be checked as
//! `invocations[0].toolExecutionNotifications` (`executionSuccessful` is false when there are any).

use std::fmt::Write as _;

use console::Style;
use serde::Serialize;

use crate::diff::{self, DiffColors};
use crate::finding::{Finding, Severity};
use crate::fix::Stats;
use crate::settings::Rule;

/// JSON schema version.
pub const JSON_VERSION: u32 = 1;

/// What happened to one file.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Status {
    Changed,
    Unchanged,
    Skipped,
    Error,
    /// `check` evaluated the file.
    Checked,
}

/// Why a file was skipped, as JSON writes it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum SkipKind {
    NotKubernetes,
    Template,
    Empty,
    /// A symlink whose target lies outside the walked folder.
    SymlinkOutside,
}

/// Why a file could not be processed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ErrorInfo {
    pub kind: String,
    pub line: Option<usize>,
    pub col: Option<usize>,
    pub message: String,
}

impl ErrorInfo {
    pub fn new(kind: &str, message: impl Into<String>) -> ErrorInfo {
        ErrorInfo {
            kind: kind.to_string(),
            line: None,
            col: None,
            message: message.into(),
        }
    }
}

/// One file's result: small on purpose (no file contents), kept only until it is printed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FileRecord {
    /// As shown: relative to the current folder when the user gave a relative path.
    pub path: String,
    pub status: Status,
    pub skip: Option<(SkipKind, String)>,
    pub error: Option<ErrorInfo>,
    pub findings: Vec<Finding>,
    pub stats: Stats,
    /// Pod specs evaluated (`check`).
    pub pod_specs: usize,
    /// The plain unified diff when the file changed (empty otherwise).
    pub diff: String,
    pub written: bool,
}

impl FileRecord {
    pub fn new(path: impl Into<String>, status: Status) -> FileRecord {
        FileRecord {
            path: path.into(),
            status,
            skip: None,
            error: None,
            findings: Vec::new(),
            stats: Stats::default(),
            pod_specs: 0,
            diff: String::new(),
            written: false,
        }
    }

    pub fn skipped(path: impl Into<String>, kind: SkipKind, message: impl Into<String>) -> Self {
        let mut r = FileRecord::new(path, Status::Skipped);
        r.skip = Some((kind, message.into()));
        r
    }

    pub fn failed(path: impl Into<String>, error: ErrorInfo) -> FileRecord {
        let mut r = FileRecord::new(path, Status::Error);
        r.error = Some(error);
        r
    }

    /// Findings that need a person (warnings and errors).
    pub fn attention(&self) -> usize {
        self.findings
            .iter()
            .filter(|f| f.severity >= Severity::Warning)
            .count()
    }
}

/// Totals of a `fix` run.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct FixSummary {
    pub files: usize,
    pub changed: usize,
    pub unchanged: usize,
    pub skipped: usize,
    pub errors: usize,
    pub written: usize,
    pub containers: usize,
    pub containers_hardened: usize,
    pub changes: usize,
    pub findings: usize,
    pub templates_skipped: usize,
    pub not_kubernetes: usize,
    pub interrupted: bool,
}

impl FixSummary {
    pub fn add(&mut self, r: &FileRecord) {
        self.files += 1;
        match r.status {
            Status::Changed => self.changed += 1,
            Status::Unchanged | Status::Checked => self.unchanged += 1,
            Status::Skipped => self.skipped += 1,
            Status::Error => self.errors += 1,
        }
        match r.skip {
            Some((SkipKind::Template, _)) => self.templates_skipped += 1,
            Some((SkipKind::NotKubernetes, _)) => self.not_kubernetes += 1,
            _ => {}
        }
        self.written += usize::from(r.written);
        self.containers += r.stats.containers;
        self.containers_hardened += r.stats.containers_hardened;
        self.changes += r.stats.changes;
        self.findings += r.attention();
    }
}

/// Totals of a `check` run.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct CheckSummary {
    pub files: usize,
    pub checked: usize,
    pub skipped: usize,
    pub errors: usize,
    pub pod_specs: usize,
    pub violations: usize,
    pub files_with_violations: usize,
    pub interrupted: bool,
}

impl CheckSummary {
    pub fn add(&mut self, r: &FileRecord) {
        self.files += 1;
        match r.status {
            Status::Skipped => self.skipped += 1,
            Status::Error => self.errors += 1,
            _ => self.checked += 1,
        }
        self.pod_specs += r.pod_specs;
        let v = r.attention();
        self.violations += v;
        self.files_with_violations += usize::from(v > 0);
    }
}

/// Colors for one stream.
#[derive(Clone, Copy, Debug)]
pub struct Palette {
    pub enabled: bool,
}

impl Palette {
    fn style(self, s: Style) -> Style {
        s.force_styling(self.enabled)
    }
    pub fn bold(self, t: &str) -> String {
        self.style(Style::new().bold()).apply_to(t).to_string()
    }
    pub fn dim(self, t: &str) -> String {
        self.style(Style::new().dim()).apply_to(t).to_string()
    }
    fn severity(self, sev: Severity) -> String {
        let (word, style) = match sev {
            Severity::Info => ("note", Style::new().cyan().bold()),
            Severity::Warning => ("warning", Style::new().yellow().bold()),
            Severity::Error => ("error", Style::new().red().bold()),
        };
        self.style(style).apply_to(word).to_string()
    }
    fn red_bold(self, t: &str) -> String {
        self.style(Style::new().red().bold())
            .apply_to(t)
            .to_string()
    }
    fn yellow(self, t: &str) -> String {
        self.style(Style::new().yellow()).apply_to(t).to_string()
    }
    fn cyan_bold(self, t: &str) -> String {
        self.style(Style::new().cyan().bold())
            .apply_to(t)
            .to_string()
    }
}

/// `path:line:col: warning[rule]: message` (the `fix` form; `note`/`error` by severity).
pub fn finding_line(path: &str, f: &Finding, p: Palette) -> String {
    format!(
        "{}: {}[{}]: {}\n",
        p.bold(&format!("{path}:{}:{}", f.line, f.col)),
        p.severity(f.severity),
        f.rule,
        f.message
    )
}

/// `path:line:col: rule: message` (the `check` form).
pub fn check_finding_line(path: &str, f: &Finding, p: Palette) -> String {
    format!(
        "{}: {}: {}\n",
        p.bold(&format!("{path}:{}:{}", f.line, f.col)),
        p.yellow(&f.rule),
        f.message
    )
}

/// `path:line:col: error[kind]: message`, or `path: error[kind]: message` without a position.
pub fn error_line(path: &str, e: &ErrorInfo, p: Palette) -> String {
    let place = match (e.line, e.col) {
        (Some(l), Some(c)) => format!("{path}:{l}:{c}"),
        (Some(l), None) => format!("{path}:{l}"),
        _ => path.to_string(),
    };
    format!(
        "{}: {}[{}]: {}\n",
        p.bold(&place),
        p.red_bold("error"),
        e.kind,
        e.message
    )
}

/// `path: note: message`.
pub fn note_line(path: &str, message: &str, p: Palette) -> String {
    format!("{}: {}: {message}\n", p.bold(path), p.cyan_bold("note"))
}

/// Human `fix` output for one file: (stdout, stderr).
///
/// stdout gets, per changed file, a header line and the colored diff; stderr gets the findings,
/// the error, and a note for skipped templates and symlinks (not for non-Kubernetes or empty
/// files, which are only counted) unless `quiet`.
pub fn fix_human(r: &FileRecord, out: Palette, err: Palette, quiet: bool) -> (String, String) {
    let mut o = String::new();
    let mut e = String::new();
    if r.status == Status::Changed && !r.diff.is_empty() {
        let what = plural(
            r.stats.containers_hardened,
            "container hardened",
            "containers hardened",
        );
        let _ = writeln!(o, "{} {}", out.bold(&r.path), out.dim(&format!("({what})")));
        o.push_str(&diff::colorize(
            &r.diff,
            DiffColors {
                enabled: out.enabled,
            },
        ));
        o.push('\n');
    }
    for f in &r.findings {
        e.push_str(&finding_line(&r.path, f, err));
    }
    e.push_str(&error_and_skip_lines(r, err, quiet));
    (o, e)
}

/// A file's error line, and the note for a template or a link leaving the tree (unless quiet).
fn error_and_skip_lines(r: &FileRecord, err: Palette, quiet: bool) -> String {
    let mut e = String::new();
    if let Some(error) = &r.error {
        e.push_str(&error_line(&r.path, error, err));
    }
    if let Some((kind, message)) = &r.skip
        && !quiet
        && matches!(kind, SkipKind::Template | SkipKind::SymlinkOutside)
    {
        e.push_str(&note_line(&r.path, &format!("skipped: {message}"), err));
    }
    e
}

/// Human `check` output for one file: (stdout, stderr). Findings are the product (stdout).
pub fn check_human(r: &FileRecord, out: Palette, err: Palette, quiet: bool) -> (String, String) {
    let mut o = String::new();
    let mut e = String::new();
    for f in &r.findings {
        o.push_str(&check_finding_line(&r.path, f, out));
    }
    e.push_str(&error_and_skip_lines(r, err, quiet));
    (o, e)
}

/// Stderr lines of a file for the machine formats (patch, JSON, SARIF, Markdown): errors always,
/// `fix` findings unless the format carries them itself.
pub fn machine_stderr(r: &FileRecord, err: Palette, with_findings: bool) -> String {
    let mut e = String::new();
    if with_findings {
        for f in &r.findings {
            e.push_str(&finding_line(&r.path, f, err));
        }
    }
    if let Some(error) = &r.error {
        e.push_str(&error_line(&r.path, error, err));
    }
    e
}

/// One entry of `--format patch`: `diff --git` + the unified diff.
pub fn patch_text(r: &FileRecord) -> String {
    if r.status != Status::Changed || r.diff.is_empty() {
        return String::new();
    }
    let name = diff::quote_path(&r.path);
    let (a, b) = match name.strip_prefix('"') {
        Some(rest) => (format!("\"a/{rest}"), format!("\"b/{rest}")),
        None => (format!("a/{name}"), format!("b/{name}")),
    };
    format!("diff --git {a} {b}\n{}", r.diff)
}

#[derive(Serialize)]
struct JsonFile<'a> {
    path: &'a str,
    status: Status,
    #[serde(skip_serializing_if = "Option::is_none")]
    reason: Option<SkipKind>,
    #[serde(skip_serializing_if = "Option::is_none")]
    message: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<&'a ErrorInfo>,
    #[serde(skip_serializing_if = "Option::is_none")]
    written: Option<bool>,
    findings: &'a [Finding],
    #[serde(skip_serializing_if = "Option::is_none")]
    stats: Option<&'a Stats>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pod_specs: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    diff: Option<&'a str>,
}

/// Which command a JSON document describes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum JsonKind {
    Fix,
    Check,
}

/// The opening of the JSON document, up to and including `"files":[`.
pub fn json_start(kind: JsonKind, check: Option<(&str, &str)>) -> String {
    match (kind, check) {
        (JsonKind::Check, Some((level, version))) => format!(
            "{{\"version\":{JSON_VERSION},\"command\":\"check\",\"level\":{},\"kubernetes_version\":{},\"files\":[",
            json_str(level),
            json_str(version)
        ),
        (JsonKind::Check, None) => {
            format!("{{\"version\":{JSON_VERSION},\"command\":\"check\",\"files\":[")
        }
        (JsonKind::Fix, _) => {
            format!("{{\"version\":{JSON_VERSION},\"command\":\"fix\",\"files\":[")
        }
    }
}

/// One file object, on its own line, preceded by a comma unless it is the first.
pub fn json_file(r: &FileRecord, kind: JsonKind, first: bool) -> String {
    let fix = kind == JsonKind::Fix;
    let file = JsonFile {
        path: &r.path,
        status: r.status,
        reason: r.skip.as_ref().map(|(k, _)| *k),
        message: r.skip.as_ref().map(|(_, m)| m.as_str()),
        error: r.error.as_ref(),
        written: fix.then_some(r.written),
        findings: &r.findings,
        stats: fix.then_some(&r.stats),
        pod_specs: (!fix).then_some(r.pod_specs),
        diff: (fix && r.status == Status::Changed && !r.diff.is_empty()).then_some(r.diff.as_str()),
    };
    let body = serde_json::to_string(&file).expect("plain data always serializes");
    format!("{}\n{body}", if first { "" } else { "," })
}

/// The end of the JSON document: closes `files` and adds the summary.
pub fn json_end<S: Serialize>(summary: &S) -> String {
    let s = serde_json::to_string(summary).expect("plain data always serializes");
    format!("\n],\"summary\":{s}}}\n")
}

fn json_str(s: &str) -> String {
    serde_json::to_string(s).expect("strings always serialize")
}

/// A rule described for SARIF's `tool.driver.rules`.
#[derive(Clone, Debug)]
pub struct RuleMeta {
    pub id: String,
    pub title: String,
    pub description: String,
    pub help_uri: String,
    /// What to do about it, as Markdown (`help.markdown`; `help.text` is the same without marks).
    pub help: String,
}

/// The SARIF log up to and including `"results":[`.
pub fn sarif_start(rules: &[RuleMeta], version: &str) -> String {
    let rules: Vec<serde_json::Value> = rules
        .iter()
        .map(|r| {
            serde_json::json!({
                "id": r.id,
                "name": r.id,
                "shortDescription": {"text": r.title},
                "fullDescription": {"text": r.description},
                "helpUri": r.help_uri,
                "help": {"text": r.help.replace('`', ""), "markdown": r.help},
                "defaultConfiguration": {"level": "warning"},
                "properties": {"tags": ["security", "kubernetes", "pod-security-standards"]}
            })
        })
        .collect();
    let driver = serde_json::json!({
        "name": "secctx",
        "version": version,
        "semanticVersion": version,
        "informationUri": "https://kubernetes.io/docs/concepts/security/pod-security-standards/",
        "rules": rules,
    });
    format!(
        "{{\"$schema\":\"https://json.schemastore.org/sarif-2.1.0.json\",\"version\":\"2.1.0\",\
         \"runs\":[{{\"tool\":{{\"driver\":{driver}}},\"columnKind\":\"unicodeCodePoints\",\
         \"results\":["
    )
}

/// The SARIF results of one file, each on its own line; `first` tells whether any result was
/// written before. Returns the text and whether it wrote any result.
pub fn sarif_results(r: &FileRecord, rules: &[RuleMeta], first: bool) -> (String, bool) {
    let mut out = String::new();
    let mut first = first;
    for f in &r.findings {
        let mut result = serde_json::json!({
            "ruleId": f.rule,
            "level": sarif_level(f.severity),
            "message": {"text": f.message},
            "locations": [sarif_location(&r.path, Some(f.line), Some(f.col))],
        });
        if let Some(i) = rules.iter().position(|m| m.id == f.rule) {
            result["ruleIndex"] = i.into();
        }
        let _ = write!(out, "{}\n{result}", if first { "" } else { "," });
        first = false;
    }
    (out, !r.findings.is_empty())
}

/// The end of the SARIF log: closes `results`, adds the invocation with one notification per
/// file that could not be checked.
pub fn sarif_end(errors: &[(String, ErrorInfo)]) -> String {
    let notes: Vec<serde_json::Value> = errors
        .iter()
        .map(|(path, e)| {
            serde_json::json!({
                "level": "error",
                "descriptor": {"id": e.kind},
                "message": {"text": e.message},
                "locations": [sarif_location(path, e.line, e.col)],
            })
        })
        .collect();
    let invocation = serde_json::json!({
        "executionSuccessful": errors.is_empty(),
        "toolExecutionNotifications": notes,
    });
    format!("\n],\"invocations\":[{invocation}]}}]}}\n")
}

fn sarif_level(s: Severity) -> &'static str {
    match s {
        Severity::Info => "note",
        Severity::Warning => "warning",
        Severity::Error => "error",
    }
}

fn sarif_location(path: &str, line: Option<usize>, col: Option<usize>) -> serde_json::Value {
    let mut physical = serde_json::json!({
        "artifactLocation": {"uri": uri_path(path), "uriBaseId": "%SRCROOT%"},
    });
    if let Some(line) = line {
        physical["region"] =
            serde_json::json!({"startLine": line, "startColumn": col.unwrap_or(1)});
    }
    serde_json::json!({"physicalLocation": physical})
}

/// A relative path as a URI reference: `/` separators, reserved and non-ASCII bytes escaped.
pub fn uri_path(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for b in path.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' | b'/' => {
                out.push(b as char)
            }
            _ => {
                let _ = write!(out, "%{b:02X}");
            }
        }
    }
    out
}

/// `Hardened 37 containers in 12 files (3 findings need attention, 2 templates skipped); 140
/// files in 0.21s`. `applied` is false for `--dry-run`/`--check` ("Would harden ...").
pub fn fix_summary_line(s: &FixSummary, applied: bool, secs: f64) -> String {
    let mut head = if s.changed == 0 {
        "Nothing to harden".to_string()
    } else {
        format!(
            "{} {} in {}",
            if applied { "Hardened" } else { "Would harden" },
            plural(s.containers_hardened, "container", "containers"),
            plural(s.changed, "file", "files")
        )
    };
    if applied && s.written < s.changed {
        let _ = write!(head, ", {} written", s.written);
    }
    let mut notes = Vec::new();
    if s.findings > 0 {
        notes.push(if s.findings == 1 {
            "1 finding needs attention".to_string()
        } else {
            format!("{} findings need attention", s.findings)
        });
    }
    if s.templates_skipped > 0 {
        notes.push(plural(
            s.templates_skipped,
            "template skipped",
            "templates skipped",
        ));
    }
    if s.not_kubernetes > 0 {
        notes.push(format!("{} without pod specs", s.not_kubernetes));
    }
    if s.errors > 0 {
        notes.push(plural(s.errors, "error", "errors"));
    }
    let notes = if notes.is_empty() {
        String::new()
    } else {
        format!(" ({})", notes.join(", "))
    };
    let interrupted = if s.interrupted { "Interrupted: " } else { "" };
    format!(
        "{interrupted}{head}{notes}; {} in {secs:.2}s\n",
        plural(s.files, "file", "files")
    )
}

/// `Found 12 violations of the restricted profile (Kubernetes latest) in 5 of 40 files (1 error);
/// 0.12s`.
pub fn check_summary_line(s: &CheckSummary, level: &str, version: &str, secs: f64) -> String {
    let head = if s.violations == 0 {
        format!(
            "No violations of the {level} profile (Kubernetes {version}) in {}",
            plural(s.files, "file", "files")
        )
    } else {
        format!(
            "Found {} of the {level} profile (Kubernetes {version}) in {} of {}",
            plural(s.violations, "violation", "violations"),
            s.files_with_violations,
            plural(s.files, "file", "files")
        )
    };
    let mut notes = Vec::new();
    notes.push(plural(s.pod_specs, "pod spec checked", "pod specs checked"));
    if s.skipped > 0 {
        notes.push(format!("{} skipped", s.skipped));
    }
    if s.errors > 0 {
        notes.push(plural(s.errors, "error", "errors"));
    }
    let interrupted = if s.interrupted { "Interrupted: " } else { "" };
    format!("{interrupted}{head} ({}); {secs:.2}s\n", notes.join(", "))
}

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// The start of the Markdown summary.
pub fn markdown_start(applied: bool) -> String {
    format!(
        "## secctx: {}\n\n",
        if applied {
            "hardened Kubernetes manifests"
        } else {
            "Kubernetes manifests to harden"
        }
    )
}

/// One file's Markdown section: a table of what changed and a list of what needs attention.
/// Empty for files with nothing to tell (unchanged without findings, not Kubernetes, empty).
pub fn markdown_file(r: &FileRecord) -> String {
    let attention: Vec<&Finding> = r
        .findings
        .iter()
        .filter(|f| f.severity >= Severity::Warning)
        .collect();
    let interesting = matches!(r.status, Status::Changed | Status::Error)
        || !attention.is_empty()
        || matches!(
            r.skip,
            Some((SkipKind::Template | SkipKind::SymlinkOutside, _))
        );
    if !interesting {
        return String::new();
    }
    let mut o = format!("### `{}`\n\n", md_code(&r.path));
    match r.status {
        Status::Changed => {
            let rules: Vec<String> = r
                .stats
                .rules
                .applied()
                .iter()
                .map(|r| format!("`{r}`"))
                .collect();
            let _ = writeln!(o, "| Containers hardened | Changes | Rules applied |");
            let _ = writeln!(o, "|---:|---:|---|");
            let _ = writeln!(
                o,
                "| {} of {} | {} | {} |\n",
                r.stats.containers_hardened,
                r.stats.containers,
                r.stats.changes,
                if rules.is_empty() {
                    "-".to_string()
                } else {
                    rules.join(", ")
                }
            );
        }
        Status::Error => {
            if let Some(e) = &r.error {
                let at = e.line.map(|l| format!(" (line {l})")).unwrap_or_default();
                let _ = writeln!(o, "**Not processed**{at}: {}\n", md_text(&e.message));
            }
        }
        _ => {
            if let Some((_, m)) = &r.skip {
                let _ = writeln!(o, "Skipped: {}\n", md_text(m));
            }
        }
    }
    if !attention.is_empty() {
        let _ = writeln!(o, "Needs attention:\n");
        let _ = writeln!(o, "| Line | Rule | Finding |");
        let _ = writeln!(o, "|---:|---|---|");
        for f in attention {
            let _ = writeln!(
                o,
                "| {} | `{}` | {} |",
                f.line,
                md_code(&f.rule),
                md_cell(&f.message)
            );
        }
        o.push('\n');
    }
    o
}

/// The Markdown totals table.
pub fn markdown_end(s: &FixSummary) -> String {
    let mut o = String::from("### Totals\n\n");
    o.push_str("| Files changed | Containers hardened | Changes | Findings | Templates skipped | Errors | Files |\n");
    o.push_str("|---:|---:|---:|---:|---:|---:|---:|\n");
    let _ = writeln!(
        o,
        "| {} | {} | {} | {} | {} | {} | {} |",
        s.changed,
        s.containers_hardened,
        s.changes,
        s.findings,
        s.templates_skipped,
        s.errors,
        s.files
    );
    o
}

fn md_code(s: &str) -> String {
    s.replace('`', "'").replace('|', "\\|")
}

/// Text for a paragraph: one line.
fn md_text(s: &str) -> String {
    s.replace('\n', " ")
}

/// Text for a table cell: one line, pipes escaped (GFM reads `\|` as a pipe, even in code).
fn md_cell(s: &str) -> String {
    md_text(s).replace('|', "\\|")
}

/// What `secctx rules` prints about each rule.
pub struct RuleDoc {
    pub rule: Rule,
    pub sets: &'static str,
    pub why: &'static str,
    pub breaks: &'static str,
}

/// The rules, what each sets, why, and what it can break.
pub const RULE_DOCS: [RuleDoc; 5] = [
    RuleDoc {
        rule: Rule::RunAsNonRoot,
        sets: "runAsNonRoot: true (and runAsUser when --run-as-user or the config gives one)",
        why: "A process running as UID 0 in a container is root on the node the moment it \
              escapes; with runAsNonRoot the kubelet refuses to start a container whose user is \
              root.",
        breaks: "Images whose default user is root (nginx, redis, postgres, busybox, most base \
                 images) stop starting with \"container has runAsNonRoot and image will run as \
                 root\"; images with a non-numeric USER fail with \"image has non-numeric user\". \
                 Fix: --run-as-user UID, run_as_user per image in .secctx.yaml, or an unprivileged \
                 image (nginxinc/nginx-unprivileged, bitnami/*). Files owned by root that the app \
                 must write become read-only to it.",
    },
    RuleDoc {
        rule: Rule::NoPrivilegeEscalation,
        sets: "allowPrivilegeEscalation: false",
        why: "Sets no_new_privs: setuid/setgid binaries and file capabilities can no longer raise \
              a process's privileges (sudo, su, setuid helpers used in exploits).",
        breaks: "Programs that rely on setuid binaries (sudo/su in entrypoints, old ping). Not set \
                 beside privileged: true or an added SYS_ADMIN capability, which the API server \
                 would reject; those are reported instead.",
    },
    RuleDoc {
        rule: Rule::DropAllCapabilities,
        sets: "capabilities.drop: [ALL] (existing drop entries and every add are kept)",
        why: "Even non-root processes can hold Linux capabilities (NET_RAW for packet spoofing, \
              CHOWN, DAC_OVERRIDE, SETUID...); the restricted profile allows only \
              NET_BIND_SERVICE to be added back.",
        breaks: "Processes that bind ports below 1024 (add NET_BIND_SERVICE), change file \
                 ownership or switch users at start (entrypoints that chown then drop to a user), \
                 or send raw packets (ping).",
    },
    RuleDoc {
        rule: Rule::ReadOnlyRootFilesystem,
        sets: "readOnlyRootFilesystem: true, plus an emptyDir volume mounted at /tmp (and at the \
               known writable paths of images like nginx)",
        why: "An attacker cannot drop tools or change binaries and config in the image, and the \
              container's state stays what the image says.",
        breaks: "Apps that write outside /tmp: caches, pid and lock files, logs written to files, \
                 runtime config generation (nginx writes /var/cache/nginx and /var/run; others \
                 write /var/lib/..., /run, $HOME). They fail with \"Read-only file system\". \
                 Fix: writable_paths per image in .secctx.yaml (each gets an emptyDir), or skip \
                 the rule for that workload (secctx.io/skip annotation).",
    },
    RuleDoc {
        rule: Rule::SeccompRuntimeDefault,
        sets: "seccompProfile: {type: RuntimeDefault}",
        why: "The container runtime's default seccomp filter blocks rarely needed, often exploited \
              system calls (keyctl, unshare, mount, bpf, ...).",
        breaks: "Rarely anything: workloads that need blocked system calls (some debuggers and \
                 tracers, nested containers, unusual io_uring or namespace use). Those need a \
                 Localhost profile, which secctx keeps.",
    },
];

/// `secctx rules` output.
pub fn rules_text(p: Palette, width: usize) -> String {
    let mut o = String::new();
    for (i, d) in RULE_DOCS.iter().enumerate() {
        if i > 0 {
            o.push('\n');
        }
        let _ = writeln!(o, "{}", p.bold(d.rule.name()));
        for (label, text) in [("Sets", d.sets), ("Why", d.why), ("Can break", d.breaks)] {
            let label = format!("{label}:");
            let lines = wrap(text, width.saturating_sub(14).max(30));
            for (j, line) in lines.iter().enumerate() {
                let head = if j == 0 { label.as_str() } else { "" };
                let _ = writeln!(o, "  {}{} {line}", p.dim(head), " ".repeat(11 - head.len()));
            }
        }
    }
    o.push_str(
        "\nOpt out per object with the annotation secctx.io/skip: \"<rule>,...|all\", per \
         container with a\ncomment # secctx: ignore[<rule>,...] on its first line, per run with \
         --skip/--only,\nper project with skip: [...] in .secctx.yaml.\n",
    );
    o
}

/// Greedy word wrap (no hyphenation); a word longer than `width` gets a line of its own.
fn wrap(text: &str, width: usize) -> Vec<String> {
    let mut lines = Vec::new();
    let mut cur = String::new();
    for word in text.split_whitespace() {
        if !cur.is_empty() && cur.chars().count() + 1 + word.chars().count() > width {
            lines.push(std::mem::take(&mut cur));
        }
        if !cur.is_empty() {
            cur.push(' ');
        }
        cur.push_str(word);
    }
    if !cur.is_empty() {
        lines.push(cur);
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    const OFF: Palette = Palette { enabled: false };
    const ON: Palette = Palette { enabled: true };

    fn finding(rule: &str, sev: Severity) -> Finding {
        Finding {
            line: 3,
            col: 7,
            rule: rule.into(),
            severity: sev,
            message: "image nginx runs as root".into(),
            fixable: false,
        }
    }

    fn changed() -> FileRecord {
        let mut r = FileRecord::new("k8s/web.yaml", Status::Changed);
        r.diff = diff::unified_diff(
            "k8s/web.yaml",
            "a: 1\n",
            "a: 1\nsecurityContext:\n  runAsNonRoot: true\n",
        );
        r.stats.containers = 2;
        r.stats.containers_hardened = 1;
        r.stats.changes = 1;
        r.stats.rules.0[0] = 1;
        r.written = true;
        r.findings
            .push(finding("run-as-non-root", Severity::Warning));
        r
    }

    #[test]
    fn human_fix_splits_product_and_findings() {
        let (o, e) = fix_human(&changed(), OFF, OFF, false);
        assert!(
            o.starts_with("k8s/web.yaml (1 container hardened)\n--- a/k8s/web.yaml\n"),
            "{o}"
        );
        assert!(o.contains("+  runAsNonRoot: true\n"), "{o}");
        assert_eq!(
            e,
            "k8s/web.yaml:3:7: warning[run-as-non-root]: image nginx runs as root\n"
        );
        assert!(!o.contains('\u{1b}') && !e.contains('\u{1b}'));
        let (o, e) = fix_human(&changed(), ON, ON, false);
        assert!(o.contains('\u{1b}') && e.contains('\u{1b}'));
        assert_eq!(
            console::strip_ansi_codes(&e),
            "k8s/web.yaml:3:7: warning[run-as-non-root]: image nginx runs as root\n"
        );
    }

    #[test]
    fn human_fix_notes_templates_but_not_other_skips() {
        let t = FileRecord::skipped("t.yaml", SkipKind::Template, "Helm template");
        assert_eq!(
            fix_human(&t, OFF, OFF, false).1,
            "t.yaml: note: skipped: Helm template\n"
        );
        assert_eq!(fix_human(&t, OFF, OFF, true).1, "");
        let n = FileRecord::skipped("n.yaml", SkipKind::NotKubernetes, "not Kubernetes");
        assert_eq!(
            fix_human(&n, OFF, OFF, false),
            (String::new(), String::new())
        );
    }

    #[test]
    fn error_lines_with_and_without_position() {
        let mut e = ErrorInfo::new("invalid-yaml", "did not find expected key");
        assert_eq!(
            error_line("x.yaml", &e, OFF),
            "x.yaml: error[invalid-yaml]: did not find expected key\n"
        );
        e.line = Some(4);
        e.col = Some(2);
        assert_eq!(
            error_line("x.yaml", &e, OFF),
            "x.yaml:4:2: error[invalid-yaml]: did not find expected key\n"
        );
    }

    #[test]
    fn check_lines_have_the_documented_shape() {
        let f = finding("runAsNonRoot", Severity::Warning);
        assert_eq!(
            check_finding_line("a.yaml", &f, OFF),
            "a.yaml:3:7: runAsNonRoot: image nginx runs as root\n"
        );
    }

    #[test]
    fn patch_text_has_git_header() {
        let p = patch_text(&changed());
        assert!(p.starts_with("diff --git a/k8s/web.yaml b/k8s/web.yaml\n--- a/k8s/web.yaml\n+++ b/k8s/web.yaml\n@@"), "{p}");
        assert_eq!(patch_text(&FileRecord::new("x", Status::Unchanged)), "");
    }

    #[test]
    fn json_document_parses_and_carries_the_fields() {
        let mut s = FixSummary::default();
        let records = [
            changed(),
            FileRecord::skipped("t.yaml", SkipKind::Template, "template"),
            FileRecord::failed(
                "bad.yaml",
                ErrorInfo {
                    line: Some(2),
                    col: Some(1),
                    ..ErrorInfo::new("invalid-yaml", "bad")
                },
            ),
        ];
        let mut doc = json_start(JsonKind::Fix, None);
        for (i, r) in records.iter().enumerate() {
            s.add(r);
            doc.push_str(&json_file(r, JsonKind::Fix, i == 0));
        }
        doc.push_str(&json_end(&s));
        let v: serde_json::Value = serde_json::from_str(&doc).unwrap();
        assert_eq!(v["version"], 1);
        assert_eq!(v["command"], "fix");
        let files = v["files"].as_array().unwrap();
        assert_eq!(files.len(), 3);
        assert_eq!(files[0]["status"], "changed");
        assert_eq!(files[0]["written"], true);
        assert_eq!(files[0]["stats"]["containers_hardened"], 1);
        assert_eq!(files[0]["findings"][0]["rule"], "run-as-non-root");
        assert_eq!(files[0]["findings"][0]["severity"], "warning");
        assert!(
            files[0]["diff"]
                .as_str()
                .unwrap()
                .contains("+  runAsNonRoot: true")
        );
        assert_eq!(files[1]["status"], "skipped");
        assert_eq!(files[1]["reason"], "template");
        assert!(files[1].get("diff").is_none());
        assert_eq!(files[2]["error"]["kind"], "invalid-yaml");
        assert_eq!(files[2]["error"]["line"], 2);
        assert_eq!(v["summary"]["files"], 3);
        assert_eq!(v["summary"]["changed"], 1);
        assert_eq!(v["summary"]["errors"], 1);
        assert_eq!(v["summary"]["findings"], 1);
        assert_eq!(v["summary"]["templates_skipped"], 1);
    }

    #[test]
    fn empty_json_document_parses() {
        let doc = json_start(JsonKind::Check, Some(("restricted", "latest")))
            + &json_end(&CheckSummary::default());
        let v: serde_json::Value = serde_json::from_str(&doc).unwrap();
        assert_eq!(v["files"].as_array().unwrap().len(), 0);
        assert_eq!(v["level"], "restricted");
    }

    #[test]
    fn sarif_log_parses_and_carries_rules_results_and_notifications() {
        let rules = vec![RuleMeta {
            id: "runAsNonRoot".into(),
            title: "Running as non-root".into(),
            description: "Containers must run as non-root.".into(),
            help_uri: "https://example.com".into(),
            help: "Set `runAsNonRoot: true`.".into(),
        }];
        let mut r = FileRecord::new("dir/my app.yaml", Status::Checked);
        r.findings.push(finding("runAsNonRoot", Severity::Warning));
        r.findings.push(finding("other", Severity::Warning));
        let mut doc = sarif_start(&rules, "0.1.0");
        let (text, wrote) = sarif_results(&r, &rules, true);
        assert!(wrote);
        doc.push_str(&text);
        doc.push_str(&sarif_end(&[(
            "bad.yaml".into(),
            ErrorInfo::new("invalid-yaml", "bad"),
        )]));
        let v: serde_json::Value = serde_json::from_str(&doc).unwrap();
        assert_eq!(v["version"], "2.1.0");
        let run = &v["runs"][0];
        assert_eq!(run["tool"]["driver"]["name"], "secctx");
        assert_eq!(run["tool"]["driver"]["rules"][0]["id"], "runAsNonRoot");
        assert_eq!(
            run["tool"]["driver"]["rules"][0]["help"]["text"],
            "Set runAsNonRoot: true."
        );
        let res = run["results"].as_array().unwrap();
        assert_eq!(res.len(), 2);
        assert_eq!(res[0]["ruleIndex"], 0);
        assert!(res[1].get("ruleIndex").is_none());
        let loc = &res[0]["locations"][0]["physicalLocation"];
        assert_eq!(loc["artifactLocation"]["uri"], "dir/my%20app.yaml");
        assert_eq!(loc["region"]["startLine"], 3);
        assert_eq!(loc["region"]["startColumn"], 7);
        assert_eq!(run["invocations"][0]["executionSuccessful"], false);
        assert_eq!(
            run["invocations"][0]["toolExecutionNotifications"][0]["descriptor"]["id"],
            "invalid-yaml"
        );
    }

    #[test]
    fn summary_lines_read_well() {
        let s = FixSummary {
            files: 140,
            changed: 12,
            written: 12,
            containers_hardened: 37,
            findings: 3,
            templates_skipped: 2,
            ..Default::default()
        };
        assert_eq!(
            fix_summary_line(&s, true, 0.214),
            "Hardened 37 containers in 12 files (3 findings need attention, 2 templates skipped); 140 files in 0.21s\n"
        );
        assert!(
            fix_summary_line(&s, false, 0.0).starts_with("Would harden 37 containers in 12 files")
        );
        let one = FixSummary {
            files: 1,
            changed: 1,
            written: 1,
            containers_hardened: 1,
            findings: 1,
            ..Default::default()
        };
        assert_eq!(
            fix_summary_line(&one, true, 0.0),
            "Hardened 1 container in 1 file (1 finding needs attention); 1 file in 0.00s\n"
        );
        let none = FixSummary {
            files: 4,
            unchanged: 2,
            not_kubernetes: 2,
            skipped: 2,
            ..Default::default()
        };
        assert_eq!(
            fix_summary_line(&none, true, 1.0),
            "Nothing to harden (2 without pod specs); 4 files in 1.00s\n"
        );
        let c = CheckSummary {
            files: 40,
            checked: 40,
            pod_specs: 9,
            violations: 12,
            files_with_violations: 5,
            ..Default::default()
        };
        assert_eq!(
            check_summary_line(&c, "restricted", "latest", 0.12),
            "Found 12 violations of the restricted profile (Kubernetes latest) in 5 of 40 files (9 pod specs checked); 0.12s\n"
        );
    }

    #[test]
    fn markdown_has_a_table_per_interesting_file_and_totals() {
        let md = markdown_file(&changed());
        assert!(
            md.starts_with(
                "### `k8s/web.yaml`\n\n| Containers hardened | Changes | Rules applied |"
            ),
            "{md}"
        );
        assert!(md.contains("| 1 of 2 | 1 | `run-as-non-root` |"), "{md}");
        assert!(
            md.contains("| 3 | `run-as-non-root` | image nginx runs as root |"),
            "{md}"
        );
        assert_eq!(
            markdown_file(&FileRecord::new("u.yaml", Status::Unchanged)),
            ""
        );
        let t = markdown_end(&FixSummary {
            changed: 1,
            files: 2,
            ..Default::default()
        });
        assert!(t.contains("| 1 | 0 | 0 | 0 | 0 | 0 | 2 |"), "{t}");
    }

    #[test]
    fn rules_text_covers_every_rule() {
        let t = rules_text(OFF, 100);
        for r in Rule::ALL {
            assert!(t.contains(&format!("{r}\n")), "{r}");
        }
        assert!(t.contains("Read-only file system"));
        assert!(t.lines().all(|l| l.chars().count() <= 100), "{t}");
    }

    #[test]
    fn uri_escapes() {
        assert_eq!(uri_path("a b/ü#.yaml"), "a%20b/%C3%BC%23.yaml");
    }
}
