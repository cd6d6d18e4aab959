//! The five rules, applied to every container of one pod spec: decide what each container needs,
//! skip what is satisfied or must not be touched (with a finding saying why), and ask the editor
//! for the changes. Never touches text itself.

use crate::finding::{Finding, Severity};
use crate::settings::{Rule, Settings};
use crate::yaml::edit::{Editor, NewValue};
use crate::yaml::tree::{NodeId, Tree};

use super::find::{Container, PodSpec, containers};
use super::images;

/// The annotation that opts an object or pod template out of rules (`all` or a list).
pub const SKIP_ANNOTATION: &str = "secctx.io/skip";

/// What hardening one pod spec planned.
#[derive(Debug, Default)]
pub struct PodOutcome {
    pub findings: Vec<Finding>,
    pub containers: usize,
    pub containers_changed: usize,
    pub changes: usize,
}

/// Rules named by an opt-out value: `all` or a comma-separated list. Unknown names are ignored
/// (and reported by the caller).
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

/// `# secctx: ignore[rule,...]` (or `# secctx: ignore` for all) on a container's first line.
fn comment_opt_out(text: &str, tree: &Tree, container: NodeId) -> Option<Vec<Rule>> {
    let start = tree.node(container).start;
    let ls = crate::yaml::text::line_start(text, start);
    let line = &text[ls..crate::yaml::text::line_end(text, start)];
    let at = line.find("secctx: ignore")?;
    if !line[..at].contains('#') {
        return None;
    }
    let rest = &line[at + "secctx: ignore".len()..];
    match rest.strip_prefix('[').and_then(|r| r.split(']').next()) {
        Some(list) => Some(parse_rule_list(list).0),
        None => Some(Rule::ALL.to_vec()),
    }
}

struct Ctx<'a, 'b> {
    tree: &'a Tree,
    settings: &'a Settings,
    editor: &'b mut Editor<'a>,
    out: PodOutcome,
}

impl Ctx<'_, '_> {
    fn finding(&mut self, node: NodeId, rule: &str, severity: Severity, fixable: bool, message: String) {
        let (line, col) = self.tree.position(node);
        self.out.findings.push(Finding { line, col, rule: rule.to_string(), severity, message, fixable });
    }

    /// Plans one change; a refusal becomes a finding. Returns whether it was planned.
    fn plan(&mut self, at: NodeId, rule: Rule, who: &str, result: Result<(), crate::yaml::Refusal>) -> bool {
        match result {
            Ok(()) => {
                self.out.changes += 1;
                true
            }
            Err(r) => {
                self.out.findings.push(Finding {
                    line: r.line,
                    col: r.col,
                    rule: rule.name().to_string(),
                    severity: Severity::Warning,
                    message: format!("{who}: cannot edit safely: {}", r.reason),
                    fixable: false,
                });
                let _ = at;
                false
            }
        }
    }

    /// Sets `securityContext.<path>` of a container to `value`, creating what is missing.
    /// `existing` is the current leaf, when there is one (null: replaced; a value: flipped).
    fn set(&mut self, c: NodeId, rule: Rule, who: &str, path: &[&str], value: NewValue, existing: Option<NodeId>) -> bool {
        let result = match existing {
            Some(n) => self.editor.replace(n, value),
            None => {
                let mut full = vec!["securityContext"];
                full.extend_from_slice(path);
                self.editor.ensure(c, &full, value)
            }
        };
        self.plan(c, rule, who, result)
    }
}

/// Plans the hardening of one pod spec into `editor`.
pub fn harden_pod<'a>(text: &str, tree: &'a Tree, pod: &PodSpec, settings: &'a Settings, editor: &mut Editor<'a>) -> PodOutcome {
    let mut ctx = Ctx { tree, settings, editor, out: PodOutcome::default() };
    let spec = pod.spec;

    // Opt-outs by annotation, on the object and on the pod template.
    let mut skipped: Vec<Rule> = Vec::new();
    let metas = [tree.get(pod.object, "metadata"), pod.pod_metadata(tree)];
    for meta in metas.into_iter().flatten() {
        if let Some(v) = tree.get_path(meta, &["annotations", SKIP_ANNOTATION]) {
            let (rules, unknown) = parse_rule_list(tree.str(v).unwrap_or(""));
            skipped.extend(rules);
            if !unknown.is_empty() {
                ctx.finding(v, "opt-out", Severity::Warning, false, format!("unknown rule(s) in `{SKIP_ANNOTATION}`: {}", unknown.join(", ")));
            }
        }
    }
    let pod_rules: Vec<Rule> = settings.rules.iter().copied().filter(|r| !skipped.contains(r)).collect();

    let windows = tree.get_path(spec, &["os", "name"]).and_then(|n| tree.str(n)) == Some("windows");
    let psc = tree.get(spec, "securityContext").filter(|&n| tree.is_map(n));
    let pod_field = |path: &[&str]| psc.and_then(|p| tree.get_path(p, path));
    let pod_non_root = pod_field(&["runAsNonRoot"]).and_then(|n| tree.as_bool(n));
    let pod_user = pod_field(&["runAsUser"]).and_then(|n| tree.as_int(n));
    let pod_seccomp = pod_field(&["seccompProfile", "type"]).and_then(|n| tree.str(n)).map(str::to_string);
    let host_users_false = tree.get(spec, "hostUsers").and_then(|n| tree.as_bool(n)) == Some(false);
    let _ = host_users_false;

    let mut tmp_needed: Vec<(NodeId, Vec<String>, String)> = Vec::new();
    for Container { node: c, name, .. } in containers(tree, spec) {
        ctx.out.containers += 1;
        let who = format!("container `{}`", name.as_deref().unwrap_or("?"));
        if !tree.is_map(c) {
            continue;
        }
        let mut rules = pod_rules.clone();
        if let Some(ignored) = comment_opt_out(text, tree, c) {
            rules.retain(|r| !ignored.contains(r));
        }
        if windows {
            let linux_only: Vec<Rule> = rules.iter().copied().filter(|r| *r != Rule::RunAsNonRoot).collect();
            if !linux_only.is_empty() {
                let names: Vec<&str> = linux_only.iter().map(|r| r.name()).collect();
                ctx.finding(c, "windows-pod", Severity::Info, false, format!(
                    "{who}: Windows pod (spec.os.name: windows): Linux-only fields not added ({})", names.join(", ")));
            }
            rules.retain(|r| *r == Rule::RunAsNonRoot);
        }
        let changes_before = ctx.out.changes;
        let sc_node = tree.get(c, "securityContext");
        if let Some(n) = sc_node.filter(|&n| !tree.is_map(n) && !tree.is_null(n)) {
            ctx.finding(n, "security-context", Severity::Warning, false, format!("{who}: securityContext is not a mapping; left alone"));
            continue;
        }
        let sc = sc_node.filter(|&n| tree.is_map(n));
        let field = |path: &[&str]| sc.and_then(|s| tree.get_path(s, path));
        let image = tree.get(c, "image").and_then(|n| tree.str(n)).unwrap_or("").to_string();
        let facts = images::facts(&image, settings);
        let privileged = field(&["privileged"]).and_then(|n| tree.as_bool(n)) == Some(true);

        // runAsUser from --run-as-user or the image's config entry, where none is set.
        let mut user = field(&["runAsUser"]).and_then(|n| tree.as_int(n)).or(pod_user);
        let wanted_user = facts.run_as_user.or(settings.run_as_user);
        if user.is_none() && !windows {
            if let Some(uid) = wanted_user {
                if ctx.set(c, Rule::RunAsNonRoot, &who, &["runAsUser"], NewValue::Int(uid), field(&["runAsUser"])) {
                    user = Some(uid);
                }
            }
        }

        for rule in rules {
            match rule {
                Rule::RunAsNonRoot => {
                    let leaf = field(&["runAsNonRoot"]);
                    match leaf.and_then(|n| tree.as_bool(n)) {
                        Some(true) => {}
                        Some(false) if !settings.force => {
                            let n = leaf.expect("a value was read from it");
                            ctx.finding(n, rule.name(), Severity::Warning, true, format!("{who}: `runAsNonRoot: false` is set explicitly; kept (--force changes it)"));
                        }
                        explicit => {
                            if explicit.is_none() && pod_non_root == Some(true) {
                                continue;
                            }
                            if user == Some(0) {
                                ctx.finding(c, rule.name(), Severity::Warning, false, format!("{who}: runs as `runAsUser: 0`; `runAsNonRoot: true` would make the kubelet refuse it. Set a non-zero runAsUser (--run-as-user UID)"));
                                continue;
                            }
                            if user.is_none() && facts.runs_as_root {
                                let hint = match facts.suggested_uid {
                                    Some(uid) => format!("--run-as-user {uid}, or `run_as_user: {uid}` for this image in .secctx.yaml"),
                                    None => "--run-as-user UID, or `run_as_user` for this image in .secctx.yaml".to_string(),
                                };
                                ctx.finding(c, rule.name(), Severity::Warning, true, format!(
                                    "{who}: image `{image}` runs as root by default; `runAsNonRoot: true` alone would stop it from starting. Not added: give it a user with {hint}"));
                                continue;
                            }
                            ctx.set(c, rule, &who, &["runAsNonRoot"], NewValue::Bool(true), leaf);
                        }
                    }
                }
                Rule::NoPrivilegeEscalation => {
                    let leaf = field(&["allowPrivilegeEscalation"]);
                    match leaf.and_then(|n| tree.as_bool(n)) {
                        Some(false) => {}
                        Some(true) if !settings.force => {
                            let n = leaf.expect("a value was read from it");
                            ctx.finding(n, rule.name(), Severity::Warning, true, format!("{who}: `allowPrivilegeEscalation: true` is set explicitly; kept (--force changes it)"));
                        }
                        _ => {
                            let adds = field(&["capabilities", "add"]).map(|a| tree.items(a).to_vec()).unwrap_or_default();
                            let sys_admin = adds.iter().any(|&a| matches!(tree.str(a), Some("SYS_ADMIN" | "CAP_SYS_ADMIN")));
                            if privileged || sys_admin {
                                let why = if privileged { "`privileged: true`" } else { "the added capability SYS_ADMIN" };
                                ctx.finding(c, rule.name(), Severity::Warning, false, format!(
                                    "{who}: has {why}; the API server rejects `allowPrivilegeEscalation: false` beside it. Not added"));
                                continue;
                            }
                            ctx.set(c, rule, &who, &["allowPrivilegeEscalation"], NewValue::Bool(false), leaf);
                        }
                    }
                }
                Rule::DropAllCapabilities => {
                    let drop = field(&["capabilities", "drop"]);
                    let has_all = drop.is_some_and(|d| tree.items(d).iter().any(|&i| tree.str(i) == Some("ALL")));
                    if has_all {
                        continue;
                    }
                    let all = NewValue::str("ALL");
                    let result = match drop {
                        Some(d) if tree.is_seq(d) => ctx.editor.append(d, all),
                        Some(d) if tree.is_null(d) => ctx.editor.replace(d, NewValue::Seq(vec![all])),
                        Some(d) => {
                            ctx.finding(d, rule.name(), Severity::Warning, false, format!("{who}: capabilities.drop is not a list; left alone"));
                            continue;
                        }
                        None => ctx.editor.ensure(c, &["securityContext", "capabilities", "drop"], NewValue::Seq(vec![all])),
                    };
                    ctx.plan(c, rule, &who, result);
                }
                Rule::ReadOnlyRootFilesystem => {
                    let leaf = field(&["readOnlyRootFilesystem"]);
                    match leaf.and_then(|n| tree.as_bool(n)) {
                        Some(true) => {}
                        Some(false) if !settings.force => {
                            let n = leaf.expect("a value was read from it");
                            ctx.finding(n, rule.name(), Severity::Warning, true, format!("{who}: `readOnlyRootFilesystem: false` is set explicitly; kept (--force changes it)"));
                        }
                        _ => {
                            if ctx.set(c, rule, &who, &["readOnlyRootFilesystem"], NewValue::Bool(true), leaf) {
                                let mut paths = vec!["/tmp".to_string()];
                                paths.extend(facts.writable_paths.iter().cloned());
                                tmp_needed.push((c, paths, who.clone()));
                            }
                        }
                    }
                }
                Rule::SeccompRuntimeDefault => {
                    let leaf = field(&["seccompProfile", "type"]);
                    match leaf.and_then(|n| tree.str(n)) {
                        Some("RuntimeDefault" | "Localhost") => {}
                        Some(other) if !settings.force && !tree.is_null(leaf.expect("read")) => {
                            let n = leaf.expect("a value was read from it");
                            ctx.finding(n, rule.name(), Severity::Warning, true, format!("{who}: `seccompProfile: {other}` is set explicitly; kept (--force changes it)"));
                        }
                        Some(_) => {
                            ctx.set(c, rule, &who, &["seccompProfile", "type"], NewValue::str("RuntimeDefault"), leaf);
                        }
                        None => match pod_seccomp.as_deref() {
                            Some("RuntimeDefault" | "Localhost") => {}
                            Some(other) if !settings.force => {
                                let n = pod_field(&["seccompProfile", "type"]).expect("read from it");
                                ctx.finding(n, rule.name(), Severity::Warning, true, format!("{who}: the pod sets `seccompProfile: {other}` explicitly; kept (--force overrides it per container)"));
                            }
                            _ => {
                                let profile = field(&["seccompProfile"]);
                                if let Some(p) = profile.filter(|&p| !tree.is_map(p) && !tree.is_null(p)) {
                                    ctx.finding(p, rule.name(), Severity::Warning, false, format!("{who}: seccompProfile is not a mapping; left alone"));
                                    continue;
                                }
                                ctx.set(c, rule, &who, &["seccompProfile", "type"], NewValue::str("RuntimeDefault"), None);
                            }
                        },
                    }
                }
            }
        }
        if ctx.out.changes > changes_before {
            ctx.out.containers_changed += 1;
        }
    }
    if !tmp_needed.is_empty() {
        add_writable_volumes(&mut ctx, spec, tmp_needed);
    }
    ctx.out
}

/// Mounts an emptyDir at `/tmp` (and at the image's writable paths) in every container that
/// became read-only, and adds each volume once per pod.
fn add_writable_volumes(ctx: &mut Ctx<'_, '_>, spec: NodeId, needed: Vec<(NodeId, Vec<String>, String)>) {
    let tree = ctx.tree;
    let tmp = ctx.settings.tmp_volume.clone();
    let volumes = tree.get(spec, "volumes");
    let existing: Vec<(String, bool)> = volumes
        .map(|v| tree.items(v).to_vec())
        .unwrap_or_default()
        .into_iter()
        .filter_map(|item| {
            let name = tree.get(item, "name").and_then(|n| tree.str(n))?.to_string();
            let empty_dir = tree.get(item, "emptyDir").is_some();
            Some((name, empty_dir))
        })
        .collect();
    let mut planned: Vec<(String, String)> = Vec::new(); // (path, volume name)
    let mut new_volumes: Vec<NewValue> = Vec::new();
    for (c, paths, who) in needed {
        let mounts = tree.get(c, "volumeMounts");
        let mounted: Vec<String> = mounts
            .map(|m| tree.items(m).to_vec())
            .unwrap_or_default()
            .into_iter()
            .filter_map(|m| tree.get(m, "mountPath").and_then(|p| tree.str(p)).map(|p| p.trim_end_matches('/').to_string()))
            .collect();
        let mut new_mounts = Vec::new();
        for path in paths {
            if mounted.iter().any(|m| *m == path) {
                continue;
            }
            let volume = match planned.iter().find(|(p, _)| *p == path) {
                Some((_, name)) => name.clone(),
                None => {
                    let base = if path == "/tmp" { tmp.name.clone() } else { path.trim_matches('/').replace(['/', '.', '_'], "-") };
                    // Reuse an emptyDir of that name; otherwise pick a free name.
                    let name = if existing.iter().any(|(n, e)| *n == base && *e) {
                        base
                    } else {
                        let taken = |n: &str| existing.iter().any(|(e, _)| e == n) || planned.iter().any(|(_, p)| p == n);
                        let mut name = base.clone();
                        let mut i = 2;
                        while taken(&name) {
                            name = format!("{base}-{i}");
                            i += 1;
                        }
                        let mut empty_dir = Vec::new();
                        if let Some(m) = &tmp.medium {
                            empty_dir.push(("medium".to_string(), NewValue::Str(m.clone())));
                        }
                        if let Some(s) = &tmp.size_limit {
                            empty_dir.push(("sizeLimit".to_string(), NewValue::Str(s.clone())));
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
        if new_mounts.is_empty() {
            continue;
        }
        let rule = Rule::ReadOnlyRootFilesystem;
        for m in new_mounts {
            let result = match mounts {
                Some(list) if tree.is_seq(list) => ctx.editor.append(list, m),
                Some(list) if tree.is_null(list) => ctx.editor.replace(list, NewValue::Seq(vec![m])),
                Some(list) => {
                    ctx.finding(list, rule.name(), Severity::Warning, false, format!("{who}: volumeMounts is not a list; /tmp not mounted"));
                    break;
                }
                None => ctx.editor.ensure(c, &["volumeMounts"], NewValue::Seq(vec![m])),
            };
            ctx.plan(c, rule, &who, result);
        }
    }
    for v in new_volumes {
        let result = match volumes {
            Some(list) if tree.is_seq(list) => ctx.editor.append(list, v),
            Some(list) if tree.is_null(list) => ctx.editor.replace(list, NewValue::Seq(vec![v])),
            Some(list) => {
                ctx.finding(list, Rule::ReadOnlyRootFilesystem.name(), Severity::Warning, false, "volumes is not a list; the /tmp volume was not added".to_string());
                break;
            }
            None => ctx.editor.ensure(spec, &["volumes"], NewValue::Seq(vec![v])),
        };
        ctx.plan(spec, Rule::ReadOnlyRootFilesystem, "pod", result);
    }
}
