//! Snapshot tests of the one-file fix pipeline over `testdata/fix/**/*.yaml`.
//!
//! Each case may start with a comment line `# secctx-test: OPTIONS` (see `settings_for`). The
//! snapshot holds the uncolored unified diff (3 lines of context; the CR of a CRLF shows as `␍`, a
//! lone CR as `⏎`), the findings
//! as `line:col: severity[rule]: message`, and the outcome. Beside the snapshot, every case checks
//! (independently of `k8s::harden`):
//! - the output parses again and a second `fix_bytes` returns `Unchanged`;
//! - every container of the output satisfies every rule enabled for it (settings minus
//!   `secctx.io/skip` minus `# secctx: ignore[...]`, Linux-only rules off on Windows pods), or a
//!   finding with that rule names the container (or sits inside it);
//! - a `/tmp` emptyDir is mounted where secctx turned `readOnlyRootFilesystem` on;
//! - nothing the API server rejects was produced: `allowPrivilegeEscalation: false` beside
//!   `privileged: true` or an added `SYS_ADMIN`, `runAsNonRoot: true` beside `runAsUser: 0`,
//!   Linux-only fields added to a Windows pod, two mounts at one path, a mount of a missing volume;
//! - the file's line endings stay uniform.

use std::collections::BTreeSet;

use secctx::finding::Finding;
use secctx::fix::{Outcome, fix_bytes};
use secctx::k8s::find::{Container, PodSpec, containers, find_pod_specs, is_kubernetes_object};
use secctx::settings::{ImageSettings, PodSpecPath, Rule, Settings};
use secctx::yaml::{NodeId, Tree, parse, strip_bom};
use similar::TextDiff;

/// Parses the options of a `# secctx-test:` first line into `Settings`.
///
/// `--force`, `--run-as-user UID`, `--skip R,..`, `--only R,..`, `--image PATTERN=uid:N`,
/// `--image PATTERN=path:/p`, `--tmp-name N`, `--tmp-medium M`, `--tmp-size S`,
/// `--crd GROUP/KIND=a.b.[].c` (an extra pod-spec path).
fn settings_for(text: &str) -> (Settings, String) {
    let mut settings = Settings::default();
    let first = text.lines().next().unwrap_or("");
    let Some(opts) = first
        .trim_start_matches('\u{feff}')
        .strip_prefix("# secctx-test:")
    else {
        return (settings, String::new());
    };
    let opts = opts.trim();
    let mut words = opts.split_whitespace();
    let rules = |s: &str| -> Vec<Rule> {
        s.split(',')
            .map(|r| r.parse().expect("rule name in a test option"))
            .collect()
    };
    while let Some(w) = words.next() {
        let mut arg = || {
            words
                .next()
                .unwrap_or_else(|| panic!("{w} needs a value"))
                .to_string()
        };
        match w {
            "--force" => settings.force = true,
            "--run-as-user" => settings.run_as_user = Some(arg().parse().expect("a UID")),
            "--skip" => {
                let skip = rules(&arg());
                settings.rules.retain(|r| !skip.contains(r));
            }
            "--only" => settings.rules = rules(&arg()),
            "--image" => {
                let a = arg();
                let (pattern, what) = a.split_once('=').expect("--image PATTERN=uid:N|path:/p");
                let idx = match settings.images.iter().position(|e| e.pattern == pattern) {
                    Some(i) => i,
                    None => {
                        settings.images.push(ImageSettings {
                            pattern: pattern.to_string(),
                            ..Default::default()
                        });
                        settings.images.len() - 1
                    }
                };
                let entry = &mut settings.images[idx];
                match what.split_once(':').expect("uid:N or path:/p") {
                    ("uid", n) => entry.run_as_user = Some(n.parse().expect("a UID")),
                    ("path", p) => entry.writable_paths.push(p.to_string()),
                    other => panic!("unknown --image setting {other:?}"),
                }
            }
            "--tmp-name" => settings.tmp_volume.name = arg(),
            "--tmp-medium" => settings.tmp_volume.medium = Some(arg()),
            "--tmp-size" => settings.tmp_volume.size_limit = Some(arg()),
            "--crd" => {
                let a = arg();
                let (gk, path) = a.split_once('=').expect("--crd GROUP/KIND=path");
                let (group, kind) = gk.rsplit_once('/').expect("GROUP/KIND");
                settings.extra_pod_spec_paths.push(PodSpecPath {
                    api_group: group.to_string(),
                    kind: kind.to_string(),
                    path: path.split('.').map(str::to_string).collect(),
                });
            }
            other => panic!("unknown test option {other}"),
        }
    }
    (settings, opts.to_string())
}

/// Line breaks made visible before diffing: CRLF shows as `␍` at the end of the line, a lone
/// CR as `⏎` (and still breaks the line, so the diff has lines to compare).
fn visible(s: &str) -> String {
    s.replace("\r\n", "␍\n").replace('\r', "⏎\n")
}

fn render_findings(findings: &[Finding]) -> String {
    let mut out = String::new();
    for f in findings {
        let sev = format!("{:?}", f.severity).to_lowercase();
        out.push_str(&format!(
            "{}:{}: {sev}[{}]: {}\n",
            f.line, f.col, f.rule, f.message
        ));
    }
    out
}

fn outcome_name(o: &Outcome) -> String {
    match o {
        Outcome::Unchanged => "unchanged".into(),
        Outcome::Changed { .. } => "changed".into(),
        Outcome::Skipped(r) => format!("skipped ({r:?})"),
        Outcome::Failed(e) => format!("failed ({}: {})", e.kind, e.message),
    }
}

/// 1-based line and col of a byte offset (col in chars).
fn position(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..offset];
    let line = lines_of(before).len();
    let ls = before.rfind(['\n', '\r']).map_or(0, |i| i + 1);
    (line, text[ls..offset].chars().count() + 1)
}

/// The lines of a text, breaking at `\r\n`, `\n` and a lone `\r` as YAML does.
fn lines_of(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut start = 0;
    let b = text.as_bytes();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'\n' || b[i] == b'\r' {
            out.push(&text[start..i]);
            if b[i] == b'\r' && b.get(i + 1) == Some(&b'\n') {
                i += 1;
            }
            start = i + 1;
        }
        i += 1;
    }
    out.push(&text[start..]);
    out
}

fn within(text: &str, tree: &Tree, node: NodeId, line: usize, col: usize) -> bool {
    let n = tree.node(node);
    let start = position(text, n.start);
    let end = position(text, n.end);
    (line, col) >= start && (line, col) <= end
}

fn bool_at(tree: &Tree, node: Option<NodeId>, path: &[&str]) -> Option<bool> {
    node.and_then(|n| tree.get_path(n, path))
        .and_then(|n| tree.as_bool(n))
}

fn str_at<'t>(tree: &'t Tree, node: Option<NodeId>, path: &[&str]) -> Option<&'t str> {
    node.and_then(|n| tree.get_path(n, path))
        .and_then(|n| tree.str(n))
}

fn int_at(tree: &Tree, node: Option<NodeId>, path: &[&str]) -> Option<i64> {
    node.and_then(|n| tree.get_path(n, path))
        .and_then(|n| tree.as_int(n))
}

/// Rules listed by an opt-out: `all` or names.
fn listed(value: &str) -> BTreeSet<Rule> {
    let mut out = BTreeSet::new();
    for part in value.split(',').map(str::trim) {
        if part == "all" {
            out.extend(Rule::ALL);
        } else if let Ok(r) = part.parse() {
            out.insert(r);
        }
    }
    out
}

/// Rules a container is opted out of (annotation on the object or template, comment).
fn opted_out(text: &str, tree: &Tree, pod: &PodSpec, c: NodeId) -> BTreeSet<Rule> {
    let mut out = BTreeSet::new();
    for meta in [tree.get(pod.object, "metadata"), pod.template_metadata]
        .into_iter()
        .flatten()
    {
        if let Some(v) = str_at(tree, Some(meta), &["annotations", "secctx.io/skip"]) {
            out.extend(listed(v));
        }
    }
    // The container's first line, and the line of its `-` when the dash stands alone.
    let line_no = tree.node(c).line;
    let lines = lines_of(text);
    let mut candidates = vec![lines[line_no - 1]];
    if line_no >= 2 && lines[line_no - 2].trim_start().starts_with('-') {
        let after = lines[line_no - 2].trim_start()[1..].trim_start();
        if after.is_empty() || after.starts_with('#') {
            candidates.push(lines[line_no - 2]);
        }
    }
    for line in candidates {
        // A comment starts at ` #` (the cases put no `#` inside quoted scalars before it).
        let Some(hash) = line.find(" #") else {
            continue;
        };
        if line[..hash].matches('"').count() % 2 == 1 {
            continue;
        }
        let comment = line[hash + 2..].trim();
        if let Some(rest) = comment.strip_prefix("secctx: ignore") {
            match rest.strip_prefix('[') {
                Some(list) => out.extend(listed(list.split(']').next().unwrap_or(""))),
                None => out.extend(Rule::ALL),
            }
        }
    }
    out
}

/// The pod specs of a parsed stream.
fn pods(tree: &Tree, settings: &Settings) -> Vec<PodSpec> {
    let mut out = Vec::new();
    for doc in &tree.docs {
        if is_kubernetes_object(tree, doc.root) {
            out.extend(find_pod_specs(tree, doc.root, settings));
        }
    }
    out
}

fn who(c: &Container, index: usize) -> String {
    match &c.name {
        Some(n) => format!("container `{n}`"),
        None => format!("{}[{index}]", c.list.key()),
    }
}

/// The checks beside the snapshot; returns what failed, one line each.
fn check_case(input: &str, output: &str, settings: &Settings, findings: &[Finding]) -> Vec<String> {
    let mut errors = Vec::new();
    let tb = &parse(input).expect("the input parses");
    let ta = &parse(output).expect("the output parses");
    let (pods_in, pods_out) = (pods(tb, settings), pods(ta, settings));
    if pods_in.len() != pods_out.len() {
        return vec![format!(
            "{} pod specs became {}",
            pods_in.len(),
            pods_out.len()
        )];
    }
    for (pin, pout) in pods_in.iter().zip(&pods_out) {
        let cin = containers(tb, pin.spec);
        let cout = containers(ta, pout.spec);
        if cin.len() != cout.len() {
            errors.push(format!("{} containers became {}", cin.len(), cout.len()));
            continue;
        }
        // A template left alone as a whole.
        let template = findings
            .iter()
            .any(|f| f.rule == "template" && within(input, tb, pin.object, f.line, f.col));
        if template {
            if ta.node(pout.object).end - ta.node(pout.object).start
                != tb.node(pin.object).end - tb.node(pin.object).start
            {
                errors.push("a template object was edited".to_string());
            }
            continue;
        }
        let windows = str_at(ta, Some(pout.spec), &["os", "name"]) == Some("windows")
            || str_at(ta, Some(pout.spec), &["nodeSelector", "kubernetes.io/os"])
                == Some("windows");
        let psc = ta.get(pout.spec, "securityContext");
        let pod_non_root = bool_at(ta, psc, &["runAsNonRoot"]);
        let pod_user = int_at(ta, psc, &["runAsUser"]);
        let pod_seccomp = str_at(ta, psc, &["seccompProfile", "type"]);
        let volumes: Vec<(String, bool)> = ta
            .get(pout.spec, "volumes")
            .map(|v| ta.items(v).to_vec())
            .unwrap_or_default()
            .into_iter()
            .filter_map(|v| {
                // A volume with no source is defaulted to an emptyDir by the API server.
                let empty_dir = ta.get(v, "emptyDir").is_some() || ta.entries(v).len() == 1;
                Some((ta.str(ta.get(v, "name")?)?.to_string(), empty_dir))
            })
            .collect();
        let mut names = BTreeSet::new();
        for (n, _) in &volumes {
            if !names.insert(n) {
                errors.push(format!("two volumes named `{n}`"));
            }
        }
        let mut index_in_list = std::collections::HashMap::new();
        for (ci, co) in cin.iter().zip(&cout) {
            let idx = index_in_list.entry(ci.list).or_insert(0usize);
            let label = who(ci, *idx);
            *idx += 1;
            let sc_in = tb.get(ci.node, "securityContext");
            let sc = ta.get(co.node, "securityContext");
            let related = |rule: &str| {
                findings.iter().any(|f| {
                    (f.rule == rule || f.rule == "security-context")
                        && (within(input, tb, ci.node, f.line, f.col)
                            || (within(input, tb, pin.object, f.line, f.col)
                                && f.message.contains(&label)))
                })
            };
            let mut enabled: BTreeSet<Rule> = settings.rules.iter().copied().collect();
            for r in opted_out(input, tb, pin, ci.node) {
                enabled.remove(&r);
            }
            if windows {
                let linux: Vec<Rule> = enabled
                    .iter()
                    .copied()
                    .filter(|r| *r != Rule::RunAsNonRoot)
                    .collect();
                if !linux.is_empty()
                    && !findings.iter().any(|f| {
                        f.rule == "windows-pod" && within(input, tb, pin.object, f.line, f.col)
                    })
                {
                    errors.push(format!(
                        "{label}: Windows pod without a windows-pod finding"
                    ));
                }
                enabled.retain(|r| *r == Rule::RunAsNonRoot);
                for f in [
                    "seccompProfile",
                    "capabilities",
                    "readOnlyRootFilesystem",
                    "allowPrivilegeEscalation",
                    "runAsUser",
                    "privileged",
                ] {
                    if ta.get_path(co.node, &["securityContext", f]).is_some()
                        && tb.get_path(ci.node, &["securityContext", f]).is_none()
                    {
                        errors.push(format!("{label}: Linux-only `{f}` added to a Windows pod"));
                    }
                }
            }
            for rule in enabled {
                let ok = match rule {
                    Rule::RunAsNonRoot => match bool_at(ta, sc, &["runAsNonRoot"]) {
                        Some(b) => b,
                        None => pod_non_root == Some(true),
                    },
                    Rule::NoPrivilegeEscalation => {
                        bool_at(ta, sc, &["allowPrivilegeEscalation"]) == Some(false)
                    }
                    Rule::DropAllCapabilities => sc
                        .and_then(|s| ta.get_path(s, &["capabilities", "drop"]))
                        .is_some_and(|d| ta.items(d).iter().any(|&i| ta.str(i) == Some("ALL"))),
                    Rule::ReadOnlyRootFilesystem => {
                        bool_at(ta, sc, &["readOnlyRootFilesystem"]) == Some(true)
                    }
                    Rule::SeccompRuntimeDefault => {
                        let t = match sc.and_then(|s| ta.get(s, "seccompProfile")) {
                            Some(_) => str_at(ta, sc, &["seccompProfile", "type"]),
                            None => pod_seccomp,
                        };
                        matches!(t, Some("RuntimeDefault" | "Localhost"))
                    }
                };
                if !ok && !related(rule.name()) {
                    errors.push(format!("{label}: {rule} neither satisfied nor reported"));
                }
            }
            // Conflicts the API server or the kubelet refuses.
            let ape_false = bool_at(ta, sc, &["allowPrivilegeEscalation"]) == Some(false);
            let ape_false_before = bool_at(tb, sc_in, &["allowPrivilegeEscalation"]) == Some(false);
            let privileged = bool_at(ta, sc, &["privileged"]) == Some(true);
            let sys_admin = sc
                .and_then(|s| ta.get_path(s, &["capabilities", "add"]))
                .is_some_and(|a| {
                    ta.items(a)
                        .iter()
                        .any(|&i| matches!(ta.str(i), Some("SYS_ADMIN" | "CAP_SYS_ADMIN")))
                });
            if ape_false && !ape_false_before && (privileged || sys_admin) {
                errors.push(format!(
                    "{label}: allowPrivilegeEscalation: false added beside privileged/SYS_ADMIN"
                ));
            }
            let non_root = bool_at(ta, sc, &["runAsNonRoot"]).or(pod_non_root) == Some(true);
            let non_root_before = bool_at(tb, sc_in, &["runAsNonRoot"]).or(bool_at(
                tb,
                tb.get(pin.spec, "securityContext"),
                &["runAsNonRoot"],
            )) == Some(true);
            let user = int_at(ta, sc, &["runAsUser"]).or(pod_user);
            if non_root && !non_root_before && user == Some(0) {
                errors.push(format!(
                    "{label}: runAsNonRoot: true added beside runAsUser: 0"
                ));
            }
            // The /tmp emptyDir where secctx made the root filesystem read-only.
            let ro_before = bool_at(tb, sc_in, &["readOnlyRootFilesystem"]) == Some(true);
            let ro_after = bool_at(ta, sc, &["readOnlyRootFilesystem"]) == Some(true);
            let mounts: Vec<(String, String)> = ta
                .get(co.node, "volumeMounts")
                .map(|m| ta.items(m).to_vec())
                .unwrap_or_default()
                .into_iter()
                .filter_map(|m| {
                    Some((
                        ta.str(ta.get(m, "name")?)?.to_string(),
                        ta.str(ta.get(m, "mountPath")?)?
                            .trim_end_matches('/')
                            .to_string(),
                    ))
                })
                .collect();
            let mounts_before = tb
                .get(ci.node, "volumeMounts")
                .map_or(0, |m| tb.items(m).len());
            let mut paths = BTreeSet::new();
            for (i, (name, path)) in mounts.iter().enumerate() {
                if !paths.insert(path.clone()) && i >= mounts_before {
                    errors.push(format!("{label}: a second mount at {path} was added"));
                }
                if i >= mounts_before && !volumes.iter().any(|(n, e)| n == name && *e) {
                    errors.push(format!(
                        "{label}: the added mount `{name}` is not an emptyDir volume of the pod"
                    ));
                }
            }
            if ro_after
                && !ro_before
                && !mounts.iter().any(|(_, p)| p == "/tmp")
                && !related("read-only-root-filesystem")
            {
                errors.push(format!(
                    "{label}: read-only root filesystem without a /tmp mount"
                ));
            }
        }
    }
    errors
}

fn uniform_line_endings(input: &str, output: &str) -> bool {
    // (CRLF, lone LF, lone CR) counts.
    let kinds = |s: &str| {
        let crlf = s.matches("\r\n").count();
        (
            crlf,
            s.matches('\n').count() - crlf,
            s.matches('\r').count() - crlf,
        )
    };
    let (i, o) = (kinds(input), kinds(output));
    // A file with one kind of line break keeps that one kind.
    let only = |k: (usize, usize, usize)| [k.0 > 0, k.1 > 0, k.2 > 0];
    let (fi, fo) = (only(i), only(o));
    fi.iter().filter(|x| **x).count() > 1 || fi == fo || fi == [false; 3]
}

#[test]
fn fix_snapshots() {
    let mut failures: Vec<String> = Vec::new();
    insta::glob!("../testdata/fix", "**/*.yaml", |path: &std::path::Path| {
        let name = path.display().to_string();
        let bytes = std::fs::read(path).expect("read the case");
        let input = String::from_utf8(bytes.clone()).expect("cases are UTF-8");
        let (settings, opts) = settings_for(&input);
        let report = fix_bytes(&bytes, &settings);
        let mut snap = String::new();
        if !opts.is_empty() {
            snap.push_str(&format!("options: {opts}\n"));
        }
        snap.push_str(&format!("outcome: {}\n", outcome_name(&report.outcome)));
        let s = report.stats;
        snap.push_str(&format!(
            "stats: {} pod specs, {} containers, {} hardened, {} changes\n",
            s.pod_specs, s.containers, s.containers_hardened, s.changes
        ));
        let output = match &report.outcome {
            Outcome::Changed { output } => {
                Some(String::from_utf8(output.clone()).expect("output is UTF-8"))
            }
            _ => None,
        };
        snap.push_str("\n--- diff\n");
        if let Some(out) = &output {
            let (old, new) = (visible(&input), visible(out));
            let diff = TextDiff::from_lines(&old, &new);
            snap.push_str(
                &diff
                    .unified_diff()
                    .context_radius(3)
                    .header("a", "b")
                    .to_string(),
            );
        }
        snap.push_str("\n--- findings\n");
        snap.push_str(&render_findings(&report.findings));

        let (body_in, _) = strip_bom(&input);
        match &output {
            Some(out) => {
                let (body, _) = strip_bom(out);
                if let Err(e) = parse(body) {
                    failures.push(format!("{name}: the output does not parse: {e}"));
                } else {
                    let again = fix_bytes(out.as_bytes(), &settings);
                    if again.outcome != Outcome::Unchanged {
                        failures.push(format!(
                            "{name}: a second pass gave {}",
                            outcome_name(&again.outcome)
                        ));
                    }
                    if !uniform_line_endings(&input, out) {
                        failures.push(format!("{name}: line endings became mixed"));
                    }
                    for e in check_case(body_in, body, &settings, &report.findings) {
                        failures.push(format!("{name}: {e}"));
                    }
                }
            }
            None if report.outcome == Outcome::Unchanged => {
                for e in check_case(body_in, body_in, &settings, &report.findings) {
                    failures.push(format!("{name}: {e}"));
                }
            }
            None => {}
        }
        insta::with_settings!({snapshot_path => "../snapshots", omit_expression => true}, {
            insta::assert_snapshot!("case", snap);
        });
    });
    assert!(
        failures.is_empty(),
        "{} failed checks:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
