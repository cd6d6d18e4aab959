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
    let Some(&quote) = b.get(start) else { return start };
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
    if b[i] == b'\r' && b.get(i + 1) == Some(&b'\n') { i + 2 } else { i + 1 }
}

/// End of a plain scalar starting at `start`.
///
/// `flow`: inside a flow collection (`,[]{}` end it; continuation lines need no indentation).
/// `min_indent`: continuation lines of a block plain scalar must be indented more than this.
/// `single_line`: implicit keys cannot span lines.
pub fn plain_end(text: &str, start: usize, flow: bool, min_indent: isize, single_line: bool) -> usize {
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

/// End of a block scalar's text, given the start of its first content line: the end of the last
/// line that belongs to it. With keep chomping (`|+`) the trailing blank lines are content, so
/// the end goes past them (an insertion after the scalar must not take them).
pub fn block_scalar_end(text: &str, content: usize) -> usize {
    let b = text.as_bytes();
    let first_line = super::text::line_start(text, content);
    let (indent, _) = line_indent(b, first_line);
    let header = block_header_before(text, content);
    let keep = text[header..header_end(text, header)].contains('+');
    let mut line = first_line;
    let mut end = content;
    loop {
        let (ind, blank) = line_indent(b, line);
        let mut e = line;
        while e < b.len() && !is_break(b[e]) {
            e += 1;
        }
        if !blank && ind < indent {
            break;
        }
        if !blank || keep {
            end = e;
        }
        if e >= b.len() {
            break;
        }
        line = skip_break(b, e);
    }
    end
}

/// The `|`/`>` header of the block scalar whose content (or, when empty, next token) is at
/// `content`: the last `|` or `>` before it outside comments.
pub fn block_header_before(text: &str, content: usize) -> usize {
    let b = text.as_bytes();
    let mut i = content.min(b.len());
    while i > 0 {
        i -= 1;
        if (b[i] == b'|' || b[i] == b'>') && (i == 0 || is_blank(b[i - 1]) || is_break(b[i - 1]) || b[i - 1] == b'-' || b[i - 1] == b':') {
            let ls = super::text::line_start(text, i);
            if !text[ls..i].contains(" #") && !text[ls..i].trim_start().starts_with('#') {
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

/// The first `want` indicator after `from` (skipping blanks, breaks and comments), if it comes
/// before `limit`.
pub fn find_indicator(text: &str, from: usize, limit: usize, want: u8) -> Option<usize> {
    let i = skip_trivia(text, from);
    (i < limit.max(from + 1) && text.as_bytes().get(i) == Some(&want)).then_some(i)
}

/// The `-` of a block sequence entry whose content starts at `content`, when only blanks
/// separate them on the same line (`-   name: x`).
pub fn dash_before(text: &str, content: usize) -> Option<usize> {
    let b = text.as_bytes();
    let mut i = content;
    while i > 0 && is_blank(b[i - 1]) {
        i -= 1;
    }
    (i > 0 && b[i - 1] == b'-').then(|| i - 1)
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
        assert_eq!(&t[7..block_scalar_end(t, 7)], "x\n\n  y");
        let t = "a: |+\n  x\n\nb: 1";
        assert_eq!(&t[8..block_scalar_end(t, 8)], "x\n");
        assert_eq!(block_header_before(t, 8), 3);
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
