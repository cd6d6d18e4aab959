//! Unified diffs of one file's change, the last step before output: `fix` produces new bytes, this
//! module turns old and new text into the git-style diff that `report` prints.
//!
//! One text form serves every output: the plain diff (`--- a/path`, `+++ b/path`, hunks with three
//! lines of context, `\ No newline at end of file` where it applies) goes into `--format patch`
//! (after a `diff --git` line) and JSON, and `colorize` paints the same text for people. The diff is
//! computed by `similar` (Myers, no deadline: a deadline would make the output depend on the
//! machine's speed).

use std::fmt::Write as _;

use similar::TextDiff;

/// Lines of context around each change.
pub const CONTEXT: usize = 3;

/// The plain unified diff of `old` -> `new`, headed `--- a/<path>` / `+++ b/<path>`.
/// Empty when the texts are equal.
pub fn unified_diff(path: &str, old: &str, new: &str) -> String {
    if old == new {
        return String::new();
    }
    let name = quote_path(path);
    let diff = TextDiff::from_lines(old, new);
    diff.unified_diff()
        .context_radius(CONTEXT)
        .header(&prefixed("a/", &name), &prefixed("b/", &name))
        .to_string()
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
