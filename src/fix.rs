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

/// Whether a text is empty or holds only comments, blank lines and document markers.
pub(crate) fn is_blank_yaml(text: &str) -> bool {
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
/// A document that mentions the word is still passed over when it cannot be a Kubernetes object
/// with a pod spec, as far as its plain text shows:
/// - its one `kind:` line at column 0 names a kind that never holds a pod spec (large files in
///   real repositories are mostly CustomResourceDefinitions, whose schemas mention `containers`),
///   or a list of such a kind (`ConfigMapList`); anything less plain, such as a flow or JSON
///   document or two `kind:` lines, is parsed;
/// - it holds no `kind` at all (an object needs that key), no `*` (an alias could supply the key)
///   and no `&` (another document could take a pod spec from its anchor): Helm values, tool
///   configuration.
pub fn may_hold_pod_spec(text: &str) -> bool {
    may_hold_object_with(text, b"ontainers")
}

/// `may_hold_pod_spec` for `secctx check`, which judges pod specs without containers too (a
/// kustomize patch that only adds a `hostPath` volume): every built-in pod spec location ends in
/// a `spec` key, so the word is `spec`; the rest is the same, except that a file with `{{` and
/// the word is always parsed, so that a Helm template is reported as one (with the hint to render
/// it) whatever kind its text names.
pub fn may_hold_any_pod_spec(text: &str) -> bool {
    if memchr::memmem::find(text.as_bytes(), b"{{").is_some() {
        return memchr::memmem::find(text.as_bytes(), b"spec").is_some();
    }
    may_hold_object_with(text, b"spec")
}

fn may_hold_object_with(text: &str, word: &[u8]) -> bool {
    let mentions = |text: &str| {
        let b = text.as_bytes();
        memchr::memchr(b'\\', b).is_some() || memchr::memmem::find(b, word).is_some()
    };
    mentions(text) && documents(text).any(|doc| mentions(doc) && !is_podless(doc))
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

/// Offsets of the lines that start with `marker` (`---` or `...`) followed by a space, a tab, a
/// line break or the end: YAML's document markers.
pub(crate) fn marker_lines<'a>(
    text: &'a str,
    marker: &'static [u8; 3],
) -> impl Iterator<Item = usize> + 'a {
    let b = text.as_bytes();
    memchr::memmem::find_iter(b, marker).filter(move |&i| {
        (i == 0 || matches!(b[i - 1], b'\n' | b'\r'))
            && b.get(i + 3)
                .is_none_or(|c| matches!(c, b' ' | b'\t' | b'\n' | b'\r'))
    })
}

/// The documents of a stream, split at `---` and `...` lines (a cheap split for the shortcut: a
/// piece may hold less or more than one document only in ways that keep the answer safe).
fn documents(text: &str) -> impl Iterator<Item = &str> {
    let mut cuts: Vec<usize> = marker_lines(text, b"---")
        .chain(marker_lines(text, b"..."))
        .filter(|&i| i > 0)
        .collect();
    cuts.sort_unstable();
    cuts.push(text.len());
    let mut from = 0;
    cuts.into_iter().map(move |to| {
        let doc = &text[from..to];
        from = to;
        doc
    })
}

/// Lines at column 0 that start with `key`, each from after the key to the line's end.
fn column0_values<'a>(doc: &'a str, key: &'static str) -> impl Iterator<Item = &'a str> + 'a {
    let b = doc.as_bytes();
    memchr::memmem::find_iter(b, key.as_bytes())
        .filter(move |&i| i == 0 || matches!(b[i - 1], b'\n' | b'\r'))
        .map(move |i| {
            let rest = &doc[i + key.len()..];
            rest.find(['\n', '\r']).map_or(rest, |e| &rest[..e])
        })
}

/// Whether a document, by its plain text, is no Kubernetes object with a pod spec (see
/// `may_hold_pod_spec`).
fn is_podless(doc: &str) -> bool {
    let b = doc.as_bytes();
    if memchr::memmem::find(b, b"kind").is_none() && memchr::memchr2(b'*', b'&', b).is_none() {
        return true;
    }
    let mut kinds = column0_values(doc, "kind:");
    let (Some(kind), None) = (kinds.next(), kinds.next()) else {
        return false;
    };
    let kind = kind.split(" #").next().unwrap_or("").trim();
    PODLESS_KINDS.contains(&kind)
        || kind
            .strip_suffix("List")
            .is_some_and(|k| PODLESS_KINDS.contains(&k))
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
    for piece in &pieces {
        let text = &body[piece.start..piece.end];
        if !piece.selected {
            report.stats.documents += piece.unread_documents(text);
            output.push_str(text);
            continue;
        }
        let Some(mut part) = fix_piece(text, settings, false, piece.shared) else {
            let mut report = fix_stream(body, settings, true);
            add_bom(&mut report, bom);
            return report;
        };
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
    /// Byte offset where the next piece starts (or the text's length).
    pub end: usize,
    /// Number of lines before it.
    pub line: usize,
    /// Whether the piece may hold a pod spec (parsed and edited) or not (copied as it is).
    pub selected: bool,
    /// Whether another piece may hold an alias: then an anchor in this one sends the stream back
    /// whole (yaml-rust2 lets an alias refer to an anchor of an earlier document).
    pub shared: bool,
}

impl Piece {
    /// The documents the piece holds, counted without parsing it (for a piece that is not read):
    /// a `---` starts a document, and every piece after the first starts with one; the first
    /// holds one if it starts with one or holds anything but comments. Exact unless a `...`
    /// marker inside is followed by a bare document.
    pub fn unread_documents(&self, text: &str) -> usize {
        usize::from(text.starts_with("---") || !is_blank_yaml(text))
    }
}

/// The pieces of a stream for the per-document path, or `None` where the stream is handled
/// whole: a single piece; `%` directives (they belong to the next document but sit before its
/// `---`); a kpt `ResourceList` (its results are written into the first document). (An anchor
/// in a piece that is read, with a possible alias in another, also sends the stream back whole:
/// see `fix_piece`.)
///
/// YAML ends a document at every `---` line at column 0 (a marker is never the content of a
/// scalar or a collection), so each piece parses on its own to the documents it holds in the
/// whole stream; `tests/prefilter.rs` checks that on every corpus file and on hand-made traps.
/// A piece that cannot hold a pod spec is not parsed at all: like a file without one, it is
/// neither edited nor judged (an invalid ConfigMap does not stop the Deployment next to it).
/// A piece with `{{` is always parsed, so that a Helm template anywhere in the file is found
/// (`is_template`) as in the whole stream.
pub fn pieces(text: &str) -> Option<Vec<Piece>> {
    pieces_by(text, may_hold_pod_spec)
}

/// `pieces`, with the pieces that `may_hold` (or that hold `{{`) selected: `secctx check` selects
/// with `may_hold_any_pod_spec`.
pub fn pieces_by(text: &str, may_hold: fn(&str) -> bool) -> Option<Vec<Piece>> {
    let b = text.as_bytes();
    let directive = b.first() == Some(&b'%')
        || memchr::memmem::find(b, b"\n%").is_some()
        || memchr::memmem::find(b, b"\r%").is_some();
    if directive || memchr::memmem::find(b, b"ResourceList").is_some() {
        return None;
    }
    let mut starts: Vec<usize> = marker_lines(text, b"---").filter(|&i| i > 0).collect();
    if starts.is_empty() {
        return None;
    }
    starts.insert(0, 0);
    let mut line = 0;
    let mut counted = 0;
    let mut pieces = Vec::with_capacity(starts.len());
    let mut aliased = Vec::with_capacity(starts.len());
    for (i, &start) in starts.iter().enumerate() {
        line += line_breaks(&text[counted..start]);
        counted = start;
        let end = starts.get(i + 1).copied().unwrap_or(text.len());
        let piece = &text[start..end];
        aliased.push(may_hold_node_ref(piece, b'*'));
        pieces.push(Piece {
            start,
            end,
            line,
            selected: may_hold(piece) || piece.contains("{{"),
            shared: false,
        });
    }
    let aliases = aliased.iter().filter(|&&a| a).count();
    for (piece, aliased) in pieces.iter_mut().zip(aliased) {
        piece.shared = aliases > usize::from(aliased);
    }
    Some(pieces)
}

/// The number of line breaks (`\n`, `\r\n`, a lone `\r`) in `text`.
fn line_breaks(text: &str) -> usize {
    let b = text.as_bytes();
    let lf = memchr::memchr_iter(b'\n', b).count();
    let lone_cr = memchr::memchr_iter(b'\r', b)
        .filter(|&i| b.get(i + 1) != Some(&b'\n'))
        .count();
    lf + lone_cr
}

/// Whether the text may hold an alias (`*name`) or an anchor (`&name`, for `sigil` `&`): the
/// sigil after a space, a flow indicator or at the start of a line, then a character that can
/// start a name. A `*` or `&` in a plain string (`- *.example.com`, `a && b`) counts too; that
/// costs only time.
fn may_hold_node_ref(text: &str, sigil: u8) -> bool {
    let b = text.as_bytes();
    memchr::memchr_iter(sigil, b).any(|i| {
        (i == 0 || matches!(b[i - 1], b' ' | b'\t' | b'\n' | b'\r' | b'[' | b'{' | b','))
            && b.get(i + 1)
                .is_some_and(|n| !matches!(n, b' ' | b'\t' | b'\n' | b'\r' | b',' | b']' | b'}'))
    })
}

/// The pipeline over one stream of documents (a whole file, or one piece of it): parse, plan,
/// edit, verify, check that a second pass plans nothing. `krm`: the stream is a whole file (a
/// kpt `ResourceList` gets its results). The output has no BOM.
fn fix_stream(body: &str, settings: &Settings, krm: bool) -> FileReport {
    fix_piece(body, settings, krm, false).unwrap_or_else(|| fix_stream(body, settings, krm))
}

/// `fix_stream`, for one piece of a stream when `alone`: `None` when the piece has an anchor and
/// `shared` says another piece may hold an alias. yaml-rust2 lets an alias refer to an anchor of
/// an earlier document, and the editor must refuse to edit a node that an alias shares, which it
/// sees only in the whole stream. (A piece that leans on another's anchor fails to parse alone,
/// and the whole stream decides then too.)
fn fix_piece(body: &str, settings: &Settings, krm: bool, shared: bool) -> Option<FileReport> {
    let tree = match parse_file(body) {
        Ok(t) => t,
        Err(outcome) => return Some(FileReport::new(outcome)),
    };
    if shared && tree.has_anchor() {
        return None;
    }
    if is_template(body, &tree) {
        return Some(FileReport::new(Outcome::Skipped(SkipReason::Template)));
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
        return Some(report);
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
        return Some(report);
    }
    let failed = |kind: &str, line, col, message: String| FileError {
        kind: kind.to_string(),
        line,
        col,
        message,
    };
    let new_body = match editor.apply_verified() {
        Ok(text) => text,
        Err(e) => {
            report.outcome = Outcome::Failed(failed(
                "verification-failed",
                None,
                None,
                format!("secctx could not edit this file safely, so left it unchanged: {e}"),
            ));
            return Some(report);
        }
    };
    // A second pass over the result must plan nothing (the fix is idempotent). That takes a full
    // parse and a plan of the result, a third of the work: release builds leave it to the tests,
    // which run debug builds and so check it on every file they fix (as the fuzzers do); debug
    // builds also check that the full parse agrees with the values-only verification.
    if cfg!(debug_assertions) || krm {
        let full = parse(&new_body)
            .map_err(|e| format!("{e:?}"))
            .and_then(|t| editor.verify(&t).map(|()| t).map_err(|e| e.to_string()));
        let new_tree = match full {
            Ok(t) => t,
            Err(e) => {
                debug_assert!(
                    false,
                    "the values-only verification passed, the full one fails: {e}"
                );
                report.outcome = Outcome::Failed(failed(
                    "verification-failed",
                    None,
                    None,
                    format!("secctx could not edit this file safely, so left it unchanged: {e}"),
                ));
                return Some(report);
            }
        };
        let (again, _, _) = plan(&new_body, &new_tree, settings);
        if !again.is_empty() {
            report.outcome = Outcome::Failed(failed(
                "not-idempotent",
                None,
                None,
                "a second pass would change the file again; left unchanged (please report this)"
                    .to_string(),
            ));
            return Some(report);
        }
        if krm {
            let new_body = with_krm_results(body, &tree, new_body, &new_tree, &mut report);
            report.outcome = Outcome::Changed {
                output: new_body.into_bytes(),
            };
            return Some(report);
        }
    }
    report.outcome = Outcome::Changed {
        output: new_body.into_bytes(),
    };
    Some(report)
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
