//! `secctx check`: the Pod Security Standards audit of one file's bytes. Pure, like `fix`.
//!
//! bytes -> UTF-8 text (BOM stripped) -> span tree (`yaml::parse`) -> pod specs (`k8s::find`,
//! the finder `fix` uses) -> the PSS checks of the level and Kubernetes version (`k8s::pss`, a
//! port of the pod-security-admission library) -> findings.
//!
//! Findings: one per place that makes a check fail (the offending field's key, or the container
//! when a required field is missing), `rule` = the upstream check id (`runAsNonRoot`, ...),
//! severity `Warning`, message = Kubernetes' reason and detail as it words them for that place.
//! [`CheckReport::pods`] holds the verdict per pod spec with the upstream texts for the whole pod.
//!
//! `fixable` says whether `secctx fix` with the same settings fixes the finding, and it is not a
//! guess: the file goes through the fix pipeline (`fix::fix_bytes`), once as configured and once
//! with `--force`, and the fixed text is audited again. A finding gone after the first run is
//! fixable; one gone only after the second is fixable and its message says `--force` is needed
//! (an explicit insecure value: the author's choice); one still there is not fixable, and its
//! message quotes why fix leaves it (fix's own finding: privileged container, Windows pod,
//! `runAsUser: 0`, an opt-out, a template, ...). Only files with findings a rule could fix pay
//! for the extra runs.
//!
//! secctx's own rules, which are not PSS checks, are reported as findings named
//! `secctx/read-only-root-filesystem` (no `readOnlyRootFilesystem: true`) and `secctx/tmp-volume`
//! (no volume at `/tmp` for a container whose root filesystem `fix` makes read-only), severity
//! `Info`, Linux pods only. **They never decide the verdict**: a pod is allowed or denied exactly
//! as the API server's admission would decide, and the exit status of `secctx check` (1 = some
//! pod fails the level) follows [`CheckReport::fails`] alone. They are reported at both levels,
//! unless the `read-only-root-filesystem` rule is turned off (`--skip`, config).

use std::collections::HashSet;

use serde::Serialize;

use crate::finding::{Finding, Severity};
use crate::fix::{self, FileError, Outcome, SkipReason};
use crate::k8s::find::{self, PodSpec};
use crate::k8s::pss;
use crate::settings::{Rule, Settings};
use crate::yaml::tree::{NodeId, Tree};

/// The PSS level to evaluate.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    Baseline,
    Restricted,
}

impl Level {
    pub fn name(self) -> &'static str {
        match self {
            Level::Baseline => "baseline",
            Level::Restricted => "restricted",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CheckOptions {
    pub level: Level,
    /// Kubernetes minor version (`--version v1.NN`), `None` = latest. Versions past the newest
    /// known one evaluate like it (as upstream does).
    pub version: Option<u32>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CheckOutcome {
    Checked,
    Skipped(SkipReason),
    Failed(FileError),
}

/// One PSS check that fails for a pod spec, worded as Kubernetes words it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct PssFailure {
    pub id: String,
    pub reason: String,
    pub detail: String,
}

/// The verdict for one pod spec.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct PodResult {
    /// 0-based index of the document in the stream.
    pub doc_index: usize,
    pub kind: String,
    pub name: Option<String>,
    /// Path of the pod spec from the document root, e.g. `spec.template.spec`,
    /// `items[0].spec`, `spec.tasks[1].template.spec`.
    pub path: String,
    /// Position of the pod spec (its key, 1-based).
    pub line: usize,
    pub col: usize,
    pub allowed: bool,
    /// Failing checks in registry order.
    pub failures: Vec<PssFailure>,
}

#[derive(Clone, Debug)]
pub struct CheckReport {
    pub outcome: CheckOutcome,
    /// Sorted by position, then rule.
    pub findings: Vec<Finding>,
    /// Pod specs evaluated.
    pub pod_specs: usize,
    /// The verdict per pod spec, in document order.
    pub pods: Vec<PodResult>,
}

impl CheckReport {
    /// Pod specs that fail the level.
    pub fn violations(&self) -> usize {
        self.pods.iter().filter(|p| !p.allowed).count()
    }

    /// Whether a pod fails the level (what makes `secctx check` exit 1). secctx's own findings
    /// do not count.
    pub fn fails(&self) -> bool {
        self.violations() > 0
    }

    fn ended(outcome: CheckOutcome) -> CheckReport {
        CheckReport {
            outcome,
            findings: Vec::new(),
            pod_specs: 0,
            pods: Vec::new(),
        }
    }
}

/// The `secctx/` rule for a missing `readOnlyRootFilesystem: true`.
pub const READ_ONLY_ROOT_FILESYSTEM: &str = "secctx/read-only-root-filesystem";
/// The `secctx/` rule for a missing writable `/tmp`.
pub const TMP_VOLUME: &str = "secctx/tmp-volume";

/// Audit one file's bytes.
pub fn check_bytes(input: &[u8], settings: &Settings, opts: &CheckOptions) -> CheckReport {
    check_bytes_with(input, settings, opts, true)
}

/// `check_bytes`, with the per-document path (`per_document`: in a stream of several documents,
/// only those that may hold a pod spec are parsed, each on its own, as in `fix`) or with every
/// file parsed whole; `tests/prefilter.rs` compares the two.
pub fn check_bytes_with(
    input: &[u8],
    settings: &Settings,
    opts: &CheckOptions,
    per_document: bool,
) -> CheckReport {
    let audit_text = |text: &[u8]| audit(text, settings, opts, per_document);
    let Audit {
        mut report,
        targets,
    } = audit_text(input);
    if targets.iter().all(Option::is_none) {
        return report;
    }
    // What `secctx fix` leaves, as configured and with --force. The audit of a fix's output is
    // only needed for the targets it leaves; the forced run only when the plain run leaves one.
    let found: HashSet<&Target> = targets.iter().flatten().collect();
    let left = |run: &fix::FileReport| -> HashSet<Target> {
        match &run.outcome {
            Outcome::Changed { output } => audit_text(output)
                .targets
                .into_iter()
                .flatten()
                .filter(|t| found.contains(t))
                .collect(),
            // Nothing changed (or could not be): every finding is still there.
            _ => found.iter().map(|&t| t.clone()).collect(),
        }
    };
    let plain_run = fix::fix_bytes(input, settings);
    let left_plain = left(&plain_run);
    let forced_run = (!left_plain.is_empty()).then(|| {
        let mut forced = settings.clone();
        forced.force = true;
        let run = fix::fix_bytes(input, &forced);
        // The same output (no explicit value to override) leaves the same targets.
        let left_forced = if same_output(&run.outcome, &plain_run.outcome) {
            left_plain.clone()
        } else {
            left(&run)
        };
        (run, left_forced)
    });
    let mut keep = vec![true; report.findings.len()];
    for ((finding, target), keep) in report.findings.iter_mut().zip(&targets).zip(&mut keep) {
        let Some(target) = target else { continue };
        // `None`: the plain run fixes it (no forced run is made when it fixes everything).
        let forced = forced_run.as_ref().filter(|_| left_plain.contains(target));
        let force_run = match forced {
            None => {
                finding.fixable = true;
                continue;
            }
            Some((_, left_forced)) if !left_forced.contains(target) => {
                finding.fixable = true;
                finding.message.push_str(
                    " [explicit value: `secctx fix` keeps it, `secctx fix --force` changes it]",
                );
                continue;
            }
            Some((run, _)) => run,
        };
        finding.fixable = false;
        let (mut why, source) = why_left(settings, target, &force_run.findings);
        if source.is_none()
            && let Some(file_why) = file_left(&force_run.outcome)
        {
            why = file_why;
        }
        // An opted-out container is the author's decision: secctx's own rules stay quiet
        // about it (the PSS verdict ignores opt-outs and says what it says).
        if source == Some("opt-out") && finding.rule.starts_with("secctx/") {
            *keep = false;
        }
        finding
            .message
            .push_str(&format!(" [`secctx fix` leaves it: {why}]"));
    }
    let mut keep = keep.into_iter();
    report.findings.retain(|_| keep.next().unwrap_or(true));
    report
}

/// Whether two runs of `fix` on the same input end alike (the same output, or neither changed).
fn same_output(a: &Outcome, b: &Outcome) -> bool {
    match (a, b) {
        (Outcome::Changed { output: a }, Outcome::Changed { output: b }) => a == b,
        (Outcome::Changed { .. }, _) | (_, Outcome::Changed { .. }) => false,
        _ => true,
    }
}

/// Why fix leaves the whole file, if it does.
fn file_left(outcome: &Outcome) -> Option<String> {
    match outcome {
        Outcome::Skipped(SkipReason::Template) => Some(
            "Helm/Go template, the file is left alone (render it and pipe the output through `secctx fix -`)"
                .to_string(),
        ),
        Outcome::Failed(e) => Some(format!("the file is refused ({}: {})", e.kind, e.message)),
        _ => None,
    }
}

/// Why fix leaves a finding: the rule is turned off, or fix's own finding about it: one of the
/// rule about this container, an opt-out naming the rule, a Windows pod, a template, a
/// securityContext fix cannot edit; looked for in the container, then its pod spec, then its
/// object (where opt-out annotations sit). Returns the text and the rule of fix's finding.
fn why_left<'f>(
    settings: &Settings,
    target: &Target,
    fix_findings: &'f [Finding],
) -> (String, Option<&'f str>) {
    let rule = target.rule.name();
    if !settings.enabled(target.rule) {
        return (format!("rule `{rule}` is turned off"), None);
    }
    let own = target
        .container_name
        .as_ref()
        .map(|n| format!("container `{n}`"));
    // fix words its findings about a container as "container `name`: ...".
    let about_other_container = |f: &Finding| match &own {
        Some(own) => f.message.contains("container `") && !f.message.contains(own.as_str()),
        None => false,
    };
    let names_rule = |f: &Finding| {
        let list = f.message.rsplit(':').next().unwrap_or_default();
        list.split(',')
            .map(str::trim)
            .any(|r| r == rule || r == "all")
    };
    let relevant = |f: &&Finding| match f.rule.as_str() {
        r if r == rule => !about_other_container(f),
        "opt-out" => names_rule(f) && !about_other_container(f),
        "windows-pod" | "template" | "security-context" => !about_other_container(f),
        _ => false,
    };
    let order = [
        rule,
        "opt-out",
        "windows-pod",
        "template",
        "security-context",
    ];
    let within = |(first, last): (usize, usize)| {
        order.iter().find_map(|r| {
            fix_findings
                .iter()
                .filter(relevant)
                .find(|f| f.rule == *r && (first..=last).contains(&f.line))
        })
    };
    match within(target.lines)
        .or_else(|| within(target.pod_lines))
        .or_else(|| within(target.object_lines))
    {
        Some(f) => (
            f.message.trim_end_matches('.').to_string(),
            Some(f.rule.as_str()),
        ),
        None => ("see `secctx fix --dry-run`".to_string(), None),
    }
}

/// A finding's identity across the fix: the same pod spec, check, container and kind of
/// problem in the original and in the fixed text (fix only adds and replaces values, so paths
/// and container positions stay), plus where its container (or pod spec) is in the original,
/// to find fix's own findings about it.
#[derive(Clone, Debug)]
struct Target {
    doc_index: usize,
    path: String,
    rule: Rule,
    check: String,
    /// Index in `find::containers` order, `None` for pod-level settings.
    container: Option<usize>,
    explicit: bool,
    /// Lines (first, last) of the container, and of the pod spec, in the audited text, to find
    /// fix's findings about them; not part of the identity.
    lines: (usize, usize),
    pod_lines: (usize, usize),
    object_lines: (usize, usize),
    container_name: Option<String>,
}

impl Target {
    fn identity(&self) -> (usize, &str, Rule, &str, Option<usize>, bool) {
        (
            self.doc_index,
            &self.path,
            self.rule,
            &self.check,
            self.container,
            self.explicit,
        )
    }
}

impl PartialEq for Target {
    fn eq(&self, other: &Self) -> bool {
        self.identity() == other.identity()
    }
}

impl Eq for Target {}

impl std::hash::Hash for Target {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.identity().hash(state);
    }
}

struct Audit {
    report: CheckReport,
    /// Per finding: its identity when a `secctx fix` rule is about it.
    targets: Vec<Option<Target>>,
}

/// The audit proper: findings with `fixable: false` and their identities.
fn audit(input: &[u8], settings: &Settings, opts: &CheckOptions, per_document: bool) -> Audit {
    let ended = |outcome| Audit {
        report: CheckReport::ended(outcome),
        targets: Vec::new(),
    };
    let text = match std::str::from_utf8(input) {
        Ok(text) => text,
        Err(e) => {
            let (line, col) = byte_position(input, e.valid_up_to());
            return ended(CheckOutcome::Failed(FileError {
                kind: "not-utf8".to_string(),
                line: Some(line),
                col: Some(col),
                message: format!("not UTF-8 text (invalid byte at line {line}, column {col})"),
            }));
        }
    };
    let text = crate::yaml::strip_bom(text).0;
    if fix::is_blank_yaml(text) {
        return ended(CheckOutcome::Skipped(SkipReason::Empty));
    }
    // A file that cannot hold a pod spec (not even one without containers) is not parsed.
    let shortcuts = settings.extra_pod_spec_paths.is_empty();
    if shortcuts && !fix::may_hold_any_pod_spec(text) {
        return ended(CheckOutcome::Skipped(SkipReason::NotKubernetes));
    }
    let pieces = if shortcuts && per_document {
        audit_pieces(text, settings, opts)
    } else {
        None
    };
    let out = match pieces {
        Some(out) => out,
        None => {
            let tree = match fix::parse_file(text) {
                Ok(tree) => tree,
                Err(Outcome::Failed(e)) => return ended(CheckOutcome::Failed(e)),
                Err(Outcome::Skipped(reason)) => return ended(CheckOutcome::Skipped(reason)),
                Err(_) => return ended(CheckOutcome::Skipped(SkipReason::NotKubernetes)),
            };
            let mut out = Audit::checked();
            audit_tree(&tree, text, settings, opts, &mut out);
            out
        }
    };
    finish(out)
}

impl Audit {
    fn checked() -> Audit {
        Audit {
            report: CheckReport::ended(CheckOutcome::Checked),
            targets: Vec::new(),
        }
    }
}

/// Every pod spec of a parsed stream (or piece of one), audited into `out`.
fn audit_tree(tree: &Tree, text: &str, settings: &Settings, opts: &CheckOptions, out: &mut Audit) {
    let auditor = Auditor {
        tree,
        lines: LineStarts::new(text),
        settings,
        level: opts.level,
        version: pss::effective_version(opts.version),
    };
    for (doc_index, doc) in tree.docs.iter().enumerate() {
        for pod in find::find_pod_specs(tree, doc.root, settings) {
            auditor.audit(doc_index, doc.root, &pod, out);
        }
    }
}

/// The audit of a stream of several documents, one piece at a time (`fix::pieces`): the pieces
/// that may hold a pod spec (or hold `{{`) are parsed and audited on their own, their documents
/// and lines moved to their place in the stream. `None` where the stream must be parsed whole:
/// one piece, `%` directives, a `ResourceList`, a `...` marker or a lone carriage return (which
/// would make the documents or lines of the pieces left out uncertain), a piece that does not
/// parse alone.
fn audit_pieces(text: &str, settings: &Settings, opts: &CheckOptions) -> Option<Audit> {
    let pieces = fix::pieces_by(text, fix::may_hold_any_pod_spec)?;
    let b = text.as_bytes();
    let lone_cr = memchr::memchr_iter(b'\r', b).any(|i| b.get(i + 1) != Some(&b'\n'));
    if lone_cr || fix::marker_lines(text, b"...").next().is_some() {
        return None;
    }
    let mut out = Audit::checked();
    let mut docs = 0;
    for piece in &pieces {
        let part_text = &text[piece.start..piece.end];
        if !piece.selected {
            docs += piece.unread_documents(part_text);
            continue;
        }
        // A piece with an alias of another piece's anchor does not parse alone, and the whole
        // stream decides (unlike `fix`, the audit edits nothing, so an anchor that another piece
        // aliases does not matter).
        let tree = fix::parse_file(part_text).ok()?;
        let mut part = Audit::checked();
        audit_tree(&tree, part_text, settings, opts, &mut part);
        for pod in &mut part.report.pods {
            pod.doc_index += docs;
            pod.line += piece.line;
        }
        for finding in &mut part.report.findings {
            finding.line += piece.line;
        }
        for target in part.targets.iter_mut().flatten() {
            target.doc_index += docs;
            for lines in [
                &mut target.lines,
                &mut target.pod_lines,
                &mut target.object_lines,
            ] {
                lines.0 += piece.line;
                lines.1 += piece.line;
            }
        }
        out.report.pods.append(&mut part.report.pods);
        out.report.findings.append(&mut part.report.findings);
        out.targets.append(&mut part.targets);
        docs += tree.docs.len();
    }
    Some(out)
}

/// The audit's outcome and order: no pod spec is no Kubernetes workload; findings sorted by
/// position, then rule.
fn finish(mut out: Audit) -> Audit {
    if out.report.pods.is_empty() {
        return Audit {
            report: CheckReport::ended(CheckOutcome::Skipped(SkipReason::NotKubernetes)),
            targets: Vec::new(),
        };
    }
    out.report.pod_specs = out.report.pods.len();
    let mut order: Vec<usize> = (0..out.report.findings.len()).collect();
    let key = |f: &Finding| (f.line, f.col, f.rule.clone());
    order.sort_by_key(|&i| key(&out.report.findings[i]));
    let findings = std::mem::take(&mut out.report.findings);
    let targets = std::mem::take(&mut out.targets);
    out.report.findings = order.iter().map(|&i| findings[i].clone()).collect();
    out.targets = order.iter().map(|&i| targets[i].clone()).collect();
    out
}

/// 1-based line and column (in characters) of a byte offset in possibly invalid UTF-8.
fn byte_position(input: &[u8], offset: usize) -> (usize, usize) {
    let before = &input[..offset];
    let line_start = before
        .iter()
        .rposition(|&b| b == b'\n')
        .map_or(0, |i| i + 1);
    let line = before.iter().filter(|&&b| b == b'\n').count() + 1;
    let col = String::from_utf8_lossy(&before[line_start..])
        .chars()
        .count()
        + 1;
    (line, col)
}

/// Byte offsets of line starts, to turn node ends into lines.
struct LineStarts(Vec<usize>);

impl LineStarts {
    fn new(text: &str) -> Self {
        let mut starts = vec![0];
        starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        LineStarts(starts)
    }

    /// 1-based line of a byte offset.
    fn line_of(&self, offset: usize) -> usize {
        self.0.partition_point(|&start| start <= offset)
    }
}

struct Auditor<'a> {
    tree: &'a Tree,
    lines: LineStarts,
    settings: &'a Settings,
    level: Level,
    version: u32,
}

impl Auditor<'_> {
    fn audit(&self, doc_index: usize, root: NodeId, pod: &PodSpec, out: &mut Audit) {
        let t = self.tree;
        let violations = pss::evaluate(t, pod.spec, pod.pod_metadata(t), self.level, self.version);
        let (line, col) = t.position(t.key_of(pod.spec).unwrap_or(pod.spec));
        let path = node_path(t, root, pod.spec);
        out.report.pods.push(PodResult {
            doc_index,
            kind: pod.kind.clone(),
            name: pod.name.clone(),
            path: path.clone(),
            line,
            col,
            allowed: violations.is_empty(),
            failures: violations
                .iter()
                .map(|v| PssFailure {
                    id: v.id.to_string(),
                    reason: v.reason.clone(),
                    detail: v.detail.clone(),
                })
                .collect(),
        });
        let containers = find::containers(t, pod.spec);
        let span = |n: NodeId| {
            let node = t.node(n);
            (
                node.line,
                self.lines
                    .line_of(node.end.saturating_sub(1).max(node.start)),
            )
        };
        let target = |rule: Rule, check: &str, container: Option<NodeId>, explicit: bool| {
            let index = container.and_then(|c| containers.iter().position(|x| x.node == c));
            Target {
                doc_index,
                path: path.clone(),
                rule,
                check: check.to_string(),
                container: index,
                explicit,
                lines: span(container.unwrap_or(pod.spec)),
                pod_lines: span(pod.spec),
                object_lines: span(pod.object),
                container_name: index.and_then(|i| containers[i].name.clone()),
            }
        };
        for v in &violations {
            for o in &v.offenders {
                let (line, col) = t.position(o.at);
                out.report.findings.push(Finding {
                    line,
                    col,
                    rule: v.id.to_string(),
                    severity: Severity::Warning,
                    message: pss::forbidden(&o.reason, &o.detail),
                    fixable: false,
                });
                out.targets.push(
                    fix_rule(v.id, o.explicit, self.version)
                        .map(|rule| target(rule, v.id, o.container, o.explicit)),
                );
            }
        }

        // secctx's own rules.
        if !self.settings.enabled(Rule::ReadOnlyRootFilesystem) || pss::is_windows(t, pod.spec) {
            return;
        }
        for c in &containers {
            let name = c.name.clone().unwrap_or_default();
            let value = t
                .get(c.node, "securityContext")
                .and_then(|sc| t.get(sc, "readOnlyRootFilesystem"))
                .filter(|&n| !t.is_null(n));
            if value.and_then(|n| t.as_bool(n)) == Some(true) {
                continue;
            }
            let (line, col) = t.position(value.map_or(c.node, |v| t.key_of(v).unwrap_or(v)));
            out.report.findings.push(Finding {
                line,
                col,
                rule: READ_ONLY_ROOT_FILESYSTEM.to_string(),
                severity: Severity::Info,
                message: format!(
                    "readOnlyRootFilesystem != true (container \"{name}\" should set securityContext.readOnlyRootFilesystem=true; secctx rule, not a PSS check)"
                ),
                fixable: false,
            });
            out.targets.push(Some(target(
                Rule::ReadOnlyRootFilesystem,
                READ_ONLY_ROOT_FILESYSTEM,
                Some(c.node),
                value.is_some(),
            )));
            let has_tmp = t.get(c.node, "volumeMounts").is_some_and(|m| {
                t.items(m).iter().any(|&i| {
                    t.get(i, "mountPath")
                        .and_then(|p| t.str(p))
                        .map(|p| p.trim_end_matches('/'))
                        == Some("/tmp")
                })
            });
            if !has_tmp {
                let (line, col) = t.position(c.node);
                out.report.findings.push(Finding {
                    line,
                    col,
                    rule: TMP_VOLUME.to_string(),
                    severity: Severity::Info,
                    message: format!(
                        "no writable /tmp (container \"{name}\" mounts nothing at /tmp; with a read-only root filesystem it needs an emptyDir there; secctx rule, not a PSS check)"
                    ),
                    fixable: false,
                });
                out.targets.push(Some(target(
                    Rule::ReadOnlyRootFilesystem,
                    TMP_VOLUME,
                    Some(c.node),
                    value.is_some(),
                )));
            }
        }
    }
}

/// The `secctx fix` rule that acts on a PSS check's offender, if any.
fn fix_rule(check: &str, explicit: bool, version: u32) -> Option<Rule> {
    match check {
        "allowPrivilegeEscalation" => Some(Rule::NoPrivilegeEscalation),
        "runAsNonRoot" => Some(Rule::RunAsNonRoot),
        // Added capabilities are kept by fix; only a missing `drop: [ALL]` is its business.
        "capabilities_restricted" if !explicit => Some(Rule::DropAllCapabilities),
        "seccompProfile_restricted" => Some(Rule::SeccompRuntimeDefault),
        // Before v1.19 the baseline check reads the annotations, which fix does not edit.
        "seccompProfile_baseline" if version >= 19 => Some(Rule::SeccompRuntimeDefault),
        _ => None,
    }
}

/// The path from `root` to `node`: keys joined with `.`, sequence items as `[i]`.
fn node_path(tree: &Tree, root: NodeId, node: NodeId) -> String {
    let mut segments = Vec::new();
    let mut cur = node;
    for _ in 0..1000 {
        if cur == root {
            break;
        }
        let Some(parent) = tree.node(cur).parent else {
            break;
        };
        if let Some(key) = tree.key_of(cur) {
            segments.push(format!(".{}", tree.str(key).unwrap_or("?")));
        } else if let Some(i) = tree.items(parent).iter().position(|&i| i == cur) {
            segments.push(format!("[{i}]"));
        }
        cur = parent;
    }
    segments.reverse();
    let path = segments.concat();
    path.strip_prefix('.').unwrap_or(&path).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    const RESTRICTED: CheckOptions = CheckOptions {
        level: Level::Restricted,
        version: None,
    };
    const BASELINE: CheckOptions = CheckOptions {
        level: Level::Baseline,
        version: None,
    };

    fn check(text: &str, opts: &CheckOptions) -> CheckReport {
        check_bytes(text.as_bytes(), &Settings::default(), opts)
    }

    fn rules(report: &CheckReport) -> Vec<(usize, usize, String)> {
        report
            .findings
            .iter()
            .map(|f| (f.line, f.col, f.rule.clone()))
            .collect()
    }

    const HARDENED: &str = "apiVersion: v1
kind: Pod
metadata: {name: p}
spec:
  securityContext: {runAsNonRoot: true, seccompProfile: {type: RuntimeDefault}}
  containers:
  - name: c
    image: x
    securityContext:
      allowPrivilegeEscalation: false
      readOnlyRootFilesystem: true
      capabilities: {drop: [ALL]}
    volumeMounts: [{name: tmp, mountPath: /tmp}]
  volumes: [{name: tmp, emptyDir: {}}]
";

    #[test]
    fn a_hardened_pod_passes_without_findings() {
        let r = check(HARDENED, &RESTRICTED);
        assert_eq!(r.outcome, CheckOutcome::Checked);
        assert_eq!(r.pod_specs, 1);
        assert!(!r.fails());
        assert!(r.findings.is_empty(), "{:?}", r.findings);
        assert_eq!(r.pods[0].path, "spec");
        assert_eq!((r.pods[0].line, r.pods[0].col), (4, 1));
    }

    #[test]
    fn bare_pod_fails_restricted_with_one_finding_per_container_and_check() {
        let text = "apiVersion: apps/v1
kind: Deployment
metadata: {name: d}
spec:
  template:
    spec:
      containers:
      - name: a
        image: x
      - name: b
        image: y
";
        let r = check(text, &RESTRICTED);
        assert!(r.fails());
        let ids: Vec<_> = r.pods[0].failures.iter().map(|f| f.id.as_str()).collect();
        assert_eq!(
            ids,
            [
                "allowPrivilegeEscalation",
                "capabilities_restricted",
                "runAsNonRoot",
                "seccompProfile_restricted"
            ]
        );
        assert_eq!(r.pods[0].path, "spec.template.spec");
        assert_eq!(
            r.pods[0].failures[2].detail,
            "pod or containers \"a\", \"b\" must set securityContext.runAsNonRoot=true"
        );
        let pss: Vec<_> = r
            .findings
            .iter()
            .filter(|f| !f.rule.starts_with("secctx/"))
            .collect();
        assert_eq!(pss.len(), 8);
        assert!(
            pss.iter()
                .all(|f| f.fixable && f.severity == Severity::Warning)
        );
        let a = r
            .findings
            .iter()
            .find(|f| f.rule == "runAsNonRoot" && f.line == 8)
            .expect("a");
        assert_eq!(a.col, 9);
        assert_eq!(
            a.message,
            "runAsNonRoot != true (pod or container \"a\" must set securityContext.runAsNonRoot=true)"
        );
        // secctx's own rule: reported, separately named, not part of the verdict.
        let ro: Vec<_> = r
            .findings
            .iter()
            .filter(|f| f.rule == "secctx/read-only-root-filesystem")
            .collect();
        assert_eq!(ro.len(), 2);
        assert!(ro.iter().all(|f| f.severity == Severity::Info));
        // Baseline: allowed, yet the secctx findings are still there.
        let b = check(text, &BASELINE);
        assert!(!b.fails());
        assert_eq!(b.findings.len(), 4);
        assert!(
            b.findings
                .iter()
                .all(|f| f.rule.starts_with("secctx/") && f.fixable)
        );
    }

    #[test]
    fn explicit_values_need_force_and_point_at_the_field() {
        let text = "apiVersion: v1
kind: Pod
spec:
  securityContext: {runAsNonRoot: true, seccompProfile: {type: RuntimeDefault}}
  containers:
  - name: c
    securityContext:
      allowPrivilegeEscalation: true
      capabilities: {drop: [ALL], add: [NET_ADMIN]}
      readOnlyRootFilesystem: false
";
        let r = check(text, &RESTRICTED);
        let got = rules(&r);
        assert_eq!(
            got,
            vec![
                (6, 5, "secctx/tmp-volume".to_string()),
                (8, 7, "allowPrivilegeEscalation".to_string()),
                (9, 41, "capabilities_restricted".to_string()),
                (10, 7, "secctx/read-only-root-filesystem".to_string()),
            ]
        );
        // /tmp comes with the read-only root filesystem, which is explicitly false here.
        assert!(r.findings[0].fixable && r.findings[0].message.contains("--force"));
        assert!(r.findings[1].fixable && r.findings[1].message.contains("--force"));
        let caps = &r.findings[2];
        assert!(!caps.fixable, "added capabilities are kept by fix");
        assert!(
            !caps.message.contains("secctx fix"),
            "not a fix rule: {}",
            caps.message
        );
        assert!(r.findings[3].fixable && r.findings[3].message.contains("--force"));
    }

    #[test]
    fn fix_blockers_are_explained() {
        let text = "apiVersion: v1
kind: Pod
spec:
  securityContext: {runAsUser: 0, seccompProfile: {type: RuntimeDefault}}
  containers:
  - name: c
    securityContext: {privileged: true, capabilities: {drop: [ALL]}, readOnlyRootFilesystem: true}
    volumeMounts: [{name: t, mountPath: /tmp/}]
";
        let r = check(text, &RESTRICTED);
        let ape = r
            .findings
            .iter()
            .find(|f| f.rule == "allowPrivilegeEscalation")
            .expect("ape");
        assert!(!ape.fixable);
        assert!(ape.message.contains("privileged: true"), "{}", ape.message);
        let rnr = r
            .findings
            .iter()
            .find(|f| f.rule == "runAsNonRoot")
            .expect("rnr");
        assert!(!rnr.fixable && rnr.message.contains("runAsUser: 0"));
        assert!(
            r.findings
                .iter()
                .any(|f| f.rule == "privileged" && !f.fixable)
        );
        assert!(
            r.findings
                .iter()
                .any(|f| f.rule == "runAsUser" && (f.line, f.col) == (4, 21))
        );
        assert!(!r.findings.iter().any(|f| f.rule.starts_with("secctx/")));
    }

    #[test]
    fn opt_outs_make_findings_unfixable() {
        let text = "apiVersion: v1
kind: Pod
metadata:
  annotations: {secctx.io/skip: \"run-as-non-root, read-only-root-filesystem\"}
spec:
  containers:
  - name: c  # secctx: ignore[no-privilege-escalation]
";
        let r = check(text, &RESTRICTED);
        let fixable = |rule: &str| {
            r.findings
                .iter()
                .find(|f| f.rule == rule)
                .map(|f| f.fixable)
        };
        assert_eq!(fixable("runAsNonRoot"), Some(false));
        assert_eq!(fixable("allowPrivilegeEscalation"), Some(false));
        assert_eq!(fixable("capabilities_restricted"), Some(true));
        assert_eq!(fixable("secctx/read-only-root-filesystem"), None);
        let mut settings = Settings::default();
        settings.rules.retain(|&r| r != Rule::SeccompRuntimeDefault);
        let r = check_bytes(text.as_bytes(), &settings, &RESTRICTED);
        let seccomp = r
            .findings
            .iter()
            .find(|f| f.rule == "seccompProfile_restricted")
            .expect("s");
        assert!(!seccomp.fixable && seccomp.message.contains("turned off"));
    }

    #[test]
    fn windows_and_user_namespace_pods() {
        let text = "apiVersion: v1
kind: Pod
spec:
  os: {name: windows}
  securityContext: {runAsNonRoot: true}
  containers: [{name: c}]
---
apiVersion: v1
kind: Pod
spec:
  hostUsers: false
  securityContext: {runAsUser: 0, seccompProfile: {type: RuntimeDefault}}
  containers:
  - name: c
    securityContext: {allowPrivilegeEscalation: false, capabilities: {drop: [ALL]}, readOnlyRootFilesystem: true, procMount: Unmasked}
    volumeMounts: [{name: t, mountPath: /tmp}]
";
        let r = check(text, &RESTRICTED);
        assert!(r.pods[0].allowed, "{:?}", r.pods[0]);
        let ids: Vec<_> = r.pods[1].failures.iter().map(|f| f.id.as_str()).collect();
        assert_eq!(ids, ["procMount_restricted"]);
        assert_eq!(r.pods[1].doc_index, 1);
        let old = check_bytes(
            text.as_bytes(),
            &Settings::default(),
            &CheckOptions {
                level: Level::Restricted,
                version: Some(24),
            },
        );
        let ids: Vec<_> = old.pods[0].failures.iter().map(|f| f.id.as_str()).collect();
        assert_eq!(
            ids,
            [
                "allowPrivilegeEscalation",
                "capabilities_restricted",
                "seccompProfile_restricted"
            ]
        );
        let ape = old
            .findings
            .iter()
            .find(|f| f.rule == "allowPrivilegeEscalation")
            .expect("ape");
        assert!(!ape.fixable && ape.message.contains("Windows"));
        let ids: Vec<_> = old.pods[1].failures.iter().map(|f| f.id.as_str()).collect();
        assert_eq!(ids, ["procMount", "runAsNonRoot", "runAsUser"]);
        // Baseline from v1.35 allows Unmasked in a user-namespace pod.
        assert!(check(text, &BASELINE).pods[1].allowed);
    }

    #[test]
    fn file_outcomes() {
        let opts = &RESTRICTED;
        let s = Settings::default();
        assert_eq!(
            check_bytes(b"apiVersion: v1\nkind: ConfigMap\n", &s, opts).outcome,
            CheckOutcome::Skipped(SkipReason::NotKubernetes)
        );
        assert_eq!(
            check_bytes(b"# nothing\n", &s, opts).outcome,
            CheckOutcome::Skipped(SkipReason::Empty)
        );
        assert_eq!(
            check_bytes(b"spec: {{ .Values.x }}\n  b: [\n", &s, opts).outcome,
            CheckOutcome::Skipped(SkipReason::Template)
        );
        match check_bytes(b"kind: Pod\nspec: [\n", &s, opts).outcome {
            CheckOutcome::Failed(e) => assert_eq!(e.kind, "invalid-yaml"),
            other => panic!("{other:?}"),
        }
        // Without `kind` (and without aliases) it is no object: not read, as in `fix`.
        assert_eq!(
            check_bytes(b"spec: [\n", &s, opts).outcome,
            CheckOutcome::Skipped(SkipReason::NotKubernetes)
        );
        match check_bytes(b"apiVersion: v1\nkind: \xff\n", &s, opts).outcome {
            CheckOutcome::Failed(e) => {
                assert_eq!(
                    (e.kind.as_str(), e.line, e.col),
                    ("not-utf8", Some(2), Some(7))
                )
            }
            other => panic!("{other:?}"),
        }
        let bom = format!("\u{feff}{HARDENED}");
        let r = check_bytes(bom.as_bytes(), &s, opts);
        assert_eq!(r.outcome, CheckOutcome::Checked);
        assert!(!r.fails());
    }

    #[test]
    fn list_items_get_indexed_paths() {
        let text = "apiVersion: v1
kind: List
items:
- apiVersion: v1
  kind: ConfigMap
- apiVersion: batch/v1
  kind: CronJob
  spec: {jobTemplate: {spec: {template: {spec: {containers: [{name: c}]}}}}}
";
        let r = check(text, &BASELINE);
        assert_eq!(
            r.pods[0].path,
            "items[1].spec.jobTemplate.spec.template.spec"
        );
        assert_eq!(r.pods[0].kind, "CronJob");
    }
}
