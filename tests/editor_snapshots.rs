//! Snapshot tests of the format-preserving editor over the hand-written inputs in
//! `testdata/editor/`. Each input starts with header comments naming the operations:
//!
//! ```text
//! # edit: insert <path> <key> <value>
//! # edit: ensure <path> <key.key...> <value>
//! # edit: append <path> <value>
//! # edit: replace <path> <value>
//! # expect: refused <part of the reason>   (or: failed, unparseable, unchanged; default: done)
//! ```
//!
//! `<path>` is dot-separated keys and sequence indices from the document root (`.` is the root,
//! `doc:1.spec` the second document), a key may be written in double quotes; `<value>` is JSON
//! or YAML flow (mapping key order is kept). The snapshot (`snapshots/editor_<name>.snap`) shows
//! the operations, the outcome and the unified diff. The test also checks, through
//! `secctx::yaml::oracle::run`, that the output loads (yaml-rust2's loader) to the input's value
//! with the operations applied, that only replaced leaves lose bytes, that new line breaks copy
//! the file's, and that running the same operations on the output plans nothing.

use std::path::{Path, PathBuf};

use secctx::yaml::oracle::{Action, Op, Outcome, Target, from_yaml, run};
use secctx::yaml::{NodeId, Tree, parse, strip_bom};
use yaml_rust2::YamlLoader;

#[derive(Debug)]
enum Expect {
    Done,
    Unchanged,
    Refused(String),
    Failed,
    Unparseable,
}

struct Case {
    /// The `# edit:` lines, as written.
    edits: Vec<String>,
    expect: Expect,
}

/// Splits a path on dots outside double quotes.
fn split_path(path: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut quoted = false;
    for c in path.chars() {
        match c {
            '"' => quoted = !quoted,
            '.' if !quoted => out.push(std::mem::take(&mut cur)),
            c => cur.push(c),
        }
    }
    out.push(cur);
    out.into_iter().filter(|s| !s.is_empty()).collect()
}

/// Splits `arg rest...` at the first blank outside double quotes.
fn word(s: &str) -> (&str, &str) {
    let s = s.trim_start();
    let mut quoted = false;
    for (i, c) in s.char_indices() {
        match c {
            '"' => quoted = !quoted,
            ' ' | '\t' if !quoted => return (&s[..i], s[i..].trim_start()),
            _ => {}
        }
    }
    (s, "")
}

fn parse_header(text: &str) -> Case {
    let mut edits = Vec::new();
    let mut expect = Expect::Done;
    for line in text.split(['\n', '\r']) {
        let line = line.trim_end();
        if line.is_empty() {
            continue;
        }
        if !line.starts_with('#') {
            break;
        }
        if let Some(e) = line.strip_prefix("# edit:") {
            edits.push(e.trim().to_string());
        } else if let Some(e) = line.strip_prefix("# expect:") {
            let (kind, rest) = word(e);
            expect = match kind {
                "done" => Expect::Done,
                "unchanged" => Expect::Unchanged,
                "refused" => Expect::Refused(rest.to_string()),
                "failed" => Expect::Failed,
                "unparseable" => Expect::Unparseable,
                other => panic!("unknown expectation {other:?}"),
            };
        }
    }
    Case { edits, expect }
}

/// The node at a header path.
fn resolve(tree: &Tree, path: &str) -> NodeId {
    let mut segs = split_path(path);
    let mut doc = 0;
    if let Some(first) = segs.first()
        && let Some(n) = first.strip_prefix("doc:")
    {
        doc = n.parse().expect("doc:N");
        segs.remove(0);
    }
    let mut cur = tree.docs[doc].root;
    for seg in &segs {
        cur = if tree.is_seq(cur) {
            let i: usize = seg
                .parse()
                .unwrap_or_else(|_| panic!("index expected at {seg:?}"));
            tree.resolve(tree.items(cur)[i])
        } else {
            tree.get(cur, seg)
                .unwrap_or_else(|| panic!("no key {seg:?} in {path}"))
        };
    }
    cur
}

fn value(text: &str) -> secctx::yaml::NewValue {
    let docs =
        YamlLoader::load_from_str(text).unwrap_or_else(|e| panic!("bad value {text:?}: {e}"));
    from_yaml(&docs[0]).unwrap_or_else(|| panic!("unsupported value {text:?}"))
}

fn op(tree: &Tree, edit: &str) -> Op {
    let (kind, rest) = word(edit);
    let (path, rest) = word(rest);
    let node = resolve(tree, path);
    let target =
        Target::of(tree, node).unwrap_or_else(|| panic!("{path} is not reachable as a value"));
    let action = match kind {
        "insert" => {
            let (key, rest) = word(rest);
            Action::Insert {
                key: key.trim_matches('"').to_string(),
                value: value(rest),
            }
        }
        "ensure" => {
            let (keys, rest) = word(rest);
            Action::Ensure {
                keys: split_path(keys),
                value: value(rest),
            }
        }
        "append" => Action::Append { item: value(rest) },
        "replace" => Action::Replace { value: value(rest) },
        other => panic!("unknown edit {other:?}"),
    };
    Op { target, action }
}

/// Line breaks and invisible characters made visible for the snapshot.
fn visible(text: &str) -> String {
    text.replace('\u{feff}', "[BOM]")
        .replace("\r\n", "␍\n")
        .replace('\r', "␍\n")
        .replace('\t', "␉")
}

fn breaks(text: &str) -> &'static str {
    let crlf = text.contains("\r\n");
    let cr = text.replace("\r\n", "").contains('\r');
    let lf = text.replace("\r\n", "").contains('\n');
    match (lf, crlf, cr) {
        (false, false, false) => "none",
        (true, false, false) => "LF",
        (false, true, false) => "CRLF",
        (false, false, true) => "CR",
        _ => "mixed",
    }
}

fn render_diff(before: &str, after: &str) -> String {
    let (b, a) = (visible(before), visible(after));
    similar::TextDiff::from_lines(&b, &a)
        .unified_diff()
        .context_radius(3)
        .header("before", "after")
        .to_string()
}

/// Runs one case; returns the snapshot text.
fn check_case(path: &Path) -> String {
    let input =
        String::from_utf8(std::fs::read(path).expect("readable input")).expect("UTF-8 input");
    let case = parse_header(strip_bom(&input).0);
    assert!(
        !case.edits.is_empty(),
        "{}: no `# edit:` header",
        path.display()
    );
    let mut snap = String::new();
    for e in &case.edits {
        snap.push_str(&format!("edit: {e}\n"));
    }
    let (body, _) = strip_bom(&input);
    let ops: Vec<Op> = match parse(body) {
        Ok(tree) => case.edits.iter().map(|e| op(&tree, e)).collect(),
        Err(_) => Vec::new(),
    };
    let outcome =
        run(&input, &ops).unwrap_or_else(|v| panic!("{}: contract broken: {v}", path.display()));
    match (&outcome, &case.expect) {
        (Outcome::Done { .. }, Expect::Done)
        | (Outcome::Unchanged, Expect::Unchanged)
        | (Outcome::Failed(_), Expect::Failed)
        | (Outcome::Unparseable(_), Expect::Unparseable) => {}
        (Outcome::Refused(r), Expect::Refused(part)) => {
            assert!(
                r.reason.contains(part.as_str()),
                "{}: refused for another reason: {r}",
                path.display()
            );
        }
        _ => panic!(
            "{}: expected {:?}, got {outcome:?}",
            path.display(),
            case.expect
        ),
    }
    match &outcome {
        Outcome::Done {
            output,
            loader_checked,
            ..
        } => {
            assert!(
                loader_checked,
                "{}: the loader could not check this case",
                path.display()
            );
            // Repeating the edit changes nothing.
            let (out_body, _) = strip_bom(output);
            let tree = parse(out_body).expect("the output parses");
            let again: Vec<Op> = case.edits.iter().map(|e| op(&tree, e)).collect();
            match run(output, &again) {
                Ok(Outcome::Unchanged) => {}
                other => panic!("{}: a second run is not a no-op: {other:?}", path.display()),
            }
            snap.push_str(&format!(
                "outcome: done (breaks: {}, final break: {}, BOM: {})\n",
                breaks(out_body),
                if out_body.ends_with(['\n', '\r']) {
                    "yes"
                } else {
                    "no"
                },
                if output.starts_with('\u{feff}') {
                    "yes"
                } else {
                    "no"
                },
            ));
            snap.push_str(&render_diff(&input, output));
        }
        Outcome::Unchanged => snap.push_str("outcome: unchanged\n"),
        Outcome::Refused(r) => snap.push_str(&format!("outcome: refused at {r}\n")),
        Outcome::Failed(e) => snap.push_str(&format!("outcome: failed: {e}\n")),
        Outcome::Unparseable(e) => snap.push_str(&format!("outcome: unparseable at {e}\n")),
    }
    snap
}

fn inputs() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/editor");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("testdata/editor exists")
        .map(|e| e.expect("readable entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .collect();
    files.sort();
    files
}

#[test]
fn editor_snapshots() {
    let files = inputs();
    assert!(
        files.len() >= 40,
        "only {} inputs in testdata/editor",
        files.len()
    );
    let mut failures = Vec::new();
    for path in &files {
        let name = format!(
            "editor_{}",
            path.file_stem().expect("a file name").to_string_lossy()
        );
        let result = std::panic::catch_unwind(|| {
            let snap = check_case(path);
            insta::with_settings!({
                snapshot_path => "../snapshots",
                prepend_module_to_snapshot => false,
                description => format!("testdata/editor/{}", path.file_name().expect("a file name").to_string_lossy()),
                omit_expression => true,
            }, {
                insta::assert_snapshot!(name.as_str(), snap);
            });
        });
        if result.is_err() {
            failures.push(name);
        }
    }
    assert!(failures.is_empty(), "failing cases: {failures:?}");
}
