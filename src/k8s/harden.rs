//! The five rules (DESIGN §3), applied to every container of one pod spec: decide what each
//! container needs, skip what is satisfied or must not be touched (with a finding saying why),
//! and ask the editor for the changes. Sits between `k8s::find` (which pod specs and containers)
//! and `yaml::edit` (the text); never touches text itself.
//!
//! # Decisions the design leaves open
//!
//! - **Satisfied already.** `runAsNonRoot` by the container, or by the pod when the container sets
//!   nothing; `seccompProfile` by the container's profile when it has one, else by the pod's;
//!   `capabilities.drop` holds exactly `ALL` (the case the Pod Security Standards accept: a
//!   `drop: [all]` is rewritten to `ALL`); `allowPrivilegeEscalation: false` and
//!   `readOnlyRootFilesystem: true` only by the container (they have no pod-level field).
//! - **Explicit values** (`runAsNonRoot: false`, `allowPrivilegeEscalation: true`,
//!   `readOnlyRootFilesystem: false`, a `seccompProfile.type` other than `RuntimeDefault`/
//!   `Localhost`) are kept and reported; `--force` replaces them. The pod-level
//!   `runAsNonRoot: false` and `seccompProfile: Unconfined` count as explicit choices for every
//!   container that inherits them. With `--force` the pod-level value itself is flipped when
//!   every inheriting container can take the new value (none is opted out of the rule, none is
//!   blocked below, none has a securityContext that is not a mapping); otherwise the pod-level
//!   value stays, with a finding naming the blockers, and the containers that can take the new
//!   value get their own. A seccomp annotation (`seccomp.security.alpha.kubernetes.io/pod:
//!   unconfined`) without a pod field is an explicit pod-level choice too; with `--force` the
//!   containers get their own field (the annotation only has to agree with the pod field).
//!   An explicit value that `--force` could not change either (say `runAsNonRoot: false` beside
//!   `runAsUser: 0`) is reported with the reason that stops it, not as "kept".
//! - **A value of the wrong type** (`allowPrivilegeEscalation: "false"`, a quoted string the API
//!   server rejects) is reported and left alone, never overwritten. A null (`runAsNonRoot:`,
//!   `~`) counts as unset and is filled in.
//! - **Conflicts, never produced.** No `allowPrivilegeEscalation: false` beside
//!   `privileged: true` or an added `SYS_ADMIN`/`CAP_SYS_ADMIN` (any case: the runtimes upper-case
//!   capability names). No `runAsNonRoot: true` where the container's user is 0 (its own
//!   `runAsUser`, else the pod's). No seccomp field that disagrees with a
//!   `container.seccomp.security.alpha.kubernetes.io/<name>` annotation (the API server rejects
//!   the pod). No `seccompProfile.type` beside a `localhostProfile` that it would invalidate.
//! - **Images known to run as root** (`images.rs`) get no `runAsNonRoot: true` unless a UID is
//!   given (`--run-as-user`, or `run_as_user` for the image in the config): the kubelet would
//!   refuse to start them. The warning names the fix and a UID to use (the image's service user,
//!   or `nobody` for base images), plus what else non-root takes (nginx: a port >= 1024).
//!   A container that already has `runAsNonRoot: true` (its own or the pod's) with such an image
//!   and no user gets the same warning: it cannot start as written.
//! - **Privileged containers** (`privileged: true`) almost certainly run as root (CNI agents,
//!   node tools): they get no `runAsNonRoot: true` unless a non-zero `runAsUser` is set (their
//!   own or the pod's) or configured for their image; `--run-as-user` does not apply to them.
//! - **`runAsUser`** (`--run-as-user`, config) is added at container level where neither the
//!   container nor the pod sets one, only when `run-as-non-root` applies to the container and
//!   the container does not keep an explicit `runAsNonRoot: false`. UID 0 is never added.
//! - **Windows pods** (`spec.os.name: windows`, or a `nodeSelector` `kubernetes.io/os: windows`)
//!   get none of the Linux-only fields (one info finding per container). `runAsNonRoot: true` is
//!   added only where `windowsOptions.runAsUserName` (container or pod) names a user other than
//!   `ContainerAdministrator`: the kubelet refuses `runAsNonRoot` for an image that runs as
//!   `ContainerAdministrator`, the default of the common Windows base images.
//! - **`/tmp`** is added only where secctx itself turns `readOnlyRootFilesystem` on (an author
//!   who set it already is assumed to know their app), and so are the writable paths of
//!   well-known images. One emptyDir per path per pod, shared by the containers that need it; an
//!   existing emptyDir of the chosen name is reused (a volume with no source is an emptyDir: the
//!   API server defaults it so); a name taken by another volume gets `-2`, `-3`, ... A path
//!   already mounted in the container is left alone. The config's medium and size limit apply to
//!   the `/tmp` volume only.
//! - **Opt-outs** are reported as info findings (so a reviewer sees what was skipped): the
//!   annotation `secctx.io/skip: "<rule>,...|all"` on the object or its pod template, the comment
//!   `# secctx: ignore` or `# secctx: ignore[<rule>,...]` on a container's first line (the line of
//!   its first key, or the line of its `-` when that stands alone). Unknown rule names are
//!   warnings. A comment on the line of a one-line flow list applies to every container on it.
//! - **`capabilities.add`** entries other than `NET_BIND_SERVICE` are kept (DESIGN §3) and
//!   reported: the restricted profile denies them whatever secctx adds.
//! - **Not edited at all**: a container whose `securityContext` is not a mapping (one finding);
//!   a file holding a Helm/Go template action, even one that parses as YAML (`fix::is_template`
//!   skips the whole file before any planning);
//!   anything the editor refuses (aliased or merged nodes: one finding per rule, with its reason).
//!
//! Findings name the container (`` container `web` ``, or `initContainers[0]` when unnamed) and sit
//! at the place to change: the explicit value's key, the pod-level field, or the container.

use std::collections::BTreeSet;

use crate::finding::{Finding, Severity};
use crate::settings::{Rule, Settings};
use crate::yaml::edit::{Editor, NewValue, Refusal};
use crate::yaml::tree::{NodeId, Tree};

use super::find::{Container, PodSpec, containers};
use super::images::{self, ImageFacts};

/// The annotation that opts an object or pod template out of rules (`all` or a list).
pub const SKIP_ANNOTATION: &str = "secctx.io/skip";

/// Deprecated seccomp annotations the API server still checks against the fields on Pod create.
const SECCOMP_POD_ANNOTATION: &str = "seccomp.security.alpha.kubernetes.io/pod";
const SECCOMP_CONTAINER_ANNOTATION: &str = "container.seccomp.security.alpha.kubernetes.io/";

/// Largest UID the API server accepts.
const MAX_UID: i64 = 2_147_483_647;

/// Rule name of the findings about opt-outs.
pub const OPT_OUT: &str = "opt-out";
/// Rule name of the finding about Linux-only fields on a Windows pod.
pub const WINDOWS_POD: &str = "windows-pod";
/// Rule name of the finding about a container securityContext that is not a mapping.
pub const SECURITY_CONTEXT: &str = "security-context";

/// What hardening one pod spec planned.
#[derive(Debug, Default)]
pub struct PodOutcome {
    pub findings: Vec<Finding>,
    pub containers: usize,
    pub containers_changed: usize,
    pub changes: usize,
    /// Changes per rule, in `Rule::ALL` order.
    pub per_rule: [usize; 5],
}

/// Rules named by an opt-out value: `all` or a comma-separated list. Unknown names are returned
/// apart.
fn parse_rule_list(value: &str) -> (Vec<Rule>, Vec<String>) {
    let mut rules = Vec::new();
    let mut unknown = Vec::new();
    for part in value.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        if part == "all" {
            rules.extend(Rule::ALL);
        } else {
            match part.parse::<Rule>() {
                Ok(r) => rules.push(r),
                Err(_) => unknown.push(part.to_string()),
            }
        }
    }
    (rules, unknown)
}

/// The comment of one line, if it has one: a `#` at the start or after a blank, outside quotes.
fn line_comment(line: &str) -> Option<&str> {
    let mut quote: Option<char> = None;
    let mut prev = ' ';
    for (i, ch) in line.char_indices() {
        match quote {
            Some(q) if ch == q => quote = None,
            Some(_) => {}
            None if ch == '#' && (prev == ' ' || prev == '\t') => return Some(&line[i + 1..]),
            None if (ch == '"' || ch == '\'')
                && matches!(prev, ' ' | '\t' | '[' | '{' | ',' | ':' | '-') =>
            {
                quote = Some(ch)
            }
            None => {}
        }
        prev = ch;
    }
    None
}

/// The opt-out named by a comment: `secctx: ignore` (all rules) or `secctx: ignore[a,b]`.
fn comment_rules(comment: &str) -> Option<(Vec<Rule>, Vec<String>)> {
    let rest = comment
        .trim_start()
        .strip_prefix("secctx:")?
        .trim_start()
        .strip_prefix("ignore")?;
    if let Some(list) = rest.strip_prefix('[') {
        let list = list.split(']').next().unwrap_or("");
        return Some(parse_rule_list(list));
    }
    (rest.is_empty() || rest.starts_with([' ', '\t', '#']))
        .then(|| (Rule::ALL.to_vec(), Vec::new()))
}

/// `# secctx: ignore[rule,...]` on a container's first line: the line of its first key, or the
/// line of its `-` when the dash stands alone on the line before.
fn comment_opt_out(text: &str, tree: &Tree, container: NodeId) -> Option<(Vec<Rule>, Vec<String>)> {
    let start = tree.node(container).start;
    let ls = crate::yaml::text::line_start(text, start);
    let line = &text[ls..crate::yaml::text::line_end(text, start)];
    if let Some(found) = line_comment(line).and_then(comment_rules) {
        return Some(found);
    }
    if !text[ls..start].trim().is_empty() || ls == 0 {
        return None;
    }
    let prev_start = crate::yaml::text::line_start(text, ls - 1);
    let prev = text[prev_start..ls].trim_end_matches(['\n', '\r']);
    let after_dash = prev.trim_start().strip_prefix('-')?;
    if !after_dash.trim().is_empty() && !after_dash.trim_start().starts_with('#') {
        return None;
    }
    line_comment(prev).and_then(comment_rules)
}

/// A field that should hold a boolean, as secctx reads it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum BoolField {
    /// No such key (or no mapping to hold it).
    Missing,
    /// The key is there with a null value.
    Null(NodeId),
    Is(bool, NodeId),
    /// Something else (a quoted string, a number, a collection).
    Other(NodeId),
}

impl BoolField {
    fn read(tree: &Tree, map: Option<NodeId>, path: &[&str]) -> BoolField {
        match map.and_then(|m| tree.get_path(m, path)) {
            None => BoolField::Missing,
            Some(n) if tree.is_null(n) => BoolField::Null(n),
            Some(n) => match tree.as_bool(n) {
                Some(b) => BoolField::Is(b, n),
                None => BoolField::Other(n),
            },
        }
    }

    /// The null node to fill in, if any.
    fn null_node(self) -> Option<NodeId> {
        match self {
            BoolField::Null(n) => Some(n),
            _ => None,
        }
    }
}

/// A non-null value at `path`.
fn present(tree: &Tree, map: Option<NodeId>, path: &[&str]) -> Option<NodeId> {
    map.and_then(|m| tree.get_path(m, path))
        .filter(|&n| !tree.is_null(n))
}

/// The key node of a value (for finding positions), else the value.
fn key_or(tree: &Tree, node: NodeId) -> NodeId {
    tree.key_of(node).unwrap_or(node)
}

/// What a container's `runAsNonRoot` needs.
#[derive(Clone, Debug, PartialEq, Eq)]
enum NonRoot {
    /// Rule off for this container (opt-out, --skip).
    Off,
    Satisfied,
    /// Set `runAsNonRoot: true` at container level (replacing a null or, with `--force`, a
    /// `false`).
    Set,
    /// Sets nothing itself and the pod says `runAsNonRoot: false` explicitly (`--force` given:
    /// the pod-level value may be flipped).
    InheritsPodFalse,
    /// Left as it is; the finding is already recorded.
    Left,
}

/// What a container's seccomp profile needs.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Seccomp {
    Off,
    Satisfied,
    /// Set `seccompProfile.type: RuntimeDefault` (replacing this type node when there is one).
    Set(Option<NodeId>),
    /// Sets no profile itself; the pod's profile is an explicit other type (`--force` given).
    InheritsPodExplicit,
    Left,
}

/// One container, as planned.
struct Target {
    node: NodeId,
    who: String,
    /// The container's securityContext mapping, when it has one.
    sc: Option<NodeId>,
    rules: BTreeSet<Rule>,
    facts: ImageFacts,
    image: String,
    /// Sets `runAsNonRoot` itself (non-null).
    own_non_root: bool,
    /// Sets a `seccompProfile` itself (non-null).
    own_seccomp: bool,
    non_root: NonRoot,
    seccomp: Seccomp,
    /// `runAsUser` to add.
    add_user: Option<i64>,
    changed: bool,
}

/// The pod-level facts the rules read.
struct PodFacts {
    windows: Option<&'static str>,
    non_root: BoolField,
    user: Option<NodeId>,
    /// The pod's `seccompProfile.type` node, when the pod has a profile mapping.
    seccomp_type: Option<NodeId>,
    seccomp_profile: Option<NodeId>,
    /// The pod's `windowsOptions.runAsUserName`.
    windows_user: Option<String>,
    annotations: Option<NodeId>,
}

struct Ctx<'a, 'b> {
    tree: &'a Tree,
    settings: &'a Settings,
    editor: &'b mut Editor<'a>,
    out: PodOutcome,
}

impl Ctx<'_, '_> {
    fn finding(
        &mut self,
        at: NodeId,
        rule: &str,
        severity: Severity,
        fixable: bool,
        message: String,
    ) {
        let (line, col) = self.tree.position(at);
        self.out.findings.push(Finding {
            line,
            col,
            rule: rule.to_string(),
            severity,
            message,
            fixable,
        });
    }

    fn warn(&mut self, at: NodeId, rule: Rule, fixable: bool, message: String) {
        self.finding(at, rule.name(), Severity::Warning, fixable, message);
    }

    /// Records one planned change, or turns the editor's refusal into a finding.
    fn plan(&mut self, rule: Rule, who: &str, result: Result<(), Refusal>) -> bool {
        match result {
            Ok(()) => {
                self.out.changes += 1;
                let i = Rule::ALL
                    .iter()
                    .position(|r| *r == rule)
                    .expect("every rule is in ALL");
                self.out.per_rule[i] += 1;
                true
            }
            Err(r) => {
                self.out.findings.push(Finding {
                    line: r.line,
                    col: r.col,
                    rule: rule.name().to_string(),
                    severity: Severity::Warning,
                    message: format!("{who}: cannot edit safely ({}); not changed", r.reason),
                    fixable: false,
                });
                false
            }
        }
    }

    /// Sets `securityContext.<path>` of container `c` to `value`: fills `null_leaf` when the key
    /// is there with a null value, else creates what is missing.
    fn set(
        &mut self,
        c: NodeId,
        rule: Rule,
        who: &str,
        path: &[&str],
        value: NewValue,
        null_leaf: Option<NodeId>,
    ) -> bool {
        let result = match null_leaf {
            Some(n) => self.editor.replace(n, value),
            None => {
                let mut full = vec!["securityContext"];
                full.extend_from_slice(path);
                self.editor.ensure(c, &full, value)
            }
        };
        self.plan(rule, who, result)
    }

    /// Replaces an existing scalar (an explicit value flipped with `--force`).
    fn replace(&mut self, node: NodeId, rule: Rule, who: &str, value: NewValue) -> bool {
        let result = self.editor.replace(node, value);
        self.plan(rule, who, result)
    }
}

/// How a container is named in messages: `container \`web\``, or `initContainers[0]`.
fn describe(c: &Container, index: usize) -> String {
    match &c.name {
        Some(n) => format!("container `{n}`"),
        None => format!("{}[{index}]", c.list.key()),
    }
}

/// Why the pod is a Windows pod, if it is.
fn windows_reason(tree: &Tree, spec: NodeId) -> Option<&'static str> {
    let is_windows = |n: Option<NodeId>| {
        n.and_then(|n| tree.str(n))
            .is_some_and(|s| s.eq_ignore_ascii_case("windows"))
    };
    if is_windows(tree.get_path(spec, &["os", "name"])) {
        return Some("spec.os.name: windows");
    }
    let selector = tree.get(spec, "nodeSelector");
    if is_windows(selector.and_then(|s| tree.get(s, "kubernetes.io/os")))
        || is_windows(selector.and_then(|s| tree.get(s, "beta.kubernetes.io/os")))
    {
        return Some("nodeSelector kubernetes.io/os: windows");
    }
    None
}

/// Plans the hardening of one pod spec into `editor`.
pub fn harden_pod<'a>(
    text: &str,
    tree: &'a Tree,
    pod: &PodSpec,
    settings: &'a Settings,
    editor: &mut Editor<'a>,
) -> PodOutcome {
    let mut ctx = Ctx {
        tree,
        settings,
        editor,
        out: PodOutcome::default(),
    };
    let spec = pod.spec;

    // Opt-outs by annotation, on the object and on the pod template.
    let mut skipped: BTreeSet<Rule> = BTreeSet::new();
    let mut metas = vec![tree.get(pod.object, "metadata")];
    if pod.template.is_some() {
        metas.push(pod.template_metadata);
    }
    for meta in metas.into_iter().flatten() {
        let Some(v) = tree.get_path(meta, &["annotations", SKIP_ANNOTATION]) else {
            continue;
        };
        let value = tree.str(v).unwrap_or("");
        let (rules, unknown) = parse_rule_list(value);
        let at = key_or(tree, v);
        if !unknown.is_empty() {
            ctx.finding(
                at,
                OPT_OUT,
                Severity::Warning,
                false,
                format!(
                    "unknown rule(s) in `{SKIP_ANNOTATION}`: {}",
                    unknown.join(", ")
                ),
            );
        }
        let active: Vec<&str> = rules
            .iter()
            .filter(|r| settings.enabled(**r))
            .map(|r| r.name())
            .collect();
        if !active.is_empty() {
            let mut uniq: Vec<&str> = Vec::new();
            for n in active {
                if !uniq.contains(&n) {
                    uniq.push(n);
                }
            }
            ctx.finding(
                at,
                OPT_OUT,
                Severity::Info,
                false,
                format!(
                    "`{SKIP_ANNOTATION}` opts this pod out of: {}",
                    uniq.join(", ")
                ),
            );
        }
        skipped.extend(rules);
    }
    let pod_rules: BTreeSet<Rule> = settings
        .rules
        .iter()
        .copied()
        .filter(|r| !skipped.contains(r))
        .collect();

    let psc = tree
        .get(spec, "securityContext")
        .filter(|&n| tree.is_map(n));
    let seccomp_profile = present(tree, psc, &["seccompProfile"]).filter(|&p| tree.is_map(p));
    let pf = PodFacts {
        windows: windows_reason(tree, spec),
        non_root: BoolField::read(tree, psc, &["runAsNonRoot"]),
        user: present(tree, psc, &["runAsUser"]),
        seccomp_type: seccomp_profile.and_then(|p| present(tree, Some(p), &["type"])),
        seccomp_profile,
        windows_user: present(tree, psc, &["windowsOptions", "runAsUserName"])
            .and_then(|n| tree.str(n))
            .map(str::to_string),
        annotations: pod
            .pod_metadata(tree)
            .and_then(|m| tree.get(m, "annotations")),
    };

    // Pass 1: what each container needs.
    let mut targets: Vec<Target> = Vec::new();
    let mut counters = std::collections::HashMap::new();
    for c in containers(tree, spec) {
        ctx.out.containers += 1;
        let index = counters.entry(c.list).or_insert(0usize);
        let who = describe(&c, *index);
        *index += 1;
        let mut rules = pod_rules.clone();
        if let Some((ignored, unknown)) = comment_opt_out(text, tree, c.node) {
            if !unknown.is_empty() {
                ctx.finding(
                    c.node,
                    OPT_OUT,
                    Severity::Warning,
                    false,
                    format!(
                        "{who}: unknown rule(s) in `# secctx: ignore[...]`: {}",
                        unknown.join(", ")
                    ),
                );
            }
            let active: Vec<&str> = rules
                .iter()
                .filter(|r| ignored.contains(r))
                .map(|r| r.name())
                .collect();
            if !active.is_empty() {
                ctx.finding(
                    c.node,
                    OPT_OUT,
                    Severity::Info,
                    false,
                    format!(
                        "{who}: `# secctx: ignore` opts it out of: {}",
                        active.join(", ")
                    ),
                );
            }
            rules.retain(|r| !ignored.contains(r));
        }
        if let Some(why) = pf.windows {
            let linux: Vec<&str> = rules
                .iter()
                .filter(|r| **r != Rule::RunAsNonRoot)
                .map(|r| r.name())
                .collect();
            if !linux.is_empty() {
                ctx.finding(
                    c.node,
                    WINDOWS_POD,
                    Severity::Info,
                    false,
                    format!(
                        "{who}: Windows pod ({why}): Linux-only fields not added ({})",
                        linux.join(", ")
                    ),
                );
            }
            rules.retain(|r| *r == Rule::RunAsNonRoot);
        }
        let sc_node = tree.get(c.node, "securityContext");
        if let Some(n) = sc_node.filter(|&n| !tree.is_map(n) && !tree.is_null(n)) {
            if !rules.is_empty() {
                ctx.finding(
                    key_or(tree, n),
                    SECURITY_CONTEXT,
                    Severity::Warning,
                    false,
                    format!("{who}: securityContext is not a mapping; left alone"),
                );
            }
            // Kept as a target with no rule: it still inherits the pod's values.
            rules.clear();
        }
        let image = tree
            .get(c.node, "image")
            .and_then(|n| tree.str(n))
            .unwrap_or("")
            .to_string();
        let facts = images::facts(&image, settings);
        let sc = sc_node.filter(|&n| tree.is_map(n));
        let mut t = Target {
            node: c.node,
            who,
            sc,
            own_non_root: present(tree, sc, &["runAsNonRoot"]).is_some(),
            own_seccomp: present(tree, sc, &["seccompProfile"]).is_some(),
            rules,
            facts,
            image,
            non_root: NonRoot::Off,
            seccomp: Seccomp::Off,
            add_user: None,
            changed: false,
        };
        plan_non_root(&mut ctx, &pf, &mut t);
        plan_seccomp(&mut ctx, &pf, &mut t);
        targets.push(t);
    }

    // Pass 2: pod-level values that --force may flip.
    resolve_pod_non_root(&mut ctx, &pf, &mut targets);
    resolve_pod_seccomp(&mut ctx, &pf, &mut targets);

    // Pass 3: the container-level edits, in the order of DESIGN §3.
    let mut tmp_needed: Vec<(NodeId, Vec<String>, String)> = Vec::new();
    for t in &mut targets {
        let before = ctx.out.changes;
        apply_non_root(&mut ctx, t);
        if t.rules.contains(&Rule::NoPrivilegeEscalation) {
            apply_no_privilege_escalation(&mut ctx, t);
        }
        if t.rules.contains(&Rule::DropAllCapabilities) {
            apply_drop_all(&mut ctx, t);
        }
        if t.rules.contains(&Rule::ReadOnlyRootFilesystem) && apply_read_only(&mut ctx, t) {
            let mut paths = vec!["/tmp".to_string()];
            for p in &t.facts.writable_paths {
                let p = normalize_path(p);
                if !paths.contains(&p) {
                    paths.push(p);
                }
            }
            tmp_needed.push((t.node, paths, t.who.clone()));
        }
        if let Seccomp::Set(type_node) = t.seccomp {
            let value = NewValue::str("RuntimeDefault");
            match type_node {
                Some(n) => ctx.replace(n, Rule::SeccompRuntimeDefault, &t.who, value),
                None => ctx.set(
                    t.node,
                    Rule::SeccompRuntimeDefault,
                    &t.who,
                    &["seccompProfile", "type"],
                    value,
                    None,
                ),
            };
        }
        if ctx.out.changes > before {
            t.changed = true;
        }
    }
    if !tmp_needed.is_empty() {
        add_writable_volumes(&mut ctx, spec, tmp_needed);
    }
    ctx.out.containers_changed = targets.iter().filter(|t| t.changed).count();
    ctx.out
}

/// `/var/run/` -> `/var/run`.
fn normalize_path(p: &str) -> String {
    let t = p.trim_end_matches('/');
    if t.is_empty() {
        "/".to_string()
    } else {
        t.to_string()
    }
}

/// Pass 1 of `run-as-non-root` (and the `runAsUser` that goes with it).
fn plan_non_root(ctx: &mut Ctx<'_, '_>, pf: &PodFacts, t: &mut Target) {
    let tree = ctx.tree;
    let rule = Rule::RunAsNonRoot;
    if !t.rules.contains(&rule) {
        return;
    }
    let force = ctx.settings.force;
    let who = t.who.clone();
    let own = BoolField::read(tree, t.sc, &["runAsNonRoot"]);
    let own_user = present(tree, t.sc, &["runAsUser"]);
    let user_node = own_user.or(pf.user);
    let user_value = user_node.and_then(|n| tree.as_int(n));

    // Does the container need `runAsNonRoot: true`, and is a `false` in the way (its own or the
    // pod's, kept unless --force)?
    let mut explicit: Option<(NodeId, &str)> = None;
    let wants_true = match own {
        BoolField::Is(true, _) => false,
        BoolField::Is(false, n) => {
            explicit = Some((n, "`runAsNonRoot: false` is set explicitly"));
            true
        }
        BoolField::Other(n) => {
            let msg = format!("{who}: `runAsNonRoot` is not a boolean; left alone");
            ctx.warn(key_or(tree, n), rule, false, msg);
            t.non_root = NonRoot::Left;
            return;
        }
        BoolField::Missing | BoolField::Null(_) => match pf.non_root {
            BoolField::Is(true, _) => false,
            BoolField::Is(false, n) => {
                explicit = Some((n, "the pod sets `runAsNonRoot: false` explicitly"));
                true
            }
            BoolField::Other(n) => {
                let msg = format!("{who}: the pod's `runAsNonRoot` is not a boolean; left alone");
                ctx.warn(key_or(tree, n), rule, false, msg);
                t.non_root = NonRoot::Left;
                return;
            }
            BoolField::Missing | BoolField::Null(_) => true,
        },
    };
    if !wants_true {
        t.non_root = NonRoot::Satisfied;
    }

    // Windows: runAsUser is Linux-only, and runAsNonRoot needs a named non-admin user.
    if pf.windows.is_some() {
        if !wants_true {
            return;
        }
        let user = present(tree, t.sc, &["windowsOptions", "runAsUserName"])
            .and_then(|n| tree.str(n))
            .map(str::to_string)
            .or_else(|| pf.windows_user.clone());
        let blocked = match &user {
            Some(u) if u.eq_ignore_ascii_case("ContainerAdministrator") => Some(format!(
                "{who}: runs as `runAsUserName: {u}`; the kubelet refuses `runAsNonRoot: true` beside it. Not added"
            )),
            Some(_) => None,
            None => Some(format!(
                "{who}: Windows container without `windowsOptions.runAsUserName`; `runAsNonRoot: true` would stop an image that runs as ContainerAdministrator (the default of Windows Server Core images). Not added: set `runAsUserName: ContainerUser` (container or pod) first"
            )),
        };
        match (blocked, explicit) {
            (Some(msg), _) => {
                ctx.warn(t.node, rule, false, msg);
                t.non_root = NonRoot::Left;
            }
            (None, Some((n, whose))) if !force => {
                let msg = format!("{who}: {whose}; kept (--force changes it)");
                ctx.warn(key_or(tree, n), rule, true, msg);
                t.non_root = NonRoot::Left;
            }
            (None, _) => t.non_root = non_root_target(own, pf),
        }
        return;
    }

    // The UID to add, where neither the container nor the pod sets one. A privileged container
    // almost certainly needs root: only a UID configured for its image applies to it.
    let privileged = matches!(
        BoolField::read(tree, t.sc, &["privileged"]),
        BoolField::Is(true, _)
    );
    let mut add_user = None;
    if user_node.is_none() {
        let wanted = if privileged {
            t.facts.run_as_user
        } else {
            t.facts.run_as_user.or(ctx.settings.run_as_user)
        };
        match wanted {
            Some(uid) if (1..=MAX_UID).contains(&uid) => add_user = Some(uid),
            Some(uid) => {
                let msg = format!(
                    "{who}: runAsUser {uid} is not a non-root UID (1 to {MAX_UID}); not added"
                );
                ctx.warn(t.node, rule, false, msg);
            }
            None => {}
        }
    }
    let user = user_value.or(add_user);
    let root_image = user.is_none() && user_node.is_none() && t.facts.runs_as_root;

    if !wants_true {
        // Satisfied already; but an image that runs as root cannot start as written.
        t.add_user = add_user;
        if root_image {
            ctx.warn(t.node, rule, true, format!(
                "{who}: image `{}` runs as root by default, so `runAsNonRoot: true` stops it from starting. Give it a user with {}",
                t.image, user_hint(&t.facts)));
        }
        return;
    }

    // What stops `runAsNonRoot: true`, with or without --force.
    let blocker: Option<(NodeId, String, bool)> = if user == Some(0) {
        let at = user_node.map(|n| key_or(tree, n)).unwrap_or(t.node);
        let whose = if own_user.is_some() {
            ""
        } else {
            " (from the pod)"
        };
        Some((
            at,
            format!(
                "{who}: runs as `runAsUser: 0`{whose}; `runAsNonRoot: true` would make the kubelet refuse it. Not added: set a non-zero runAsUser"
            ),
            false,
        ))
    } else if user_node.is_some() && user.is_none() {
        let at = key_or(tree, user_node.expect("checked in the condition"));
        Some((
            at,
            format!("{who}: `runAsUser` is not an integer; left alone"),
            false,
        ))
    } else if root_image {
        Some((
            t.node,
            format!(
                "{who}: image `{}` runs as root by default; `runAsNonRoot: true` alone would stop it from starting. Not added: give it a user with {}",
                t.image,
                user_hint(&t.facts)
            ),
            true,
        ))
    } else if privileged && user.is_none() {
        Some((
            t.node,
            format!(
                "{who}: privileged container without a runAsUser: it almost certainly runs as root, and `runAsNonRoot: true` would stop it. Not added (--run-as-user does not apply to privileged containers; set its runAsUser, or `run_as_user` for its image in .secctx.yaml)"
            ),
            false,
        ))
    } else {
        None
    };
    if let Some((at, msg, fixable)) = blocker {
        ctx.warn(at, rule, fixable, msg);
        t.non_root = NonRoot::Left;
        return;
    }
    if let Some((n, whose)) = explicit.filter(|_| !force) {
        let msg = format!("{who}: {whose}; kept (--force changes it)");
        ctx.warn(key_or(tree, n), rule, true, msg);
        t.non_root = NonRoot::Left;
        return;
    }
    t.add_user = add_user;
    t.non_root = non_root_target(own, pf);
}

/// Where `runAsNonRoot: true` goes for a container that needs it.
fn non_root_target(own: BoolField, pf: &PodFacts) -> NonRoot {
    match own {
        BoolField::Is(..) => NonRoot::Set,
        // Sets nothing itself (a null is nothing): the pod's explicit `false` may be flipped.
        _ if matches!(pf.non_root, BoolField::Is(false, _)) => NonRoot::InheritsPodFalse,
        _ => NonRoot::Set,
    }
}

/// The fix to name for an image that runs as root.
fn user_hint(facts: &ImageFacts) -> String {
    let mut hint = match facts.suggested_uid {
        Some(uid) => format!(
            "--run-as-user {uid} (`{}` in the image), or `run_as_user: {uid}` for this image in .secctx.yaml",
            facts.user_name.unwrap_or("a user")
        ),
        None => "--run-as-user UID, or `run_as_user` for this image in .secctx.yaml".to_string(),
    };
    if let Some(note) = facts.note {
        hint.push_str("; ");
        hint.push_str(note);
    }
    hint
}

/// Pass 1 of `seccomp-runtime-default`.
fn plan_seccomp(ctx: &mut Ctx<'_, '_>, pf: &PodFacts, t: &mut Target) {
    let tree = ctx.tree;
    let rule = Rule::SeccompRuntimeDefault;
    if !t.rules.contains(&rule) {
        return;
    }
    let force = ctx.settings.force;
    let who = t.who.clone();
    // A container annotation the field must agree with (the API server rejects a mismatch).
    let annotation = container_name(tree, t.node).and_then(|name| {
        let key = format!("{SECCOMP_CONTAINER_ANNOTATION}{name}");
        pf.annotations.and_then(|a| tree.get(a, &key))
    });
    let annotation_blocks = |ctx: &mut Ctx<'_, '_>| -> bool {
        let Some(a) = annotation else { return false };
        let value = tree.str(a).unwrap_or("");
        if matches!(value, "runtime/default" | "docker/default") {
            return false;
        }
        ctx.warn(key_or(tree, a), rule, false, format!(
            "{who}: the annotation `{SECCOMP_CONTAINER_ANNOTATION}{}: {value}` chooses its seccomp profile; a `seccompProfile` field that disagrees is rejected by the API server. Not added: replace the annotation with the field",
            container_name(tree, t.node).unwrap_or_default()));
        true
    };

    match present(tree, t.sc, &["seccompProfile"]) {
        Some(p) if !tree.is_map(p) => {
            ctx.warn(
                key_or(tree, p),
                rule,
                false,
                format!("{who}: seccompProfile is not a mapping; left alone"),
            );
            t.seccomp = Seccomp::Left;
        }
        Some(p) => {
            let type_node = tree.get(p, "type");
            let value = type_node.filter(|&n| !tree.is_null(n)).map(|n| tree.str(n));
            let localhost = present(tree, Some(p), &["localhostProfile"]);
            match value {
                Some(Some("RuntimeDefault" | "Localhost")) => t.seccomp = Seccomp::Satisfied,
                None if localhost.is_some() => {
                    ctx.warn(key_or(tree, p), rule, false, format!(
                        "{who}: seccompProfile has a localhostProfile but no type; left alone (set `type: Localhost`)"));
                    t.seccomp = Seccomp::Left;
                }
                None => {
                    t.seccomp = if annotation_blocks(ctx) {
                        Seccomp::Left
                    } else {
                        Seccomp::Set(type_node)
                    };
                }
                Some(other) if !force => {
                    let n = type_node.expect("a value was read from it");
                    let shown = other.unwrap_or("(not a string)");
                    ctx.warn(key_or(tree, n), rule, other.is_some(), format!(
                        "{who}: `seccompProfile: {shown}` is set explicitly; kept (--force changes it)"));
                    t.seccomp = Seccomp::Left;
                }
                Some(_) if localhost.is_some() => {
                    ctx.warn(key_or(tree, p), rule, false, format!(
                        "{who}: seccompProfile has a localhostProfile; `type: RuntimeDefault` beside it is rejected by the API server. Left alone"));
                    t.seccomp = Seccomp::Left;
                }
                Some(_) => {
                    t.seccomp = if annotation_blocks(ctx) {
                        Seccomp::Left
                    } else {
                        Seccomp::Set(type_node)
                    };
                }
            }
        }
        None => {
            let pod_type = pf.seccomp_type.map(|n| tree.str(n));
            let pod_annotation = pf
                .annotations
                .and_then(|a| tree.get(a, SECCOMP_POD_ANNOTATION))
                .and_then(|n| tree.str(n));
            match (pod_type, pod_annotation) {
                (Some(Some("RuntimeDefault" | "Localhost")), _) => t.seccomp = Seccomp::Satisfied,
                (Some(other), _) => {
                    let n = pf.seccomp_type.expect("a value was read from it");
                    if !force {
                        ctx.warn(key_or(tree, n), rule, other.is_some(), format!(
                            "{who}: the pod sets `seccompProfile: {}` explicitly; kept (--force changes it)", other.unwrap_or("(not a string)")));
                        t.seccomp = Seccomp::Left;
                    } else if annotation_blocks(ctx) {
                        t.seccomp = Seccomp::Left;
                    } else {
                        t.seccomp = Seccomp::InheritsPodExplicit;
                    }
                }
                (None, Some(value))
                    if !matches!(value, "runtime/default" | "docker/default")
                        && !value.starts_with("localhost/") =>
                {
                    if !force {
                        let a = pf
                            .annotations
                            .and_then(|a| tree.get(a, SECCOMP_POD_ANNOTATION))
                            .expect("read from it");
                        ctx.warn(key_or(tree, a), rule, true, format!(
                            "{who}: the pod's annotation `{SECCOMP_POD_ANNOTATION}: {value}` chooses its seccomp profile explicitly; kept (--force adds the field per container)"));
                        t.seccomp = Seccomp::Left;
                    } else if annotation_blocks(ctx) {
                        t.seccomp = Seccomp::Left;
                    } else {
                        t.seccomp = Seccomp::Set(None);
                    }
                }
                _ => {
                    t.seccomp = if annotation_blocks(ctx) {
                        Seccomp::Left
                    } else {
                        Seccomp::Set(None)
                    };
                }
            }
        }
    }
}

fn container_name(tree: &Tree, c: NodeId) -> Option<String> {
    tree.get(c, "name")
        .filter(|&n| !tree.is_null(n))
        .and_then(|n| tree.str(n))
        .map(str::to_string)
}

/// `a`, `a and b`, `a, b and c`.
fn join_words(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}

/// Pass 2 of `run-as-non-root`: with `--force`, flip the pod's `runAsNonRoot: false` when every
/// container that inherits it can run as non-root; otherwise give those that can their own value.
fn resolve_pod_non_root(ctx: &mut Ctx<'_, '_>, pf: &PodFacts, targets: &mut [Target]) {
    let BoolField::Is(false, pod_node) = pf.non_root else {
        return;
    };
    if !targets
        .iter()
        .any(|t| t.non_root == NonRoot::InheritsPodFalse)
    {
        return;
    }
    let blockers: Vec<String> = targets
        .iter()
        .filter(|t| !t.own_non_root && t.non_root != NonRoot::InheritsPodFalse)
        .map(|t| t.who.clone())
        .collect();
    if blockers.is_empty() {
        if ctx.replace(pod_node, Rule::RunAsNonRoot, "pod", NewValue::Bool(true)) {
            for t in targets
                .iter_mut()
                .filter(|t| t.non_root == NonRoot::InheritsPodFalse)
            {
                t.non_root = NonRoot::Satisfied;
                t.changed = true;
            }
        } else {
            for t in targets
                .iter_mut()
                .filter(|t| t.non_root == NonRoot::InheritsPodFalse)
            {
                t.non_root = NonRoot::Left;
            }
        }
        return;
    }
    let tree = ctx.tree;
    ctx.warn(key_or(tree, pod_node), Rule::RunAsNonRoot, false, format!(
        "the pod's `runAsNonRoot: false` is kept because {} cannot take `runAsNonRoot: true` (see the other findings); the other containers get their own",
        join_words(&blockers)));
    for t in targets
        .iter_mut()
        .filter(|t| t.non_root == NonRoot::InheritsPodFalse)
    {
        t.non_root = NonRoot::Set;
    }
}

/// Pass 2 of `seccomp-runtime-default`: with `--force`, flip the pod's explicit profile type
/// when every container that inherits it takes `RuntimeDefault`; otherwise set it per container.
fn resolve_pod_seccomp(ctx: &mut Ctx<'_, '_>, pf: &PodFacts, targets: &mut [Target]) {
    if !targets
        .iter()
        .any(|t| t.seccomp == Seccomp::InheritsPodExplicit)
    {
        return;
    }
    let tree = ctx.tree;
    let pod_type = pf
        .seccomp_type
        .expect("containers inherit an explicit pod profile type");
    let mut blockers: Vec<String> = targets
        .iter()
        .filter(|t| !t.own_seccomp && t.seccomp != Seccomp::InheritsPodExplicit)
        .map(|t| t.who.clone())
        .collect();
    let pod_annotation = pf
        .annotations
        .and_then(|a| tree.get(a, SECCOMP_POD_ANNOTATION))
        .and_then(|n| tree.str(n));
    if pod_annotation.is_some_and(|v| !matches!(v, "runtime/default" | "docker/default")) {
        blockers.push(format!("the annotation `{SECCOMP_POD_ANNOTATION}`"));
    }
    if present(tree, pf.seccomp_profile, &["localhostProfile"]).is_some() {
        blockers.push("its localhostProfile".to_string());
    }
    if blockers.is_empty() {
        if ctx.replace(
            pod_type,
            Rule::SeccompRuntimeDefault,
            "pod",
            NewValue::str("RuntimeDefault"),
        ) {
            for t in targets
                .iter_mut()
                .filter(|t| t.seccomp == Seccomp::InheritsPodExplicit)
            {
                t.seccomp = Seccomp::Satisfied;
                t.changed = true;
            }
        } else {
            for t in targets
                .iter_mut()
                .filter(|t| t.seccomp == Seccomp::InheritsPodExplicit)
            {
                t.seccomp = Seccomp::Left;
            }
        }
        return;
    }
    let shown = tree.str(pod_type).unwrap_or("(not a string)");
    ctx.warn(key_or(tree, pod_type), Rule::SeccompRuntimeDefault, false, format!(
        "the pod's `seccompProfile: {shown}` is kept because of {} (see the other findings); the other containers get their own `RuntimeDefault`",
        join_words(&blockers)));
    for t in targets
        .iter_mut()
        .filter(|t| t.seccomp == Seccomp::InheritsPodExplicit)
    {
        t.seccomp = Seccomp::Set(None);
    }
}

/// Pass 3 of `run-as-non-root`: `runAsNonRoot: true` and the `runAsUser`.
fn apply_non_root(ctx: &mut Ctx<'_, '_>, t: &Target) {
    let rule = Rule::RunAsNonRoot;
    match t.non_root {
        NonRoot::Set => {
            // The explicit `false` flipped with --force, the null filled in, or a new key.
            let existing = t.sc.and_then(|sc| ctx.tree.get(sc, "runAsNonRoot"));
            match existing {
                Some(n) => ctx.replace(n, rule, &t.who, NewValue::Bool(true)),
                None => ctx.set(
                    t.node,
                    rule,
                    &t.who,
                    &["runAsNonRoot"],
                    NewValue::Bool(true),
                    None,
                ),
            };
        }
        NonRoot::Satisfied | NonRoot::InheritsPodFalse => {}
        NonRoot::Off | NonRoot::Left => return,
    }
    if let Some(uid) = t.add_user {
        let null_leaf = ctx
            .tree
            .get_path(t.node, &["securityContext", "runAsUser"])
            .filter(|&n| ctx.tree.is_null(n));
        ctx.set(
            t.node,
            rule,
            &t.who,
            &["runAsUser"],
            NewValue::Int(uid),
            null_leaf,
        );
    }
}

/// Whether the container has `privileged: true` or adds SYS_ADMIN: the reason
/// `allowPrivilegeEscalation: false` must not go beside it.
fn escalation_conflict(tree: &Tree, sc: Option<NodeId>) -> Option<&'static str> {
    if matches!(
        BoolField::read(tree, sc, &["privileged"]),
        BoolField::Is(true, _)
    ) {
        return Some("`privileged: true`");
    }
    let adds = sc.and_then(|s| tree.get_path(s, &["capabilities", "add"]));
    let sys_admin = adds.is_some_and(|a| {
        tree.items(a).iter().any(|&i| {
            tree.str(i).is_some_and(|s| {
                s.eq_ignore_ascii_case("SYS_ADMIN") || s.eq_ignore_ascii_case("CAP_SYS_ADMIN")
            })
        })
    });
    sys_admin.then_some("the added capability SYS_ADMIN")
}

fn apply_no_privilege_escalation(ctx: &mut Ctx<'_, '_>, t: &Target) {
    let tree = ctx.tree;
    let rule = Rule::NoPrivilegeEscalation;
    let who = &t.who;
    let field = BoolField::read(tree, t.sc, &["allowPrivilegeEscalation"]);
    let conflict = escalation_conflict(tree, t.sc);
    match field {
        BoolField::Is(false, _) => return,
        BoolField::Is(true, n) if !ctx.settings.force && conflict.is_none() => {
            ctx.warn(key_or(tree, n), rule, true, format!("{who}: `allowPrivilegeEscalation: true` is set explicitly; kept (--force changes it)"));
            return;
        }
        BoolField::Other(n) => {
            ctx.warn(
                key_or(tree, n),
                rule,
                false,
                format!("{who}: `allowPrivilegeEscalation` is not a boolean; left alone"),
            );
            return;
        }
        _ => {}
    }
    if let Some(why) = conflict {
        ctx.warn(t.node, rule, false, format!(
            "{who}: has {why}; `allowPrivilegeEscalation: false` cannot go beside it (the API server rejects the pair). Not added"));
        return;
    }
    match field {
        BoolField::Is(true, n) => ctx.replace(n, rule, who, NewValue::Bool(false)),
        _ => ctx.set(
            t.node,
            rule,
            who,
            &["allowPrivilegeEscalation"],
            NewValue::Bool(false),
            field.null_node(),
        ),
    };
}

fn apply_drop_all(ctx: &mut Ctx<'_, '_>, t: &Target) {
    let tree = ctx.tree;
    let rule = Rule::DropAllCapabilities;
    let who = &t.who;
    let caps = present(tree, t.sc, &["capabilities"]);
    if let Some(c) = caps.filter(|&c| !tree.is_map(c)) {
        ctx.warn(
            key_or(tree, c),
            rule,
            false,
            format!("{who}: capabilities is not a mapping; left alone"),
        );
        return;
    }
    // Added capabilities are the author's; the restricted profile allows only NET_BIND_SERVICE.
    if let Some(add) = present(tree, caps, &["add"]) {
        let extra: Vec<String> = tree
            .items(add)
            .iter()
            .filter_map(|&i| tree.str(i))
            .filter(|s| *s != "NET_BIND_SERVICE")
            .map(str::to_string)
            .collect();
        if !extra.is_empty() {
            ctx.warn(key_or(tree, add), rule, false, format!(
                "{who}: adds capabilities {}; kept, but the restricted profile allows adding only NET_BIND_SERVICE",
                extra.join(", ")));
        }
    }
    let drop = caps.and_then(|c| tree.get(c, "drop"));
    let all = NewValue::str("ALL");
    let result = match drop {
        Some(d) if tree.is_seq(d) => {
            let items = tree.items(d);
            if items.iter().any(|&i| tree.str(i) == Some("ALL")) {
                return;
            }
            match items
                .iter()
                .find(|&&i| tree.str(i).is_some_and(|s| s.eq_ignore_ascii_case("ALL")))
            {
                // `drop: [all]`: the runtimes accept it, the Pod Security Standards do not.
                Some(&i) => ctx.editor.replace(i, all),
                None => ctx.editor.append(d, all),
            }
        }
        Some(d) if tree.is_null(d) => ctx.editor.replace(d, NewValue::Seq(vec![all])),
        Some(d) => {
            ctx.warn(
                key_or(tree, d),
                rule,
                false,
                format!("{who}: capabilities.drop is not a list; left alone"),
            );
            return;
        }
        None => match caps {
            Some(c) => ctx.editor.ensure(c, &["drop"], NewValue::Seq(vec![all])),
            None => {
                let null_caps = tree
                    .get_path(t.node, &["securityContext", "capabilities"])
                    .filter(|&n| tree.is_null(n));
                match null_caps {
                    Some(n) => ctx
                        .editor
                        .replace(n, NewValue::nested(&["drop"], NewValue::Seq(vec![all]))),
                    None => ctx.editor.ensure(
                        t.node,
                        &["securityContext", "capabilities", "drop"],
                        NewValue::Seq(vec![all]),
                    ),
                }
            }
        },
    };
    ctx.plan(rule, who, result);
}

/// Returns whether secctx turned the root filesystem read-only.
fn apply_read_only(ctx: &mut Ctx<'_, '_>, t: &Target) -> bool {
    let tree = ctx.tree;
    let rule = Rule::ReadOnlyRootFilesystem;
    let who = &t.who;
    match BoolField::read(tree, t.sc, &["readOnlyRootFilesystem"]) {
        BoolField::Is(true, _) => false,
        BoolField::Is(false, n) if !ctx.settings.force => {
            ctx.warn(key_or(tree, n), rule, true, format!("{who}: `readOnlyRootFilesystem: false` is set explicitly; kept (--force changes it)"));
            false
        }
        BoolField::Is(false, n) => ctx.replace(n, rule, who, NewValue::Bool(true)),
        BoolField::Other(n) => {
            ctx.warn(
                key_or(tree, n),
                rule,
                false,
                format!("{who}: `readOnlyRootFilesystem` is not a boolean; left alone"),
            );
            false
        }
        f @ (BoolField::Missing | BoolField::Null(_)) => ctx.set(
            t.node,
            rule,
            who,
            &["readOnlyRootFilesystem"],
            NewValue::Bool(true),
            f.null_node(),
        ),
    }
}

/// A DNS-1123 label for a path's volume: `/var/cache/nginx` -> `var-cache-nginx`.
fn volume_name_for(path: &str) -> String {
    let mut name = String::new();
    for ch in path.chars() {
        let ch = ch.to_ascii_lowercase();
        if ch.is_ascii_alphanumeric() {
            name.push(ch);
        } else if !name.is_empty() && !name.ends_with('-') {
            name.push('-');
        }
    }
    let mut name: String = name.trim_end_matches('-').chars().take(56).collect();
    while name.ends_with('-') {
        name.pop();
    }
    if name.is_empty() {
        "writable".to_string()
    } else {
        name
    }
}

/// Keys of a volume that name its source; a volume with none of them is defaulted to emptyDir.
fn is_empty_dir(tree: &Tree, volume: NodeId) -> bool {
    tree.get(volume, "emptyDir").is_some()
        || tree
            .entries(volume)
            .iter()
            .all(|&(k, _)| tree.str(k) == Some("name"))
}

/// Mounts an emptyDir at `/tmp` (and at the image's writable paths) in every container that
/// became read-only, and adds each volume once per pod.
fn add_writable_volumes(
    ctx: &mut Ctx<'_, '_>,
    spec: NodeId,
    needed: Vec<(NodeId, Vec<String>, String)>,
) {
    let tree = ctx.tree;
    let rule = Rule::ReadOnlyRootFilesystem;
    let tmp = ctx.settings.tmp_volume.clone();
    let volumes = tree.get(spec, "volumes");
    if let Some(v) = volumes.filter(|&v| !tree.is_seq(v) && !tree.is_null(v)) {
        for (_, _, who) in &needed {
            ctx.warn(
                key_or(tree, v),
                rule,
                false,
                format!("{who}: the pod's volumes is not a list; no emptyDir mounted at /tmp"),
            );
        }
        return;
    }
    // (name, is an emptyDir) of the pod's volumes.
    let existing: Vec<(String, bool)> = volumes
        .map(|v| tree.items(v).to_vec())
        .unwrap_or_default()
        .into_iter()
        .filter_map(|item| {
            let name = tree
                .get(item, "name")
                .and_then(|n| tree.str(n))?
                .to_string();
            Some((name, is_empty_dir(tree, item)))
        })
        .collect();
    // (volume name, mount path) of every mount in the pod: an emptyDir already mounted somewhere
    // else is not reused for another path (the two paths would show the same files).
    let pod_mounts: Vec<(String, String)> = containers(tree, spec)
        .into_iter()
        .flat_map(|c| {
            tree.get(c.node, "volumeMounts")
                .map(|m| tree.items(m).to_vec())
                .unwrap_or_default()
        })
        .filter_map(|m| {
            let name = tree.get(m, "name").and_then(|n| tree.str(n))?;
            let path = tree.get(m, "mountPath").and_then(|p| tree.str(p))?;
            Some((name.to_string(), normalize_path(path)))
        })
        .collect();
    let reusable = |name: &str, path: &str| {
        existing.iter().any(|(n, e)| n == name && *e)
            && !pod_mounts.iter().any(|(n, p)| n == name && p != path)
    };
    let mut planned: Vec<(String, String)> = Vec::new(); // (path, volume name)
    let mut new_volumes: Vec<NewValue> = Vec::new();
    for (c, paths, who) in needed {
        let mounts = tree.get(c, "volumeMounts");
        if let Some(m) = mounts.filter(|&m| !tree.is_seq(m) && !tree.is_null(m)) {
            ctx.warn(
                key_or(tree, m),
                rule,
                false,
                format!("{who}: volumeMounts is not a list; no emptyDir mounted at /tmp"),
            );
            continue;
        }
        let mounted: Vec<String> = mounts
            .map(|m| tree.items(m).to_vec())
            .unwrap_or_default()
            .into_iter()
            .filter_map(|m| {
                tree.get(m, "mountPath")
                    .and_then(|p| tree.str(p))
                    .map(normalize_path)
            })
            .collect();
        let mut new_mounts = Vec::new();
        for path in paths {
            if mounted.contains(&path) {
                continue;
            }
            let volume = match planned.iter().find(|(p, _)| *p == path) {
                Some((_, name)) => name.clone(),
                None => {
                    let is_tmp = path == "/tmp";
                    let base = if is_tmp {
                        tmp.name.clone()
                    } else {
                        volume_name_for(&path)
                    };
                    let name = if reusable(&base, &path) {
                        base
                    } else {
                        let taken = |n: &str| {
                            existing.iter().any(|(e, _)| e == n)
                                || planned.iter().any(|(_, p)| p == n)
                        };
                        let mut name = base.clone();
                        let mut i = 2;
                        while taken(&name) {
                            name = format!("{base}-{i}");
                            i += 1;
                        }
                        let mut empty_dir = Vec::new();
                        if is_tmp {
                            if let Some(m) = &tmp.medium {
                                empty_dir.push(("medium".to_string(), NewValue::Str(m.clone())));
                            }
                            if let Some(s) = &tmp.size_limit {
                                empty_dir.push(("sizeLimit".to_string(), NewValue::Str(s.clone())));
                            }
                        }
                        new_volumes.push(NewValue::Map(vec![
                            ("name".to_string(), NewValue::Str(name.clone())),
                            ("emptyDir".to_string(), NewValue::Map(empty_dir)),
                        ]));
                        name
                    };
                    planned.push((path.clone(), name.clone()));
                    name
                }
            };
            new_mounts.push(NewValue::Map(vec![
                ("name".to_string(), NewValue::Str(volume)),
                ("mountPath".to_string(), NewValue::Str(path)),
            ]));
        }
        for m in new_mounts {
            let result = match mounts {
                Some(list) if tree.is_seq(list) => ctx.editor.append(list, m),
                Some(list) => ctx.editor.replace(list, NewValue::Seq(vec![m])),
                None => ctx
                    .editor
                    .ensure(c, &["volumeMounts"], NewValue::Seq(vec![m])),
            };
            ctx.plan(rule, &who, result);
        }
    }
    for v in new_volumes {
        let result = match volumes {
            Some(list) if tree.is_seq(list) => ctx.editor.append(list, v),
            Some(list) => ctx.editor.replace(list, NewValue::Seq(vec![v])),
            None => ctx
                .editor
                .ensure(spec, &["volumes"], NewValue::Seq(vec![v])),
        };
        ctx.plan(rule, "pod", result);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::k8s::find::find_pod_specs;
    use crate::yaml::parse;

    /// Hardens every pod spec of `text`; returns the edited text (or the original) and the
    /// findings as `rule: message`.
    fn harden(text: &str, settings: &Settings) -> (String, Vec<String>) {
        let tree = parse(text).expect("test input parses");
        let mut editor = Editor::new(text, &tree);
        let mut findings = Vec::new();
        for doc in &tree.docs {
            for pod in find_pod_specs(&tree, doc.root, settings) {
                let out = harden_pod(text, &tree, &pod, settings, &mut editor);
                findings.extend(
                    out.findings
                        .into_iter()
                        .map(|f| format!("{}: {}", f.rule, f.message)),
                );
            }
        }
        let edited = if editor.is_empty() {
            text.to_string()
        } else {
            editor.apply().expect("edits apply")
        };
        (edited, findings)
    }

    #[test]
    fn bool_fields_tell_missing_null_values_and_others_apart() {
        let tree = parse("a: true\nb:\nc: 'false'\nd: off\n").expect("parses");
        let root = Some(tree.docs[0].root);
        assert!(matches!(
            BoolField::read(&tree, root, &["a"]),
            BoolField::Is(true, _)
        ));
        assert!(matches!(
            BoolField::read(&tree, root, &["b"]),
            BoolField::Null(_)
        ));
        assert!(matches!(
            BoolField::read(&tree, root, &["c"]),
            BoolField::Other(_)
        ));
        assert!(matches!(
            BoolField::read(&tree, root, &["d"]),
            BoolField::Is(false, _)
        ));
        assert_eq!(BoolField::read(&tree, root, &["e"]), BoolField::Missing);
        assert_eq!(BoolField::read(&tree, None, &["a"]), BoolField::Missing);
    }

    #[test]
    fn windows_from_os_or_node_selector() {
        let os = parse("spec: {os: {name: windows}}").expect("parses");
        let spec = os.get(os.docs[0].root, "spec").expect("spec");
        assert_eq!(windows_reason(&os, spec), Some("spec.os.name: windows"));
        let sel = parse("spec: {nodeSelector: {kubernetes.io/os: Windows}}").expect("parses");
        let spec = sel.get(sel.docs[0].root, "spec").expect("spec");
        assert!(windows_reason(&sel, spec).is_some());
        let linux = parse("spec: {os: {name: linux}, nodeSelector: {kubernetes.io/os: linux}}")
            .expect("parses");
        let spec = linux.get(linux.docs[0].root, "spec").expect("spec");
        assert_eq!(windows_reason(&linux, spec), None);
    }

    #[test]
    fn volumes_without_a_source_are_empty_dirs() {
        let tree =
            parse("- {name: tmp}\n- {name: a, emptyDir: {}}\n- {name: b, configMap: {name: c}}\n")
                .expect("parses");
        let items = tree.items(tree.docs[0].root).to_vec();
        let got: Vec<bool> = items.iter().map(|&v| is_empty_dir(&tree, v)).collect();
        assert_eq!(got, vec![true, true, false]);
    }

    #[test]
    fn words_are_joined_for_messages() {
        let w = |v: &[&str]| join_words(&v.iter().map(|s| s.to_string()).collect::<Vec<_>>());
        assert_eq!(w(&[]), "");
        assert_eq!(w(&["a"]), "a");
        assert_eq!(w(&["a", "b", "c"]), "a, b and c");
    }

    #[test]
    fn a_second_pass_over_the_output_plans_nothing() {
        let text = "apiVersion: v1\nkind: Pod\nspec:\n  securityContext: {runAsNonRoot: false, seccompProfile: {type: Unconfined}}\n  containers:\n  - name: a\n    image: nginx\n  - name: b\n    image: x\n    securityContext: {privileged: true, capabilities: {drop: [all]}}\n";
        let force = Settings {
            force: true,
            run_as_user: Some(1000),
            ..Settings::default()
        };
        let (once, _) = harden(text, &force);
        assert_ne!(once, text);
        let (twice, _) = harden(&once, &force);
        assert_eq!(twice, once);
    }

    #[test]
    fn pod_level_flips_need_force_and_every_inheriting_container() {
        let text = "apiVersion: v1\nkind: Pod\nspec:\n  securityContext:\n    runAsNonRoot: false\n  containers:\n  - name: a\n    image: x\n";
        let (kept, findings) = harden(text, &Settings::default());
        assert!(kept.contains("runAsNonRoot: false"));
        assert!(
            findings
                .iter()
                .any(|f| f.contains("the pod sets `runAsNonRoot: false` explicitly"))
        );
        let force = Settings {
            force: true,
            ..Settings::default()
        };
        let (flipped, _) = harden(text, &force);
        assert!(
            flipped.contains("    runAsNonRoot: true\n  containers:"),
            "{flipped}"
        );
        // A second container that runs as uid 0 keeps the pod value.
        let blocked =
            format!("{text}  - name: b\n    image: x\n    securityContext: {{runAsUser: 0}}\n");
        let (kept, findings) = harden(&blocked, &force);
        assert!(kept.contains("runAsNonRoot: false"));
        assert!(
            findings
                .iter()
                .any(|f| f.contains("is kept because container `b`")),
            "{findings:?}"
        );
    }

    #[test]
    fn conflicting_pairs_are_never_written() {
        let text = "apiVersion: v1\nkind: Pod\nspec:\n  containers:\n  - name: a\n    image: x\n    securityContext:\n      privileged: true\n      allowPrivilegeEscalation: true\n      runAsUser: 0\n";
        let force = Settings {
            force: true,
            ..Settings::default()
        };
        let (out, findings) = harden(text, &force);
        assert!(out.contains("allowPrivilegeEscalation: true"));
        assert!(!out.contains("runAsNonRoot"));
        assert_eq!(
            findings
                .iter()
                .filter(|f| f.starts_with("no-privilege-escalation"))
                .count(),
            1
        );
        assert_eq!(
            findings
                .iter()
                .filter(|f| f.starts_with("run-as-non-root"))
                .count(),
            1
        );
    }

    #[test]
    fn rule_lists() {
        let (rules, unknown) = parse_rule_list("run-as-non-root, nope ,all");
        assert_eq!(rules.len(), 6);
        assert_eq!(unknown, vec!["nope".to_string()]);
        assert_eq!(parse_rule_list("").0, Vec::<Rule>::new());
    }

    #[test]
    fn comments_outside_quotes_only() {
        assert_eq!(
            line_comment("- name: a # secctx: ignore"),
            Some(" secctx: ignore")
        );
        assert_eq!(line_comment("- args: ['# secctx: ignore']"), None);
        assert_eq!(line_comment("- args: [\"a#b\"] #c"), Some("c"));
        assert_eq!(line_comment("url: http://x/#frag"), None);
        assert_eq!(line_comment("# whole line"), Some(" whole line"));
    }

    #[test]
    fn comment_opt_out_forms() {
        assert_eq!(comment_rules(" secctx: ignore").map(|r| r.0.len()), Some(5));
        assert_eq!(
            comment_rules(" secctx: ignore[run-as-non-root]").map(|r| r.0),
            Some(vec![Rule::RunAsNonRoot])
        );
        assert_eq!(comment_rules(" secctx: ignore-this"), None);
        assert_eq!(
            comment_rules(" secctx:ignore  # why"),
            Some((Rule::ALL.to_vec(), Vec::new()))
        );
        assert_eq!(
            comment_rules(" secctx: ignore[bogus]").map(|r| r.1),
            Some(vec!["bogus".to_string()])
        );
        assert_eq!(comment_rules(" other"), None);
    }

    #[test]
    fn volume_names_are_dns_labels() {
        assert_eq!(volume_name_for("/var/cache/nginx"), "var-cache-nginx");
        assert_eq!(
            volume_name_for("/usr/local/apache2/logs"),
            "usr-local-apache2-logs"
        );
        assert_eq!(volume_name_for("/Data_Dir/.cache/"), "data-dir-cache");
        assert_eq!(volume_name_for("/"), "writable");
        assert!(volume_name_for(&"/a".repeat(100)).len() <= 56);
    }
}
