//! One file's pipeline: bytes -> parse -> find pod specs -> plan -> edit -> verify -> new bytes.
//!
//! Pure: no I/O here. The caller (the CLI, the tests, the fuzz targets) reads and writes files.

use serde::Serialize;

use crate::finding::{Finding, Severity};
use crate::k8s::find::{find_pod_specs, is_kubernetes_object};
use crate::k8s::harden::harden_pod;
use crate::settings::Settings;
use crate::yaml::edit::Editor;
use crate::yaml::text::{LineIndex, strip_bom};
use crate::yaml::tree::{Tree, parse};

/// Why a file was left alone without being an error.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum SkipReason {
    /// No document is a Kubernetes object (`apiVersion` + `kind`), or no object holds a pod spec.
    NotKubernetes,
    /// Holds Helm/Go template actions (`{{ ... }}`) and is not valid YAML.
    Template,
    /// Empty, or only comments.
    Empty,
}

/// Why a file could not be processed. The file is left byte-for-byte as it was.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct FileError {
    /// `invalid-yaml`, `not-utf8`, `verification-failed`, `not-idempotent`.
    pub kind: String,
    /// 1-based line and column of the problem, when known.
    pub line: Option<usize>,
    pub col: Option<usize>,
    pub message: String,
}

/// What happened to the file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// A Kubernetes file that needs no change.
    Unchanged,
    /// The hardened file, to be written.
    Changed {
        output: Vec<u8>,
    },
    Skipped(SkipReason),
    Failed(FileError),
}

/// Counts for the summary.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Stats {
    pub documents: usize,
    pub pod_specs: usize,
    pub containers: usize,
    /// Containers that got at least one change.
    pub containers_hardened: usize,
    /// Number of logical changes (fields set, mounts and volumes added).
    pub changes: usize,
    /// The same changes by rule (mounts and volumes count for `read-only-root-filesystem`).
    pub rules: RuleCounts,
}

/// Changes per rule, in `Rule::ALL` order; serialised as `{"run-as-non-root": n, ...}`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RuleCounts(pub [usize; 5]);

impl RuleCounts {
    /// The rules with at least one change, in `Rule::ALL` order.
    pub fn applied(&self) -> Vec<crate::settings::Rule> {
        crate::settings::Rule::ALL
            .into_iter()
            .zip(self.0)
            .filter(|(_, n)| *n > 0)
            .map(|(r, _)| r)
            .collect()
    }
}

impl Serialize for RuleCounts {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut m = s.serialize_map(Some(5))?;
        for (r, n) in crate::settings::Rule::ALL.iter().zip(self.0) {
            m.serialize_entry(r.name(), &n)?;
        }
        m.end()
    }
}

/// The result of running the pipeline over one file.
#[derive(Clone, Debug)]
pub struct FileReport {
    pub outcome: Outcome,
    pub findings: Vec<Finding>,
    pub stats: Stats,
}

impl FileReport {
    fn new(outcome: Outcome) -> FileReport {
        FileReport {
            outcome,
            findings: Vec::new(),
            stats: Stats::default(),
        }
    }
}

/// The text of a file as UTF-8, or an error naming the first bad byte's line and column.
pub fn decode(input: &[u8]) -> Result<&str, FileError> {
    std::str::from_utf8(input).map_err(|e| {
        let good = &input[..e.valid_up_to()];
        let good = std::str::from_utf8(good).expect("valid up to here");
        let idx = LineIndex::new(good);
        let (line, col) = idx.position(good, good.len());
        FileError {
            kind: "not-utf8".to_string(),
            line: Some(line),
            col: Some(col + 1),
            message: format!(
                "not UTF-8 (invalid byte at offset {}); only UTF-8 YAML is edited",
                e.valid_up_to()
            ),
        }
    })
}

/// Whether a text is empty or holds only comments and blank lines.
fn is_blank_yaml(text: &str) -> bool {
    text.lines().all(|l| {
        let t = l.trim();
        t.is_empty() || t.starts_with('#') || t == "---" || t == "..."
    })
}

/// Parses `text`, turning failures into the file's outcome (templates are skipped).
pub fn parse_file(text: &str) -> Result<Tree, Outcome> {
    parse(text).map_err(|e| {
        if text.contains("{{") {
            Outcome::Skipped(SkipReason::Template)
        } else {
            Outcome::Failed(FileError {
                kind: "invalid-yaml".to_string(),
                line: Some(e.line),
                col: Some(e.col),
                message: e.message,
            })
        }
    })
}

/// Whether a text that parses is still a Helm/Go template: a `{{` outside every quoted and block
/// scalar is a template action (`name: {{ .Chart.Name }}` even parses, as nested flow maps),
/// while `{{ $labels.pod }}` inside a quoted alert annotation is just text.
pub fn is_template(text: &str, tree: &Tree) -> bool {
    if !text.contains("{{") {
        return false;
    }
    let mut quoted: Vec<(usize, usize)> = tree
        .nodes
        .iter()
        .filter(|n| {
            matches!(
                n.kind,
                crate::yaml::Kind::Scalar { style, .. } if style != crate::yaml::ScalarStyle::Plain
            )
        })
        .map(|n| (n.start, n.end))
        .collect();
    quoted.sort_unstable();
    text.match_indices("{{").any(|(at, _)| {
        let i = quoted.partition_point(|&(start, _)| start <= at);
        i == 0 || quoted[i - 1].1 <= at
    })
}

/// Whether a file may hold a pod spec at all. Every pod spec the pipeline edits has a
/// `containers`, `initContainers` or `ephemeralContainers` key, so a file without `ontainers`
/// cannot need an edit and is not parsed (most YAML in a repository is not a workload).
/// `tests/prefilter.rs` checks this against the full pipeline (and the fuzzer found a pod spec
/// with only `initContainers` that the word `containers` missed).
///
/// A double-quoted key can spell the word with escapes (`"contain\x65rs"`), so a file with a
/// backslash is always parsed.
///
/// Large files in real repositories are mostly CustomResourceDefinitions, whose schemas mention
/// `containers`: a file is not parsed either when every document that mentions the word is an
/// object of a kind that never holds a pod spec, read from its one `kind:` line at column 0
/// (anything less plain, such as a flow or JSON document or two `kind:` lines, is parsed).
pub fn may_hold_pod_spec(text: &str) -> bool {
    let mentions = |t: &str| t.contains("ontainers") || t.contains('\\');
    mentions(text) && documents(text).any(|doc| mentions(doc) && !is_podless_kind(doc))
}

/// Kinds that never hold a pod spec and often hold the word `containers` (schemas, rules, RBAC).
/// Only names no known custom resource with pod templates shares: a Knative `Service` has one, so
/// `Service` is not here.
const PODLESS_KINDS: &[&str] = &[
    "CustomResourceDefinition",
    "ConfigMap",
    "Secret",
    "ClusterRole",
    "Role",
    "ClusterRoleBinding",
    "RoleBinding",
    "ServiceAccount",
    "Namespace",
    "MutatingWebhookConfiguration",
    "ValidatingWebhookConfiguration",
    "ValidatingAdmissionPolicy",
    "PrometheusRule",
    "ServiceMonitor",
    "PodMonitor",
    "APIService",
];

/// The documents of a stream, split at `---` and `...` lines (a cheap split for the shortcut: a
/// piece may hold less or more than one document only in ways that keep the answer safe).
fn documents(text: &str) -> impl Iterator<Item = &str> {
    let mut rest = text;
    std::iter::from_fn(move || {
        if rest.is_empty() {
            return None;
        }
        let mut at = 0;
        for line in rest.split_inclusive(['\n', '\r']) {
            let marker = (line.starts_with("---") || line.starts_with("..."))
                && line[3..].chars().next().is_none_or(char::is_whitespace);
            if marker && at > 0 {
                break;
            }
            at += line.len();
        }
        let (doc, tail) = rest.split_at(at);
        rest = tail;
        Some(doc)
    })
}

/// Whether a document's one column-0 `kind:` line names a kind without pod specs.
fn is_podless_kind(doc: &str) -> bool {
    let mut kinds = doc.lines().filter_map(|l| l.strip_prefix("kind:"));
    let (Some(kind), None) = (kinds.next(), kinds.next()) else {
        return false;
    };
    let kind = kind.split(" #").next().unwrap_or("").trim();
    PODLESS_KINDS.contains(&kind)
}

/// Plans the hardening of every pod spec of a parsed stream. Returns the editor and the report
/// (outcome not yet decided).
fn plan<'a>(
    text: &'a str,
    tree: &'a Tree,
    settings: &'a Settings,
) -> (Editor<'a>, FileReport, bool) {
    let mut editor = Editor::new(text, tree);
    let mut report = FileReport::new(Outcome::Unchanged);
    let mut kubernetes = false;
    report.stats.documents = tree.docs.len();
    for doc in &tree.docs {
        if !is_kubernetes_object(tree, doc.root) {
            continue;
        }
        kubernetes = true;
        for pod in find_pod_specs(tree, doc.root, settings) {
            report.stats.pod_specs += 1;
            let out = harden_pod(text, tree, &pod, settings, &mut editor);
            report.stats.containers += out.containers;
            report.stats.containers_hardened += out.containers_changed;
            report.stats.changes += out.changes;
            for (total, n) in report.stats.rules.0.iter_mut().zip(out.per_rule) {
                *total += n;
            }
            report.findings.extend(out.findings);
        }
    }
    (editor, report, kubernetes)
}

/// Harden one file's bytes.
pub fn fix_bytes(input: &[u8], settings: &Settings) -> FileReport {
    fix_bytes_with(input, settings, true)
}

/// `fix_bytes`, with the shortcuts on or off. On: a file that cannot hold a pod spec is not
/// parsed (`may_hold_pod_spec`), and in a stream of several documents only the documents that
/// can hold one are parsed, edited and verified, each on its own (`pieces`). Off: every file is
/// parsed and edited as one stream; the tests use it to show the shortcuts change nothing.
pub fn fix_bytes_with(input: &[u8], settings: &Settings, prefilter: bool) -> FileReport {
    let text = match decode(input) {
        Ok(t) => t,
        Err(e) => return FileReport::new(Outcome::Failed(e)),
    };
    let (body, bom) = strip_bom(text);
    if is_blank_yaml(body) {
        return FileReport::new(Outcome::Skipped(SkipReason::Empty));
    }
    let shortcuts = prefilter && settings.extra_pod_spec_paths.is_empty();
    if shortcuts && !may_hold_pod_spec(body) {
        return FileReport::new(Outcome::Skipped(SkipReason::NotKubernetes));
    }
    let pieces = if shortcuts { pieces(body) } else { None };
    let Some(pieces) = pieces else {
        let mut report = fix_stream(body, settings, true);
        add_bom(&mut report, bom);
        return report;
    };
    let mut report = FileReport::new(Outcome::Unchanged);
    let mut output = String::new();
    let mut changed = false;
    let mut kubernetes = false;
    for (i, piece) in pieces.iter().enumerate() {
        let end = pieces.get(i + 1).map_or(body.len(), |p| p.start);
        let text = &body[piece.start..end];
        if !piece.selected {
            report.stats.documents += usize::from(!is_blank_yaml(text) || text.starts_with("---"));
            output.push_str(text);
            continue;
        }
        let mut part = fix_stream(text, settings, false);
        for f in &mut part.findings {
            f.line += piece.line;
        }
        add_stats(&mut report.stats, &part.stats);
        report.findings.append(&mut part.findings);
        match part.outcome {
            Outcome::Failed(_) => {
                // A piece that fails on its own may lean on another (an alias of an anchor in
                // an earlier document, which yaml-rust2 accepts): the whole stream decides, and
                // reports the error where it reports it.
                let mut report = fix_stream(body, settings, true);
                add_bom(&mut report, bom);
                return report;
            }
            Outcome::Skipped(SkipReason::NotKubernetes) => output.push_str(text),
            Outcome::Skipped(reason) => {
                report.outcome = Outcome::Skipped(reason);
                return report;
            }
            Outcome::Unchanged => {
                kubernetes = true;
                output.push_str(text);
            }
            Outcome::Changed { output: new } => {
                kubernetes = true;
                changed = true;
                output.push_str(std::str::from_utf8(&new).expect("the pipeline writes UTF-8"));
            }
        }
    }
    report.outcome = if !kubernetes {
        Outcome::Skipped(SkipReason::NotKubernetes)
    } else if changed {
        Outcome::Changed {
            output: with_bom(bom, &output),
        }
    } else {
        Outcome::Unchanged
    };
    report
}

fn add_stats(total: &mut Stats, part: &Stats) {
    total.documents += part.documents;
    total.pod_specs += part.pod_specs;
    total.containers += part.containers;
    total.containers_hardened += part.containers_hardened;
    total.changes += part.changes;
    for (t, n) in total.rules.0.iter_mut().zip(part.rules.0) {
        *t += n;
    }
}

fn add_bom(report: &mut FileReport, bom: bool) {
    if let (true, Outcome::Changed { output }) = (bom, &mut report.outcome) {
        output.splice(0..0, "\u{feff}".bytes());
    }
}

/// A stretch of a stream that starts at a `---` line (or the start of the text) and runs to the
/// next one: one document, or more where `...` ends one without a `---`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Piece {
    /// Byte offset of the piece's first line.
    pub start: usize,
    /// Number of lines before it.
    pub line: usize,
    /// Whether the piece may hold a pod spec (parsed and edited) or not (copied as it is).
    pub selected: bool,
}

/// The pieces of a stream for the per-document path, or `None` where the stream is handled
/// whole: a single piece; `%` directives (they belong to the next document but sit before its
/// `---`); template actions (a template is skipped as a whole file); a kpt `ResourceList`
/// (its results are written into the first document).
///
/// YAML ends a document at every `---` line at column 0 (a marker is never the content of a
/// scalar or a collection), so each piece parses on its own to the documents it holds in the
/// whole stream; `tests/prefilter.rs` checks that on every corpus file and on hand-made traps.
/// A piece that cannot hold a pod spec is not parsed at all: like a file without one, it is
/// neither edited nor judged (an invalid ConfigMap does not stop the Deployment next to it).
pub fn pieces(text: &str) -> Option<Vec<Piece>> {
    if text.contains("{{") || text.contains("ResourceList") || may_hold_alias(text) {
        return None;
    }
    let mut pieces = vec![Piece {
        start: 0,
        line: 0,
        selected: false,
    }];
    let mut at = 0;
    let mut line = 0;
    let bytes = text.as_bytes();
    while at < bytes.len() {
        let rest = &bytes[at..];
        if rest[0] == b'%' {
            return None;
        }
        if at > 0 && is_marker_line(rest, b'-') {
            pieces.push(Piece {
                start: at,
                line,
                selected: false,
            });
        }
        // The next line: after `\n`, `\r\n` or a lone `\r`.
        match memchr2(b'\n', b'\r', rest) {
            Some(i) => {
                let skip = if rest[i] == b'\r' && rest.get(i + 1) == Some(&b'\n') {
                    2
                } else {
                    1
                };
                at += i + skip;
                line += 1;
            }
            None => break,
        }
    }
    if pieces.len() < 2 {
        return None;
    }
    for i in 0..pieces.len() {
        let end = pieces.get(i + 1).map_or(text.len(), |p| p.start);
        pieces[i].selected = may_hold_pod_spec(&text[pieces[i].start..end]);
    }
    Some(pieces)
}

/// Whether the text may hold an alias (`*name` after a space, a flow indicator or at the start of
/// a line). yaml-rust2 lets an alias refer to an anchor of an earlier document, and an edit of
/// an anchored node is refused when an alias shares it: such a stream is handled whole. A `*` in
/// a plain string (`- *.example.com`) takes this way too; that costs only time.
fn may_hold_alias(text: &str) -> bool {
    let b = text.as_bytes();
    b.iter().enumerate().any(|(i, &c)| {
        c == b'*'
            && (i == 0 || matches!(b[i - 1], b' ' | b'\t' | b'\n' | b'\r' | b'[' | b'{' | b','))
            && b.get(i + 1)
                .is_some_and(|n| !matches!(n, b' ' | b'\t' | b'\n' | b'\r' | b',' | b']' | b'}'))
    })
}

/// Whether a line is a `---` (or `...`) document marker: the three characters at column 0, then
/// a space, a tab, a line break or the end.
fn is_marker_line(line: &[u8], c: u8) -> bool {
    line.len() >= 3
        && line[..3].iter().all(|&b| b == c)
        && line
            .get(3)
            .is_none_or(|b| matches!(b, b' ' | b'\t' | b'\n' | b'\r'))
}

fn memchr2(a: u8, b: u8, hay: &[u8]) -> Option<usize> {
    hay.iter().position(|&c| c == a || c == b)
}

/// The pipeline over one stream of documents (a whole file, or one piece of it): parse, plan,
/// edit, verify, check that a second pass plans nothing. `krm`: the stream is a whole file (a
/// kpt `ResourceList` gets its results). The output has no BOM.
fn fix_stream(body: &str, settings: &Settings, krm: bool) -> FileReport {
    let tree = match parse_file(body) {
        Ok(t) => t,
        Err(outcome) => return FileReport::new(outcome),
    };
    if is_template(body, &tree) {
        return FileReport::new(Outcome::Skipped(SkipReason::Template));
    }
    let (editor, mut report, kubernetes) = plan(body, &tree, settings);
    // In file order, rules in their own order at one place; a container reached through an
    // alias from two pod specs is reported once.
    report.findings.sort_by_key(|f| (f.line, f.col));
    let mut seen = std::collections::HashSet::new();
    report
        .findings
        .retain(|f| seen.insert((f.line, f.col, f.rule.clone(), f.message.clone())));
    if !kubernetes {
        report.outcome = Outcome::Skipped(SkipReason::NotKubernetes);
        return report;
    }
    let krm = krm && crate::krm::resource_list(&tree).is_some();
    if editor.is_empty() {
        if krm && !report.findings.is_empty() {
            let out = with_krm_results(body, &tree, body.to_string(), &tree, &mut report);
            if out != body {
                report.outcome = Outcome::Changed {
                    output: out.into_bytes(),
                };
            }
        }
        return report;
    }
    let failed = |kind: &str, line, col, message: String| FileError {
        kind: kind.to_string(),
        line,
        col,
        message,
    };
    let (new_body, new_tree) = match editor.apply_and_parse() {
        Ok(r) => r,
        Err(e) => {
            report.outcome = Outcome::Failed(failed(
                "verification-failed",
                None,
                None,
                format!("secctx could not edit this file safely, so left it unchanged: {e}"),
            ));
            return report;
        }
    };
    // A second pass over the result must plan nothing (the fix is idempotent).
    let (again, _, _) = plan(&new_body, &new_tree, settings);
    if !again.is_empty() {
        report.outcome = Outcome::Failed(failed(
            "not-idempotent",
            None,
            None,
            "a second pass would change the file again; left unchanged (please report this)"
                .to_string(),
        ));
        return report;
    }
    let new_body = if krm {
        with_krm_results(body, &tree, new_body, &new_tree, &mut report)
    } else {
        new_body
    };
    report.outcome = Outcome::Changed {
        output: new_body.into_bytes(),
    };
    report
}

fn with_bom(bom: bool, body: &str) -> Vec<u8> {
    let mut output = Vec::with_capacity(body.len() + 3);
    if bom {
        output.extend_from_slice("\u{feff}".as_bytes());
    }
    output.extend_from_slice(body.as_bytes());
    output
}

/// For a kpt `ResourceList`, the findings also go into its `results` (see `krm`).
fn with_krm_results(
    orig: &str,
    orig_tree: &Tree,
    body: String,
    tree: &Tree,
    report: &mut FileReport,
) -> String {
    match crate::krm::add_results(orig, orig_tree, &body, tree, &report.findings) {
        Ok(Some(text)) => text,
        Ok(None) => body,
        Err(e) => {
            report.findings.push(Finding {
                line: 1,
                col: 1,
                rule: "krm-results".to_string(),
                severity: Severity::Warning,
                message: format!("could not add the findings to the ResourceList's results: {e}"),
                fixable: false,
            });
            body
        }
    }
}

/// A finding for a file-level error, for reports that list findings only.
pub fn error_finding(e: &FileError) -> Finding {
    Finding {
        line: e.line.unwrap_or(1),
        col: e.col.unwrap_or(1),
        rule: e.kind.clone(),
        severity: Severity::Error,
        message: e.message.clone(),
        fixable: false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn template(text: &str) -> bool {
        is_template(text, &parse(text).expect("parses"))
    }

    #[test]
    fn template_actions_outside_strings_make_a_template() {
        assert!(template("metadata:\n  name: {{ .Chart.Name }}\n"));
        assert!(template("a: 1 # {{ .Values.x }}\n"));
        assert!(!template("summary: \"{{ $labels.pod }} is down\"\n"));
        assert!(!template("script: |\n  echo {{ inputs.x }}\n"));
        assert!(!template("a: b\n"));
    }

    #[test]
    fn a_parsing_template_is_skipped_not_edited() {
        let input = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: {{ .Release.Name }}\nspec:\n  containers:\n  - name: a\n    image: b\n";
        let report = fix_bytes(input.as_bytes(), &Settings::default());
        assert_eq!(report.outcome, Outcome::Skipped(SkipReason::Template));
    }

    #[test]
    fn findings_reached_twice_through_an_alias_are_reported_once() {
        let input = "apiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: Pod\n  spec: &s\n    containers:\n    - name: a\n      image: b\n- apiVersion: v1\n  kind: Pod\n  spec: *s\n";
        let report = fix_bytes(input.as_bytes(), &Settings::default());
        let mut seen = report.findings.clone();
        seen.dedup();
        assert_eq!(seen.len(), report.findings.len(), "{:?}", report.findings);
        assert!(
            !report.findings.is_empty(),
            "the aliased container is reported"
        );
    }
}
