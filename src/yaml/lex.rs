//! Re-lexing helpers: yaml-rust2 gives start markers only, so the ends of scalars, aliases and
//! flow collections are found here by scanning the text with the YAML scanner's rules.

fn is_break(b: u8) -> bool {
    b == b'\n' || b == b'\r'
}

fn is_blank(b: u8) -> bool {
    b == b' ' || b == b'\t'
}

fn is_flow_indicator(b: u8) -> bool {
    matches!(b, b',' | b'[' | b']' | b'{' | b'}')
}

/// End (exclusive) of a single- or double-quoted scalar starting at its opening quote.
pub fn quoted_end(text: &str, start: usize) -> usize {
    let b = text.as_bytes();
    let Some(&quote) = b.get(start) else {
        return start;
    };
    let mut i = start + 1;
    while i < b.len() {
        match b[i] {
            b'\\' if quote == b'"' => i += 2,
            c if c == quote => {
                if quote == b'\'' && b.get(i + 1) == Some(&b'\'') {
                    i += 2;
                } else {
                    return i + 1;
                }
            }
            _ => i += 1,
        }
    }
    b.len()
}

/// End of an alias `*name`: the name runs to whitespace or a flow indicator.
pub fn alias_end(text: &str, start: usize) -> usize {
    let b = text.as_bytes();
    let mut i = start + 1;
    while i < b.len() && !is_blank(b[i]) && !is_break(b[i]) && !is_flow_indicator(b[i]) {
        i += 1;
    }
    i
}

/// Leading spaces of the line starting at `line_start`, and whether the line is blank.
fn line_indent(b: &[u8], line_start: usize) -> (usize, bool) {
    let mut i = line_start;
    while i < b.len() && b[i] == b' ' {
        i += 1;
    }
    let mut j = i;
    while j < b.len() && is_blank(b[j]) {
        j += 1;
    }
    (i - line_start, j >= b.len() || is_break(b[j]))
}

/// Offset just past the line break at `i` (which must be a break).
fn skip_break(b: &[u8], i: usize) -> usize {
    if b[i] == b'\r' && b.get(i + 1) == Some(&b'\n') {
        i + 2
    } else {
        i + 1
    }
}

/// End of a plain scalar starting at `start`.
///
/// `flow`: inside a flow collection (`,[]{}` end it; continuation lines need no indentation).
/// `min_indent`: continuation lines of a block plain scalar must be indented more than this.
/// `single_line`: implicit keys cannot span lines.
pub fn plain_end(
    text: &str,
    start: usize,
    flow: bool,
    min_indent: isize,
    single_line: bool,
) -> usize {
    let b = text.as_bytes();
    let mut i = start;
    let mut end = start;
    loop {
        // One line of content.
        while i < b.len() && !is_break(b[i]) {
            let c = b[i];
            if c == b'#' && i > start && is_blank(b[i - 1]) {
                while i < b.len() && !is_break(b[i]) {
                    i += 1;
                }
                return end;
            }
            if c == b':' {
                let next = b.get(i + 1).copied();
                let ends = match next {
                    None => true,
                    Some(n) => is_blank(n) || is_break(n) || (flow && is_flow_indicator(n)),
                };
                if ends {
                    return end;
                }
            }
            if flow && is_flow_indicator(c) {
                return end;
            }
            if !is_blank(c) {
                end = i + 1;
            }
            i += 1;
        }
        if single_line || i >= b.len() {
            return end;
        }
        // Look for a continuation line.
        let mut j = skip_break(b, i);
        loop {
            if j >= b.len() {
                return end;
            }
            let (indent, blank) = line_indent(b, j);
            if !blank {
                let first = j + indent;
                let mut k = first;
                while k < b.len() && is_blank(b[k]) {
                    k += 1;
                }
                if b[k] == b'#' {
                    return end;
                }
                if !flow && (indent as isize) <= min_indent {
                    return end;
                }
                if indent == 0 {
                    let rest = &b[j..];
                    let marker = rest.starts_with(b"---") || rest.starts_with(b"...");
                    if marker && rest.get(3).is_none_or(|&c| is_blank(c) || is_break(c)) {
                        return end;
                    }
                }
                if flow && is_flow_indicator(b[k]) {
                    return end;
                }
                i = k;
                break;
            }
            // Blank line: skip it.
            let mut e = j;
            while e < b.len() && !is_break(b[e]) {
                e += 1;
            }
            if e >= b.len() {
                return end;
            }
            j = skip_break(b, e);
        }
    }
}

/// Where a block scalar's text ends, as yaml-rust2's scanner reads it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BlockExtent {
    /// End of the last line that belongs to the scalar, before that line's break: its last
    /// content line, or with keep chomping (`|+`) its last kept empty line. An insertion of
    /// `break + text` here leaves the scalar's value as it was. For a scalar without content
    /// lines it is the end of the header line (before any comment).
    pub end: usize,
    /// Whether any content line was read.
    pub has_content: bool,
    /// Keep chomping (`+`).
    pub keep: bool,
}

/// Reads the header at `header` (`|` or `>`) and the lines after it the way yaml-rust2's
/// `scan_block_scalar` does. `parent_indent` is the scanner's indentation level: the column of
/// the enclosing block collection (its first key, or its `-`), -1 at the top level.
pub fn block_scalar_extent(text: &str, header: usize, parent_indent: isize) -> BlockExtent {
    let b = text.as_bytes();
    let mut i = header + 1;
    let mut keep = false;
    let mut increment = 0usize;
    while i < b.len() && (b[i] == b'+' || b[i] == b'-' || b[i].is_ascii_digit()) {
        match b[i] {
            b'+' => keep = true,
            b'-' => {}
            d => increment = usize::from(d - b'0'),
        }
        i += 1;
    }
    let header_text_end = i;
    // The rest of the header line (blanks, a comment) and its break.
    while i < b.len() && !is_break(b[i]) {
        i += 1;
    }
    let mut end = header_text_end;
    if i >= b.len() {
        return BlockExtent {
            end,
            has_content: false,
            keep,
        };
    }
    let mut last_break = i;
    i = skip_break(b, i);
    let col_of = |line_start: usize, at: usize| text[line_start..at].chars().count();
    // Leading empty lines, and the indentation.
    let mut line = i;
    let indent = if increment > 0 {
        if parent_indent >= 0 {
            parent_indent as usize + increment
        } else {
            increment
        }
    } else {
        let mut max_indent = 0usize;
        loop {
            let mut j = line;
            while j < b.len() && b[j] == b' ' {
                j += 1;
            }
            max_indent = max_indent.max(j - line);
            if j < b.len() && is_break(b[j]) {
                last_break = j;
                line = skip_break(b, j);
            } else {
                break;
            }
        }
        let mut indent = max_indent.max((parent_indent + 1).max(0) as usize);
        if parent_indent > 0 {
            indent = indent.max(1);
        }
        indent
    };
    // `skip_block_scalar_indent`: up to `indent` spaces, then either a break (an empty line,
    // consumed) or the first character of a line.
    let skip_indent = |mut line: usize, last_break: &mut usize| -> (usize, usize) {
        loop {
            let mut j = line;
            while j < b.len() && b[j] == b' ' && j - line < indent {
                j += 1;
            }
            if j < b.len() && is_break(b[j]) {
                *last_break = j;
                line = skip_break(b, j);
            } else {
                return (line, j);
            }
        }
    };
    let (mut line, mut at) = skip_indent(line, &mut last_break);
    let mut has_content = false;
    let mut content_end = end;
    while at < b.len() && col_of(line, at) == indent {
        if indent == 0 {
            let rest = &b[at..];
            let marker = rest.starts_with(b"---") || rest.starts_with(b"...");
            if marker && rest.get(3).is_none_or(|&c| is_blank(c) || is_break(c)) {
                break;
            }
        }
        has_content = true;
        let mut e = at;
        while e < b.len() && !is_break(b[e]) {
            e += 1;
        }
        content_end = e;
        if e >= b.len() {
            at = e;
            break;
        }
        last_break = e;
        (line, at) = skip_indent(skip_break(b, e), &mut last_break);
    }
    if has_content {
        end = content_end;
    }
    if keep {
        // Kept empty lines belong to the value; so does a last line of blanks at the end of the
        // text when it reaches the indentation (the scanner counts a line break for it).
        if at >= b.len() && at > line && col_of(line, at) >= indent.max(1) {
            end = b.len();
        } else if last_break > end {
            end = last_break;
        }
    }
    BlockExtent {
        end,
        has_content,
        keep,
    }
}

/// The `|`/`>` header of the block scalar whose content (or, when empty, next token) is at
/// `content`: the last `|` or `>` before it outside comments.
pub fn block_header_before(text: &str, content: usize) -> usize {
    let b = text.as_bytes();
    let mut i = content.min(b.len());
    while i > 0 {
        i -= 1;
        if (b[i] == b'|' || b[i] == b'>')
            && (i == 0
                || is_blank(b[i - 1])
                || is_break(b[i - 1])
                || b[i - 1] == b'-'
                || b[i - 1] == b':')
        {
            let ls = super::text::line_start(text, i);
            let before = &text.as_bytes()[ls..i];
            let in_comment = before.first() == Some(&b'#')
                || before.windows(2).any(|w| is_blank(w[0]) && w[1] == b'#');
            if !in_comment {
                return i;
            }
        }
    }
    content
}

/// End of a block scalar header (`|2-` and so on), before any comment.
pub fn header_end(text: &str, header: usize) -> usize {
    let b = text.as_bytes();
    let mut i = header + 1;
    while i < b.len() && (b[i] == b'+' || b[i] == b'-' || b[i].is_ascii_digit()) {
        i += 1;
    }
    i.min(b.len())
}

/// Skips blanks, line breaks and comments from `i`.
pub fn skip_trivia(text: &str, mut i: usize) -> usize {
    let b = text.as_bytes();
    while i < b.len() {
        match b[i] {
            b' ' | b'\t' | b'\n' | b'\r' => i += 1,
            b'#' => {
                while i < b.len() && !is_break(b[i]) {
                    i += 1;
                }
            }
            _ => break,
        }
    }
    i
}

/// Skips blanks (not line breaks) from `i`.
pub fn skip_trivia_on_line(text: &str, mut i: usize) -> usize {
    let b = text.as_bytes();
    while i < b.len() && is_blank(b[i]) {
        i += 1;
    }
    i
}

/// The first `want` indicator after `from` (skipping blanks, breaks and comments), if it comes
/// before `limit`.
pub fn find_indicator(text: &str, from: usize, limit: usize, want: u8) -> Option<usize> {
    let b = text.as_bytes();
    let mut i = skip_trivia(text, from);
    // Properties of an empty node (`? &a`) come before the indicator.
    while want != b'&' && want != b'!' && i < b.len() && (b[i] == b'&' || b[i] == b'!') {
        while i < b.len() && !is_blank(b[i]) && !is_break(b[i]) {
            i += 1;
        }
        i = skip_trivia(text, i);
    }
    (i < limit.max(from + 1) && text.as_bytes().get(i) == Some(&want)).then_some(i)
}

/// Past the properties (`&anchor`, `!tag`) that follow `i` (after blanks), or `i` when none do.
pub fn skip_props(text: &str, i: usize) -> usize {
    let b = text.as_bytes();
    let mut end = i;
    let mut j = i;
    loop {
        while j < b.len() && is_blank(b[j]) {
            j += 1;
        }
        if text[j..].starts_with("!<") {
            match text[j..].find('>') {
                Some(p) => j += p + 1,
                None => return end,
            }
        } else if j < b.len() && (b[j] == b'&' || b[j] == b'!') {
            while j < b.len() && !is_blank(b[j]) && !is_break(b[j]) && !is_flow_indicator(b[j]) {
                j += 1;
            }
        } else {
            return end;
        }
        end = j;
    }
}

/// Start of the properties (`&anchor`, `!tag`) written before a node's content at `start` on
/// the same line; `start` when there are none. yaml-rust2's markers point after them.
pub fn props_start(text: &str, start: usize) -> usize {
    let b = text.as_bytes();
    let mut best = start;
    let mut i = start;
    loop {
        let mut j = i;
        while j > 0 && is_blank(b[j - 1]) {
            j -= 1;
        }
        // The word before: a verbatim tag `!<...>` may hold flow indicators, other properties
        // end at them.
        let mut k = j;
        if k > 0 && b[k - 1] == b'>' {
            match text[..k].rfind("!<") {
                Some(p) if !text[p..k].contains([' ', '\t', '\n', '\r']) => k = p,
                _ => return best,
            }
        } else {
            while k > 0
                && !is_blank(b[k - 1])
                && !is_break(b[k - 1])
                && !is_flow_indicator(b[k - 1])
            {
                k -= 1;
            }
        }
        if k == j || !(b[k] == b'&' || b[k] == b'!') {
            return best;
        }
        best = k;
        i = k;
        if k == 0 || !is_blank(b[k - 1]) {
            return best;
        }
    }
}

/// The `-` of a block sequence entry whose content starts at `content`, when only blanks (and
/// the item's properties) separate them on the same line (`-   name: x`, `- &a x`).
pub fn dash_before(text: &str, content: usize) -> Option<usize> {
    let b = text.as_bytes();
    let mut i = props_start(text, content);
    while i > 0 && is_blank(b[i - 1]) {
        i -= 1;
    }
    (i > 0 && b[i - 1] == b'-').then(|| i - 1)
}

/// Whether `i` holds a block sequence's `-` (followed by a blank, a break or the end).
pub fn is_dash(text: &str, i: usize) -> bool {
    let b = text.as_bytes();
    b.get(i) == Some(&b'-') && b.get(i + 1).is_none_or(|&c| is_blank(c) || is_break(c))
}

/// Where the `-` of `line` is, when the line holds only a dash, maybe followed by properties
/// (`- &a`) and a comment.
fn dash_of_line(line: &str) -> Option<usize> {
    let body = line.trim_start_matches([' ', '\t']);
    // A comment starts at a `#` after a blank (a space or a tab).
    let comment = body
        .as_bytes()
        .windows(2)
        .position(|w| is_blank(w[0]) && w[1] == b'#');
    let code = match comment {
        Some(i) => &body[..i],
        None => body,
    };
    let mut words = code.split([' ', '\t']).filter(|w| !w.is_empty());
    (words.next() == Some("-") && words.all(|w| w.starts_with(['&', '!'])))
        .then(|| line.len() - body.len())
}

/// The `-` of an item whose content (or, for an empty item, next token) is at `at`, when that
/// dash is alone on its line: on `at`'s own line before a comment (`- # c`), or on an earlier
/// line (`-\n  x`), blank and comment-only lines in between.
pub fn dash_above(text: &str, at: usize) -> Option<usize> {
    let ls = super::text::line_start(text, at);
    if !text[ls..at].bytes().all(is_blank) {
        // `at` is at the end of the dash's own line, or in its comment.
        let line = &text[ls..line_end_of(text, ls)];
        let d = dash_of_line(line)?;
        let rest = text[ls + d + 1..at].trim_start_matches([' ', '\t']);
        return (rest.is_empty() || rest.starts_with('#') || rest.starts_with(['&', '!']))
            .then_some(ls + d);
    }
    let mut end = ls;
    while end > 0 {
        // Step over the previous line's break.
        let mut e = end - 1;
        if text.as_bytes()[e] == b'\n' && e > 0 && text.as_bytes()[e - 1] == b'\r' {
            e -= 1;
        }
        let start = super::text::line_start(text, e);
        let line = &text[start..e];
        let body = line.trim_start_matches([' ', '\t']);
        if body.is_empty() || body.starts_with('#') {
            end = start;
            continue;
        }
        return dash_of_line(line).map(|d| start + d);
    }
    None
}

fn line_end_of(text: &str, from: usize) -> usize {
    text[from..]
        .find(['\n', '\r'])
        .map_or(text.len(), |i| from + i)
}

/// End (exclusive) of a flow collection given its end event's marker, which is the closing
/// bracket, or a trailing `,` before it.
pub fn flow_end(text: &str, marker: usize) -> usize {
    let b = text.as_bytes();
    let mut i = marker;
    while i < b.len() {
        match b[i] {
            b']' | b'}' => return i + 1,
            b',' => i += 1,
            _ => {
                let j = skip_trivia(text, i);
                if j == i {
                    return marker;
                }
                i = j;
            }
        }
    }
    marker
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_ends() {
        let t = "key: value # c\nnext: 1";
        assert_eq!(&t[5..plain_end(t, 5, false, 0, false)], "value");
        let t = "a: one\n  two\nb: 1";
        assert_eq!(&t[3..plain_end(t, 3, false, 0, false)], "one\n  two");
        let t = "[a b, c]";
        assert_eq!(&t[1..plain_end(t, 1, true, -1, false)], "a b");
        let t = "{k: http://x:80}";
        assert_eq!(&t[4..plain_end(t, 4, true, -1, false)], "http://x:80");
        let t = "k: a#b\n";
        assert_eq!(&t[3..plain_end(t, 3, false, 0, false)], "a#b");
        let t = "- x\n  # c\n  y";
        assert_eq!(&t[2..plain_end(t, 2, false, 0, false)], "x");
    }

    #[test]
    fn quoted_and_alias_ends() {
        let t = r#"'it''s' "a\"b" *ref, x"#;
        assert_eq!(quoted_end(t, 0), 7);
        assert_eq!(&t[8..quoted_end(t, 8)], r#""a\"b""#);
        assert_eq!(&t[15..alias_end(t, 15)], "*ref");
    }

    #[test]
    fn block_scalar_ends() {
        let t = "a: |\n  x\n\n  y\n\nb: 1";
        let e = block_scalar_extent(t, 3, 0);
        assert_eq!(&t[7..e.end], "x\n\n  y");
        assert!(e.has_content && !e.keep);
        // Keep chomping: the kept empty line belongs to the scalar.
        let t = "a: |+\n  x\n\nb: 1";
        assert_eq!(&t[8..block_scalar_extent(t, 3, 0).end], "x\n");
        assert_eq!(block_header_before(t, 8), 3);
        // A `>` or `|` in the header's comment (after a space or a tab) is not the header.
        let t = "a: |\t# x > y\n  z\n";
        assert_eq!(block_header_before(t, 16), 3);
        let t = "a: | # x > y\n  z\n";
        assert_eq!(block_header_before(t, 15), 3);
    }

    #[test]
    fn flow_ends_and_dashes() {
        let t = "{x: 1, }";
        assert_eq!(flow_end(t, 5), 8);
        assert_eq!(flow_end("[a]", 2), 3);
        assert_eq!(dash_before("-   name", 4), Some(0));
        assert_eq!(dash_before("a name", 2), None);
    }
}
