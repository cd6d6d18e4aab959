//! `fix` does not parse files without `ontainers` (every pod spec it edits has a `containers`,
//! `initContainers` or `ephemeralContainers` key) or a backslash: this shows the shortcut misses
//! nothing, on hand-written traps and (with `SECCTX_CORPUS`) on every
//! corpus file: wherever the shortcut applies, the full pipeline would not have changed or
//! reported anything either. `check`'s shortcut (the word `spec`) is held to the same: no file it
//! skips holds a pod spec; and its per-document path reports what the whole stream reports.

use std::path::Path;

use secctx::check::{CheckOptions, CheckOutcome, Level, check_bytes_with};
use secctx::fix::{
    Outcome, fix_bytes_with, may_hold_any_pod_spec, may_hold_pod_spec, parse_file, pieces,
};
use secctx::k8s::find::find_pod_specs;
use secctx::settings::Settings;
use yaml_rust2::YamlLoader;

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

/// `check`'s shortcut on one input: a file it skips holds no pod spec (with or without
/// containers) when parsed in full. Returns whether it was skipped.
fn check_skips_no_pod_spec(name: &str, text: &str) -> bool {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    if may_hold_any_pod_spec(text) {
        return false;
    }
    if let Ok(tree) = parse_file(text) {
        for doc in &tree.docs {
            let found = find_pod_specs(&tree, doc.root, &Settings::default());
            assert!(
                found.is_empty(),
                "{name}: skipped by check's shortcut but holds {} pod spec(s)",
                found.len()
            );
        }
    }
    true
}

#[test]
fn check_skips_only_files_without_any_pod_spec() {
    let crd = "apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nspec:\n  versions: []\n";
    let skipped = [
        "apiVersion: v1\nkind: ConfigMap\ndata:\n  spec: |\n    kind: Pod\n    spec: {}\n",
        crd,
        "replicaCount: 1\nspec: {}\n",
        "apiVersion: v1\nkind: SecretList\nitems:\n- kind: Secret\n  spec: {}\n",
        "a: b\n",
    ];
    for (i, text) in skipped.iter().enumerate() {
        assert!(
            check_skips_no_pod_spec(&format!("skipped #{i}"), text),
            "expected skipped: {text}"
        );
    }
    let parsed = [
        // A patch that only adds a volume: a pod spec without containers.
        "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: a}\nspec:\n  template:\n    spec:\n      volumes: [{name: h, hostPath: {path: /}}]\n",
        // The key spelled with an escape.
        "apiVersion: v1\nkind: Pod\n\"sp\\x65c\": {hostNetwork: true}\n",
        // A podless document beside a workload.
        &format!("{crd}---\napiVersion: v1\nkind: Pod\nspec: {{}}\n"),
        // No kind line, but an alias could bring the object in.
        "a: &x {kind: Pod, spec: {}}\nb: *x\n",
        // Two kind lines: not plain enough to judge.
        "kind: ConfigMap\nkind: Pod\nspec: {}\n",
        // A template is parsed, to be reported as one, whatever kind it names.
        "{{- if .Values.monitor }}\nkind: ServiceMonitor\nspec: {}\n{{- end }}\n",
        // A quoted kind is not read as podless.
        "apiVersion: v1\nkind: \"Pod\"\nspec: {}\n",
    ];
    for text in parsed {
        assert!(may_hold_any_pod_spec(text), "expected parsed: {text}");
    }
}

/// `check`'s per-document path against the whole stream, on one input: the same report (pods
/// with their document indexes and lines, findings, fixability) wherever the whole stream can be
/// read (where it cannot, it fails, or is taken for a template when it holds `{{`). Returns the
/// two outcomes.
fn check_pieces_change_nothing(name: &str, input: &[u8]) -> (CheckOutcome, CheckOutcome) {
    let settings = Settings::default();
    let opts = CheckOptions {
        level: Level::Restricted,
        version: None,
    };
    let fast = check_bytes_with(input, &settings, &opts, true);
    let full = check_bytes_with(input, &settings, &opts, false);
    let text = String::from_utf8_lossy(input);
    if parse_file(text.strip_prefix('\u{feff}').unwrap_or(&text)).is_ok() {
        assert_eq!(
            format!("{fast:#?}"),
            format!("{full:#?}"),
            "{name}: check per document differs from the whole stream"
        );
    }
    (fast.outcome, full.outcome)
}

#[test]
fn check_per_document_reports_what_the_whole_stream_reports() {
    let deployment = |name: &str| {
        format!(
            "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {name}\nspec:\n  template:\n    spec:\n      hostNetwork: true\n      containers:\n      - name: app\n        image: app:1\n        securityContext: {{runAsUser: 0}}\n"
        )
    };
    let config_map =
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\ndata:\n  spec: |\n    a: b\n";
    let service =
        "apiVersion: v1\nkind: Service\nmetadata:\n  name: s\nspec:\n  ports: [{port: 80}]\n";
    let crd = "apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nspec:\n  versions: []\n";
    let cases = [
        // A bundle: podless documents between workloads move lines and document indexes.
        format!(
            "# bundle\n{config_map}---\n{}---\n{crd}---\n{service}---\n{}",
            deployment("a"),
            deployment("b")
        ),
        // A first piece of comments only holds no document.
        format!("# header\n\n---\n{config_map}---\n{}", deployment("a")),
        // Empty documents count.
        format!("---\n---\n{config_map}---\n---\n{}", deployment("a")),
        // CRLF.
        format!("{config_map}---\n{}", deployment("a")).replace('\n', "\r\n"),
        // Kept whole: a lone CR, a `...` marker, an alias of an anchor in another document (the
        // aliasing piece does not parse alone).
        format!("{config_map}---\n{}", deployment("a")).replacen('\n', "\r", 1),
        // (after `...` a bare document follows: the ConfigMap's piece holds two)
        format!("{config_map}...\nkind: Secret\n---\n{}", deployment("a")),
        format!(
            "{}  labels: &l {{app: a}}\n---\n{}  labels: *l\n",
            deployment("a"),
            deployment("b")
        ),
        // A pod spec without containers beside a Service.
        format!(
            "{service}---\napiVersion: apps/v1\nkind: Deployment\nmetadata: {{name: p}}\nspec:\n  template:\n    spec:\n      volumes: [{{name: h, hostPath: {{path: /}}}}]\n"
        ),
        // A template piece makes the stream a template, as whole.
        format!(
            "{}---\n{{{{ if .Values.x }}}}\nkind: Pod\n{{{{ end }}}}\n",
            deployment("a")
        ),
    ];
    for (i, case) in cases.iter().enumerate() {
        let (fast, full) = check_pieces_change_nothing(&format!("case {i}"), case.as_bytes());
        assert!(
            !matches!(full, CheckOutcome::Failed(_)),
            "case {i} should parse whole: {full:?}"
        );
        assert_eq!(fast, full);
    }
    // An invalid document that cannot hold a pod spec does not stop the audit of the workload
    // beside it (as in `fix`); the whole stream fails on it.
    let text = format!("{config_map}  bad: [\n---\n{}", deployment("a"));
    let (fast, full) = check_pieces_change_nothing("invalid neighbour", text.as_bytes());
    assert!(matches!(full, CheckOutcome::Failed(_)), "{full:?}");
    assert_eq!(fast, CheckOutcome::Checked);
}

/// The per-document path (`fix::pieces`: only the documents that may hold a pod spec are parsed,
/// edited and verified, each on its own) against the whole-stream path, on one input: the same
/// outcome, output and findings wherever the whole stream can be read. Where it cannot, the
/// problem must lie in a document the shortcut does not read (then it may edit the others).
/// Returns whether the input went the per-document way.
fn shortcuts_change_nothing(name: &str, input: &[u8]) -> bool {
    let settings = Settings::default();
    let fast = fix_bytes_with(input, &settings, true);
    let full = fix_bytes_with(input, &settings, false);
    let text = String::from_utf8_lossy(input);
    let body = text.strip_prefix('\u{feff}').unwrap_or(&text);
    let split = if may_hold_pod_spec(body) {
        pieces(body)
    } else {
        None
    };
    if let Some(split) = &split {
        // Each piece starts at a `---` line (the first at the start), in order.
        assert_eq!(split[0].start, 0, "{name}");
        for w in split.windows(2) {
            assert!(w[0].start < w[1].start, "{name}: {split:?}");
            assert!(body[w[1].start..].starts_with("---"), "{name}: {split:?}");
            let lines = body[..w[1].start].split_inclusive('\n').count();
            if !body.contains('\r') {
                assert_eq!(w[1].line, lines, "{name}: line count of {w:?}");
            }
        }
    }
    match (&fast.outcome, &full.outcome) {
        (_, Outcome::Failed(e))
            if e.kind == "invalid-yaml" && !matches!(fast.outcome, Outcome::Failed(_)) =>
        {
            if !may_hold_pod_spec(body) {
                // Not read at all: `full_pipeline_does_nothing` covers it.
                return false;
            }
            let split = split.as_ref().unwrap_or_else(|| {
                panic!(
                    "{name}: the whole stream fails ({e:?}) but the shortcut does not: {:?}",
                    fast.outcome
                )
            });
            let line = e.line.expect("parse errors have a line");
            let i = split.partition_point(|p| p.line < line) - 1;
            let unread = !split[i].selected
                || (split[i].line + 1 == line && i > 0 && !split[i - 1].selected);
            assert!(
                unread,
                "{name}: the whole stream fails at line {line} ({}), in a document the shortcut reads",
                e.message
            );
        }
        (Outcome::Skipped(_) | Outcome::Unchanged, Outcome::Skipped(_) | Outcome::Unchanged)
            if full.findings.is_empty() =>
        {
            assert!(fast.findings.is_empty(), "{name}: {:?}", fast.findings);
        }
        (a, b) => {
            assert_eq!(a, b, "{name}: the shortcut changed the outcome");
            assert_eq!(
                fast.findings, full.findings,
                "{name}: the shortcut changed the findings"
            );
            if let Outcome::Changed { .. } = a {
                assert_eq!(fast.stats.pod_specs, full.stats.pod_specs, "{name}");
                assert_eq!(fast.stats.changes, full.stats.changes, "{name}");
            }
        }
    }
    split.is_some()
}

/// Every piece of a stream that parses whole parses on its own to the same documents.
fn pieces_hold_the_same_documents(name: &str, body: &str) {
    let Some(split) = pieces(body) else { return };
    let Ok(whole) = YamlLoader::load_from_str(body) else {
        return;
    };
    let mut joined = Vec::new();
    for (i, p) in split.iter().enumerate() {
        let end = split.get(i + 1).map_or(body.len(), |q| q.start);
        match YamlLoader::load_from_str(&body[p.start..end]) {
            Ok(docs) => joined.extend(docs),
            // Leaning on an earlier piece (an alias): the pipeline falls back to the whole stream.
            Err(e) if e.info().contains("anchor") => return,
            Err(e) => panic!("{name}: piece {i} does not parse alone: {e}"),
        }
    }
    assert_eq!(
        joined, whole,
        "{name}: the pieces hold other documents than the stream"
    );
}

#[test]
fn documents_are_split_only_at_markers_and_each_is_handled_as_in_the_whole_stream() {
    let pod = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: a\nspec:\n  containers:\n  - name: a\n    image: x\n";
    let cases: Vec<(&str, String)> = vec![
        ("two pods", format!("{pod}---\n{pod}")),
        (
            "pod and service",
            format!("# head\n---\napiVersion: v1\nkind: Service\nspec: {{}}\n--- # c\n{pod}"),
        ),
        (
            "indented marker in a block scalar",
            format!(
                "apiVersion: v1\nkind: ConfigMap\ndata:\n  x: |\n    ---\n    containers: 1\n---\n{pod}"
            ),
        ),
        (
            "marker-like text",
            format!("apiVersion: v1\nkind: ConfigMap\ndata:\n  x: a\n---x: 1\n---\n{pod}"),
        ),
        (
            "tab and properties after markers",
            format!("---\t\n{pod}--- !!map\n{pod}"),
        ),
        (
            "dots then a bare document",
            format!("{pod}...\n{pod}---\n{pod}"),
        ),
        ("crlf", format!("{pod}---\n{pod}").replace('\n', "\r\n")),
        ("lone cr", format!("{pod}---\n{pod}").replace('\n', "\r")),
        (
            "no final line break",
            format!("{pod}---\n{}", pod.trim_end()),
        ),
        ("empty documents", format!("---\n---\n{pod}---\n")),
        ("directive", format!("%YAML 1.2\n---\n{pod}---\n{pod}")),
        (
            "alias across documents",
            format!(
                "{}---\n{}",
                pod.replace("- name: a", "- &c\n    name: a"),
                "apiVersion: v1\nkind: Pod\nspec:\n  containers:\n  - *c\n"
            ),
        ),
        (
            "invalid configmap beside a pod",
            format!("apiVersion: v1\nkind: ConfigMap\ndata: [\n---\n{pod}"),
        ),
        (
            "invalid pod beside a pod",
            format!("{pod}---\n{}", pod.replace("image: x", "image: [x")),
        ),
        ("template", format!("{pod}---\n{{{{ .Values.x }}}}\n")),
        (
            "top-level block scalar document",
            format!("--- |\n  text\n---\n{pod}"),
        ),
        (
            "quoted string across lines",
            format!("apiVersion: v1\nkind: ConfigMap\ndata:\n  x: \"a\n\n    b\"\n---\n{pod}"),
        ),
    ];
    let mut split = 0;
    for (name, text) in &cases {
        pieces_hold_the_same_documents(name, text);
        split += usize::from(shortcuts_change_nothing(name, text.as_bytes()));
    }
    assert!(
        split >= 10,
        "most cases take the per-document path: {split}"
    );
    // The invalid ConfigMap does not stop the Deployment beside it.
    let (_, text) = cases
        .iter()
        .find(|(n, _)| *n == "invalid configmap beside a pod")
        .expect("case");
    let report = fix_bytes_with(text.as_bytes(), &Settings::default(), true);
    assert!(
        matches!(report.outcome, Outcome::Changed { .. }),
        "{:?}",
        report.outcome
    );
}

#[test]
fn anchors_shared_across_documents_keep_the_stream_whole() {
    let pod = "apiVersion: v1\nkind: Pod\nspec:\n  containers:\n  - name: a\n";
    // An anchor and its alias in one document: handled per document (the editor sees the
    // sharing) and refused there.
    let own = format!("{pod}---\napiVersion: v1\nkind: Pod\nspec: &s\n  containers: []\nx: *s\n");
    assert!(pieces(&own).is_some());
    shortcuts_change_nothing("own", own.as_bytes());
    // An anchor in a document that is read, an alias in another: the whole stream decides, and
    // the editor refuses to edit the shared pod spec.
    let shared = format!(
        "apiVersion: v1\nkind: Pod\nspec: &s\n  containers: [{{name: a}}]\n---\nkind: Pod\nspec: *s\n---\n{pod}"
    );
    assert!(shortcuts_change_nothing("shared", shared.as_bytes()));
    let report = fix_bytes_with(shared.as_bytes(), &Settings::default(), true);
    assert!(
        report.findings.iter().any(|f| f.message.contains("alias")),
        "{:?}",
        report.findings
    );
    // `*` and `&` in text (globs, shell) cost nothing.
    let globs = format!(
        "apiVersion: v1\nkind: Pod\nspec:\n  containers:\n  - name: a\n    args: [\"ls *.yaml && echo\"]\n---\napiVersion: v1\nkind: ConfigMap\ndata:\n  cmd: ls *.yaml && echo\n---\n{pod}"
    );
    assert!(pieces(&globs).is_some());
    assert!(shortcuts_change_nothing("globs", globs.as_bytes()));
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
    // Lists of podless kinds are podless; a plain `List` may hold anything.
    assert!(!may_hold_pod_spec(
        "kind: ConfigMapList\nitems:\n- kind: ConfigMap\n  data: {a: containers}\n"
    ));
    assert!(may_hold_pod_spec(
        "kind: List\nitems:\n- kind: Pod\n  spec: {containers: []}\n"
    ));
    // No `kind` at all (Helm values): no object. Unless an alias could bring the key, or an
    // anchor could lend the pod spec to another document.
    assert!(!may_hold_pod_spec(
        "image: x\ncontainers:\n  securityContext: {}\n"
    ));
    assert!(may_hold_pod_spec("? *k\n: Pod\nspec: {containers: []}\n"));
    assert!(may_hold_pod_spec("x: &c {containers: []}\n"));
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
    let mut split = 0;
    let mut check_skipped = 0;
    let mut checked = 0;
    for f in &files {
        let bytes = std::fs::read(f).expect("read");
        let text = String::from_utf8_lossy(&bytes);
        if !may_hold_pod_spec(&text) {
            skipped += 1;
        }
        full_pipeline_does_nothing(&f.display().to_string(), &bytes);
        let name = f.display().to_string();
        if shortcuts_change_nothing(&name, &bytes) {
            split += 1;
        }
        pieces_hold_the_same_documents(&name, text.strip_prefix('\u{feff}').unwrap_or(&text));
        if check_skips_no_pod_spec(&name, &text) {
            check_skipped += 1;
        }
        if let (CheckOutcome::Checked, CheckOutcome::Checked) =
            check_pieces_change_nothing(&name, &bytes)
        {
            checked += 1;
        }
    }
    eprintln!(
        "{check_skipped} of {} corpus files skipped by check's shortcut; none holds a pod spec",
        files.len()
    );
    eprintln!("{checked} corpus files checked alike per document and whole");
    assert!(checked > 300, "check audits the corpus's workloads");
    assert!(
        check_skipped > 500,
        "check's shortcut should apply to many corpus files"
    );
    eprintln!(
        "{skipped} of {} corpus files skipped by the shortcut; none needed anything; {split} \
         handled per document, as the whole stream would be",
        files.len()
    );
    assert!(
        split > 50,
        "multi-document files with pod specs take the per-document path"
    );
    assert!(
        skipped > 1000,
        "the shortcut should apply to most corpus files"
    );
}
