//! Text facts the editor needs: a line-start table that turns yaml-rust2's `(line, col)` markers
//! into byte offsets, the file's line ending, indentation step and quoting habit.
//!
//! yaml-rust2's `Marker::index` counts characters and drifts inside block scalars holding
//! non-ASCII text, so it is never used: only `line` (1-based) and `col` (0-based, in chars).

/// Byte offsets of the start of every line. Line breaks are `\r\n`, `\n` and a lone `\r`, as in
/// the YAML scanner.
#[derive(Clone, Debug)]
pub struct LineIndex {
    starts: Vec<usize>,
}

impl LineIndex {
    pub fn new(text: &str) -> LineIndex {
        let bytes = text.as_bytes();
        let mut starts = vec![0];
        let mut i = 0;
        while i < bytes.len() {
            match bytes[i] {
                b'\n' => starts.push(i + 1),
                b'\r' => {
                    if bytes.get(i + 1) == Some(&b'\n') {
                        i += 1;
                    }
                    starts.push(i + 1);
                }
                _ => {}
            }
            i += 1;
        }
        LineIndex { starts }
    }

    pub fn line_count(&self) -> usize {
        self.starts.len()
    }

    /// Byte offset of the start of 1-based `line` (clamped to the last line).
    pub fn line_start(&self, line: usize) -> usize {
        let i = line.saturating_sub(1).min(self.starts.len() - 1);
        self.starts[i]
    }

    /// Byte offset of a 1-based line and 0-based character column. A column past the end of the
    /// line's content lands on the line break (yaml-rust2 reports end-of-line positions that way).
    pub fn offset(&self, text: &str, line: usize, col: usize) -> usize {
        let start = self.line_start(line);
        let rest = &text[start..];
        let mut off = start;
        for (n, (i, c)) in rest.char_indices().enumerate() {
            if n == col || c == '\n' || c == '\r' {
                return start + i;
            }
            off = start + i + c.len_utf8();
        }
        off
    }

    /// 1-based line and 0-based char column of a byte offset.
    pub fn position(&self, text: &str, offset: usize) -> (usize, usize) {
        let line = match self.starts.binary_search(&offset) {
            Ok(i) => i,
            Err(i) => i - 1,
        };
        let col = text[self.starts[line]..offset].chars().count();
        (line + 1, col)
    }
}

/// Splits off a UTF-8 byte-order mark (yaml-rust2's `&str` scanner does not strip it).
pub fn strip_bom(text: &str) -> (&str, bool) {
    match text.strip_prefix('\u{feff}') {
        Some(rest) => (rest, true),
        None => (text, false),
    }
}

/// End of the line holding `offset`: the position of its line break (or the end of the text).
pub fn line_end(text: &str, offset: usize) -> usize {
    text[offset..]
        .find(['\n', '\r'])
        .map_or(text.len(), |i| offset + i)
}

/// Start of the line holding `offset`.
pub fn line_start(text: &str, offset: usize) -> usize {
    text[..offset].rfind(['\n', '\r']).map_or(0, |i| i + 1)
}

/// The line break used near `offset` (the break ending that line, else the file's first break,
/// else `\n`).
pub fn newline_at(text: &str, offset: usize) -> &'static str {
    let end = line_end(text, offset);
    let at = |i: usize| -> Option<&'static str> {
        let b = text.as_bytes();
        match b.get(i)? {
            b'\r' if b.get(i + 1) == Some(&b'\n') => Some("\r\n"),
            b'\r' => Some("\r"),
            b'\n' => Some("\n"),
            _ => None,
        }
    };
    at(end)
        .or_else(|| text.find(['\n', '\r']).and_then(at))
        .unwrap_or("\n")
}

/// Number of leading spaces of the line holding `offset`.
pub fn indent_of_line(text: &str, offset: usize) -> usize {
    let s = line_start(text, offset);
    text[s..].bytes().take_while(|&b| b == b' ').count()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offsets_with_crlf_lone_cr_and_non_ascii() {
        let text = "a: é\r\nb: 😀x\rc: 1\nd";
        let idx = LineIndex::new(text);
        assert_eq!(idx.line_count(), 4);
        assert_eq!(idx.offset(text, 1, 3), 3);
        assert_eq!(&text[idx.offset(text, 2, 4)..idx.offset(text, 2, 5)], "x");
        assert_eq!(&text[idx.offset(text, 3, 0)..idx.offset(text, 3, 1)], "c");
        assert_eq!(&text[idx.offset(text, 4, 0)..], "d");
        // A column past the line's end stops at the line break.
        assert_eq!(idx.offset(text, 1, 99), 5);
        assert_eq!(idx.position(text, idx.offset(text, 2, 4)), (2, 4));
    }

    #[test]
    fn bom_and_newlines() {
        assert_eq!(strip_bom("\u{feff}a: 1"), ("a: 1", true));
        assert_eq!(strip_bom("a: 1"), ("a: 1", false));
        assert_eq!(newline_at("a\r\nb", 0), "\r\n");
        assert_eq!(newline_at("a", 0), "\n");
        assert_eq!(newline_at("a\rb\r", 2), "\r");
        assert_eq!(line_end("ab\ncd", 4), 5);
        assert_eq!(line_start("ab\ncd", 4), 3);
    }
}
