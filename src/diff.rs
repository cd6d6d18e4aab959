//! Unified diffs of one file's change, the last step before output: `fix` produces new bytes, this
//! module turns old and new text into the git-style diff that `report` prints.
//!
//! One text form serves every output: the plain diff (`--- a/path`, `+++ b/path`, hunks with three
//! lines of context, `\ No newline at end of file` where it applies) goes into `--format patch`
//! (after a `diff --git` line) and JSON, and `colorize` paints the same text for people. The diff is
//! computed by `similar` (Myers, no deadline: a deadline would make the output depend on the
//! machine's speed). Myers takes time proportional to the text's length times the number of
//! changed lines, which made a stream of 10,000 hardened documents take minutes; so the texts are
//! first cut into pieces at runs of equal lines (found by a linear scan), each piece is diffed on
//! its own, and the pieces' operations are joined before hunks are formed.

use std::fmt::Write as _;
use std::ops::Range;

use similar::udiff::UnifiedHunkHeader;
use similar::{Algorithm, DiffOp};

/// Lines of context around each change.
pub const CONTEXT: usize = 3;

/// The plain unified diff of `old` -> `new`, headed `--- a/<path>` / `+++ b/<path>`.
/// Empty when the texts are equal.
pub fn unified_diff(path: &str, old: &str, new: &str) -> String {
    if old == new {
        return String::new();
    }
    let name = quote_path(path);
    let old_lines: Vec<&str> = old.split_inclusive('\n').collect();
    let new_lines: Vec<&str> = new.split_inclusive('\n').collect();
    let mut ops = Vec::new();
    for (o, n) in pieces(&old_lines, &new_lines) {
        let piece = similar::capture_diff_slices(
            Algorithm::Myers,
            &old_lines[o.clone()],
            &new_lines[n.clone()],
        );
        for op in piece {
            let op = shifted(op, o.start, n.start);
            // A run cut in two is one run again (hunks are split at long runs only).
            match (ops.last_mut(), op) {
                (Some(DiffOp::Equal { len, .. }), DiffOp::Equal { len: more, .. }) => *len += more,
                (_, op) => ops.push(op),
            }
        }
    }
    let mut out = String::new();
    for group in similar::group_diff_ops(ops, CONTEXT) {
        if group.is_empty() {
            continue;
        }
        if out.is_empty() {
            let _ = writeln!(out, "--- {}", prefixed("a/", &name));
            let _ = writeln!(out, "+++ {}", prefixed("b/", &name));
        }
        let _ = writeln!(out, "{}", UnifiedHunkHeader::new(&group));
        for op in &group {
            for change in op.iter_changes(&old_lines, &new_lines) {
                let line = change.value();
                let _ = write!(out, "{}{line}", change.tag());
                if !line.ends_with('\n') {
                    out.push_str("\n\\ No newline at end of file\n");
                }
            }
        }
    }
    out
}

/// An operation of a piece, moved to the piece's place in the whole text.
fn shifted(op: DiffOp, old_offset: usize, new_offset: usize) -> DiffOp {
    match op {
        DiffOp::Equal {
            old_index,
            new_index,
            len,
        } => DiffOp::Equal {
            old_index: old_index + old_offset,
            new_index: new_index + new_offset,
            len,
        },
        DiffOp::Delete {
            old_index,
            old_len,
            new_index,
        } => DiffOp::Delete {
            old_index: old_index + old_offset,
            old_len,
            new_index: new_index + new_offset,
        },
        DiffOp::Insert {
            old_index,
            new_index,
            new_len,
        } => DiffOp::Insert {
            old_index: old_index + old_offset,
            new_index: new_index + new_offset,
            new_len,
        },
        DiffOp::Replace {
            old_index,
            old_len,
            new_index,
            new_len,
        } => DiffOp::Replace {
            old_index: old_index + old_offset,
            old_len,
            new_index: new_index + new_offset,
            new_len,
        },
    }
}

/// Equal lines in a row needed to cut there (a single equal line is often a blank or a `- name:`
/// that happens to match).
const CUT_RUN: usize = 3;

/// How far (old lines skipped + new lines skipped) the scan looks for the next equal line.
const RESYNC: usize = 256;

/// Cuts `old` and `new` into pairs of line ranges that are diffed apart. A cut is made in the
/// middle of a run of at least `CUT_RUN` lines that are equal and aligned in both, found by a
/// greedy scan (linear for the local insertions and replacements a fix makes). Any cut at such a
/// run is valid; the scan only decides where the pieces end. The pieces' operations are put
/// together again before hunks are formed, so hunks join across cuts as in a whole-text diff.
fn pieces(old: &[&str], new: &[&str]) -> Vec<(Range<usize>, Range<usize>)> {
    let mut out = Vec::new();
    let (mut i, mut j, mut ci, mut cj) = (0, 0, 0, 0);
    loop {
        let mut run = 0;
        while i + run < old.len() && j + run < new.len() && old[i + run] == new[j + run] {
            run += 1;
        }
        if run >= CUT_RUN {
            let (mi, mj) = (i + run / 2, j + run / 2);
            out.push((ci..mi, cj..mj));
            (ci, cj) = (mi, mj);
        }
        i += run;
        j += run;
        if i >= old.len() || j >= new.len() {
            break;
        }
        match resync(old, new, i, j) {
            Some((a, b)) => {
                i += a;
                j += b;
            }
            // Nothing equal nearby: step over the region; cuts are still made only at real runs.
            None => {
                i += RESYNC / 2;
                j += RESYNC / 2;
                if i >= old.len() || j >= new.len() {
                    break;
                }
            }
        }
    }
    out.push((ci..old.len(), cj..new.len()));
    out
}

/// The nearest `(a, b)` (smallest `a + b`, at most `RESYNC`) with `old[i + a] == new[j + b]`.
fn resync(old: &[&str], new: &[&str], i: usize, j: usize) -> Option<(usize, usize)> {
    for s in 1..=RESYNC {
        for a in 0..=s {
            let b = s - a;
            if i + a < old.len() && j + b < new.len() && old[i + a] == new[j + b] {
                return Some((a, b));
            }
        }
    }
    None
}

/// The diff as one entry of a git patch: a `diff --git` line, then the unified diff. `git apply`
/// and `patch -p1` accept a concatenation of these.
pub fn patch_entry(path: &str, old: &str, new: &str) -> String {
    let body = unified_diff(path, old, new);
    if body.is_empty() {
        return body;
    }
    let name = quote_path(path);
    format!(
        "diff --git {} {}\n{body}",
        prefixed("a/", &name),
        prefixed("b/", &name)
    )
}

/// `a/` + name, keeping git's quoting: a quoted name gets the prefix inside the quotes.
fn prefixed(prefix: &str, name: &str) -> String {
    match name.strip_prefix('"') {
        Some(rest) => format!("\"{prefix}{rest}"),
        None => format!("{prefix}{name}"),
    }
}

/// Quotes a path the way git does when it holds characters a patch line cannot carry bare
/// (quotes, backslashes, control characters); other paths, spaces and UTF-8 included, stay as is.
pub fn quote_path(path: &str) -> String {
    let needs = path
        .chars()
        .any(|c| c == '"' || c == '\\' || c.is_control());
    if !needs {
        return path.to_string();
    }
    let mut out = String::from("\"");
    for c in path.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if c.is_control() => {
                let mut buf = [0u8; 4];
                for b in c.encode_utf8(&mut buf).bytes() {
                    let _ = write!(out, "\\{b:03o}");
                }
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// How to paint a diff. `enabled: false` returns the text unchanged.
#[derive(Clone, Copy, Debug)]
pub struct DiffColors {
    pub enabled: bool,
}

/// Paints a plain unified diff line by line: headers bold, hunk headers cyan, removals red,
/// additions green, the no-newline marker dim. Line endings (LF or CRLF) are kept as they are.
pub fn colorize(diff: &str, colors: DiffColors) -> String {
    if !colors.enabled {
        return diff.to_string();
    }
    let bold = console::Style::new().bold().force_styling(true);
    let cyan = console::Style::new().cyan().force_styling(true);
    let red = console::Style::new().red().force_styling(true);
    let green = console::Style::new().green().force_styling(true);
    let dim = console::Style::new().dim().force_styling(true);
    let mut out = String::with_capacity(diff.len() + diff.len() / 4);
    let mut in_header = true;
    for line in diff.split_inclusive('\n') {
        let (body, eol) = split_eol(line);
        let style = if in_header && (body.starts_with("--- ") || body.starts_with("+++ ")) {
            &bold
        } else if body.starts_with("diff --git ") {
            in_header = true;
            &bold
        } else if body.starts_with("@@") {
            in_header = false;
            &cyan
        } else if body.starts_with('-') {
            &red
        } else if body.starts_with('+') {
            &green
        } else if body.starts_with('\\') {
            &dim
        } else {
            out.push_str(line);
            continue;
        };
        let _ = write!(out, "{}{eol}", style.apply_to(body));
    }
    out
}

fn split_eol(line: &str) -> (&str, &str) {
    if let Some(body) = line.strip_suffix("\r\n") {
        (body, "\r\n")
    } else if let Some(body) = line.strip_suffix('\n') {
        (body, "\n")
    } else {
        (line, "")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn equal_texts_give_no_diff() {
        assert_eq!(unified_diff("a.yaml", "x\n", "x\n"), "");
        assert_eq!(patch_entry("a.yaml", "x\n", "x\n"), "");
    }

    #[test]
    fn diff_has_git_headers_and_three_lines_of_context() {
        let old = "1\n2\n3\n4\n5\n6\n7\n8\n9\n";
        let new = "1\n2\n3\n4\n5x\n6\n7\n8\n9\n";
        let d = patch_entry("dir/a.yaml", old, new);
        assert_eq!(
            d,
            "diff --git a/dir/a.yaml b/dir/a.yaml\n--- a/dir/a.yaml\n+++ b/dir/a.yaml\n\
             @@ -2,7 +2,7 @@\n 2\n 3\n 4\n-5\n+5x\n 6\n 7\n 8\n"
        );
    }

    #[test]
    fn missing_final_newline_is_marked() {
        let d = unified_diff("a", "a\nb", "a\nc");
        assert!(
            d.contains("-b\n\\ No newline at end of file\n+c\n\\ No newline at end of file\n"),
            "{d}"
        );
    }

    #[test]
    fn crlf_lines_are_kept() {
        let d = unified_diff("a", "a\r\nb\r\n", "a\r\nc\r\n");
        assert!(d.contains("-b\r\n+c\r\n"), "{d:?}");
    }

    /// The diff of the whole text in one go, as `similar` gives it.
    fn whole(old: &str, new: &str) -> String {
        similar::TextDiff::from_lines(old, new)
            .unified_diff()
            .context_radius(CONTEXT)
            .header("a/a", "b/a")
            .to_string()
    }

    #[test]
    fn diffs_cut_into_pieces_equal_the_whole_text_diff() {
        let doc = |i: usize, hardened: bool| {
            let mut d = format!(
                "---\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  template:\n    spec:\n      \
                 containers:\n        - name: app{}\n          image: app:1\n",
                i % 3
            );
            if hardened {
                d.push_str("          securityContext:\n            runAsNonRoot: true\n");
            }
            d.push_str("          ports:\n            - containerPort: 80\n");
            d
        };
        for n in [1, 2, 5, 40] {
            let old: String = (0..n).map(|i| doc(i, false)).collect();
            let new: String = (0..n).map(|i| doc(i, i % 4 != 1)).collect();
            assert_eq!(
                unified_diff("a", &old, &new),
                whole(&old, &new),
                "{n} documents"
            );
            let cut = |t: &str| t.trim_end_matches('\n').to_string();
            assert_eq!(
                unified_diff("a", &cut(&old), &cut(&new)),
                whole(&cut(&old), &cut(&new)),
                "{n} documents, no final newline"
            );
        }
        // Replaced lines, a changed first and last line, CRLF.
        let old = "a\r\nb\r\nc\r\nd\r\ne\r\nf\r\ng\r\nh\r\ni\r\nj\r\nk\r\nl\r\nm\r\n";
        let new = "A\r\nb\r\nc\r\nd\r\nE\r\nf\r\ng\r\nh\r\ni\r\nj\r\nk\r\nl\r\nM\r\nn\r\n";
        assert_eq!(unified_diff("a", old, new), whole(old, new));
    }

    #[test]
    fn a_long_repetitive_stream_is_diffed_piece_by_piece() {
        // 20,000 identical documents, each getting two lines: one Myers pass over the whole text
        // takes minutes; pieces take milliseconds. The result is still a valid diff.
        let old =
            "---\nkind: Pod\nspec:\n  containers:\n    - name: a\n      image: a\n".repeat(20_000);
        let new = "---\nkind: Pod\nspec:\n  containers:\n    - name: a\n      image: a\n      x: 1\n      y: 2\n"
            .repeat(20_000);
        let d = unified_diff("a", &old, &new);
        assert_eq!(d.matches("\n+      x: 1\n").count(), 20_000);
        assert_eq!(d.matches("\n-").count(), 0);
        assert!(d.starts_with("--- a/a\n+++ b/a\n@@ -4,"), "{}", &d[..200]);
    }

    #[test]
    fn odd_paths_are_quoted_like_git() {
        assert_eq!(quote_path("plain dir/ü.yaml"), "plain dir/ü.yaml");
        assert_eq!(quote_path("a\"b"), "\"a\\\"b\"");
        assert_eq!(prefixed("a/", "\"x\\ty\""), "\"a/x\\ty\"");
        assert_eq!(quote_path("a\u{1}"), "\"a\\001\"");
    }

    #[test]
    fn colorize_off_is_identity_and_on_adds_escapes() {
        let d = unified_diff("a", "x\ny\n", "x\nz\n");
        assert_eq!(colorize(&d, DiffColors { enabled: false }), d);
        let c = colorize(&d, DiffColors { enabled: true });
        assert!(c.contains("\u{1b}[31m-y\u{1b}[0m\n"), "{c:?}");
        assert!(c.contains("\u{1b}[32m+z\u{1b}[0m\n"), "{c:?}");
        assert!(c.contains(" x\n"), "context lines stay plain: {c:?}");
        assert_eq!(console::strip_ansi_codes(&c), d);
    }
}
