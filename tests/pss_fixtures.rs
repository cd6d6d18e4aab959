//! `secctx check` against the 4,537 upstream pod-security-admission fixtures
//! (`$SECCTX_PSS/fixtures/test/testdata/<level>/v1.N/{pass,fail}/<checkid><i>.yaml`).
//!
//! Runs when `SECCTX_PSS` names the `pss` folder (`.ci/run` sets it); otherwise prints that it
//! was skipped. For every fixture at its level and version:
//! - the verdict is the expected one (`pass` allowed, `fail` denied);
//! - a `fail` fixture fails the check it is named after (or the restricted check that overrides
//!   it), and the admission message holds the fixture's expected substring (upstream
//!   `expectErrorSubstring`);
//! - the failing check ids, reasons and details equal those of `pss_check.py` (the reference
//!   port; needs `python3` with PyYAML), which the fixtures alone do not pin down when a fixture
//!   fails more than one check.
//!
//! `cargo test --release --test pss_fixtures`

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use secctx::check::{CheckOptions, CheckOutcome, Level, check_bytes};
use secctx::k8s::pss;
use secctx::settings::Settings;

/// Upstream `expectErrorSubstring` per check (test/fixtures_*.go); default: the check id.
fn expected_substring(id: &str) -> &str {
    match id {
        "appArmorProfile" => "forbidden AppArmor profile",
        "capabilities_baseline" => "capabilities",
        "capabilities_restricted" => "unrestricted capabilities",
        "hostNamespaces" => "host namespaces",
        "hostPathVolumes" => "hostPath",
        "hostPorts" => "hostPort",
        "hostProbesAndHostLifecycle" => "probe or lifecycle host",
        "procMount" | "procMount_restricted" => "procMount",
        "restrictedVolumes" => "restricted volume types",
        "seLinuxOptions" => "seLinuxOptions",
        "seccompProfile_baseline" | "seccompProfile_restricted" => "seccompProfile",
        "sysctls" => "forbidden sysctl",
        "windowsHostProcess" => "hostProcess",
        other => other,
    }
}

struct Fixture {
    rel: String,
    path: PathBuf,
    level: Level,
    version: u32,
    pass: bool,
    /// The check the fixture is about (`None` for `base*.yaml`).
    check: Option<String>,
}

fn fixtures(root: &Path) -> Vec<Fixture> {
    let mut out = Vec::new();
    for (level_name, level) in [
        ("baseline", Level::Baseline),
        ("restricted", Level::Restricted),
    ] {
        let level_dir = root.join(level_name);
        let mut versions: Vec<_> = std::fs::read_dir(&level_dir)
            .unwrap_or_else(|e| panic!("{}: {e}", level_dir.display()))
            .map(|e| {
                e.expect("dir entry")
                    .file_name()
                    .to_string_lossy()
                    .into_owned()
            })
            .collect();
        versions.sort();
        for vdir in versions {
            let version: u32 = vdir
                .strip_prefix("v1.")
                .and_then(|m| m.parse().ok())
                .unwrap_or_else(|| panic!("unexpected version folder {vdir}"));
            for outcome in ["pass", "fail"] {
                let dir = level_dir.join(&vdir).join(outcome);
                let Ok(entries) = std::fs::read_dir(&dir) else {
                    continue;
                };
                let mut files: Vec<_> =
                    entries.map(|e| e.expect("dir entry").file_name()).collect();
                files.sort();
                for file in files {
                    let file = file.to_string_lossy().into_owned();
                    let stem = file
                        .trim_end_matches(".yaml")
                        .trim_end_matches(|c: char| c.is_ascii_digit());
                    // `base*.yaml` (pass) are minimal pods; every other name is a check id.
                    let check = pss::checks()
                        .iter()
                        .find(|c| c.id.to_lowercase() == stem)
                        .map(|c| c.id.to_string());
                    assert!(
                        check.is_some() || stem.starts_with("base"),
                        "no check for fixture {file}"
                    );
                    out.push(Fixture {
                        rel: format!("{level_name}/{vdir}/{outcome}/{file}"),
                        path: dir.join(&file),
                        level,
                        version,
                        pass: outcome == "pass",
                        check,
                    });
                }
            }
        }
    }
    out
}

/// pss_check.py's failures per fixture: rel path -> [(id, reason, detail)].
fn oracle(pss_dir: &Path, root: &Path) -> HashMap<String, Vec<(String, String, String)>> {
    const SCRIPT: &str = r#"
import json, os, sys
sys.path.insert(0, sys.argv[1])
import pss_check as P
root = sys.argv[2]
for level in ("baseline", "restricted"):
    for vdir in sorted(os.listdir(os.path.join(root, level))):
        version = P.parse_version(vdir)
        for outcome in ("pass", "fail"):
            d = os.path.join(root, level, vdir, outcome)
            if not os.path.isdir(d):
                continue
            for f in sorted(os.listdir(d)):
                recs, err = P.check_file(os.path.join(d, f), level, version)
                assert not err and len(recs) == 1, (d, f, err)
                print(json.dumps({"rel": "%s/%s/%s/%s" % (level, vdir, outcome, f),
                                  "failures": [[x["id"], x["reason"], x["detail"]] for x in recs[0]["failures"]]}))
"#;
    let out = Command::new("python3")
        .arg("-c")
        .arg(SCRIPT)
        .arg(pss_dir)
        .arg(root)
        .output()
        .expect("python3 runs (pip install pyyaml if it is missing)");
    assert!(
        out.status.success(),
        "pss_check.py failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut map = HashMap::new();
    for line in String::from_utf8_lossy(&out.stdout).lines() {
        let v: serde_json::Value = serde_json::from_str(line).expect("JSON line");
        let rel = v["rel"].as_str().expect("rel").to_string();
        let failures = v["failures"]
            .as_array()
            .expect("failures")
            .iter()
            .map(|f| {
                let s = |i: usize| f[i].as_str().expect("string").to_string();
                (s(0), s(1), s(2))
            })
            .collect();
        map.insert(rel, failures);
    }
    map
}

#[test]
fn upstream_fixtures_agree() {
    let Some(pss_dir) = std::env::var_os("SECCTX_PSS") else {
        eprintln!("skipped: set SECCTX_PSS to the pss folder (../shared/pss) to run the fixtures");
        return;
    };
    let pss_dir = PathBuf::from(pss_dir);
    let root = pss_dir.join("fixtures/test/testdata");
    let all = fixtures(&root);
    assert_eq!(all.len(), 4537, "fixture count");
    let reference = oracle(&pss_dir, &root);
    assert_eq!(reference.len(), all.len());

    let settings = Settings::default();
    let (mut verdicts, mut named, mut exact, mut texts) = (0, 0, 0, 0);
    let mut problems = Vec::new();
    for f in &all {
        let input = std::fs::read(&f.path).expect("read fixture");
        let report = check_bytes(
            &input,
            &settings,
            &CheckOptions {
                level: f.level,
                version: Some(f.version),
            },
        );
        assert_eq!(report.outcome, CheckOutcome::Checked, "{}", f.rel);
        assert_eq!(report.pods.len(), 1, "{}", f.rel);
        let pod = &report.pods[0];
        let ids: Vec<&str> = pod.failures.iter().map(|x| x.id.as_str()).collect();

        if pod.allowed == f.pass && pod.allowed == pod.failures.is_empty() {
            verdicts += 1;
        } else {
            problems.push(format!(
                "{}: verdict allowed={} failures={ids:?}",
                f.rel, pod.allowed
            ));
        }
        if let (false, Some(check)) = (f.pass, &f.check) {
            let accepted: Vec<&str> = std::iter::once(check.as_str())
                .chain(
                    pss::active_checks(f.level, f.version)
                        .into_iter()
                        .filter(|id| overrides(id) == Some(check.as_str())),
                )
                .collect();
            let message: Vec<String> = pod
                .failures
                .iter()
                .map(|x| pss::forbidden(&x.reason, &x.detail))
                .collect();
            if ids.iter().any(|id| accepted.contains(id))
                && message.join(", ").contains(expected_substring(check))
            {
                named += 1;
            } else {
                problems.push(format!(
                    "{}: expected {accepted:?} in {ids:?}: {message:?}",
                    f.rel
                ));
            }
        }
        let expected = &reference[&f.rel];
        let expected_ids: Vec<&str> = expected.iter().map(|x| x.0.as_str()).collect();
        if ids == expected_ids {
            exact += 1;
        } else {
            problems.push(format!(
                "{}: ids {ids:?}, pss_check.py {expected_ids:?}",
                f.rel
            ));
        }
        let got: Vec<(String, String, String)> = pod
            .failures
            .iter()
            .map(|x| (x.id.clone(), x.reason.clone(), x.detail.clone()))
            .collect();
        if &got == expected {
            texts += 1;
        } else if ids == expected_ids {
            problems.push(format!(
                "{}: texts {got:?}, pss_check.py {expected:?}",
                f.rel
            ));
        }
        // Every failing check has at least one finding, named by the check id.
        for id in &ids {
            assert!(
                report.findings.iter().any(|x| x.rule == *id),
                "{}: no finding for {id}",
                f.rel
            );
        }
    }
    let fails = all.iter().filter(|f| !f.pass).count();
    println!("fixtures: {}", all.len());
    println!("verdict agreement: {verdicts}/{}", all.len());
    println!("fail fixtures failing their own check with the expected message: {named}/{fails}");
    println!(
        "failing check ids equal to pss_check.py: {exact}/{}",
        all.len()
    );
    println!(
        "reasons and details equal to pss_check.py: {texts}/{}",
        all.len()
    );
    for p in problems.iter().take(30) {
        println!("MISMATCH {p}");
    }
    assert!(problems.is_empty(), "{} mismatches", problems.len());
}

/// The baseline check a restricted check replaces (registry.go OverrideCheckIDs).
fn overrides(id: &str) -> Option<&'static str> {
    match id {
        "capabilities_restricted" => Some("capabilities_baseline"),
        "procMount_restricted" => Some("procMount"),
        "restrictedVolumes" => Some("hostPathVolumes"),
        "seccompProfile_restricted" => Some("seccompProfile_baseline"),
        _ => None,
    }
}
