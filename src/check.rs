//! `secctx check`: the Pod Security Standards audit of one file's bytes. Pure, like `fix`.
//!
//! bytes -> UTF-8 text (BOM stripped) -> span tree (`yaml::parse`) -> pod specs (`k8s::find`,
//! the finder `fix` uses) -> the PSS checks of the level and Kubernetes version (`k8s::pss`, a
//! port of the pod-security-admission library) -> findings.
//!
//! Findings: one per place that makes a check fail (the offending field's key, or the container
//! when a required field is missing), `rule` = the upstream check id (`runAsNonRoot`, ...),
//! severity `Warning`, message = Kubernetes' reason and detail as it would word them for that
//! place, and `fixable` = whether `secctx fix` (with the same settings) fixes it; when only
//! `secctx fix --force` would (an explicit insecure value) or fix leaves it (privileged
//! container, Windows pod, `runAsUser: 0`, opt-out), the message says so. [`CheckReport::pods`]
//! holds the verdict per pod spec with the upstream aggregated reason/detail texts.
//!
//! secctx's own rules, which are not PSS checks (`readOnlyRootFilesystem: true`, a writable
//! `/tmp` beside it), are reported as findings named `secctx/read-only-root-filesystem` and
//! `secctx/tmp-volume`, severity `Info`. They never decide the verdict: a pod is allowed or
//! denied exactly as the API server's admission would decide, and the exit status of `check`
//! (1 = a pod fails the level) follows [`CheckReport::fails`] alone. They are not reported when
//! the `read-only-root-filesystem` rule is turned off (`--skip`, config, opt-out annotation).

use serde::Serialize;

use crate::finding::{Finding, Severity};
use crate::fix::{FileError, SkipReason};
use crate::k8s::find::{self, Container, PodSpec};
use crate::k8s::pss::{self, Offender, Violation};
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
    /// Position of the pod spec (1-based).
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

/// Audit one file's bytes.
pub fn check_bytes(input: &[u8], settings: &Settings, opts: &CheckOptions) -> CheckReport {
    let text = match std::str::from_utf8(input) {
        Ok(text) => text,
        Err(e) => {
            let (line, col) = byte_position(input, e.valid_up_to());
            return CheckReport::ended(CheckOutcome::Failed(FileError {
                kind: "not-utf8".to_string(),
                line: Some(line),
                col: Some(col),
                message: format!("not UTF-8 text (invalid byte at line {line}, column {col})"),
            }));
        }
    };
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let tree = match crate::yaml::parse(text) {
        Ok(tree) => tree,
        Err(e) if text.contains("{{") => {
            let _ = e;
            return CheckReport::ended(CheckOutcome::Skipped(SkipReason::Template));
        }
        Err(e) => {
            return CheckReport::ended(CheckOutcome::Failed(FileError {
                kind: "invalid-yaml".to_string(),
                line: Some(e.line),
                col: Some(e.col),
                message: e.message,
            }));
        }
    };
    if tree.docs.iter().all(|d| tree.is_null(d.root)) {
        return CheckReport::ended(CheckOutcome::Skipped(SkipReason::Empty));
    }
    let auditor = Auditor {
        tree: &tree,
        lines: LineStarts::new(text),
        text,
        settings,
        level: opts.level,
        version: pss::effective_version(opts.version),
    };
    let mut report = CheckReport::ended(CheckOutcome::Checked);
    for (doc_index, doc) in tree.docs.iter().enumerate() {
        for pod in find::find_pod_specs(&tree, doc.root, settings) {
            auditor.audit(doc_index, doc.root, &pod, &mut report);
        }
    }
    if report.pods.is_empty() {
        return CheckReport::ended(CheckOutcome::Skipped(SkipReason::NotKubernetes));
    }
    report.pod_specs = report.pods.len();
    report
        .findings
        .sort_by(|a, b| (a.line, a.col, &a.rule).cmp(&(b.line, b.col, &b.rule)));
    report
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

struct LineStarts(Vec<usize>);

impl LineStarts {
    fn new(text: &str) -> Self {
        let mut starts = vec![0];
        starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        LineStarts(starts)
    }

    /// The text of 1-based line `line` (without its break).
    fn line<'t>(&self, text: &'t str, line: usize) -> &'t str {
        let Some(&start) = self.0.get(line.wrapping_sub(1)) else {
            return "";
        };
        let end = self.0.get(line).map_or(text.len(), |&e| e);
        text[start..end].trim_end_matches(['\n', '\r'])
    }
}

/// How `secctx fix` stands towards one offender.
enum Fixability {
    /// Not one of secctx's rules.
    NotARule,
    Fixes,
    /// Only with `--force`: an explicit value is the author's choice.
    NeedsForce,
    /// fix leaves it, for this reason.
    Leaves(String),
}

struct Auditor<'a> {
    tree: &'a Tree,
    text: &'a str,
    lines: LineStarts,
    settings: &'a Settings,
    level: Level,
    version: u32,
}

impl Auditor<'_> {
    fn audit(&self, doc_index: usize, root: NodeId, pod: &PodSpec, report: &mut CheckReport) {
        let t = self.tree;
        let meta = pod.pod_metadata(t);
        let violations = pss::evaluate(t, pod.spec, meta, self.level, self.version);
        let (line, col) = self.spec_position(pod.spec);
        report.pods.push(PodResult {
            doc_index,
            kind: pod.kind.clone(),
            name: pod.name.clone(),
            path: node_path(t, root, pod.spec),
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
        for v in &violations {
            for o in &v.offenders {
                report
                    .findings
                    .push(self.pss_finding(pod, &containers, v, o));
            }
        }
        self.secctx_findings(pod, &containers, &mut report.findings);
    }

    /// Where a pod spec is: its key (`spec:`), or the mapping itself.
    fn spec_position(&self, spec: NodeId) -> (usize, usize) {
        self.tree.position(self.tree.key_of(spec).unwrap_or(spec))
    }

    fn pss_finding(
        &self,
        pod: &PodSpec,
        containers: &[Container],
        v: &Violation,
        o: &Offender,
    ) -> Finding {
        let (line, col) = self.tree.position(o.at);
        let mut message = pss::forbidden(&o.reason, &o.detail);
        let fixability = self.fixability(pod, containers, v.id, o);
        match &fixability {
            Fixability::NotARule | Fixability::Fixes => {}
            Fixability::NeedsForce => {
                message.push_str(
                    " [explicit value: `secctx fix` keeps it, `secctx fix --force` changes it]",
                );
            }
            Fixability::Leaves(why) => {
                message.push_str(&format!(" [`secctx fix` leaves it: {why}]"))
            }
        }
        Finding {
            line,
            col,
            rule: v.id.to_string(),
            severity: Severity::Warning,
            message,
            fixable: matches!(fixability, Fixability::Fixes | Fixability::NeedsForce),
        }
    }

    /// Whether `secctx fix` with these settings fixes the offender.
    fn fixability(
        &self,
        pod: &PodSpec,
        containers: &[Container],
        id: &str,
        o: &Offender,
    ) -> Fixability {
        let rule = match id {
            "allowPrivilegeEscalation" => Rule::NoPrivilegeEscalation,
            "runAsNonRoot" => Rule::RunAsNonRoot,
            // Added capabilities are kept by fix; only a missing `drop: [ALL]` is its business.
            "capabilities_restricted" if !o.explicit => Rule::DropAllCapabilities,
            "seccompProfile_restricted" => Rule::SeccompRuntimeDefault,
            // Before v1.19 the baseline check reads annotations, which fix does not touch.
            "seccompProfile_baseline" if self.version >= 19 => Rule::SeccompRuntimeDefault,
            _ => return Fixability::NotARule,
        };
        let container = o
            .container
            .and_then(|c| containers.iter().find(|x| x.node == c));
        if let Some(why) = self.opted_out(pod, container, rule) {
            return Fixability::Leaves(why);
        }
        let t = self.tree;
        let linux_only = rule != Rule::RunAsNonRoot;
        if linux_only && pss::is_windows(t, pod.spec) {
            return Fixability::Leaves("Windows pod (Linux-only field)".to_string());
        }
        if let Some(c) = container {
            let sc = t.get(c.node, "securityContext");
            match rule {
                Rule::NoPrivilegeEscalation => {
                    if sc
                        .and_then(|sc| t.get(sc, "privileged"))
                        .and_then(|n| t.as_bool(n))
                        == Some(true)
                    {
                        return Fixability::Leaves(
                            "privileged: true (the API server rejects allowPrivilegeEscalation: false beside it)"
                                .to_string(),
                        );
                    }
                    let adds_sys_admin = sc
                        .and_then(|sc| t.get_path(sc, &["capabilities", "add"]))
                        .map(|add| {
                            t.items(add)
                                .iter()
                                .any(|&i| t.str(i) == Some("CAP_SYS_ADMIN"))
                        })
                        .unwrap_or(false);
                    if adds_sys_admin {
                        return Fixability::Leaves(
                            "adds CAP_SYS_ADMIN (the API server rejects allowPrivilegeEscalation: false beside it)"
                                .to_string(),
                        );
                    }
                }
                Rule::RunAsNonRoot if self.runs_as_root(pod.spec, Some(c.node)) => {
                    return Fixability::Leaves(
                        "runAsUser: 0 (runAsNonRoot: true would stop the container)".to_string(),
                    );
                }
                _ => {}
            }
        } else if rule == Rule::RunAsNonRoot && self.runs_as_root(pod.spec, None) {
            return Fixability::Leaves(
                "runAsUser: 0 (runAsNonRoot: true would stop the pod)".to_string(),
            );
        }
        if o.explicit {
            Fixability::NeedsForce
        } else {
            Fixability::Fixes
        }
    }

    /// `runAsUser: 0` in effect for the container (its own, else the pod's), or set on the pod.
    fn runs_as_root(&self, spec: NodeId, container: Option<NodeId>) -> bool {
        let t = self.tree;
        let user = |sc: Option<NodeId>| {
            sc.and_then(|sc| t.get(sc, "runAsUser"))
                .filter(|&n| !t.is_null(n))
                .and_then(|n| t.as_int(n))
        };
        let pod_user = user(t.get(spec, "securityContext"));
        match container {
            Some(c) => user(t.get(c, "securityContext")).or(pod_user) == Some(0),
            None => pod_user == Some(0),
        }
    }

    /// Why `rule` is not applied to this pod/container, if it is not: turned off in the
    /// settings, `secctx.io/skip` on the object or template, `# secctx: ignore[...]` on the
    /// container's first line.
    fn opted_out(
        &self,
        pod: &PodSpec,
        container: Option<&Container>,
        rule: Rule,
    ) -> Option<String> {
        if !self.settings.enabled(rule) {
            return Some(format!("rule `{rule}` is turned off"));
        }
        let t = self.tree;
        let metas = [t.get(pod.object, "metadata"), pod.template_metadata];
        for meta in metas.into_iter().flatten() {
            let skip = t
                .get_path(meta, &["annotations", "secctx.io/skip"])
                .and_then(|n| t.str(n));
            if let Some(list) = skip
                && names_rule(list, rule)
            {
                return Some("secctx.io/skip annotation".to_string());
            }
        }
        if let Some(c) = container {
            let (line, _) = t.position(c.node);
            let text = self.lines.line(self.text, line);
            if let Some(at) = text.find("# secctx: ignore[") {
                let rest = &text[at + "# secctx: ignore[".len()..];
                if let Some(end) = rest.find(']')
                    && names_rule(&rest[..end], rule)
                {
                    return Some("`# secctx: ignore` comment".to_string());
                }
            }
        }
        None
    }

    /// `secctx/read-only-root-filesystem` and `secctx/tmp-volume`.
    fn secctx_findings(&self, pod: &PodSpec, containers: &[Container], out: &mut Vec<Finding>) {
        let t = self.tree;
        let rule = Rule::ReadOnlyRootFilesystem;
        if pss::is_windows(t, pod.spec) {
            return;
        }
        for c in containers {
            let name = c.name.clone().unwrap_or_default();
            let opted_out = self.opted_out(pod, Some(c), rule);
            if opted_out.is_some() {
                continue;
            }
            let value = t
                .get(c.node, "securityContext")
                .and_then(|sc| t.get(sc, "readOnlyRootFilesystem"))
                .filter(|&n| !t.is_null(n));
            let read_only = value.and_then(|n| t.as_bool(n)) == Some(true);
            if !read_only {
                let at = value.map_or(c.node, |v| t.key_of(v).unwrap_or(v));
                let (line, col) = t.position(at);
                let mut message = format!(
                    "readOnlyRootFilesystem != true (container \"{name}\" should set securityContext.readOnlyRootFilesystem=true; secctx rule, not a PSS check)"
                );
                if value.is_some() {
                    message.push_str(
                        " [explicit value: `secctx fix` keeps it, `secctx fix --force` changes it]",
                    );
                }
                out.push(Finding {
                    line,
                    col,
                    rule: "secctx/read-only-root-filesystem".to_string(),
                    severity: Severity::Info,
                    message,
                    fixable: true,
                });
                continue;
            }
            let has_tmp = t
                .get(c.node, "volumeMounts")
                .map(|m| {
                    t.items(m).iter().any(|&i| {
                        t.get(i, "mountPath")
                            .and_then(|p| t.str(p))
                            .map(|p| p.trim_end_matches('/'))
                            == Some("/tmp")
                    })
                })
                .unwrap_or(false);
            if !has_tmp {
                let (line, col) = t.position(c.node);
                out.push(Finding {
                    line,
                    col,
                    rule: "secctx/tmp-volume".to_string(),
                    severity: Severity::Info,
                    message: format!(
                        "no writable /tmp (container \"{name}\" has a read-only root filesystem and no volume mounted at /tmp; secctx rule, not a PSS check)"
                    ),
                    fixable: true,
                });
            }
        }
    }
}

/// Whether a comma-separated opt-out list names `rule` (or `all`).
fn names_rule(list: &str, rule: Rule) -> bool {
    list.split(',')
        .map(str::trim)
        .any(|r| r == "all" || r == rule.name())
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
        assert_eq!(b.findings.len(), 2);
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
                (8, 7, "allowPrivilegeEscalation".to_string()),
                (9, 41, "capabilities_restricted".to_string()),
                (10, 7, "secctx/read-only-root-filesystem".to_string()),
            ]
        );
        assert!(r.findings[0].fixable && r.findings[0].message.contains("--force"));
        assert!(!r.findings[1].fixable, "added capabilities are kept by fix");
        assert!(r.findings[2].message.contains("--force"));
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
            check_bytes(b"a: {{ .Values.x }}\n  b: [\n", &s, opts).outcome,
            CheckOutcome::Skipped(SkipReason::Template)
        );
        match check_bytes(b"a: [\n", &s, opts).outcome {
            CheckOutcome::Failed(e) => assert_eq!(e.kind, "invalid-yaml"),
            other => panic!("{other:?}"),
        }
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
