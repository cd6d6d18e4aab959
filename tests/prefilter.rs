//! `fix` does not parse files without `ontainers` (every pod spec it edits has a `containers`,
//! `initContainers` or `ephemeralContainers` key) or a backslash: this shows the shortcut misses
//! nothing, on hand-written traps and (with `SECCTX_CORPUS`) on every
//! corpus file: wherever the shortcut applies, the full pipeline would not have changed or
//! reported anything either.

use std::path::Path;

use secctx::fix::{Outcome, fix_bytes_with, may_hold_pod_spec};
use secctx::settings::Settings;

fn full_pipeline_does_nothing(name: &str, input: &[u8]) {
    let text = String::from_utf8_lossy(input);
    if may_hold_pod_spec(text.strip_prefix('\u{feff}').unwrap_or(&text)) {
        return;
    }
    let report = fix_bytes_with(input, &Settings::default(), false);
    assert!(
        !matches!(report.outcome, Outcome::Changed { .. }),
        "{name}: skipped by the shortcut but the full pipeline changes it"
    );
    assert!(
        report.findings.is_empty(),
        "{name}: skipped by the shortcut but the full pipeline reports {:?}",
        report.findings
    );
}

#[test]
fn escaped_or_aliased_container_keys_are_not_skipped() {
    // A key spelled with an escape, and a pod spec reached through an alias.
    let escaped = "apiVersion: v1\nkind: Pod\nmetadata: {name: a}\nspec:\n  \"contain\\x65rs\":\n  - name: a\n    image: x\n";
    assert!(may_hold_pod_spec(escaped));
    let report = fix_bytes_with(escaped.as_bytes(), &Settings::default(), true);
    assert!(
        matches!(report.outcome, Outcome::Changed { .. }),
        "{:?}",
        report.outcome
    );
    let aliased =
        "x: &c\n  containers:\n  - {name: a, image: b}\n---\napiVersion: v1\nkind: Pod\nspec: *c\n";
    assert!(may_hold_pod_spec(aliased));
}

#[test]
fn podless_kinds_are_skipped_only_when_every_mentioning_document_is_one() {
    let crd = "kind: CustomResourceDefinition\nspec: {containers: x}\n";
    assert!(!may_hold_pod_spec(crd));
    // A workload beside the CRD, a flow document, or two kind lines: parsed.
    assert!(may_hold_pod_spec(&format!(
        "{crd}---\nkind: Pod\nspec:\n  containers: []\n"
    )));
    assert!(may_hold_pod_spec("{kind: ConfigMap, containers: 1}\n"));
    assert!(may_hold_pod_spec(
        "kind: ConfigMap\n...\nkind: Pod\nspec: {containers: []}\n"
    ));
    // A Knative Service holds a pod template: `Service` is never taken as podless.
    assert!(may_hold_pod_spec(
        "apiVersion: serving.knative.dev/v1\nkind: Service\nspec:\n  template:\n    spec:\n      containers: []\n"
    ));
    // A document without the word does not matter.
    assert!(!may_hold_pod_spec(&format!(
        "kind: Pod\nspec: {{}}\n---\n{crd}"
    )));
}

#[test]
fn files_without_the_word_need_nothing() {
    let cases = [
        (
            "service",
            "apiVersion: v1\nkind: Service\nmetadata: {name: a}\nspec:\n  ports: [{port: 80}]\n",
        ),
        (
            "configmap",
            "apiVersion: v1\nkind: ConfigMap\ndata:\n  a: |\n    b: c\n",
        ),
        (
            "deployment-without-list",
            "apiVersion: apps/v1\nkind: Deployment\nspec:\n  replicas: 3\n",
        ),
        ("invalid", "a: [\n"),
        ("template", "{{ if .Values.x }}\nkind: Pod\n{{ end }}\n"),
        (
            "crd-schema",
            "apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nspec:\n  versions:\n  - schema:\n      openAPIV3Schema:\n        properties:\n          containers:\n            type: array\n",
        ),
    ];
    for (name, text) in cases {
        full_pipeline_does_nothing(name, text.as_bytes());
    }
}

fn walk(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("read dir").flatten() {
        let p = entry.path();
        if p.is_dir() {
            walk(&p, out);
        } else if matches!(p.extension().and_then(|e| e.to_str()), Some("yaml" | "yml")) {
            out.push(p);
        }
    }
}

#[test]
fn corpus_files_skipped_by_the_shortcut_need_nothing() {
    let Some(corpus) = std::env::var_os("SECCTX_CORPUS") else {
        eprintln!("skipped: set SECCTX_CORPUS to run over the corpus");
        return;
    };
    let mut files = Vec::new();
    walk(Path::new(&corpus), &mut files);
    let mut skipped = 0;
    for f in &files {
        let bytes = std::fs::read(f).expect("read");
        let text = String::from_utf8_lossy(&bytes);
        if !may_hold_pod_spec(&text) {
            skipped += 1;
        }
        full_pipeline_does_nothing(&f.display().to_string(), &bytes);
    }
    eprintln!(
        "{skipped} of {} corpus files skipped by the shortcut; none needed anything",
        files.len()
    );
    assert!(
        skipped > 1000,
        "the shortcut should apply to most corpus files"
    );
}
