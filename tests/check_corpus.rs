//! `secctx check` against `pss_check.py` (the reference port of pod-security-admission) on a copy
//! of the real-manifest corpus, pod by pod, at both levels.
//!
//! Runs when `SECCTX_PSS` (the `pss` folder) and `SECCTX_CORPUS` (the corpus folder) are set
//! (`.ci/run` sets them); otherwise prints that it was skipped. Needs `python3` with PyYAML.
//!
//! Every pod spec both tools find must fail the same checks. Every other difference must fall in
//! a known, explained category (each has its own test in `tests/check_differences.rs`):
//!
//! - `synthesized`: Tekton tasks/runs/pipelines, Argo Workflows, Spark applications. pss_check.py
//!   assembles a pod from steps/templates; their pods are not a `PodSpec` in the file, so the
//!   finder (shared with `fix`, which cannot edit a synthesized pod) does not report them.
//! - `heuristic`: pss_check.py guesses pod specs in unknown kinds (any mapping with a
//!   `containers` list); secctx only reads documented locations (DESIGN §2) and the config's
//!   `pod_spec_paths`.
//! - `template`: a Helm/Go template that is not valid YAML: secctx skips it, PyYAML fails on it.
//! - `duplicate-key`: PyYAML keeps the last of two equal keys; secctx refuses the file.
//! - `parser-strict`: flow collections / quoted scalars whose continuation lines are indented
//!   no deeper than their key: PyYAML and Go's YAML accept them, secctx's parser (yaml-rust2)
//!   reports the file as invalid YAML (with the position); no verdict is given for it.
//! - `pyyaml-refuses`: valid YAML that PyYAML cannot load (a `{{ x }}` that is valid flow YAML
//!   used as a key, a tab after a value): pss_check.py reports an error, secctx checks the pods.
//!
//! The three reference runs (restricted and baseline at the latest version, restricted at v1.24)
//! go in parallel. `cargo test --release --test check_corpus -- --nocapture` prints the counts.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;

use secctx::check::{CheckOptions, CheckOutcome, Level, check_bytes};
use secctx::k8s::pss;
use secctx::settings::Settings;

/// A pod spec as one tool saw it: (file relative to the corpus root, document index, path).
type Key = (String, usize, String);

#[derive(Debug)]
struct Pod {
    kind: String,
    /// Failing check ids, in registry order.
    ids: Vec<String>,
    /// `reason (detail)` of each failing check.
    texts: Vec<String>,
    notes: Vec<String>,
}

#[derive(Debug, Default)]
struct Side {
    pods: BTreeMap<Key, Pod>,
    /// Files without a pod spec (secctx: skipped as not Kubernetes or empty).
    no_pods: BTreeSet<String>,
    /// Files that could not be read, with the error.
    errors: BTreeMap<String, String>,
}

fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("mkdir");
    for entry in std::fs::read_dir(from).expect("read corpus dir") {
        let entry = entry.expect("entry");
        let target = to.join(entry.file_name());
        let kind = entry.file_type().expect("file type");
        if kind.is_dir() {
            copy_tree(&entry.path(), &target);
        } else if kind.is_file() {
            std::fs::copy(entry.path(), &target).expect("copy");
        }
    }
}

/// The files pss_check.py reads (`.yaml`, `.yml`, `.json`), sorted.
fn manifest_files(root: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<_> = std::fs::read_dir(root)
        .expect("read dir")
        .map(|e| e.expect("entry").path())
        .collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            manifest_files(&path, out);
        } else if path
            .to_str()
            .is_some_and(|p| [".yaml", ".yml", ".json"].iter().any(|e| p.ends_with(e)))
        {
            out.push(path);
        }
    }
}

fn relative(root: &Path, path: &str) -> String {
    Path::new(path)
        .strip_prefix(root)
        .map_or(path.to_string(), |p| p.to_string_lossy().into_owned())
}

fn python_side(pss: &Path, root: &Path, level: &str, version: &str) -> Side {
    let out = Command::new("python3")
        .arg(pss.join("pss_check.py"))
        .args(["--level", level, "--version", version, "--no-summary"])
        .arg(root)
        .output()
        .expect("python3 runs (pip install pyyaml if it is missing)");
    assert!(
        out.status.code().is_some_and(|c| c <= 2),
        "pss_check.py crashed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut side = Side::default();
    for line in String::from_utf8_lossy(&out.stdout).lines() {
        let v: serde_json::Value = serde_json::from_str(line).expect("JSON line");
        let file = relative(root, v["file"].as_str().expect("file"));
        if let Some(e) = v.get("error") {
            side.errors
                .insert(file, e.as_str().unwrap_or_default().to_string());
            continue;
        }
        let key = (
            file,
            v["doc_index"].as_u64().expect("doc_index") as usize,
            v["path"].as_str().expect("path").to_string(),
        );
        let failures = v["failures"].as_array().expect("failures");
        let text = |f: &serde_json::Value| {
            let (r, d) = (
                f["reason"].as_str().unwrap_or_default(),
                f["detail"].as_str().unwrap_or_default(),
            );
            if d.is_empty() {
                r.to_string()
            } else {
                format!("{r} ({d})")
            }
        };
        let notes = v
            .get("notes")
            .and_then(|n| n.as_array())
            .map(|n| {
                n.iter()
                    .filter_map(|x| x.as_str())
                    .map(str::to_string)
                    .collect()
            })
            .unwrap_or_default();
        let pod = Pod {
            kind: v["kind"].as_str().unwrap_or_default().to_string(),
            ids: failures
                .iter()
                .map(|f| f["id"].as_str().expect("id").to_string())
                .collect(),
            texts: failures.iter().map(text).collect(),
            notes,
        };
        side.pods.insert(key, pod);
    }
    side
}

fn secctx_side(
    root: &Path,
    files: &[PathBuf],
    level: Level,
    version: Option<u32>,
) -> (Side, BTreeSet<String>) {
    let settings = Settings::default();
    let opts = CheckOptions { level, version };
    let mut side = Side::default();
    let mut templates = BTreeSet::new();
    for path in files {
        let rel = relative(root, &path.to_string_lossy());
        let input = std::fs::read(path).expect("read");
        let report = check_bytes(&input, &settings, &opts);
        match report.outcome {
            CheckOutcome::Failed(ref e) => {
                side.errors.insert(rel.clone(), e.message.clone());
            }
            CheckOutcome::Skipped(secctx::fix::SkipReason::Template) => {
                templates.insert(rel.clone());
            }
            CheckOutcome::Skipped(_) => {
                side.no_pods.insert(rel.clone());
            }
            _ => {}
        }
        for pod in report.pods {
            let value = Pod {
                kind: pod.kind,
                ids: pod.failures.iter().map(|f| f.id.clone()).collect(),
                texts: pod
                    .failures
                    .iter()
                    .map(|f| pss::forbidden(&f.reason, &f.detail))
                    .collect(),
                notes: Vec::new(),
            };
            side.pods
                .insert((rel.clone(), pod.doc_index, pod.path), value);
        }
    }
    (side, templates)
}

/// Why secctx could not read a file that PyYAML reads.
fn secctx_error_category(message: &str) -> &'static str {
    if message.contains("duplicate key") {
        "duplicate-key"
    } else {
        "parser-strict"
    }
}

/// Why pss_check.py reports a pod that secctx does not, if the reason is a known one.
fn python_only_category(notes: &[String]) -> Option<&'static str> {
    if notes.iter().any(|n| n.starts_with("heuristic:")) {
        Some("heuristic")
    } else if notes.iter().any(|n| {
        ["tekton:", "argo:", "spark:"]
            .iter()
            .any(|p| n.starts_with(p))
    }) {
        Some("synthesized")
    } else {
        None
    }
}

fn py_version(version: Option<u32>) -> String {
    version.map_or("latest".to_string(), |v| format!("v1.{v}"))
}

fn compare(py: &Side, root: &Path, files: &[PathBuf], level: Level, version: Option<u32>) {
    let name = format!("{} {}", level.name(), py_version(version));
    let (rs, templates) = secctx_side(root, files, level, version);

    let mut same = 0;
    let mut mismatched = Vec::new();
    // category -> (pods, files)
    let mut pods_by_category: BTreeMap<&str, usize> = BTreeMap::new();
    let mut unexplained = Vec::new();
    let mut same_texts = 0;
    for (key, pod) in &py.pods {
        let category = match rs.pods.get(key) {
            Some(ours) if ours.ids == pod.ids => {
                same += 1;
                if ours.texts == pod.texts {
                    same_texts += 1;
                } else {
                    mismatched.push(format!(
                        "{key:?}: secctx {:?}, pss_check.py {:?}",
                        ours.texts, pod.texts
                    ));
                }
                continue;
            }
            Some(ours) => {
                mismatched.push(format!(
                    "{key:?} {}: secctx {:?}, pss_check.py {:?}",
                    pod.kind, ours.ids, pod.ids
                ));
                continue;
            }
            None if templates.contains(&key.0) => Some("template"),
            None => match rs.errors.get(&key.0) {
                Some(message) => Some(secctx_error_category(message)),
                None => python_only_category(&pod.notes),
            },
        };
        match category {
            Some(c) => *pods_by_category.entry(c).or_default() += 1,
            None => unexplained.push(format!(
                "only pss_check.py: {key:?} {} {:?}",
                pod.kind, pod.notes
            )),
        }
    }
    for (key, pod) in &rs.pods {
        if py.pods.contains_key(key) {
            continue;
        }
        if py.errors.contains_key(&key.0) {
            *pods_by_category.entry("pyyaml-refuses").or_default() += 1;
        } else {
            unexplained.push(format!("only secctx: {key:?} {}", pod.kind));
        }
    }
    let mut files_by_category: BTreeMap<&str, usize> = BTreeMap::new();
    for (file, message) in &rs.errors {
        if !py.errors.contains_key(file) {
            *files_by_category
                .entry(secctx_error_category(message))
                .or_default() += 1;
        }
    }
    for file in py.errors.keys() {
        if templates.contains(file) {
            *files_by_category
                .entry("template (both skip/refuse)")
                .or_default() += 1;
        } else if rs.no_pods.contains(file) {
            *files_by_category
                .entry("pyyaml error, no pod spec for secctx")
                .or_default() += 1;
        } else if !rs.errors.contains_key(file) {
            *files_by_category.entry("pyyaml-refuses").or_default() += 1;
        }
    }
    let common = py.pods.keys().filter(|k| rs.pods.contains_key(*k)).count();
    println!("[{name}] manifest files: {}", files.len());
    println!(
        "[{name}] pod specs: pss_check.py {}, secctx {}, found by both {common}; same failing checks: {same}/{common}, same reasons and details: {same_texts}/{common}",
        py.pods.len(),
        rs.pods.len()
    );
    println!(
        "[{name}] unreadable files: pss_check.py {}, secctx {} errors + {} templates skipped",
        py.errors.len(),
        rs.errors.len(),
        templates.len()
    );
    println!("[{name}] pods found by one side only, by reason: {pods_by_category:?}");
    println!("[{name}] files read by one side only, by reason: {files_by_category:?}");
    for m in mismatched.iter().chain(&unexplained).take(40) {
        println!("[{name}] DIFF {m}");
    }
    assert!(
        mismatched.is_empty(),
        "{} pods fail different checks",
        mismatched.len()
    );
    assert!(
        unexplained.is_empty(),
        "{} unexplained differences",
        unexplained.len()
    );
    assert!(same > 0);
}

#[test]
fn corpus_agrees_with_pss_check() {
    let (Some(pss), Some(corpus)) = (
        std::env::var_os("SECCTX_PSS"),
        std::env::var_os("SECCTX_CORPUS"),
    ) else {
        eprintln!(
            "skipped: set SECCTX_PSS (../shared/pss) and SECCTX_CORPUS (../shared/corpus) to run"
        );
        return;
    };
    let tmp = tempfile::tempdir().expect("temp dir");
    let root = tmp.path().join("corpus");
    copy_tree(Path::new(&corpus), &root);
    let mut files = Vec::new();
    manifest_files(&root, &mut files);
    assert!(files.len() > 100, "corpus has {} manifests", files.len());
    // Latest at both levels, and v1.24: before the Windows exemptions (1.25) and the
    // user-namespace relaxations (1.35), with runAsUser (1.23) already in.
    let runs = [
        (Level::Restricted, None),
        (Level::Baseline, None),
        (Level::Restricted, Some(24)),
    ];
    let pss = Path::new(&pss);
    let references: Vec<Side> = std::thread::scope(|scope| {
        let handles: Vec<_> = runs
            .iter()
            .map(|&(level, version)| {
                let root = &root;
                scope.spawn(move || python_side(pss, root, level.name(), &py_version(version)))
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("reference run"))
            .collect()
    });
    for ((level, version), py) in runs.into_iter().zip(&references) {
        compare(py, &root, &files, level, version);
    }
}
