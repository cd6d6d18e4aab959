//! Bad input: what secctx does with files nobody has cleaned. Every case asserts the bytes
//! afterwards: a refused file is byte-for-byte what it was, a fixed one is exactly what hardening
//! each part on its own gives. Big inputs (100 MB, 10,000 documents, 10,000 levels, alias bombs)
//! are generated at run time into temp folders.
//!
//! Pure input cases call `secctx::fix::fix_bytes`; cases that need a file name in the message, or
//! the whole run (diff, write), use the real binary. The file system, concurrent runs and signals
//! are in `tests/robustness_fs.rs`; the fuzz target's checks in `tests/robustness_pipeline.rs`.
//!
//! | case | behaviour | test |
//! |---|---|---|
//! | invalid YAML | `path:line:col: error[invalid-yaml]`, file untouched, run goes on, exit 2 | `invalid_yaml_is_an_error_with_file_line_and_column_and_the_file_is_untouched` |
//! | Helm/Go template | skipped with the `secctx fix -` hint, untouched, exit 0 | `helm_and_go_templates_are_skipped_and_untouched` |
//! | not UTF-8, binary | `error[not-utf8]` at the first bad byte, untouched | `non_utf8_and_binary_files_named_yaml_are_refused_and_untouched` |
//! | empty, only comments | skipped (empty), untouched, exit 0 | `empty_and_comment_only_files_are_skipped_and_untouched` |
//! | 100 MB file | fixed; every byte outside the edits kept | `a_100_mb_file_is_fixed_and_every_byte_outside_the_edits_is_kept` |
//! | 10,000 documents | each hardened as if alone, a hunk each, idempotent | `ten_thousand_documents_in_one_file_are_each_hardened` |
//! | 10,000 levels deep | `error[invalid-yaml]` with a position, no stack overflow; 480 block / 200 flow levels still fixed | `nesting_10000_levels_deep_is_a_clean_error_not_a_stack_overflow`, `nesting_just_under_the_limit_is_still_hardened` |
//! | duplicate keys | `error[invalid-yaml]` at the second key, untouched | `duplicate_keys_are_an_error_at_the_second_key_and_the_file_is_untouched` |
//! | 16 MB lines | kept exactly; a one-line flow document grows on its line | `very_long_lines_are_kept_exactly` |
//! | NUL bytes | `error[invalid-yaml]` at the NUL, untouched | `nul_bytes_are_refused_where_they_stand_and_never_dropped` |
//! | alias bombs | bounded time and memory; laughs fixed, aliased containers refused with a finding | `alias_bombs_take_bounded_time_and_memory` |
//! | symlink loop | `error[read-failed]` once per path, links kept, run goes on | `robustness_fs::symlink_loops_are_reported_and_the_run_goes_on` |
//! | link leaving the tree | skipped with a note (relative, chained, named); folder links not followed | `robustness_fs::links_leaving_the_tree_are_skipped_whatever_the_route`, `cli::symlinks_edit_targets_inside_the_tree_only_and_stay_links` |
//! | link to a file in the tree | the target is edited once, the links stay links | `robustness_fs::a_file_reached_through_several_links_is_hardened_once_through_its_target`, `cli::symlinks_edit_targets_inside_the_tree_only_and_stay_links` |
//! | unreadable file/folder | `error[read-failed]` permission denied, untouched | `robustness_fs::unreadable_files_and_folders_are_reported_even_when_the_tests_run_as_root`, `cli::unreadable_files_and_folders_are_reported_and_the_run_goes_on` |
//! | read-only file/folder | `error[read-only]`, untouched, mode kept, also as root | `robustness_fs::read_only_files_and_folders_are_reported_and_left_whole`, `cli::a_read_only_file_is_reported_not_written_not_lost` |
//! | changed between read and write | `error[changed-on-disk]`, the other writer's bytes kept | `robustness_fs::a_file_changed_between_read_and_write_is_reported_and_not_overwritten` |
//! | two runs at once | every file as one clean run leaves it, the same errors | `robustness_fs::two_runs_at_once_leave_every_file_as_one_clean_run_would` |
//! | SIGINT/SIGTERM/SIGHUP | exit 130, each file old or new, no temp file | `cli::sigint_stops_cleanly_without_temp_files`, `robustness_fs::sigterm_or_sighup_during_a_large_run_leaves_each_file_old_or_new_and_no_temp_files` |
//! | second signal mid-write | exits at once, file old or new, temp file removed | `robustness_fs::a_second_signal_in_the_middle_of_a_write_exits_at_once_without_temp_files` |
//! | any bytes (fuzzing) | refused cleanly, or parses, keeps the value, idempotent | `robustness_pipeline::*`, `fuzz/fuzz_targets/pipeline.rs` |

use std::fs;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Instant;

use secctx::fix::{FileError, Outcome, SkipReason, fix_bytes};
use secctx::settings::Settings;
use tempfile::TempDir;

mod common;
use common::Run;

/// The built binary with no standard input.
fn secctx() -> Command {
    let mut c = common::secctx();
    c.stdin(Stdio::null());
    c
}

fn run_in(dir: &Path, args: &[&str]) -> Run {
    common::run_cmd(secctx().current_dir(dir).args(args))
}

/// A temp folder with an empty `.secctx.yaml`, so that no configuration above it applies.
fn folder() -> TempDir {
    let d = tempfile::tempdir().unwrap();
    fs::write(d.path().join(".secctx.yaml"), "").unwrap();
    d
}

fn write_all(dir: &Path, files: &[(&str, &[u8])]) {
    for (name, bytes) in files {
        fs::write(dir.join(name), bytes).unwrap();
    }
}

/// Every file is byte-for-byte what was written.
fn assert_untouched(dir: &Path, files: &[(&str, &[u8])]) {
    for (name, bytes) in files {
        assert_eq!(
            &fs::read(dir.join(name)).unwrap(),
            bytes,
            "{name} was changed"
        );
    }
}

fn failed(input: &[u8]) -> FileError {
    match fix_bytes(input, &Settings::default()).outcome {
        Outcome::Failed(e) => e,
        other => panic!("expected a refusal, got {other:?}"),
    }
}

/// The hardened text of a file that needs hardening.
fn hardened(input: &str) -> String {
    match fix_bytes(input.as_bytes(), &Settings::default()).outcome {
        Outcome::Changed { output } => String::from_utf8(output).unwrap(),
        other => panic!("expected a change, got {other:?}\n{input}"),
    }
}

/// A Deployment (one document, starting with `---`) with a unique name.
fn deployment(i: usize) -> String {
    format!(
        "---\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web-{i}\n  labels:\n    app: web-{i}\n\
         spec:\n  replicas: 2\n  selector:\n    matchLabels:\n      app: web-{i}\n  template:\n    metadata:\n      \
         labels:\n        app: web-{i}\n    spec:\n      containers:\n        - name: app\n          \
         image: registry.example.com/app:1.{i}\n          ports:\n            - containerPort: 8080\n"
    )
}

const POD: &str = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containers:\n  - name: a\n    image: registry.example.com/a:1\n";

// ------------------------------------------------------------------------------------------------
// Invalid YAML, templates, encodings, empty files

#[test]
fn invalid_yaml_is_an_error_with_file_line_and_column_and_the_file_is_untouched() {
    let d = folder();
    let files: &[(&str, &[u8])] = &[
        (
            "bad-indent.yaml",
            b"apiVersion: v1\nkind: Pod\nspec:\n  containers:\n  - name: a\n   image: b\n",
        ),
        (
            "unclosed-quote.yaml",
            b"apiVersion: v1\nkind: Pod\nspec:\n  containers:\n  - name: \"a\n    image: b\n",
        ),
        (
            "tab-indent.yaml",
            b"apiVersion: v1\nkind: Pod\nspec:\n\tcontainers:\n  - name: a\n",
        ),
        (
            "unclosed-flow.yaml",
            b"apiVersion: v1\nkind: Pod\nspec: {containers: [{name: a}\n",
        ),
    ];
    write_all(d.path(), files);
    fs::write(d.path().join("good.yaml"), POD).unwrap();
    let r = run_in(d.path(), &["fix"]);
    assert_eq!(r.code, 2, "{r:?}");
    for want in [
        "bad-indent.yaml:6:9: error[invalid-yaml]: ",
        "unclosed-quote.yaml:5:11: error[invalid-yaml]: ",
        "tab-indent.yaml:4:2: error[invalid-yaml]: ",
        "unclosed-flow.yaml:",
    ] {
        assert!(r.err.contains(want), "{want}\n{}", r.err);
    }
    let flow = r
        .err
        .lines()
        .find(|l| l.starts_with("unclosed-flow.yaml:"))
        .unwrap();
    let place: Vec<&str> = flow.split(':').take(3).collect();
    assert!(
        place[1].parse::<usize>().is_ok() && place[2].parse::<usize>().is_ok(),
        "line and column: {flow}"
    );
    assert_untouched(d.path(), files);
    assert!(!r.out.contains("bad-indent"), "no diff for a refused file");
    assert_eq!(
        fs::read_to_string(d.path().join("good.yaml")).unwrap(),
        hardened(POD),
        "the run goes on"
    );
}

#[test]
fn helm_and_go_templates_are_skipped_and_untouched() {
    let cases: &[(&str, &[u8])] = &[
        // Not YAML at all.
        (
            "chart-deployment.yaml",
            b"apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {{ include \"app.fullname\" . }}\nspec:\n  template:\n    spec:\n      containers:\n        - name: {{ .Chart.Name }}\n          image: \"{{ .Values.image.repository }}:{{ .Values.image.tag }}\"\n          {{- with .Values.securityContext }}\n          securityContext:\n            {{- toYaml . | nindent 12 }}\n          {{- end }}\n",
        ),
        // Parses as YAML (`{{ x }}` is a flow mapping) but is still a template.
        (
            "parses.yaml",
            b"apiVersion: v1\nkind: Pod\nmetadata:\n  name: {{ .Release.Name }}\nspec:\n  containers:\n  - name: a\n    image: b\n",
        ),
        // Whole-line actions.
        (
            "range.yaml",
            b"{{- range .Values.jobs }}\n---\napiVersion: batch/v1\nkind: Job\nspec:\n  template:\n    spec:\n      containers:\n      - name: {{ .name }}\n{{- end }}\n",
        ),
    ];
    for (name, bytes) in cases {
        assert_eq!(
            fix_bytes(bytes, &Settings::default()).outcome,
            Outcome::Skipped(SkipReason::Template),
            "{name}"
        );
    }
    let d = folder();
    write_all(d.path(), cases);
    let r = run_in(d.path(), &["fix"]);
    assert_eq!(r.code, 0, "templates are not errors: {r:?}");
    assert_untouched(d.path(), cases);
    assert_eq!(
        r.err.matches("note: skipped: Helm/Go template").count(),
        3,
        "{}",
        r.err
    );
    assert_eq!(r.out, "");
}

#[test]
fn non_utf8_and_binary_files_named_yaml_are_refused_and_untouched() {
    let mut utf16 = vec![0xff, 0xfe];
    for u in POD.encode_utf16() {
        utf16.extend_from_slice(&u.to_le_bytes());
    }
    let mut png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".to_vec();
    png.extend((0..4096u32).map(|i| (i.wrapping_mul(2654435761) >> 24) as u8));
    let mut late = POD.as_bytes().to_vec();
    late.extend_from_slice(b"    # caf\xe9\n");
    let gzip: &[u8] = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03containers\xff\x00";
    let cases: Vec<(&str, Vec<u8>)> = vec![
        ("utf16.yaml", utf16),
        ("image.yaml", png),
        ("latin1-comment.yaml", late),
        ("archive.yaml", gzip.to_vec()),
    ];
    for (name, bytes) in &cases {
        let e = failed(bytes);
        assert_eq!(e.kind, "not-utf8", "{name}: {e:?}");
        assert!(e.line.is_some() && e.col.is_some(), "{name}: {e:?}");
    }
    assert_eq!(failed(&cases[2].1).line, Some(9), "the bad byte's line");
    let d = folder();
    let files: Vec<(&str, &[u8])> = cases.iter().map(|(n, b)| (*n, b.as_slice())).collect();
    write_all(d.path(), &files);
    let r = run_in(d.path(), &["fix"]);
    assert_eq!(r.code, 2, "{r:?}");
    assert_eq!(r.err.matches("error[not-utf8]").count(), 4, "{}", r.err);
    assert!(r.err.contains("latin1-comment.yaml:9:"), "{}", r.err);
    assert_untouched(d.path(), &files);
}

#[test]
fn empty_and_comment_only_files_are_skipped_and_untouched() {
    let cases: &[(&str, &[u8])] = &[
        ("empty.yaml", b""),
        ("newlines.yaml", b"\n\n\n"),
        ("crlf.yaml", b"\r\n\r\n"),
        ("spaces.yaml", b"   \n\t\n"),
        (
            "comments.yaml",
            b"# containers: a comment that looks like a manifest\n# - name: a\n",
        ),
        ("no-final-newline.yaml", b"# just this"),
        ("separators.yaml", b"---\n...\n---\n# end\n"),
        ("bom.yaml", b"\xef\xbb\xbf"),
        ("bom-comment.yaml", b"\xef\xbb\xbf# containers\n"),
    ];
    for (name, bytes) in cases {
        assert_eq!(
            fix_bytes(bytes, &Settings::default()).outcome,
            Outcome::Skipped(SkipReason::Empty),
            "{name}"
        );
    }
    let d = folder();
    write_all(d.path(), cases);
    let r = run_in(d.path(), &["fix"]);
    assert_eq!(r.code, 0, "{r:?}");
    assert_untouched(d.path(), cases);
    assert_eq!(r.out, "");
    let r = run_in(d.path(), &["fix", "--check"]);
    assert_eq!(r.code, 0, "nothing for the CI gate: {r:?}");
}

// ------------------------------------------------------------------------------------------------
// Size: 100 MB, 10,000 documents, very long lines

#[test]
fn a_100_mb_file_is_fixed_and_every_byte_outside_the_edits_is_kept() {
    // A generated bundle: a ConfigMap with a 100 MB literal block (like a CRD bundle or an
    // embedded dashboard) between two Deployments. `fix` writes it, so the whole file goes
    // through read, parse, edit, verify, diff and the atomic write.
    let d = folder();
    let line = format!("    {}\n", "0123456789abcdef".repeat(6));
    let lines = 100 * 1024 * 1024 / line.len() + 1;
    let head = deployment(1);
    let tail = deployment(2);
    let mut blob = String::with_capacity(lines * line.len() + 200);
    blob.push_str(
        "---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: blob\ndata:\n  blob: |\n",
    );
    for _ in 0..lines {
        blob.push_str(&line);
    }
    let input = format!("{head}{blob}{tail}");
    assert!(input.len() > 100 * 1024 * 1024);
    let path = d.path().join("bundle.yaml");
    fs::write(&path, &input).unwrap();

    let started = Instant::now();
    let r = run_in(d.path(), &["fix", "-q", "bundle.yaml"]);
    eprintln!(
        "fix on a {} MB file took {:.1}s",
        input.len() / (1024 * 1024),
        started.elapsed().as_secs_f64()
    );
    assert_eq!(r.code, 0, "{}", r.err);
    let expected = format!("{}{blob}{}", hardened(&head), hardened(&tail));
    let got = fs::read_to_string(&path).unwrap();
    assert!(
        got.len() == expected.len() && got == expected,
        "the file differs from the expected result"
    );
    assert_eq!(
        r.out.matches("\n@@ -").count(),
        2,
        "two hunks: {}",
        &r.out[..r.out.len().min(2000)]
    );

    let started = Instant::now();
    let r = run_in(d.path(), &["fix", "--check", "bundle.yaml"]);
    eprintln!(
        "fix --check on it took {:.1}s",
        started.elapsed().as_secs_f64()
    );
    assert_eq!(r.code, 0, "the second run passes the gate: {}", r.err);
    assert_eq!(r.out, "");
}

#[test]
fn ten_thousand_documents_in_one_file_are_each_hardened() {
    // Each document is hardened exactly as it would be alone, the diff (which used to take
    // minutes: Myers over the whole stream) has one hunk per document, and a second run passes.
    let d = folder();
    let docs: Vec<String> = (0..10_000).map(deployment).collect();
    let input: String = docs.concat();
    fs::write(d.path().join("stream.yaml"), &input).unwrap();
    let started = Instant::now();
    let r = run_in(d.path(), &["fix", "stream.yaml"]);
    eprintln!(
        "fix on 10,000 documents ({} MB) took {:.1}s",
        input.len() / (1024 * 1024),
        started.elapsed().as_secs_f64()
    );
    assert_eq!(r.code, 0, "{}", r.err);
    assert!(
        r.err.contains("Hardened 10000 containers in 1 file"),
        "{}",
        r.err
    );
    let expected: String = docs.iter().map(|doc| hardened(doc)).collect();
    let got = fs::read_to_string(d.path().join("stream.yaml")).unwrap();
    assert!(
        got == expected,
        "the stream differs from its documents hardened one by one"
    );
    assert_eq!(
        r.out.matches("\n@@ -").count(),
        10_000,
        "one hunk per document"
    );
    assert_eq!(
        fix_bytes(got.as_bytes(), &Settings::default()).outcome,
        Outcome::Unchanged
    );
}

#[test]
fn very_long_lines_are_kept_exactly() {
    // A 16 MB argument on one line, and a whole Deployment in flow style on one line whose
    // container mapping grows in place: the output is the short version's output with the long
    // text put back.
    let long = "x".repeat(16 * 1024 * 1024);
    let block = |arg: &str| {
        format!(
            "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containers:\n  - name: a\n    image: registry.example.com/a:1\n    args: [\"{arg}\"]\n"
        )
    };
    let flow = |arg: &str| {
        format!(
            "{{apiVersion: apps/v1, kind: Deployment, metadata: {{name: d, annotations: {{note: \"{arg}\"}}}}, spec: {{template: {{spec: {{containers: [{{name: a, image: registry.example.com/a:1, args: [\"{arg}\"]}}]}}}}}}}}\n"
        )
    };
    for make in [&block as &dyn Fn(&str) -> String, &flow] {
        let short = hardened(&make("SHORT"));
        let input = make(&long);
        let out = hardened(&input);
        assert_eq!(out.len(), short.len() + input.len() - make("SHORT").len());
        assert!(
            out.replace(&long, "SHORT") == short,
            "only the edits differ"
        );
        assert_eq!(
            fix_bytes(out.as_bytes(), &Settings::default()).outcome,
            Outcome::Unchanged
        );
    }
    // A flow document on one line grows on that line.
    assert_eq!(hardened(&flow("SHORT")).lines().count(), 1);
}

// ------------------------------------------------------------------------------------------------
// Structure: nesting, duplicate keys, NUL bytes, alias bombs

/// Levels of nesting inside a container's `args`/`env`: `flow` in flow style, `block` in block
/// style.
fn nested(flow: usize, block: usize) -> Vec<(&'static str, String)> {
    let pod = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containers:\n  - name: a\n    image: registry.example.com/a:1\n";
    let mut block_map = format!("{pod}    env:\n");
    for i in 0..block {
        block_map.push_str(&" ".repeat(6 + i));
        block_map.push_str("k:\n");
    }
    block_map.push_str(&" ".repeat(6 + block));
    block_map.push_str("v\n");
    vec![
        (
            "flow-seq",
            format!("{pod}    args: {}{}\n", "[".repeat(flow), "]".repeat(flow)),
        ),
        (
            "flow-map",
            format!(
                "{pod}    env: {}x{}\n",
                "{k: ".repeat(flow),
                "}".repeat(flow)
            ),
        ),
        (
            "block-seq",
            format!("{pod}    args:\n    {}x\n", "- ".repeat(block)),
        ),
        ("block-map", block_map),
    ]
}

#[test]
fn nesting_10000_levels_deep_is_a_clean_error_not_a_stack_overflow() {
    // Runs on the test thread (2 MB of stack, like the CLI's workers).
    for (name, input) in nested(10_000, 10_000) {
        let e = failed(input.as_bytes());
        assert_eq!(e.kind, "invalid-yaml", "{name}: {e:?}");
        assert!(
            e.message.contains("nesting") || e.message.contains("recursion"),
            "{name}: {e:?}"
        );
        assert!(
            e.line.is_some_and(|l| l >= 9) && e.col.is_some(),
            "{name}: {e:?}"
        );
    }
    // Through the binary: each file reported with its position and left as it was.
    let d = folder();
    let files: Vec<(String, String)> = nested(10_000, 10_000)
        .into_iter()
        .map(|(n, t)| (format!("{n}.yaml"), t))
        .collect();
    for (n, t) in &files {
        fs::write(d.path().join(n), t).unwrap();
    }
    let r = run_in(d.path(), &["fix"]);
    assert_eq!(r.code, 2, "{r:?}");
    for (n, t) in &files {
        assert!(
            r.err
                .lines()
                .any(|l| l.starts_with(&format!("{n}:")) && l.contains("error[invalid-yaml]")),
            "{n}: {}",
            r.err
        );
        assert!(
            fs::read_to_string(d.path().join(n)).unwrap() == *t,
            "{n} untouched"
        );
    }
}

#[test]
fn nesting_just_under_the_limit_is_still_hardened() {
    // 480 block levels (the span tree's limit is 500) and 200 flow levels (yaml-rust2 stops
    // at about 250): parsed, planned, edited, verified and checked for idempotence with every
    // walk staying within the test thread's stack.
    for (name, input) in nested(200, 480) {
        let out = hardened(&input);
        assert!(
            out.starts_with(&input),
            "{name}: the new keys follow the nested value"
        );
        assert!(out.contains("runAsNonRoot: true"), "{name}");
        assert_eq!(
            fix_bytes(out.as_bytes(), &Settings::default()).outcome,
            Outcome::Unchanged,
            "{name}"
        );
    }
}

#[test]
fn duplicate_keys_are_an_error_at_the_second_key_and_the_file_is_untouched() {
    let cases: &[(&str, &[u8], usize, usize)] = &[
        (
            "dup-containers.yaml",
            b"apiVersion: v1\nkind: Pod\nspec:\n  containers:\n  - name: a\n  containers: []\n",
            6,
            3,
        ),
        (
            "dup-security-context.yaml",
            b"apiVersion: v1\nkind: Pod\nspec:\n  containers:\n  - name: a\n    securityContext: {}\n    securityContext: {runAsUser: 0}\n",
            7,
            5,
        ),
        (
            "dup-in-flow.yaml",
            b"apiVersion: v1\nkind: Pod\nspec: {containers: [{name: a, name: b}]}\n",
            3,
            31,
        ),
        (
            "dup-kind.yaml",
            b"apiVersion: v1\nkind: Pod\nkind: Service\nspec:\n  containers:\n  - name: a\n",
            3,
            1,
        ),
    ];
    for (name, bytes, line, col) in cases {
        let e = failed(bytes);
        assert_eq!(e.kind, "invalid-yaml", "{name}");
        assert!(e.message.contains("duplicate key"), "{name}: {e:?}");
        assert_eq!((e.line, e.col), (Some(*line), Some(*col)), "{name}: {e:?}");
    }
    let d = folder();
    let files: Vec<(&str, &[u8])> = cases.iter().map(|c| (c.0, c.1)).collect();
    write_all(d.path(), &files);
    let r = run_in(d.path(), &["fix"]);
    assert_eq!(r.code, 2, "{r:?}");
    for (name, _, line, col) in cases {
        assert!(
            r.err.contains(&format!(
                "{name}:{line}:{col}: error[invalid-yaml]: duplicate key"
            )),
            "{name}: {}",
            r.err
        );
    }
    assert_untouched(d.path(), &files);
}

#[test]
fn nul_bytes_are_refused_where_they_stand_and_never_dropped() {
    // yaml-rust2 reads a NUL as the end of the input; the file must not be judged (or edited) on
    // the part before it.
    let cases: &[(&str, &[u8], usize, usize)] = &[
        (
            "in-a-value.yaml",
            b"apiVersion: v1\nkind: Pod\nspec:\n  containers:\n  - name: a\x00b\n",
            5,
            12,
        ),
        (
            "in-a-comment.yaml",
            b"apiVersion: v1\nkind: Pod\nspec:\n  containers:\n  - name: a # x\x00\n",
            5,
            16,
        ),
        (
            // A second document hidden behind a NUL.
            "hides-a-document.yaml",
            b"apiVersion: v1\nkind: Pod\nspec:\n  containers:\n  - name: a\n\x00\n---\nkind: [\n",
            6,
            1,
        ),
    ];
    for (name, bytes, line, col) in cases {
        let e = failed(bytes);
        assert_eq!(e.kind, "invalid-yaml", "{name}");
        assert!(e.message.contains("NUL"), "{name}: {e:?}");
        assert_eq!((e.line, e.col), (Some(*line), Some(*col)), "{name}");
    }
    // Without a pod spec in sight the file is not even parsed: skipped, not an error.
    assert_eq!(
        fix_bytes(b"\0\0\0", &Settings::default()).outcome,
        Outcome::Skipped(SkipReason::NotKubernetes)
    );
    let d = folder();
    let mut files: Vec<(&str, &[u8])> = cases.iter().map(|c| (c.0, c.1)).collect();
    files.push(("only-nul.yaml", b"\0\0\0"));
    write_all(d.path(), &files);
    let r = run_in(d.path(), &["fix"]);
    assert_eq!(r.code, 2, "{r:?}");
    assert_eq!(
        r.err.matches("error[invalid-yaml]: a NUL byte").count(),
        3,
        "{}",
        r.err
    );
    assert!(r.err.contains("in-a-value.yaml:5:12: "), "{}", r.err);
    assert_untouched(d.path(), &files);
}

/// Runs the binary and returns the run and its peak memory (KiB). Linux carries a process's
/// peak RSS across `exec`, and a child spawned from this (large, multi-threaded) test process
/// would report the test's own peak; so a small Python parent forks, execs the binary and reads
/// its `wait4` usage.
fn run_measured(dir: &Path, args: &[&str]) -> (Run, i64) {
    const PARENT: &str = "import os, sys\npid = os.fork()\nif pid == 0:\n    os.execv(sys.argv[1], sys.argv[1:])\n_, status, usage = os.wait4(pid, 0)\nsys.stderr.write('\\nMAXRSS %d\\n' % usage.ru_maxrss)\nsys.exit(os.waitstatus_to_exitcode(status))\n";
    let o = Command::new("python3")
        .current_dir(dir)
        .arg("-c")
        .arg(PARENT)
        .arg(env!("CARGO_BIN_EXE_secctx"))
        .args(args)
        .env_remove("NO_COLOR")
        .env_remove("CLICOLOR_FORCE")
        .stdin(Stdio::null())
        .output()
        .expect("python3 runs");
    let err = String::from_utf8_lossy(&o.stderr).into_owned();
    let (err, rss) = err.rsplit_once("\nMAXRSS ").expect("the peak is reported");
    (
        Run {
            code: o.status.code().unwrap_or(-1),
            out: String::from_utf8_lossy(&o.stdout).into_owned(),
            err: err.to_string(),
        },
        rss.trim().parse().expect("a number"),
    )
}

#[test]
fn alias_bombs_take_bounded_time_and_memory() {
    // The classic "billion laughs" (9^25 strings if expanded) as a container's env; a List whose
    // items are aliases of Lists of aliases (9^30 pods if walked naively: it was 9^16 walks at
    // the list depth limit); and 100,000 aliases of one container (each alias lookup used to
    // scan every node: quadratic).
    let mut laughs = String::from(
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n  annotations:\n    a: &a [lol,lol,lol,lol,lol,lol,lol,lol,lol]\n",
    );
    let mut prev = 'a';
    for c in 'b'..='z' {
        laughs.push_str(&format!(
            "    {c}: &{c} [{}]\n",
            vec![format!("*{prev}"); 9].join(",")
        ));
        prev = c;
    }
    laughs.push_str(
        "spec:\n  containers:\n  - name: c\n    image: registry.example.com/c:1\n    env: *z\n",
    );

    let mut lists = String::from(
        "apiVersion: v1\nkind: List\nitems:\n- &l0 {apiVersion: v1, kind: Pod, metadata: {name: p}, spec: {containers: [{name: c, image: x}]}}\n",
    );
    for k in 1..30 {
        lists.push_str(&format!(
            "- &l{k} {{apiVersion: v1, kind: List, items: [{}]}}\n",
            vec![format!("*l{}", k - 1); 9].join(", ")
        ));
    }

    let mut many = String::from(
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containers:\n  - &c {name: c, image: registry.example.com/c:1}\n",
    );
    for _ in 0..100_000 {
        many.push_str("  - *c\n");
    }

    // What each one becomes: the laughs pod is hardened (its container is not aliased), the
    // other two are refused (their container is an anchored node that aliases reuse).
    let expected_laughs = hardened(&laughs);
    assert!(expected_laughs.starts_with(&laughs[..laughs.find("spec:").unwrap()]));
    for text in [&lists, &many] {
        let report = fix_bytes(text.as_bytes(), &Settings::default());
        assert_eq!(report.outcome, Outcome::Unchanged);
        assert!(
            report.findings.iter().any(|f| f.message.contains("alias")),
            "{:?}",
            report.findings
        );
    }

    let parent = tempfile::tempdir().unwrap();
    for (name, text, expected) in [
        ("laughs", &laughs, &expected_laughs),
        ("lists", &lists, &lists),
        ("many", &many, &many),
    ] {
        let d = parent.path().join(name);
        fs::create_dir(&d).unwrap();
        fs::write(d.join(".secctx.yaml"), "").unwrap();
        fs::write(d.join("bomb.yaml"), text).unwrap();
        let started = Instant::now();
        let (r, max_rss_kib) = run_measured(&d, &["fix", "bomb.yaml"]);
        eprintln!(
            "{name}: {:.2}s, {} MiB peak",
            started.elapsed().as_secs_f64(),
            max_rss_kib / 1024
        );
        assert_eq!(r.code, 0, "{name}: {r:?}");
        assert!(
            fs::read_to_string(d.join("bomb.yaml")).unwrap() == **expected,
            "{name}: file afterwards"
        );
        // Generous: the input is at most 700 KB; an expansion would need gigabytes.
        assert!(max_rss_kib < 1024 * 1024, "{name}: {max_rss_kib} KiB");
    }
}
