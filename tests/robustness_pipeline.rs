//! The whole one-file pipeline (`secctx::fix::fix_bytes`) against any bytes: either a clean
//! refusal, or output that parses, keeps the input's value (plus only what hardening adds) and is
//! idempotent.
//!
//! `check_pipeline` is the fuzz target's body (`fuzz/fuzz_targets/pipeline.rs` includes this file
//! as a module); the tests below replay inputs the fuzzer found and hand-made worst cases, each
//! named after what broke or what it guards. `check`'s reading of the same bytes is held to its
//! own promises here too (see `check_audit`).

#![allow(dead_code)]

use secctx::check::{CheckOptions, Level, check_bytes_with};
use secctx::fix::{
    Outcome, SkipReason, fix_bytes, fix_bytes_with, may_hold_any_pod_spec, parse_file, pieces,
};
use secctx::k8s::find::find_pod_specs;
use secctx::settings::Settings;
use secctx::yaml::text::strip_bom;
use secctx::yaml::tree::{Kind, NodeId, Tree, parse};
use yaml_rust2::{Yaml, YamlLoader};

/// The settings the fuzzer tries: the defaults, and `--force --run-as-user 1000` (which may flip
/// explicit values, so only "nothing is lost" is checked for it).
pub fn settings_under_test() -> [(Settings, bool); 2] {
    let forced = Settings {
        force: true,
        run_as_user: Some(1000),
        ..Settings::default()
    };
    [(Settings::default(), false), (forced, true)]
}

/// Runs the pipeline over `data` with each setting and panics (a fuzzer crash) on any broken
/// promise.
pub fn check_pipeline(data: &[u8]) {
    for (settings, forced) in settings_under_test() {
        check_one(data, &settings, forced);
    }
    check_audit(data);
}

/// `secctx check` on `data`: a file its shortcut skips holds no pod spec, and its per-document
/// report equals the whole stream's wherever the whole stream can be read (where it cannot, the
/// whole stream fails or is taken for a template, and the per-document path may still audit the
/// documents that parse, as `fix` edits them).
fn check_audit(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let body = strip_bom(text).0;
    let Ok(tree) = parse_file(body) else {
        return;
    };
    if !may_hold_any_pod_spec(body) {
        for doc in &tree.docs {
            assert!(
                find_pod_specs(&tree, doc.root, &Settings::default()).is_empty(),
                "check's shortcut skips a pod spec"
            );
        }
    }
    let opts = CheckOptions {
        level: Level::Restricted,
        version: None,
    };
    let settings = Settings::default();
    let fast = check_bytes_with(data, &settings, &opts, true);
    let full = check_bytes_with(data, &settings, &opts, false);
    assert_eq!(
        format!("{fast:?}"),
        format!("{full:?}"),
        "check per document differs from the whole stream"
    );
}

fn check_one(data: &[u8], settings: &Settings, forced: bool) {
    let report = fix_bytes(data, settings);
    // YAML's line breaks: LF, CRLF, and a lone CR.
    let lines = 1 + data
        .iter()
        .enumerate()
        .filter(|&(i, &b)| b == b'\n' || (b == b'\r' && data.get(i + 1) != Some(&b'\n')))
        .count();
    for f in &report.findings {
        assert!(
            f.line >= 1 && f.line <= lines && f.col >= 1,
            "finding outside the file: {f:?}"
        );
    }
    // The prefilter (files without `containers` are not parsed) never changes the outcome.
    let unfiltered = fix_bytes_with(data, settings, false);
    let same = match (&report.outcome, &unfiltered.outcome) {
        (Outcome::Changed { output: a }, Outcome::Changed { output: b }) => a == b,
        (Outcome::Unchanged | Outcome::Skipped(_), Outcome::Unchanged | Outcome::Skipped(_)) => {
            true
        }
        (Outcome::Failed(_), Outcome::Failed(_)) => true,
        // An invalid file that cannot hold a pod spec is skipped by the prefilter.
        (Outcome::Skipped(_), Outcome::Failed(_)) => true,
        // A stream whose invalid documents cannot hold a pod spec: the others are handled (the
        // checks below then go piece by piece).
        (Outcome::Changed { .. } | Outcome::Unchanged, Outcome::Failed(e)) => {
            e.kind == "invalid-yaml" && split(data).is_some()
        }
        // The same where the text holds `{{` anywhere (even quoted): the whole stream's failure
        // is then taken for a Helm template.
        (Outcome::Changed { .. }, Outcome::Skipped(SkipReason::Template)) => {
            split(data).is_some()
                && std::str::from_utf8(data).is_ok_and(|t| parse(strip_bom(t).0).is_err())
        }
        _ => false,
    };
    assert!(
        same,
        "the prefilter changed the outcome: {:?} vs {:?}",
        report.outcome, unfiltered.outcome
    );
    let Outcome::Changed { output } = report.outcome else {
        return;
    };
    assert_ne!(output, data, "Changed must change something");
    let input = std::str::from_utf8(data).expect("only UTF-8 input is ever changed");
    let text = std::str::from_utf8(&output).expect("the output is UTF-8");
    let (in_body, in_bom) = strip_bom(input);
    let (out_body, out_bom) = strip_bom(text);
    assert_eq!(in_bom, out_bom, "the BOM is kept");
    assert_eq!(
        in_body.ends_with('\n'),
        out_body.ends_with('\n'),
        "the final line break (or its absence) is kept"
    );
    if !input.contains('\r') {
        assert!(!text.contains('\r'), "no CR in the output of an LF file");
    }
    if parse(in_body).is_ok() {
        check_value(in_body, out_body, forced);
    } else {
        // Handled per document (`fix::pieces`): the unread pieces are kept byte for byte, and
        // each piece that was read is checked like a whole stream.
        let ins = split(in_body.as_bytes()).expect("a changed input that does not parse is split");
        let outs = split(out_body.as_bytes()).expect("so is its output");
        assert_eq!(ins.len(), outs.len(), "the output has the same pieces");
        for (a, b) in ins.iter().zip(&outs) {
            let (a, b) = (&in_body[a.clone()], &out_body[b.clone()]);
            if a != b {
                check_value(a, b, forced);
            }
        }
    }
    // Idempotent: the output needs nothing more.
    let again = fix_bytes(&output, settings);
    assert!(
        matches!(again.outcome, Outcome::Unchanged),
        "a second run does not leave the output alone: {:?}\n{out_body}",
        again.outcome
    );
}

/// The byte ranges of the pieces `fix` handles one by one, when it splits the stream.
fn split(data: &[u8]) -> Option<Vec<std::ops::Range<usize>>> {
    let text = std::str::from_utf8(data).ok()?;
    let (body, bom) = strip_bom(text);
    let at = if bom { 3 } else { 0 };
    let pieces = pieces(body)?;
    Some(
        (0..pieces.len())
            .map(|i| {
                let end = pieces.get(i + 1).map_or(body.len(), |p| p.start);
                at + pieces[i].start..at + end
            })
            .collect(),
    )
}

/// The output (a whole stream, or one piece of it) parses, has the input's documents, and keeps
/// every value of the input.
fn check_value(in_body: &str, out_body: &str, forced: bool) {
    let in_tree = parse(in_body).expect("a changed input parsed");
    let out_tree = match parse(out_body) {
        Ok(t) => t,
        Err(e) => panic!("the output does not parse: {e:?}\n{out_body}"),
    };
    assert_eq!(in_tree.docs.len(), out_tree.docs.len(), "same documents");
    if has_alias(&in_tree) {
        // The loader copies each alias's value: a small bomb would exhaust the fuzzer's memory.
        // Compare the span trees instead (aliases by anchor id).
        for (a, b) in in_tree.docs.iter().zip(&out_tree.docs) {
            assert!(
                tree_extends(&in_tree, a.root, &out_tree, b.root, forced),
                "the output lost or changed a value of the input\n--- input\n{in_body}\n--- output\n{out_body}"
            );
        }
    } else {
        let old = YamlLoader::load_from_str(in_body).expect("the loader reads what parse read");
        let new = match YamlLoader::load_from_str(out_body) {
            Ok(v) => v,
            Err(e) => panic!("the loader rejects the output: {e}\n{out_body}"),
        };
        assert_eq!(old.len(), new.len());
        for (a, b) in old.iter().zip(&new) {
            assert!(
                extends(a, b, forced),
                "the output lost or changed a value of the input\n--- input\n{in_body}\n--- output\n{out_body}"
            );
        }
    }
}

fn has_alias(tree: &Tree) -> bool {
    tree.nodes
        .iter()
        .any(|n| matches!(n.kind, Kind::Alias { .. }))
}

/// Whether the hardened value `new` keeps everything of `old`: mappings keep every key (values
/// compared the same way; new keys may be added), sequences keep every item in place (new items
/// only at the end), a null may become anything, `drop: [all]` may become `ALL`. With `forced`,
/// a scalar may also change (explicit values are flipped).
fn extends(old: &Yaml, new: &Yaml, forced: bool) -> bool {
    match (old, new) {
        (Yaml::Null, _) => true,
        (Yaml::Hash(a), Yaml::Hash(b)) => a
            .iter()
            .all(|(k, v)| b.get(k).is_some_and(|w| extends(v, w, forced))),
        (Yaml::Array(a), Yaml::Array(b)) => {
            a.len() <= b.len() && a.iter().zip(b).all(|(v, w)| extends(v, w, forced))
        }
        (Yaml::String(s), Yaml::String(t)) if s.eq_ignore_ascii_case("all") && t == "ALL" => true,
        (a, b) if is_scalar(a) && is_scalar(b) && forced => true,
        (a, b) => a == b,
    }
}

fn is_scalar(y: &Yaml) -> bool {
    !matches!(y, Yaml::Hash(_) | Yaml::Array(_))
}

/// `extends` over span trees, for streams with aliases.
fn tree_extends(a: &Tree, x: NodeId, b: &Tree, y: NodeId, forced: bool) -> bool {
    match (&a.node(x).kind, &b.node(y).kind) {
        _ if a.is_null(x) => true,
        (Kind::Map { entries: e, .. }, Kind::Map { entries: f, .. }) => e.iter().all(|&(k, v)| {
            f.iter()
                .any(|&(k2, v2)| scalar_eq(a, k, b, k2) && tree_extends(a, v, b, v2, forced))
        }),
        (Kind::Seq { items: e, .. }, Kind::Seq { items: f, .. }) => {
            e.len() <= f.len()
                && e.iter()
                    .zip(f)
                    .all(|(&v, &w)| tree_extends(a, v, b, w, forced))
        }
        (Kind::Alias { anchor: p }, Kind::Alias { anchor: q }) => p == q,
        (Kind::Scalar { value: s, .. }, Kind::Scalar { value: t, .. }) => {
            s == t || (s.eq_ignore_ascii_case("all") && t == "ALL") || forced
        }
        _ => false,
    }
}

fn scalar_eq(a: &Tree, x: NodeId, b: &Tree, y: NodeId) -> bool {
    match (&a.node(x).kind, &b.node(y).kind) {
        (Kind::Scalar { value: s, .. }, Kind::Scalar { value: t, .. }) => s == t,
        (p, q) => p == q,
    }
}

// ------------------------------------------------------------------------------------------------
// Replayed inputs

/// A pod with one container, the shape most fuzz inputs grow from.
const POD: &str = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containers:\n  - name: c\n    image: registry.example.com/c:1\n";

#[test]
fn the_check_accepts_a_plain_pod_and_rejects_nothing_it_should_not() {
    check_pipeline(POD.as_bytes());
    let Outcome::Changed { output } = fix_bytes(POD.as_bytes(), &Settings::default()).outcome
    else {
        panic!("a bare pod is hardened");
    };
    let text = String::from_utf8(output).unwrap();
    assert!(text.contains("runAsNonRoot: true"), "{text}");
    assert!(text.starts_with(POD.trim_end()), "{text}");
}

#[test]
fn the_value_check_fails_when_a_key_is_lost() {
    // The check itself must be able to fail.
    let old = YamlLoader::load_from_str("a: 1\nb: {c: [1, 2]}\n").unwrap();
    let lost = YamlLoader::load_from_str("a: 1\nb: {c: [1]}\n").unwrap();
    let grown = YamlLoader::load_from_str("a: 1\nb: {c: [1, 2, 3], d: x}\ne: 2\n").unwrap();
    let changed = YamlLoader::load_from_str("a: 2\nb: {c: [1, 2]}\n").unwrap();
    assert!(!extends(&old[0], &lost[0], false));
    assert!(extends(&old[0], &grown[0], false));
    assert!(!extends(&old[0], &changed[0], false));
    assert!(extends(&old[0], &changed[0], true));
    let t1 = parse("a: &x 1\nb: [*x, 2]\n").unwrap();
    let t2 = parse("a: &x 1\nb: [*x]\n").unwrap();
    assert!(!tree_extends(
        &t1,
        t1.docs[0].root,
        &t2,
        t2.docs[0].root,
        false
    ));
    assert!(tree_extends(
        &t1,
        t1.docs[0].root,
        &t1,
        t1.docs[0].root,
        false
    ));
}

#[test]
fn odd_small_inputs_are_refused_or_fixed_cleanly() {
    let cases: &[&[u8]] = &[
        b"",
        b"\xef\xbb\xbf",
        b"\0",
        b"containers",
        b"containers: [",
        b"kind: Pod\napiVersion: v1\nspec: {containers: [{}]}",
        b"kind: Pod\napiVersion: v1\nspec: {containers: [~]}\n",
        b"kind: Pod\napiVersion: v1\nspec:\n  containers:\n  -\n",
        b"kind: Pod\napiVersion: v1\nspec:\n  containers: &c [{name: a}]\n  initContainers: *c\n",
        b"kind: Pod\napiVersion: v1\nspec: &s\n  containers: [{name: a}]\n---\nkind: Pod\napiVersion: v1\nspec: *s\n",
        b"kind: List\napiVersion: v1\nitems: [&i {kind: Pod, apiVersion: v1, spec: {containers: [{name: a}]}}, *i]\n",
        b"kind: Pod\napiVersion: v1\nspec:\n  containers:\n  - name: a\n    securityContext: ~\n    volumeMounts: ~\n  volumes: ~\n",
        b"kind: Pod\r\napiVersion: v1\r\nspec:\r\n  containers:\r\n  - name: a\r\n",
        // Found by the fuzzer: lone CRs are line breaks too (findings count them).
        b"kind: Pod\rapiVersion: v1\rspec:\r  containers:\r  - name: a\r    securityContext:\r      capabilities: x\r",
        b"\xef\xbb\xbfkind: Pod\napiVersion: v1\nspec:\n  containers:\n  - {name: a, securityContext: {capabilities: {drop: [all]}}}",
        b"kind: Pod\napiVersion: v1\nspec:\n  containers:\n  - name: a\n    image: nginx\n  securityContext:\n    runAsUser: 0\n",
        b"kind: Pod\napiVersion: v1\nspec:\n  os: {name: windows}\n  containers:\n  - name: a\n",
        b"kind: Pod\napiVersion: v1\nspec:\n  containers:\n  - name: a\n    securityContext: {privileged: true, allowPrivilegeEscalation: true, runAsNonRoot: false}\n",
        b"kind: Pod\napiVersion: v1\nspec:\n  containers:\n  - name: a\n    command: [\"{{ .Values.x }}\"]\n",
        b"kind: Pod\napiVersion: v1\nspec:\n  containers:\n  - name: {{ .Values.x }}\n",
        b"kind: Pod\napiVersion: v1\nspec:\n  containers:\n  - name: a\n    x: \"\\0\"\n",
    ];
    for case in cases {
        check_pipeline(case);
    }
}

#[test]
fn a_pod_spec_with_only_init_containers_is_not_skipped_by_the_prefilter() {
    // Found by the fuzzer: the prefilter looked for the word `containers`, which
    // `initContainers` does not contain; the full pipeline hardened the file, `fix` skipped it.
    let input = "apiVersion: apps/v1\nkind: Deployment\nspec:\n  template:\n    spec:\n      initContainers:\n      - name: init\n        image: registry.example.com/init:1\n";
    check_pipeline(input.as_bytes());
    let Outcome::Changed { output } = fix_bytes(input.as_bytes(), &Settings::default()).outcome
    else {
        panic!("an init container is hardened");
    };
    let text = String::from_utf8(output).unwrap();
    assert!(text.starts_with(input), "{text}");
    assert!(text.contains("allowPrivilegeEscalation: false"), "{text}");
}

#[test]
fn an_invalid_document_that_cannot_hold_a_pod_spec_does_not_stop_the_others() {
    let input = format!("apiVersion: v1\nkind: ConfigMap\ndata: [\n---\n{POD}");
    check_pipeline(input.as_bytes());
    let report = fix_bytes(input.as_bytes(), &Settings::default());
    let Outcome::Changed { output } = report.outcome else {
        panic!(
            "the pod beside the broken ConfigMap is hardened: {:?}",
            report.outcome
        );
    };
    let text = String::from_utf8(output).unwrap();
    assert!(
        text.starts_with("apiVersion: v1\nkind: ConfigMap\ndata: [\n---\n"),
        "{text}"
    );
    assert!(text.contains("runAsNonRoot: true"), "{text}");
}

#[test]
fn a_broken_document_beside_a_quoted_template_marker_does_not_stop_the_others() {
    // Found by mutating corpus files: a ConfigMap with a duplicate key, an ApplicationSet whose
    // quoted strings hold `{{name}}`, a pod. The whole stream fails and, holding `{{`, is taken
    // for a template; per document the pod is hardened and checked all the same.
    let input = format!(
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n  name: a\n---\napiVersion: argoproj.io/v1alpha1\nkind: ApplicationSet\nspec:\n  template:\n    metadata:\n      name: '{{{{name}}}}-app'\n---\n{POD}"
    );
    check_pipeline(input.as_bytes());
    let whole = fix_bytes_with(input.as_bytes(), &Settings::default(), false);
    assert_eq!(whole.outcome, Outcome::Skipped(SkipReason::Template));
    let report = fix_bytes(input.as_bytes(), &Settings::default());
    assert!(
        matches!(report.outcome, Outcome::Changed { .. }),
        "{:?}",
        report.outcome
    );
    let opts = CheckOptions {
        level: Level::Restricted,
        version: None,
    };
    let check = check_bytes_with(input.as_bytes(), &Settings::default(), &opts, true);
    assert_eq!(check.pods.len(), 1, "{check:?}");
    assert_eq!(check.pods[0].doc_index, 2);
}

#[test]
fn an_alias_of_an_anchor_in_an_earlier_document_keeps_the_stream_whole() {
    // Found when documents started to be handled one by one: the second document shares the
    // first one's pod spec, so editing the first alone would change the second as well.
    let input = "kind: Pod\napiVersion: v1\nspec: &s\n  containers: [{name: a}]\n---\nkind: Pod\napiVersion: v1\nspec: *s\n";
    check_pipeline(input.as_bytes());
    assert!(!matches!(
        fix_bytes(input.as_bytes(), &Settings::default()).outcome,
        Outcome::Changed { .. }
    ));
}
