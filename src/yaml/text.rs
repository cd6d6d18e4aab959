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
    /// Whether each line is ASCII: then a column is a byte count (long one-line files, such as
    /// minified JSON, would otherwise cost a scan per node).
    ascii: Vec<bool>,
    /// For long lines that are not ASCII: the byte offset of each char (same reason).
    chars: std::collections::HashMap<usize, Vec<usize>>,
}

/// Lines at least this long that hold non-ASCII text get a char table.
const CHAR_TABLE_MIN: usize = 256;

impl LineIndex {
    pub fn new(text: &str) -> LineIndex {
        let bytes = text.as_bytes();
        let mut starts = vec![0];
        let mut ascii = Vec::new();
        let mut line_ascii = true;
        let mut i = 0;
        while i < bytes.len() {
            match bytes[i] {
                b'\n' => {
                    starts.push(i + 1);
                    ascii.push(line_ascii);
                    line_ascii = true;
                }
                b'\r' => {
                    if bytes.get(i + 1) == Some(&b'\n') {
                        i += 1;
                    }
                    starts.push(i + 1);
                    ascii.push(line_ascii);
                    line_ascii = true;
                }
                b if b >= 0x80 => line_ascii = false,
                _ => {}
            }
            i += 1;
        }
        ascii.push(line_ascii);
        let mut chars = std::collections::HashMap::new();
        for (i, &is_ascii) in ascii.iter().enumerate() {
            let start = starts[i];
            let end = starts.get(i + 1).copied().unwrap_or(text.len());
            if !is_ascii && end - start >= CHAR_TABLE_MIN {
                chars.insert(
                    i,
                    text[start..end]
                        .char_indices()
                        .map(|(o, _)| start + o)
                        .collect(),
                );
            }
        }
        LineIndex {
            starts,
            ascii,
            chars,
        }
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
        let i = line.saturating_sub(1).min(self.starts.len() - 1);
        let start = self.starts[i];
        if self.ascii[i] {
            return (start + col).min(self.content_end(text, i));
        }
        if let Some(table) = self.chars.get(&i) {
            return table
                .get(col)
                .copied()
                .unwrap_or(text.len())
                .min(self.content_end(text, i));
        }
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

    /// End of 0-based line `i`'s content: where its break starts (or the end of the text).
    fn content_end(&self, text: &str, i: usize) -> usize {
        let Some(&next) = self.starts.get(i + 1) else {
            return text.len();
        };
        let b = text.as_bytes();
        if next >= 2 && b[next - 1] == b'\n' && b[next - 2] == b'\r' {
            next - 2
        } else {
            next - 1
        }
    }

    /// 0-based index of the line holding byte `offset`.
    fn line_of(&self, offset: usize) -> usize {
        match self.starts.binary_search(&offset) {
            Ok(i) => i,
            Err(i) => i - 1,
        }
    }

    /// Byte offset of the start of the line holding byte `offset`.
    pub fn line_start_of(&self, offset: usize) -> usize {
        self.starts[self.line_of(offset)]
    }

    /// 1-based line and 0-based char column of a byte offset.
    pub fn position(&self, text: &str, offset: usize) -> (usize, usize) {
        let line = self.line_of(offset);
        let start = self.starts[line];
        let col = if self.ascii[line] {
            offset - start
        } else if let Some(table) = self.chars.get(&line) {
            table.partition_point(|&o| o < offset)
        } else {
            text[start..offset].chars().count()
        };
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
    fn long_lines_use_the_ascii_and_char_tables() {
        // Minified one-line documents: columns are looked up, not counted.
        let line: String = (0..200)
            .map(|i| if i % 3 == 0 { "é," } else { "a," })
            .collect();
        let text = format!("x: [{line}]\r\ny: [{}]\n", "b,".repeat(200));
        let idx = LineIndex::new(&text);
        for (off, ch) in text.char_indices() {
            if ch == '\n' && text[..off].ends_with('\r') {
                continue; // inside a CRLF break
            }
            let (l, c) = idx.position(&text, off);
            assert_eq!(idx.offset(&text, l, c), off, "at byte {off}");
            assert_eq!(c, text[idx.line_start_of(off)..off].chars().count());
        }
        // Past the end of a line: its break.
        assert_eq!(idx.offset(&text, 1, 10_000), text.find('\r').unwrap());
        assert_eq!(idx.offset(&text, 2, 10_000), text.len() - 1);
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
