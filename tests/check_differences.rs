//! The known differences between `secctx check` and `pss_check.py` on the corpus
//! (`tests/check_corpus.rs` sorts every difference into one of these), one test each.
//!
//! Each test pins secctx's behaviour on a small manifest; when `SECCTX_PSS` is set it also runs
//! `pss_check.py` on the same text and pins the reference's behaviour, so the difference itself
//! is shown, not only described.

use std::path::PathBuf;
use std::process::Command;

use secctx::check::{CheckOptions, CheckOutcome, CheckReport, Level, check_bytes};
use secctx::fix::SkipReason;
use secctx::settings::{PodSpecPath, Settings};

const RESTRICTED: CheckOptions = CheckOptions {
    level: Level::Restricted,
    version: None,
};

fn check(text: &str) -> CheckReport {
    check_bytes(text.as_bytes(), &Settings::default(), &RESTRICTED)
}

/// What pss_check.py says about `text` at restricted/latest: `Ok(failing ids per pod)` or
/// `Err(parse error)`. `None` when `SECCTX_PSS` is not set.
fn reference(text: &str) -> Option<Result<Vec<Vec<String>>, String>> {
    let pss = PathBuf::from(std::env::var_os("SECCTX_PSS")?);
    let dir = tempfile::tempdir().expect("temp dir");
    let file = dir.path().join("case.yaml");
    std::fs::write(&file, text).expect("write case");
    let out = Command::new("python3")
        .arg(pss.join("pss_check.py"))
        .args(["--level", "restricted", "--no-summary"])
        .arg(&file)
        .output()
        .expect("python3 runs (pip install pyyaml if it is missing)");
    let mut pods = Vec::new();
    for line in String::from_utf8_lossy(&out.stdout).lines() {
        let v: serde_json::Value = serde_json::from_str(line).expect("JSON line");
        if let Some(e) = v.get("error") {
            return Some(Err(e.as_str().unwrap_or_default().to_string()));
        }
        let ids = v["failures"]
            .as_array()
            .expect("failures")
            .iter()
            .map(|f| f["id"].as_str().expect("id").to_string())
            .collect();
        pods.push(ids);
    }
    Some(Ok(pods))
}

fn ids(report: &CheckReport) -> Vec<Vec<String>> {
    report
        .pods
        .iter()
        .map(|p| p.failures.iter().map(|f| f.id.clone()).collect())
        .collect()
}

const ALL_FOUR: [&str; 4] = [
    "allowPrivilegeEscalation",
    "capabilities_restricted",
    "runAsNonRoot",
    "seccompProfile_restricted",
];

/// `synthesized`: pss_check.py assembles pods for Tekton steps, Argo Workflow templates and
/// Spark driver/executor specs; those are not PodSpecs in the file (the controller builds the
/// pod, adding containers of its own), so the finder that `fix` and `check` share reports none.
#[test]
fn synthesized_pods_of_workflow_engines_are_not_pod_specs() {
    let cases = [
        "apiVersion: tekton.dev/v1\nkind: Task\nmetadata: {name: t}\nspec:\n  steps:\n  - name: s\n    image: alpine\n",
        "apiVersion: argoproj.io/v1alpha1\nkind: Workflow\nmetadata: {name: w}\nspec:\n  entrypoint: main\n  templates:\n  - name: main\n    container: {image: alpine}\n",
        "apiVersion: sparkoperator.k8s.io/v1beta2\nkind: SparkApplication\nmetadata: {name: s}\nspec:\n  driver: {cores: 1}\n  executor: {instances: 1}\n",
    ];
    for text in cases {
        let report = check(text);
        assert_eq!(
            report.outcome,
            CheckOutcome::Skipped(SkipReason::NotKubernetes),
            "{text}"
        );
        assert!(report.pods.is_empty());
        if let Some(r) = reference(text) {
            let pods = r.expect("pss_check.py reads it");
            assert!(
                !pods.is_empty(),
                "pss_check.py synthesizes a pod for {text}"
            );
        }
    }
}

/// `heuristic`: pss_check.py guesses a pod spec in any unknown object (or bare mapping) with a
/// `containers` list. secctx reads only documented locations, plus the config's
/// `pod_spec_paths`, which is how such a CRD is brought in.
#[test]
fn unknown_kinds_need_a_configured_pod_spec_path() {
    let text = "apiVersion: example.com/v1\nkind: Viewer\nmetadata: {name: v}\nspec:\n  podSpec:\n    containers:\n    - name: main\n      image: x\n";
    assert_eq!(
        check(text).outcome,
        CheckOutcome::Skipped(SkipReason::NotKubernetes)
    );
    let mut settings = Settings::default();
    settings.extra_pod_spec_paths.push(PodSpecPath {
        api_group: "example.com".into(),
        kind: "Viewer".into(),
        path: vec!["spec".into(), "podSpec".into()],
    });
    let report = check_bytes(text.as_bytes(), &settings, &RESTRICTED);
    assert_eq!(report.outcome, CheckOutcome::Checked);
    assert_eq!(ids(&report), vec![ALL_FOUR.to_vec()]);
    if let Some(r) = reference(text) {
        assert_eq!(r.expect("pss_check.py reads it"), vec![ALL_FOUR.to_vec()]);
    }
}

/// `duplicate-key`: PyYAML keeps the last of two equal keys (so does a lax decoder); strict
/// field validation (kubectl's default) reports them, and secctx refuses the file, pointing at
/// the second key, rather than guess which value counts.
#[test]
fn duplicate_keys_are_an_error() {
    let text = "apiVersion: v1\nkind: ReplicationController\nspec:\n  selector: {a: b}\n  template:\n    spec:\n      containers: [{name: c}]\n  selector: {a: c}\n";
    match check(text).outcome {
        CheckOutcome::Failed(e) => {
            assert_eq!(e.kind, "invalid-yaml");
            assert_eq!(e.line, Some(8));
            assert!(e.message.contains("duplicate key"), "{}", e.message);
        }
        other => panic!("expected an error, got {other:?}"),
    }
    if let Some(r) = reference(text) {
        assert_eq!(
            r.expect("PyYAML loads duplicate keys"),
            vec![ALL_FOUR.to_vec()]
        );
    }
}

/// `parser-strict`: a flow sequence (or a multi-line quoted scalar) whose continuation lines are
/// indented no deeper than its key. PyYAML and Go's YAML (kubectl, kpt) accept it; secctx's
/// parser (yaml-rust2) refuses it, and the file is reported as an error with its position, never
/// misjudged. Should the parser learn to accept it, the verdict must equal the reference's.
#[test]
fn flow_sequences_closing_at_the_key_column() {
    let text = "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n  - name: c\n    image: x\n    args: [\n      \"a\",\n    ]\n";
    let report = check(text);
    match &report.outcome {
        CheckOutcome::Failed(e) => {
            assert_eq!(e.kind, "invalid-yaml");
            assert!(e.line.is_some_and(|l| (8..=10).contains(&l)), "{e:?}");
        }
        CheckOutcome::Checked => assert_eq!(ids(&report), vec![ALL_FOUR.to_vec()]),
        other => panic!("{other:?}"),
    }
    if let Some(r) = reference(text) {
        assert_eq!(r.expect("PyYAML reads it"), vec![ALL_FOUR.to_vec()]);
    }
}

/// `pyyaml-refuses`: valid YAML that PyYAML cannot load, so pss_check.py reports a parse error
/// and no pod: a template action that is itself valid flow YAML (`{{ .Values.n }}` is a mapping
/// used as a key, which PyYAML cannot hash) and a tab after a value. secctx reads both.
#[test]
fn valid_yaml_that_pyyaml_refuses_is_checked() {
    let cases = [
        "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d}\nspec:\n  replicas: {{ .Values.replicas }}\n  template:\n    spec:\n      containers: [{name: c, image: x}]\n",
        "apiVersion: v1\t\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers: [{name: c, image: x}]\n",
    ];
    for text in cases {
        let report = check(text);
        assert_eq!(report.outcome, CheckOutcome::Checked, "{text}");
        assert_eq!(ids(&report), vec![ALL_FOUR.to_vec()]);
        if let Some(r) = reference(text) {
            assert!(r.is_err(), "PyYAML refuses {text:?}");
        }
    }
}

/// `template`: a Helm template that is not valid YAML is skipped by secctx (with the hint to
/// pipe rendered output through it); PyYAML fails on it too.
#[test]
fn unparseable_templates_are_skipped() {
    let text = "apiVersion: v1\nkind: Pod\nspec:\n  containers:\n  {{- range .Values.containers }}\n  - name: {{ .name }}\n  {{- end }}\n";
    assert_eq!(
        check(text).outcome,
        CheckOutcome::Skipped(SkipReason::Template)
    );
    if let Some(r) = reference(text) {
        assert!(r.is_err());
    }
}
