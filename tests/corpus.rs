//! The editing contract, proven on real manifests (`SECCTX_CORPUS`, set by `.ci/run` when
//! `../shared` exists; skipped otherwise).
//!
//! Copies the corpus into a temp folder, runs the real `secctx fix` binary over it twice and
//! checks every file: what parsed still parses; every document's value is the original plus only
//! the allowed additions (compared as YAML values with yaml-rust2's loader, independently of the
//! editor's own verification); no collateral text change; line endings, BOM and final newline
//! kept; the second run changes nothing; every container is hardened or explained by a finding;
//! skipped and failed files are byte-for-byte unchanged; and every changed file still passes
//! `kubernetes-validate --strict` where the original did (when that tool is installed).

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::process::Command;

use secctx::k8s::find::{containers, find_pod_specs, is_kubernetes_object};
use secctx::settings::Settings;
use serde_json::Value;
use yaml_rust2::{Yaml, YamlLoader};

fn copy_tree(from: &Path, to: &Path, files: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(from).expect("read corpus folder") {
        let entry = entry.expect("corpus entry");
        let path = entry.path();
        let dest = to.join(entry.file_name());
        let ft = entry.file_type().expect("file type");
        if ft.is_dir() {
            std::fs::create_dir_all(&dest).expect("mkdir");
            copy_tree(&path, &dest, files);
        } else if ft.is_file() {
            std::fs::copy(&path, &dest).expect("copy");
            // The shared corpus is read-only; the copy must be writable like a checkout.
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&dest).expect("stat").permissions().mode();
            std::fs::set_permissions(&dest, std::fs::Permissions::from_mode(mode | 0o200))
                .expect("chmod");
            files.push(dest);
        }
    }
}

fn is_yaml(p: &Path) -> bool {
    matches!(p.extension().and_then(|e| e.to_str()), Some("yaml" | "yml"))
}

/// Runs `secctx <args> --format json` over the whole tree; returns the exit code and the JSON.
fn run_json(root: &Path, args: &[&str]) -> (i32, Value) {
    let out = Command::new(env!("CARGO_BIN_EXE_secctx"))
        .args(args)
        .args([
            "--format",
            "json",
            "--no-ignore",
            "--hidden",
            "--color",
            "never",
        ])
        .arg(root)
        .output()
        .expect("run secctx");
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "secctx {args:?} --format json is not JSON ({e}); stderr: {}",
            String::from_utf8_lossy(&out.stderr)
        )
    });
    (out.status.code().unwrap_or(-1), doc)
}

fn run_fix(root: &Path) -> (i32, Vec<Value>) {
    let (code, doc) = run_json(root, &["fix"]);
    (code, doc["files"].as_array().expect("files array").clone())
}

/// A record's path, absolute.
fn record_path(r: &Value) -> PathBuf {
    let p = PathBuf::from(r["path"].as_str().expect("path"));
    if p.is_absolute() {
        p
    } else {
        std::env::current_dir().expect("cwd").join(p)
    }
}

/// Keys secctx may add, by the key of the mapping they are added to.
fn allowed_new_value(key: &str, v: &Yaml) -> Result<(), String> {
    let s = |y: &Yaml| y.as_str().map(str::to_string);
    let ok = match key {
        "runAsNonRoot" | "readOnlyRootFilesystem" => *v == Yaml::Boolean(true),
        "allowPrivilegeEscalation" => *v == Yaml::Boolean(false),
        "runAsUser" => false, // only when asked (--run-as-user); the corpus run does not ask
        "type" => s(v).as_deref() == Some("RuntimeDefault"),
        "seccompProfile" => allowed_new_map(v, &["type"]),
        "capabilities" => allowed_new_map(v, &["drop"]),
        "drop" => matches!(v, Yaml::Array(a) if a.iter().all(|i| s(i).as_deref() == Some("ALL"))),
        "securityContext" => allowed_new_map(
            v,
            &[
                "runAsNonRoot",
                "allowPrivilegeEscalation",
                "readOnlyRootFilesystem",
                "capabilities",
                "seccompProfile",
            ],
        ),
        "volumeMounts" => matches!(v, Yaml::Array(a) if a.iter().all(allowed_mount)),
        "volumes" => matches!(v, Yaml::Array(a) if a.iter().all(allowed_volume)),
        _ => false,
    };
    if ok {
        Ok(())
    } else {
        Err(format!("added `{key}: {v:?}` is not an allowed addition"))
    }
}

fn allowed_new_map(v: &Yaml, keys: &[&str]) -> bool {
    match v {
        Yaml::Hash(h) => h.iter().all(|(k, v)| {
            k.as_str()
                .is_some_and(|k| keys.contains(&k) && allowed_new_value(k, v).is_ok())
        }),
        _ => false,
    }
}

fn allowed_mount(v: &Yaml) -> bool {
    match v {
        Yaml::Hash(h) => {
            h.len() == 2
                && v["name"].as_str().is_some()
                && v["mountPath"].as_str().is_some_and(|p| p.starts_with('/'))
        }
        _ => false,
    }
}

fn allowed_volume(v: &Yaml) -> bool {
    match v {
        Yaml::Hash(h) => {
            h.len() == 2 && v["name"].as_str().is_some() && matches!(v["emptyDir"], Yaml::Hash(_))
        }
        _ => false,
    }
}

/// Checks that `after` is `before` plus only allowed additions. `key` is the key `before` sits
/// under.
fn allowed_diff(before: &Yaml, after: &Yaml, key: &str, path: &str) -> Result<(), String> {
    if before == after {
        return Ok(());
    }
    match (before, after) {
        (Yaml::Hash(b), Yaml::Hash(a)) => {
            for (k, bv) in b {
                let av = a
                    .get(k)
                    .ok_or_else(|| format!("{path}: key {k:?} disappeared"))?;
                let ks = k.as_str().unwrap_or("?");
                allowed_diff(bv, av, ks, &format!("{path}.{ks}"))?;
            }
            for (k, av) in a {
                if !b.contains_key(k) {
                    let ks = k
                        .as_str()
                        .ok_or_else(|| format!("{path}: a non-string key was added"))?;
                    allowed_new_value(ks, av).map_err(|e| format!("{path}: {e}"))?;
                }
            }
            // Existing keys keep their order.
            let order: Vec<&Yaml> = a.keys().filter(|k| b.contains_key(*k)).collect();
            if order != b.keys().collect::<Vec<_>>() {
                return Err(format!("{path}: key order changed"));
            }
            Ok(())
        }
        (Yaml::Array(b), Yaml::Array(a)) => {
            if a.len() < b.len() {
                return Err(format!("{path}: items disappeared"));
            }
            for (i, (bv, av)) in b.iter().zip(a).enumerate() {
                allowed_diff(bv, av, key, &format!("{path}[{i}]"))?;
            }
            let ok = a[b.len()..].iter().all(|item| match key {
                "drop" => item.as_str() == Some("ALL"),
                "volumeMounts" => allowed_mount(item),
                "volumes" => allowed_volume(item),
                _ => false,
            });
            if ok {
                Ok(())
            } else {
                Err(format!("{path}: items added to `{key}` are not allowed"))
            }
        }
        (Yaml::Null, _) => allowed_new_value(key, after).map_err(|e| format!("{path}: {e}")),
        // `drop: [all]` spelled in capitals: the runtimes read both, the Pod Security Standards
        // only `ALL`, so secctx rewrites that one item in place.
        (Yaml::String(b), Yaml::String(a)) if key == "drop" && b == "all" && a == "ALL" => Ok(()),
        _ => Err(format!(
            "{path}: value changed from {before:?} to {after:?}"
        )),
    }
}

fn strip_bom(s: &str) -> &str {
    s.strip_prefix('\u{feff}').unwrap_or(s)
}

/// A removed original line is allowed only where a value had to change in place: an empty or
/// null securityContext (or other collection) filled, a flow collection that grew.
fn line_change_allowed(old: &str) -> bool {
    let t = old.trim_end_matches(['\r', '\n']);
    t.contains('{')
        || t.contains('[')
        || t.trim_end().ends_with("null")
        || t.trim_end().ends_with('~')
        || t.trim() == "- all"
}

fn line_endings(s: &str) -> (usize, usize, usize) {
    let b = s.as_bytes();
    let (mut crlf, mut lf, mut cr) = (0, 0, 0);
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'\r' if b.get(i + 1) == Some(&b'\n') => {
                crlf += 1;
                i += 1;
            }
            b'\r' => cr += 1,
            b'\n' => lf += 1,
            _ => {}
        }
        i += 1;
    }
    (crlf, lf, cr)
}

/// Which of the five settings a container still lacks (container level, pod level counted where
/// Kubernetes counts it).
fn unhardened(tree: &secctx::yaml::Tree, spec: usize, c: usize) -> Vec<&'static str> {
    let sc = tree.get(c, "securityContext");
    let psc = tree.get(spec, "securityContext");
    let get = |n: Option<usize>, p: &[&str]| n.and_then(|n| tree.get_path(n, p));
    let mut missing = Vec::new();
    let non_root = get(sc, &["runAsNonRoot"]).and_then(|n| tree.as_bool(n));
    if !(non_root == Some(true)
        || (non_root.is_none()
            && get(psc, &["runAsNonRoot"]).and_then(|n| tree.as_bool(n)) == Some(true)))
    {
        missing.push("run-as-non-root");
    }
    if get(sc, &["allowPrivilegeEscalation"]).and_then(|n| tree.as_bool(n)) != Some(false) {
        missing.push("no-privilege-escalation");
    }
    let drop = get(sc, &["capabilities", "drop"]);
    if !drop.is_some_and(|d| tree.items(d).iter().any(|&i| tree.str(i) == Some("ALL"))) {
        missing.push("drop-all-capabilities");
    }
    if get(sc, &["readOnlyRootFilesystem"]).and_then(|n| tree.as_bool(n)) != Some(true) {
        missing.push("read-only-root-filesystem");
    }
    let seccomp = |n| {
        get(n, &["seccompProfile", "type"])
            .and_then(|t| tree.str(t))
            .map(str::to_string)
    };
    let ok = |t: Option<String>| matches!(t.as_deref(), Some("RuntimeDefault" | "Localhost"));
    let c_type = seccomp(sc);
    if !(ok(c_type.clone()) || (c_type.is_none() && ok(seccomp(psc)))) {
        missing.push("seccomp-runtime-default");
    }
    missing
}

/// Runs `kubernetes-validate --strict` over files; returns the set that passed.
fn kubernetes_validate(files: &[PathBuf]) -> Option<HashMap<PathBuf, bool>> {
    let probe = Command::new("kubernetes-validate")
        .arg("--version")
        .output()
        .ok()?;
    if !probe.status.success() {
        return None;
    }
    let mut result: HashMap<PathBuf, bool> = files.iter().map(|f| (f.clone(), true)).collect();
    for chunk in files.chunks(200) {
        let out = Command::new("kubernetes-validate")
            .arg("--strict")
            .arg("--no-warn")
            .args(chunk)
            .output()
            .ok()?;
        let text = String::from_utf8_lossy(&out.stdout).to_string()
            + &String::from_utf8_lossy(&out.stderr);
        for line in text.lines() {
            if line.starts_with("INFO") {
                continue;
            }
            if let Some(f) = chunk.iter().find(|f| line.contains(&*f.to_string_lossy())) {
                result.insert(f.clone(), false);
            }
        }
    }
    Some(result)
}

#[test]
fn corpus_editing_contract() {
    let Some(corpus) = std::env::var_os("SECCTX_CORPUS") else {
        eprintln!("skipped: set SECCTX_CORPUS to the corpus folder (../shared/corpus) to run");
        return;
    };
    let corpus = PathBuf::from(corpus);
    let tmp = tempfile::tempdir().expect("temp dir");
    let root = tmp.path().join("corpus");
    std::fs::create_dir_all(&root).expect("mkdir");
    let mut all = Vec::new();
    copy_tree(&corpus, &root, &mut all);
    all.retain(|p| is_yaml(p));
    all.sort();
    assert!(
        all.len() > 2000,
        "expected the full corpus, found {} YAML files",
        all.len()
    );
    let originals: BTreeMap<PathBuf, Vec<u8>> = all
        .iter()
        .map(|p| (p.clone(), std::fs::read(p).expect("read")))
        .collect();

    let (code, records) = run_fix(&root);
    assert!(
        code == 0 || code == 2,
        "fix exits 0, or 2 when some files cannot be processed; got {code}"
    );
    let by_path: HashMap<PathBuf, &Value> = records.iter().map(|r| (record_path(r), r)).collect();
    assert_eq!(by_path.len(), all.len(), "every YAML file gets a record");

    // `secctx check --level restricted` on the fixed tree: what is left must be what `fix`
    // reported as needing attention, or what it cannot fix by design.
    let (_, check_doc) = run_json(&root, &["check", "--level", "restricted"]);
    let mut check_by_path: HashMap<PathBuf, Vec<(usize, String)>> = HashMap::new();
    for f in check_doc["files"].as_array().expect("files") {
        let p = record_path(f);
        for finding in f["findings"].as_array().into_iter().flatten() {
            let line = finding["line"].as_u64().unwrap_or(0) as usize;
            check_by_path
                .entry(p.clone())
                .or_default()
                .push((line, finding["rule"].as_str().unwrap_or("?").to_string()));
        }
    }
    let mut check_left: BTreeMap<String, usize> = BTreeMap::new();

    let mut failures: Vec<String> = Vec::new();
    let mut statuses: BTreeMap<String, usize> = BTreeMap::new();
    let mut refusals: BTreeMap<String, usize> = BTreeMap::new();
    let mut findings_by_rule: BTreeMap<String, usize> = BTreeMap::new();
    let (mut docs, mut pod_specs, mut containers_total, mut hardened, mut explained) =
        (0, 0, 0, 0, 0);
    let (mut lines_total, mut lines_kept, mut lines_changed_in_place) = (0usize, 0usize, 0usize);
    let mut changed_files = Vec::new();
    let settings = Settings::default();

    for path in &all {
        let rel = path
            .strip_prefix(&root)
            .expect("under root")
            .display()
            .to_string();
        let rec = by_path
            .get(path)
            .unwrap_or_else(|| panic!("no record for {rel}"));
        let status = rec["status"].as_str().expect("status").to_string();
        let key = match rec["reason"].as_str() {
            Some(r) => format!("{status} ({r})"),
            None => status.clone(),
        };
        *statuses.entry(key).or_default() += 1;
        let before = &originals[path];
        let after = std::fs::read(path).expect("read after");
        if status != "changed" {
            if *before != after {
                failures.push(format!("{rel}: status {status} but the file changed"));
            }
            if status == "error" {
                let kind = rec["error"]["kind"].as_str().unwrap_or("?").to_string();
                let msg = rec["error"]["message"].as_str().unwrap_or("");
                if rec["error"]["line"].is_null() && kind == "invalid-yaml" {
                    failures.push(format!("{rel}: invalid-yaml error without a line"));
                }
                *refusals
                    .entry(format!("{kind}: {}", msg.split(':').next().unwrap_or("")))
                    .or_default() += 1;
            }
            continue;
        }
        changed_files.push(path.clone());
        for f in rec["findings"].as_array().expect("findings") {
            *findings_by_rule
                .entry(f["rule"].as_str().unwrap_or("?").to_string())
                .or_default() += 1;
        }
        let (b, a) = (
            String::from_utf8(before.clone()).expect("changed files are UTF-8"),
            String::from_utf8(after.clone()).expect("output is UTF-8"),
        );
        // BOM, final newline, line endings.
        if b.starts_with('\u{feff}') != a.starts_with('\u{feff}') {
            failures.push(format!("{rel}: BOM changed"));
        }
        if b.ends_with(['\n', '\r']) != a.ends_with(['\n', '\r']) {
            failures.push(format!("{rel}: final newline changed"));
        }
        let (lb, la) = (line_endings(&b), line_endings(&a));
        let style = |(crlf, lf, cr): (usize, usize, usize)| (crlf > 0, lf > 0, cr > 0);
        if style(lb) != style(la) && lb != (0, 0, 0) {
            failures.push(format!("{rel}: line endings changed {lb:?} -> {la:?}"));
        }
        // Values: original plus allowed additions only.
        match (
            YamlLoader::load_from_str(strip_bom(&b)),
            YamlLoader::load_from_str(strip_bom(&a)),
        ) {
            (Ok(vb), Ok(va)) => {
                if vb.len() != va.len() {
                    failures.push(format!("{rel}: {} documents became {}", vb.len(), va.len()));
                }
                for (i, (x, y)) in vb.iter().zip(&va).enumerate() {
                    if let Err(e) = allowed_diff(x, y, "", &format!("doc{i}")) {
                        failures.push(format!("{rel}: {e}"));
                    }
                }
            }
            (Ok(_), Err(e)) => failures.push(format!("{rel}: parsed before, fails after: {e}")),
            (Err(_), _) => failures.push(format!(
                "{rel}: changed although the loader rejects the original"
            )),
        }
        // No collateral text change.
        // A file without a final newline gets its last line extended by the inserted text: give
        // both texts the same terminator so the old last line compares as kept.
        let (bq, aq) = if b.ends_with('\n') || b.is_empty() {
            (b.clone(), a.clone())
        } else {
            let nl = if b.contains("\r\n") { "\r\n" } else { "\n" };
            (format!("{b}{nl}"), format!("{a}{nl}"))
        };
        let diff = similar::TextDiff::from_lines(&bq, &aq);
        for change in diff.iter_all_changes() {
            match change.tag() {
                similar::ChangeTag::Equal => lines_kept += 1,
                similar::ChangeTag::Delete => {
                    if line_change_allowed(change.value()) {
                        lines_changed_in_place += 1;
                    } else {
                        failures.push(format!(
                            "{rel}: collateral change of line {:?}",
                            change.value()
                        ));
                    }
                }
                similar::ChangeTag::Insert => {}
            }
        }
        lines_total += b.lines().count();
        // Containers: hardened (in the output), or explained by a finding inside their lines (in
        // the original: findings carry the original's positions). Edits never add or reorder
        // containers, so the two walks line up.
        let (text_b, text_a) = (strip_bom(&b), strip_bom(&a));
        let tree_b = secctx::yaml::parse(text_b).expect("the original parsed (it was changed)");
        let tree_a = secctx::yaml::parse(text_a).expect("output parses");
        let finding_lines: Vec<u64> = rec["findings"]
            .as_array()
            .expect("findings")
            .iter()
            .filter_map(|f| f["line"].as_u64())
            .collect();
        let lines_of = |tree: &secctx::yaml::Tree, text: &str, id: usize| {
            let n = tree.node(id);
            n.line..=n.line + text[n.start..n.end].lines().count()
        };
        for (doc_b, doc_a) in tree_b.docs.iter().zip(&tree_a.docs) {
            docs += 1;
            if !is_kubernetes_object(&tree_a, doc_a.root) {
                continue;
            }
            let pods_b = find_pod_specs(&tree_b, doc_b.root, &settings);
            let pods_a = find_pod_specs(&tree_a, doc_a.root, &settings);
            assert_eq!(
                pods_b.len(),
                pods_a.len(),
                "{rel}: pod specs appeared or vanished"
            );
            for (pod_b, pod_a) in pods_b.iter().zip(&pods_a) {
                pod_specs += 1;
                let windows = tree_a
                    .get_path(pod_a.spec, &["os", "name"])
                    .and_then(|n| tree_a.str(n))
                    == Some("windows");
                let annotated = text_b
                    [tree_b.node(pod_b.object).start..tree_b.node(pod_b.object).end]
                    .contains("secctx.io/skip");
                let spec_lines = lines_of(&tree_b, text_b, pod_b.spec);
                for (c_b, c_a) in containers(&tree_b, pod_b.spec)
                    .iter()
                    .zip(containers(&tree_a, pod_a.spec))
                {
                    containers_total += 1;
                    let missing = unhardened(&tree_a, pod_a.spec, c_a.node);
                    let c_lines_after = lines_of(&tree_a, text_a, c_a.node);
                    let fix_said = |tree_b_lines: &std::ops::RangeInclusive<usize>| {
                        finding_lines
                            .iter()
                            .any(|&l| tree_b_lines.contains(&(l as usize)))
                    };
                    for (line, rule) in check_by_path.get(path).into_iter().flatten() {
                        if !c_lines_after.contains(line) {
                            continue;
                        }
                        const FIXABLE: [&str; 4] = [
                            "allowPrivilegeEscalation",
                            "capabilities_restricted",
                            "runAsNonRoot",
                            "seccompProfile_restricted",
                        ];
                        if FIXABLE.contains(&rule.as_str()) {
                            *check_left
                                .entry(format!("{rule} (fix reported why)"))
                                .or_default() += 1;
                            let explained_here = fix_said(&lines_of(&tree_b, text_b, c_b.node))
                                || fix_said(&lines_of(&tree_b, text_b, pod_b.spec))
                                || text_b[tree_b.node(pod_b.object).start
                                    ..tree_b.node(pod_b.object).end]
                                    .contains("secctx.io/skip")
                                || tree_a
                                    .get_path(pod_a.spec, &["os", "name"])
                                    .and_then(|n| tree_a.str(n))
                                    == Some("windows");
                            if !explained_here {
                                failures.push(format!("{rel}:{line}: check still reports {rule} after fix, and fix said nothing about this container"));
                            }
                        } else {
                            *check_left
                                .entry(format!("{rule} (not fixable by design)"))
                                .or_default() += 1;
                        }
                    }
                    if missing.is_empty() {
                        hardened += 1;
                        continue;
                    }
                    let c_lines = lines_of(&tree_b, text_b, c_b.node);
                    let opt_out = text_b[tree_b.node(c_b.node).start..]
                        .lines()
                        .next()
                        .unwrap_or("")
                        .contains("secctx: ignore");
                    let found = finding_lines.iter().any(|&l| {
                        let l = l as usize;
                        c_lines.contains(&l) || spec_lines.contains(&l)
                    });
                    if found || annotated || windows || opt_out {
                        explained += 1;
                    } else {
                        failures.push(format!(
                            "{rel}:{}: container `{}` lacks {missing:?} and no finding says why",
                            tree_b.node(c_b.node).line,
                            c_b.name.as_deref().unwrap_or("?")
                        ));
                    }
                }
            }
        }
    }

    assert!(
        changed_files.len() >= 100,
        "expected hundreds of changed files, got {}",
        changed_files.len()
    );

    // The second run changes nothing.
    let (_, second) = run_fix(&root);
    for r in &second {
        if r["status"] == "changed" {
            failures.push(format!("second run would change {} again", r["path"]));
        }
    }

    // kubernetes-validate --strict: what passed before passes after.
    let mut validate_note = "kubernetes-validate not installed: schema check skipped".to_string();
    let orig_dir = tempfile::tempdir().expect("temp dir");
    let mut orig_copies = Vec::new();
    for (i, p) in changed_files.iter().enumerate() {
        let dest = orig_dir.path().join(format!("{i}.yaml"));
        std::fs::write(&dest, &originals[p]).expect("write");
        orig_copies.push(dest);
    }
    if let (Some(before_ok), Some(after_ok)) = (
        kubernetes_validate(&orig_copies),
        kubernetes_validate(&changed_files),
    ) {
        let mut passed_before = 0;
        let mut regressions = 0;
        for (i, p) in changed_files.iter().enumerate() {
            if before_ok[&orig_copies[i]] {
                passed_before += 1;
                if !after_ok[p] {
                    regressions += 1;
                    failures.push(format!(
                        "{}: passed kubernetes-validate --strict before, fails after",
                        p.display()
                    ));
                }
            }
        }
        validate_note = format!(
            "kubernetes-validate --strict: {passed_before} changed files passed before, {regressions} fail after"
        );
    }

    eprintln!("\n== corpus summary ({} YAML files)", all.len());
    eprintln!("| measure | count |\n|---|---:|");
    for (k, v) in &statuses {
        eprintln!("| files {k} | {v} |");
    }
    eprintln!("| documents in changed files | {docs} |");
    eprintln!("| pod specs in changed files | {pod_specs} |");
    eprintln!("| containers in changed files | {containers_total} |");
    eprintln!("| containers fully hardened | {hardened} |");
    eprintln!(
        "| containers not fully hardened, explained by a finding/opt-out/Windows | {explained} |"
    );
    for (k, v) in &findings_by_rule {
        eprintln!("| findings `{k}` | {v} |");
    }
    for (k, v) in &refusals {
        eprintln!("| refused: {k} | {v} |");
    }
    let kept = if lines_total == 0 {
        100.0
    } else {
        100.0 * lines_kept as f64 / lines_total as f64
    };
    eprintln!("| original lines of changed files | {lines_total} |");
    eprintln!("| lines kept byte for byte | {lines_kept} ({kept:.3}%) |");
    eprintln!("| lines changed in place (filled empty/flow values) | {lines_changed_in_place} |");
    eprintln!("{validate_note}");
    eprintln!(
        "\n`secctx check --level restricted` after fix, findings inside containers of changed files:"
    );
    for (k, v) in &check_left {
        eprintln!("| {k} | {v} |");
    }
    if !failures.is_empty() {
        for f in failures.iter().take(60) {
            eprintln!("FAIL {f}");
        }
        panic!("{} contract violations on the corpus", failures.len());
    }
}
