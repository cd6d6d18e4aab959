//! Operations on a parsed stream ("insert this key", "append this item", "replace this value"),
//! rendered into byte-range edits that copy their surroundings, applied back to front, then
//! verified: the edited text is parsed again and must hold exactly the original value plus the
//! planned changes. Any mismatch is an error and the caller keeps the original text.

use std::collections::{HashMap, HashSet};
use std::fmt;
use std::ops::Range;

use super::lex;
use super::text::{line_end, newline_at};
use super::tree::{Kind, NodeId, ParseError, ScalarStyle, Tree, parse, parse_values};

/// One text change: replace `range` (empty = insert) with `text`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Edit {
    pub range: Range<usize>,
    pub text: String,
}

/// A value to write. Strings are quoted only as the file's habit or YAML typing requires.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum NewValue {
    Bool(bool),
    Int(i64),
    Str(String),
    Map(Vec<(String, NewValue)>),
    Seq(Vec<NewValue>),
}

impl NewValue {
    pub fn str(s: &str) -> NewValue {
        NewValue::Str(s.to_string())
    }

    /// Builds `{a: {b: value}}` for the path `[a, b]`.
    pub fn nested(path: &[&str], value: NewValue) -> NewValue {
        path.iter()
            .rev()
            .fold(value, |v, k| NewValue::Map(vec![(k.to_string(), v)]))
    }

    /// Merges `path: value` into this mapping value (creating intermediate mappings).
    fn merge(&mut self, path: &[&str], value: NewValue) -> Result<(), String> {
        let NewValue::Map(entries) = self else {
            return Err("conflicting changes: the value planned here is not a mapping".to_string());
        };
        let (first, rest) = path
            .split_first()
            .expect("merge is called with a non-empty path");
        match entries.iter_mut().find(|(k, _)| k == first) {
            Some((_, existing)) if rest.is_empty() => {
                if let (NewValue::Seq(a), NewValue::Seq(b)) = (&mut *existing, &value) {
                    for item in b {
                        if !a.contains(item) {
                            a.push(item.clone());
                        }
                    }
                    Ok(())
                } else if *existing == value {
                    Ok(())
                } else {
                    Err(format!("conflicting values planned for `{first}`"))
                }
            }
            Some((_, existing)) => existing.merge(rest, value),
            None => {
                entries.push((first.to_string(), NewValue::nested(rest, value)));
                Ok(())
            }
        }
    }
}

/// Why an operation was not planned. The position is the node's (1-based line and column).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Refusal {
    pub line: usize,
    pub col: usize,
    pub reason: String,
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}: {}", self.line, self.col, self.reason)
    }
}

/// Why the planned edits could not be applied. The caller keeps the original text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum EditError {
    /// Two edits touch the same bytes.
    Overlap { offset: usize },
    /// The edited text does not parse.
    Reparse(ParseError),
    /// The edited text parses to something other than the original plus the planned changes.
    Mismatch {
        line: usize,
        col: usize,
        detail: String,
    },
}

impl fmt::Display for EditError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            EditError::Overlap { offset } => write!(f, "two edits overlap at byte {offset}"),
            EditError::Reparse(e) => write!(f, "the edited text does not parse ({e})"),
            EditError::Mismatch { line, col, detail } => {
                write!(
                    f,
                    "the edited text has an unexpected value at {line}:{col}: {detail}"
                )
            }
        }
    }
}

/// Sorts `edits`, refuses overlaps and applies them. Insertions at the same offset keep their
/// order.
pub fn apply_edits(text: &str, edits: &[Edit]) -> Result<String, EditError> {
    let mut order: Vec<&Edit> = edits.iter().collect();
    order.sort_by_key(|e| (e.range.start, e.range.end));
    let mut out =
        String::with_capacity(text.len() + edits.iter().map(|e| e.text.len()).sum::<usize>());
    let mut pos = 0;
    for e in order {
        if e.range.start < pos {
            return Err(EditError::Overlap {
                offset: e.range.start,
            });
        }
        out.push_str(&text[pos..e.range.start]);
        out.push_str(&e.text);
        pos = e.range.end;
    }
    out.push_str(&text[pos..]);
    Ok(out)
}

/// The file's habits, copied by new text.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Style {
    /// Indentation step of nested block mappings.
    pub step: usize,
    /// Column of a block sequence's `-` minus its key's column (0 = indentless).
    pub seq_offset: usize,
    /// Spaces between `-` and the item.
    pub item_gap: usize,
    /// Quote for new strings: `None` (plain), `Some('"')`, `Some('\'')`.
    pub quote: Option<char>,
}

fn most_common(counts: &HashMap<usize, usize>, default: usize) -> usize {
    counts
        .iter()
        .max_by_key(|&(value, n)| (*n, std::cmp::Reverse(*value)))
        .map_or(default, |(&v, _)| v)
}

/// Reads the file's indentation step, sequence style and quoting habit from its tree.
pub fn detect_style(text: &str, tree: &Tree) -> Style {
    detect_style_in(text, tree, 0..tree.nodes.len())
}

/// The habits of each document, learned from its own nodes (a stream often joins documents
/// written by different hands: `kustomize build` output, bundles): `(first node, style)` in
/// node order.
fn document_styles(text: &str, tree: &Tree) -> Vec<(NodeId, Style)> {
    let mut styles: Vec<(NodeId, Style)> = Vec::with_capacity(tree.docs.len().max(1));
    for (i, doc) in tree.docs.iter().enumerate() {
        let end = tree.docs.get(i + 1).map_or(tree.nodes.len(), |d| d.root);
        styles.push((doc.root, detect_style_in(text, tree, doc.root..end)));
    }
    if styles.is_empty() {
        styles.push((0, detect_style_in(text, tree, 0..0)));
    }
    styles
}

/// `detect_style` over the nodes `range` (one document's).
fn detect_style_in(text: &str, tree: &Tree, range: std::ops::Range<NodeId>) -> Style {
    let mut steps = HashMap::new();
    let mut offsets = HashMap::new();
    let mut gaps = HashMap::new();
    let (mut plain, mut single, mut double) = (0usize, 0usize, 0usize);
    for node in &tree.nodes[range] {
        match &node.kind {
            Kind::Map {
                entries,
                flow: false,
            } => {
                for &(k, v) in entries {
                    // The mapping's column: a key's own column is after its properties.
                    let (kc, vn) = (node.col, &tree.nodes[v]);
                    match &vn.kind {
                        Kind::Map { flow: false, .. }
                            if vn.col > kc && vn.line > tree.nodes[k].line =>
                        {
                            *steps.entry(vn.col - kc).or_insert(0) += 1;
                        }
                        Kind::Seq { flow: false, .. }
                            if vn.col >= kc && vn.line > tree.nodes[k].line =>
                        {
                            *offsets.entry(vn.col - kc).or_insert(0) += 1;
                        }
                        Kind::Scalar { value, style } if looks_like_string(value) => match style {
                            ScalarStyle::Plain => plain += 1,
                            ScalarStyle::SingleQuoted => single += 1,
                            ScalarStyle::DoubleQuoted => double += 1,
                            _ => {}
                        },
                        _ => {}
                    }
                }
            }
            Kind::Seq {
                items, flow: false, ..
            } => {
                for &i in items {
                    let item = &tree.nodes[i];
                    let content = item.props.min(item.start);
                    if let Some(d) = lex::dash_before(text, item.start)
                        && content > d + 1
                        && text[d + 1..content].bytes().all(|c| c == b' ')
                    {
                        let gap = content - d - 1;
                        *gaps.entry(gap).or_insert(0) += 1;
                    }
                }
            }
            _ => {}
        }
    }
    let quote = if double > plain && double >= single {
        Some('"')
    } else if single > plain && single > double {
        Some('\'')
    } else {
        None
    };
    Style {
        step: most_common(&steps, 2).max(1),
        seq_offset: most_common(&offsets, 0),
        item_gap: most_common(&gaps, 1).max(1),
        quote,
    }
}

fn looks_like_string(v: &str) -> bool {
    !v.is_empty()
        && v.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
        && !is_special_plain(v)
}

/// Plain words YAML would read as something other than a string.
fn is_special_plain(v: &str) -> bool {
    matches!(
        v.to_ascii_lowercase().as_str(),
        "true" | "false" | "yes" | "no" | "on" | "off" | "y" | "n" | "null" | "~" | ".inf" | ".nan"
    ) || v.parse::<f64>().is_ok()
        || v.starts_with("0x")
        || v.starts_with("0o")
}

/// A string that can be written plain anywhere (block or flow) and reads back as that string,
/// under YAML 1.2 and under the YAML 1.1 typing Kubernetes tools use (numbers, timestamps,
/// `0b`/sexagesimal integers, `y`/`n` booleans all start with a digit or are listed words).
fn plain_safe(v: &str) -> bool {
    !v.is_empty()
        && !is_special_plain(v)
        && match v.as_bytes() {
            // `--flag`, `-v`: a dash followed by a letter or a dash is no number and no indicator.
            [b'-', second, ..] => second.is_ascii_alphabetic() || *second == b'-',
            [first, ..] => first.is_ascii_alphabetic() || *first == b'/' || *first == b'_',
            [] => false,
        }
        && v.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '/' | '_' | '.' | '-'))
}

/// Whether YAML can hold `c` as it is inside quotes (`c-printable`, minus line breaks, which
/// quoted scalars fold).
fn printable_inline(c: char) -> bool {
    matches!(c, '\t' | ' '..='~' | '\u{85}' | '\u{a0}'..='\u{d7ff}' | '\u{e000}'..='\u{fffd}' | '\u{10000}'..)
        && !matches!(c, '\u{85}' | '\u{2028}' | '\u{2029}' | '\u{feff}')
}

/// `s` as a double-quoted scalar, escaping what cannot be written as it is.
fn double_quoted(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\0' => out.push_str("\\0"),
            '\u{85}' => out.push_str("\\N"),
            '\u{2028}' => out.push_str("\\L"),
            '\u{2029}' => out.push_str("\\P"),
            c if printable_inline(c) => out.push(c),
            c if (c as u32) < 0x100 => out.push_str(&format!("\\x{:02X}", c as u32)),
            c => out.push_str(&format!("\\u{:04X}", c as u32)),
        }
    }
    out.push('"');
    out
}

fn render_scalar(v: &NewValue, quote: Option<char>) -> String {
    match v {
        NewValue::Bool(b) => b.to_string(),
        NewValue::Int(n) => n.to_string(),
        NewValue::Str(s) => match (quote, plain_safe(s)) {
            (None, true) => s.clone(),
            // Single quotes cannot escape anything: only for text that needs no escape.
            (Some('\''), _) if s.chars().all(printable_inline) => {
                format!("'{}'", s.replace('\'', "''"))
            }
            _ => double_quoted(s),
        },
        NewValue::Map(_) | NewValue::Seq(_) => render_flow(v, quote),
    }
}

fn render_flow(v: &NewValue, quote: Option<char>) -> String {
    match v {
        NewValue::Map(entries) => {
            let parts: Vec<String> = entries
                .iter()
                .map(|(k, v)| format!("{}: {}", render_key(k), render_flow(v, quote)))
                .collect();
            format!("{{{}}}", parts.join(", "))
        }
        NewValue::Seq(items) => {
            let parts: Vec<String> = items.iter().map(|i| render_flow(i, quote)).collect();
            format!("[{}]", parts.join(", "))
        }
        _ => render_scalar(v, quote),
    }
}

fn render_key(k: &str) -> String {
    render_scalar(&NewValue::Str(k.to_string()), None)
}

fn is_scalar(v: &NewValue) -> bool {
    !matches!(v, NewValue::Map(_) | NewValue::Seq(_))
}

/// A value that reads better as a block than as flow: a non-empty mapping, or a sequence
/// holding collections.
fn wants_block(v: &NewValue) -> bool {
    match v {
        NewValue::Map(e) => !e.is_empty(),
        NewValue::Seq(items) => items.iter().any(|i| !is_scalar(i)),
        _ => false,
    }
}

struct Renderer<'a> {
    style: Style,
    nl: &'a str,
}

impl Renderer<'_> {
    fn pad(&self, out: &mut String, col: usize) {
        out.push_str(self.nl);
        out.extend(std::iter::repeat_n(' ', col));
    }

    /// `key: value` for a block mapping at `col` (the caller wrote the indentation).
    fn entry(&self, out: &mut String, key: &str, v: &NewValue, col: usize) {
        out.push_str(&render_key(key));
        out.push(':');
        self.block_value(out, v, col);
    }

    /// What follows `key:` when the key is at column `col`.
    fn block_value(&self, out: &mut String, v: &NewValue, col: usize) {
        if !wants_block(v) {
            out.push(' ');
            out.push_str(&render_scalar(v, self.style.quote));
            return;
        }
        match v {
            NewValue::Map(entries) => {
                for (k, v) in entries {
                    self.pad(out, col + self.style.step);
                    self.entry(out, k, v, col + self.style.step);
                }
            }
            NewValue::Seq(items) => {
                for item in items {
                    self.pad(out, col + self.style.seq_offset);
                    self.item(out, item, col + self.style.seq_offset);
                }
            }
            _ => unreachable!("wants_block is false for scalars"),
        }
    }

    /// `- item` for a block sequence whose dash is at `dash_col`.
    fn item(&self, out: &mut String, v: &NewValue, dash_col: usize) {
        out.push('-');
        out.extend(std::iter::repeat_n(' ', self.style.item_gap));
        let content = dash_col + 1 + self.style.item_gap;
        match v {
            NewValue::Map(entries) if !entries.is_empty() => {
                for (i, (k, v)) in entries.iter().enumerate() {
                    if i > 0 {
                        self.pad(out, content);
                    }
                    self.entry(out, k, v, content);
                }
            }
            _ => out.push_str(&render_flow(v, self.style.quote)),
        }
    }
}

/// A planned change, recorded against the original tree.
#[derive(Clone, Debug)]
enum Change {
    /// New keys at the end of a mapping, in order.
    Insert(Vec<(String, NewValue)>),
    /// New items at the end of a sequence.
    Append(Vec<NewValue>),
    /// A new value in place of a scalar or an empty collection.
    Replace(NewValue),
}

/// Plans changes on one parsed text, then renders, applies and verifies them.
pub struct Editor<'a> {
    text: &'a str,
    tree: &'a Tree,
    /// Each document's habits, by its first node.
    styles: Vec<(NodeId, Style)>,
    changes: HashMap<NodeId, Change>,
    /// Anchor ids that some alias refers to: their nodes are shared and never edited.
    aliased: HashSet<usize>,
}

impl<'a> Editor<'a> {
    pub fn new(text: &'a str, tree: &'a Tree) -> Editor<'a> {
        let aliased = tree
            .nodes
            .iter()
            .filter_map(|n| match n.kind {
                Kind::Alias { anchor } => Some(anchor),
                _ => None,
            })
            .collect();
        Editor {
            text,
            tree,
            styles: document_styles(text, tree),
            changes: HashMap::new(),
            aliased,
        }
    }

    /// The habits of the document holding node `id`.
    pub fn style_at(&self, id: NodeId) -> Style {
        let i = self.styles.partition_point(|&(first, _)| first <= id);
        self.styles[i.saturating_sub(1)].1
    }

    /// Whether any change is planned.
    pub fn is_empty(&self) -> bool {
        self.changes.is_empty()
    }

    fn refuse(&self, node: NodeId, reason: impl Into<String>) -> Refusal {
        let (line, col) = self.tree.position(node);
        Refusal {
            line,
            col,
            reason: reason.into(),
        }
    }

    /// Refuses nodes that are shared through an alias (or sit inside one).
    fn check_editable(&self, node: NodeId) -> Result<(), Refusal> {
        if matches!(self.tree.nodes[node].kind, Kind::Alias { .. }) {
            return Err(self.refuse(
                node,
                "an alias: editing through it would change the anchored node and every copy",
            ));
        }
        let mut p = Some(node);
        while let Some(n) = p {
            let anchor = self.tree.nodes[n].anchor;
            if anchor != 0 && self.aliased.contains(&anchor) {
                let (line, _) = self.tree.position(n);
                return Err(self.refuse(
                    node,
                    format!("inside an anchored node (line {line}) that an alias reuses; editing it would change every copy"),
                ));
            }
            p = self.tree.nodes[n].parent;
        }
        Ok(())
    }

    fn check_mapping(&self, map: NodeId, key: &str) -> Result<(), Refusal> {
        let node = &self.tree.nodes[map];
        let Kind::Map { entries, flow } = &node.kind else {
            return Err(self.refuse(map, "not a mapping"));
        };
        if node.pair || (*flow && !self.text[node.start..].starts_with('{')) {
            return Err(self.refuse(
                map,
                "a single-pair mapping inside a flow sequence (`[a: 1]`)",
            ));
        }
        for &(k, _) in entries {
            match self.tree.str(k) {
                Some("<<") => {
                    return Err(self.refuse(
                        map,
                        format!("the mapping has a `<<` merge key; `{key}` may come from the merged mapping"),
                    ));
                }
                Some(_) => {}
                None => return Err(self.refuse(k, "the mapping has a complex (non-scalar) key")),
            }
            if self.is_explicit_key(k) {
                return Err(self.refuse(k, "the mapping uses an explicit `?` key"));
            }
        }
        if !*flow {
            self.check_tail(map)?;
        }
        if entries.iter().any(|&(k, _)| self.tree.str(k) == Some(key)) {
            return Err(self.refuse(map, format!("`{key}` is already set")));
        }
        Ok(())
    }

    /// Whether key `k` is written with the explicit `?` indicator.
    fn is_explicit_key(&self, k: NodeId) -> bool {
        let n = &self.tree.nodes[k];
        if matches!(
            &n.kind,
            Kind::Scalar {
                style: ScalarStyle::Literal | ScalarStyle::Folded,
                ..
            }
        ) {
            // A block scalar cannot be an implicit key.
            return true;
        }
        let before = self.text[..n.props.min(n.start)].trim_end_matches([' ', '\t', '\r', '\n']);
        before.ends_with('?')
            && (before.len() == 1
                || before[..before.len() - 1].ends_with([' ', '\t', '\r', '\n', '{', '[', ',']))
    }

    /// Refuses to add after block collection `id` when its last line ends a keep-chomping (`|+`)
    /// block scalar that holds the text's final line break: any text after it would change it.
    fn check_tail(&self, id: NodeId) -> Result<(), Refusal> {
        let mut cur = id;
        loop {
            let n = &self.tree.nodes[cur];
            cur = match &n.kind {
                Kind::Map {
                    entries,
                    flow: false,
                } if !entries.is_empty() => entries[entries.len() - 1].1,
                Kind::Seq {
                    items, flow: false, ..
                } if !items.is_empty() => items[items.len() - 1],
                _ => break,
            };
        }
        let n = &self.tree.nodes[cur];
        // Without content lines (the value is only line breaks) the node's text is its header.
        let no_content = |v: &str| !v.is_empty() && v.bytes().all(|c| c == b'\n');
        if !matches!(&n.kind, Kind::Scalar { style: ScalarStyle::Literal | ScalarStyle::Folded, value } if no_content(value))
        {
            return Ok(());
        }
        let text = self.text;
        if !text[n.start..lex::header_end(text, n.start)].contains('+') {
            return Ok(());
        }
        let rest = &text[line_end(text, n.start)..];
        if matches!(rest, "\n" | "\r\n" | "\r") {
            return Err(self.refuse(
                cur,
                "a keep-chomping (`|+`) block scalar ends the text and keeps its final line break; anything added after it would change its value",
            ));
        }
        Ok(())
    }

    /// Plans `key: value` at the end of mapping `map`.
    pub fn insert_key(&mut self, map: NodeId, key: &str, value: NewValue) -> Result<(), Refusal> {
        self.ensure(map, &[key], value)
    }

    /// Plans replacing scalar (or empty collection) `node` by `value`.
    pub fn replace(&mut self, node: NodeId, value: NewValue) -> Result<(), Refusal> {
        self.check_editable(node)?;
        let n = &self.tree.nodes[node];
        let empty_collection = match &n.kind {
            Kind::Map { entries, .. } => entries.is_empty(),
            Kind::Seq { items, .. } => items.is_empty(),
            Kind::Scalar { style, .. } => {
                !matches!(style, ScalarStyle::Literal | ScalarStyle::Folded)
            }
            Kind::Alias { .. } => false,
        };
        if !empty_collection {
            return Err(self.refuse(node, "only scalars and empty collections can be replaced"));
        }
        if let Some(tag) = &n.tag {
            return Err(self.refuse(node, format!("the value has a tag (`{tag}`)")));
        }
        if let Some(k) = self.tree.key_of(node)
            && n.props < n.start
            && n.line > self.tree.nodes[k].line
            && wants_block(&value)
        {
            return Err(self.refuse(
                node,
                "the value has properties and sits on a line after its key",
            ));
        }
        if n.parent.is_none() && n.start == n.end && !self.text[..n.start].ends_with("---") {
            return Err(self.refuse(
                node,
                "an empty document without `---`: there is no place to write its value",
            ));
        }
        match self.changes.get_mut(&node) {
            Some(Change::Replace(v)) if *v == value => Ok(()),
            Some(_) => Err(self.refuse(node, "conflicting changes planned for this value")),
            None => {
                self.changes.insert(node, Change::Replace(value));
                Ok(())
            }
        }
    }

    /// Plans `item` at the end of sequence `seq` (an empty flow sequence under a block mapping
    /// becomes a block sequence when the item is a collection). An item already planned for
    /// `seq` is not planned twice.
    pub fn append(&mut self, seq: NodeId, item: NewValue) -> Result<(), Refusal> {
        self.check_editable(seq)?;
        let n = &self.tree.nodes[seq];
        let Kind::Seq { items, flow, .. } = &n.kind else {
            return Err(self.refuse(seq, "not a sequence"));
        };
        if !*flow && !items.is_empty() {
            self.check_tail(seq)?;
        }
        if items.is_empty() {
            match self.changes.get_mut(&seq) {
                Some(Change::Replace(NewValue::Seq(v))) => {
                    if !v.contains(&item) {
                        v.push(item);
                    }
                }
                Some(_) => return Err(self.refuse(seq, "conflicting changes planned")),
                None => {
                    self.changes
                        .insert(seq, Change::Replace(NewValue::Seq(vec![item])));
                }
            }
            return Ok(());
        }
        match self
            .changes
            .entry(seq)
            .or_insert_with(|| Change::Append(Vec::new()))
        {
            Change::Append(v) => {
                // The same item planned twice is added once.
                if !v.contains(&item) {
                    v.push(item);
                }
                Ok(())
            }
            _ => Err(self.refuse(seq, "conflicting changes planned")),
        }
    }

    /// Plans `path: value` under mapping `map`: missing keys are created, a null or `{}` on
    /// the way is filled, an existing leaf is left to the caller (refused here).
    pub fn ensure(&mut self, map: NodeId, path: &[&str], value: NewValue) -> Result<(), Refusal> {
        let mut cur = map;
        for (i, seg) in path.iter().enumerate() {
            self.check_editable(cur)?;
            let rest = &path[i + 1..];
            // Something already planned at this node absorbs the rest.
            match self.changes.get_mut(&cur) {
                Some(Change::Replace(v)) => {
                    return v.merge(&path[i..], value).map_err(|e| self.refuse(cur, e));
                }
                Some(Change::Insert(entries)) => {
                    if let Some((_, v)) = entries.iter_mut().find(|(k, _)| k == seg) {
                        if rest.is_empty() {
                            if let (NewValue::Seq(have), NewValue::Seq(more)) = (&mut *v, &value) {
                                // Two items planned for a new list: both go in.
                                for item in more {
                                    if !have.contains(item) {
                                        have.push(item.clone());
                                    }
                                }
                                return Ok(());
                            }
                            return if *v == value {
                                Ok(())
                            } else {
                                Err(self
                                    .refuse(cur, format!("conflicting values planned for `{seg}`")))
                            };
                        }
                        return v.merge(rest, value).map_err(|e| self.refuse(cur, e));
                    }
                }
                _ => {}
            }
            let existing = match &self.tree.nodes[cur].kind {
                Kind::Map { entries, .. } => entries
                    .iter()
                    .find(|&&(k, _)| self.tree.str(k) == Some(seg))
                    .map(|&(_, v)| v),
                _ => return Err(self.refuse(cur, format!("expected a mapping to hold `{seg}`"))),
            };
            match existing {
                None => {
                    self.check_mapping(cur, seg)?;
                    let v = NewValue::nested(rest, value);
                    match self
                        .changes
                        .entry(cur)
                        .or_insert_with(|| Change::Insert(Vec::new()))
                    {
                        Change::Insert(entries) => entries.push((seg.to_string(), v)),
                        _ => return Err(self.refuse(cur, "conflicting changes planned")),
                    }
                    return Ok(());
                }
                Some(v) if rest.is_empty() => {
                    return Err(self.refuse(v, format!("`{seg}` is already set")));
                }
                Some(v) => {
                    let v = self.tree.resolve(v);
                    let node = &self.tree.nodes[v];
                    let empty = self.tree.is_null(v)
                        || matches!(&node.kind, Kind::Map { entries, .. } if entries.is_empty());
                    if matches!(node.kind, Kind::Alias { .. }) {
                        return Err(self.refuse(v, "an alias"));
                    }
                    if empty {
                        if let Some(Change::Replace(pending)) = self.changes.get_mut(&v) {
                            return pending.merge(rest, value).map_err(|e| self.refuse(v, e));
                        }
                        return self.replace(v, NewValue::nested(rest, value));
                    }
                    cur = v;
                }
            }
        }
        Err(self.refuse(map, "empty path"))
    }

    /// Renders every planned change as text edits against the original text.
    pub fn edits(&self) -> Vec<Edit> {
        // Where two insertions meet at one offset (a container's last line is also its pod
        // spec's), the deeper node's text goes first: apply_edits keeps this order for ties.
        let depth = |mut id: NodeId| {
            let mut d = 0usize;
            while let Some(p) = self.tree.nodes[id].parent {
                d += 1;
                id = p;
            }
            d
        };
        let mut ids: Vec<&NodeId> = self.changes.keys().collect();
        ids.sort_by_key(|&&id| (std::cmp::Reverse(depth(id)), id));
        let mut edits = Vec::new();
        for &id in ids {
            self.render_change(id, &self.changes[&id], &mut edits);
        }
        edits
    }

    fn render_change(&self, id: NodeId, change: &Change, edits: &mut Vec<Edit>) {
        let text = self.text;
        let tree = self.tree;
        let node = &tree.nodes[id];
        let doc_style = self.style_at(id);
        match (change, &node.kind) {
            (Change::Insert(new), Kind::Map { flow: false, .. }) => {
                let at = self.block_insertion_point(id);
                let r = Renderer {
                    style: doc_style,
                    nl: newline_at(text, at),
                };
                let mut out = String::new();
                for (k, v) in new {
                    r.pad(&mut out, node.col);
                    r.entry(&mut out, k, v, node.col);
                }
                edits.push(Edit {
                    range: at..at,
                    text: out,
                });
            }
            (
                Change::Insert(new),
                Kind::Map {
                    entries,
                    flow: true,
                },
            ) => {
                let parts: Vec<String> = new
                    .iter()
                    .map(|(k, v)| format!("{}: {}", render_key(k), render_flow(v, doc_style.quote)))
                    .collect();
                match entries.last() {
                    None => {
                        let at = node.start + 1;
                        edits.push(Edit {
                            range: at..at,
                            text: parts.join(", "),
                        });
                    }
                    Some(&(lk, lv)) => {
                        let end = tree.nodes[lv].end.max(tree.nodes[lk].end);
                        self.flow_append(node, &tree.nodes[lk], end, &parts, edits);
                    }
                }
            }
            (
                Change::Append(new),
                Kind::Seq {
                    items, flow: false, ..
                },
            ) => {
                let last = &tree.nodes[*items
                    .last()
                    .expect("append on an empty sequence is a replace")];
                let at = self.block_insertion_point(id);
                let gap = lex::dash_before(text, last.start)
                    .map(|d| text[d + 1..last.props.min(last.start)].chars().count())
                    .filter(|&g| g > 0)
                    .unwrap_or(doc_style.item_gap);
                let style = Style {
                    item_gap: gap,
                    ..doc_style
                };
                let r = Renderer {
                    style,
                    nl: newline_at(text, at),
                };
                let mut out = String::new();
                for item in new {
                    r.pad(&mut out, node.col);
                    r.item(&mut out, item, node.col);
                }
                edits.push(Edit {
                    range: at..at,
                    text: out,
                });
            }
            (
                Change::Append(new),
                Kind::Seq {
                    items, flow: true, ..
                },
            ) => {
                let last = &tree.nodes[*items
                    .last()
                    .expect("append on an empty sequence is a replace")];
                let parts: Vec<String> = new
                    .iter()
                    .map(|i| render_flow(i, doc_style.quote))
                    .collect();
                self.flow_append(node, last, last.end, &parts, edits);
            }
            (Change::Replace(v), _) => self.render_replace(id, v, edits),
            _ => unreachable!("changes are only planned on matching node kinds"),
        }
    }

    /// Where new lines go at the end of block collection `id`: the end of its last line, after
    /// the comment lines that follow it at its own indentation or deeper (they belong to it).
    fn block_insertion_point(&self, id: NodeId) -> usize {
        let text = self.text;
        // An indentless sequence shares its column with its parent mapping's keys: a comment
        // there belongs to the mapping (often a commented-out key), not to the last item.
        let col = match self.tree.nodes[id].kind {
            Kind::Seq {
                indentless: true, ..
            } => self.tree.nodes[id].col + 1,
            _ => self.tree.nodes[id].col,
        };
        let mut at = line_end(text, self.tree.nodes[id].end);
        while at < text.len() {
            let next = if text[at..].starts_with("\r\n") {
                at + 2
            } else {
                at + 1
            };
            let line = &text[next..line_end(text, next)];
            let body = line.trim_start_matches(' ');
            if body.starts_with('#') && line.len() - body.len() >= col {
                at = next + line.len();
            } else {
                break;
            }
        }
        at
    }

    /// Adds `parts` after the last entry or item of flow collection `node`, whose last child
    /// starts like `first` and ends at `end`. On one line: `, part`. Spread over lines: each part
    /// on its own line at the column of the last one, keeping a trailing comma style.
    fn flow_append(
        &self,
        node: &super::tree::Node,
        first: &super::tree::Node,
        end: usize,
        parts: &[String],
        edits: &mut Vec<Edit>,
    ) {
        let text = self.text;
        if first.line == node.line {
            let mut out = String::new();
            for p in parts {
                out.push_str(", ");
                out.push_str(p);
            }
            edits.push(Edit {
                range: end..end,
                text: out,
            });
            return;
        }
        let nl = newline_at(text, end);
        let indent = " ".repeat(first.col);
        let le = line_end(text, end);
        let after = lex::skip_trivia_on_line(text, end);
        let comma = (text.as_bytes().get(after) == Some(&b',')).then_some(after);
        // The rest of the line after the last child (and its comma): only a comment or nothing.
        let rest_blank = |from: usize| {
            let r = text[from..le].trim_start_matches([' ', '\t']);
            r.is_empty() || r.starts_with('#')
        };
        match comma {
            Some(c) if rest_blank(c + 1) => {
                // `  b: 2,  # c` -> a new line `  x: 1,` after it.
                let mut out = String::new();
                for p in parts {
                    out.push_str(nl);
                    out.push_str(&indent);
                    out.push_str(p);
                    out.push(',');
                }
                edits.push(Edit {
                    range: le..le,
                    text: out,
                });
            }
            None if rest_blank(end) && le > end => {
                // `  b: 2  # c` -> `  b: 2,  # c` and a new line `  x: 1`.
                edits.push(Edit {
                    range: end..end,
                    text: ",".to_string(),
                });
                let out = parts
                    .iter()
                    .map(|p| format!("{nl}{indent}{p}"))
                    .collect::<Vec<_>>()
                    .join(",");
                edits.push(Edit {
                    range: le..le,
                    text: out,
                });
            }
            _ => {
                let mut out = String::new();
                for p in parts {
                    out.push(',');
                    out.push_str(nl);
                    out.push_str(&indent);
                    out.push_str(p);
                }
                edits.push(Edit {
                    range: end..end,
                    text: out,
                });
            }
        }
    }

    fn render_replace(&self, id: NodeId, v: &NewValue, edits: &mut Vec<Edit>) {
        let text = self.text;
        let tree = self.tree;
        let node = &tree.nodes[id];
        let parent = node.parent.map(|p| &tree.nodes[p]);
        let block_parent = parent.is_some_and(|p| matches!(p.kind, Kind::Map { flow: false, .. }));
        let key = tree.key_of(id);
        if let (true, true, Some(k), Some(p)) = (wants_block(v), block_parent, key, parent) {
            let kn = &tree.nodes[k];
            let r = Renderer {
                style: self.style_at(id),
                nl: newline_at(text, node.start),
            };
            let mut out = String::new();
            r.block_value(&mut out, v, p.col);
            if node.line > kn.line {
                // The old value sits on a later line (after comments, maybe): the block takes
                // its place there, from that line's indentation on; `replace` refused values
                // with properties there.
                let ls = super::text::line_start(text, node.start);
                let body = out.strip_prefix(r.nl).unwrap_or(&out).to_string();
                edits.push(Edit {
                    range: ls..node.end,
                    text: body,
                });
                return;
            }
            // `key: {}` / `key: null` / `key:` -> `key:` then the block on the next lines;
            // a comment after the old value stays on the key's line, and so do the value's
            // properties (`key: &a {}` -> `key: &a`).
            let colon = lex::find_indicator(text, kn.end, node.props.min(node.start) + 1, b':')
                .unwrap_or(kn.end);
            let keep_to = if node.props < node.start {
                node.props
                    + text[node.props..node.start]
                        .trim_end_matches([' ', '\t'])
                        .len()
            } else {
                colon + 1
            };
            if node.end > node.start {
                edits.push(Edit {
                    range: keep_to..node.end,
                    text: String::new(),
                });
            }
            let at = line_end(text, node.end.max(colon));
            edits.push(Edit {
                range: at..at,
                text: out,
            });
            return;
        }
        // A replaced string keeps the old scalar's quoting where it can hold the new text.
        let quote = match (&node.kind, v) {
            (
                Kind::Scalar {
                    style: ScalarStyle::SingleQuoted,
                    ..
                },
                NewValue::Str(_),
            ) => Some('\''),
            (
                Kind::Scalar {
                    style: ScalarStyle::DoubleQuoted,
                    ..
                },
                NewValue::Str(_),
            ) => Some('"'),
            (
                Kind::Scalar {
                    style: ScalarStyle::Plain,
                    value,
                },
                NewValue::Str(s),
            ) if !value.is_empty() && plain_safe(s) => None,
            _ => self.style_at(id).quote,
        };
        let mut rendered = render_flow(v, quote);
        if node.start == node.end && !text[..node.start].ends_with([' ', '\t', '[', '{']) {
            rendered.insert(0, ' ');
        }
        edits.push(Edit {
            range: node.start..node.end,
            text: rendered,
        });
    }

    /// Applies the planned changes and verifies the result. Returns the new text.
    pub fn apply(&self) -> Result<String, EditError> {
        self.apply_and_parse().map(|(text, _)| text)
    }

    /// Like `apply`, with the edited text checked against a values-only parse (`parse_values`):
    /// the same verification at a fraction of the cost, when the caller needs no tree of the
    /// result.
    pub fn apply_verified(&self) -> Result<String, EditError> {
        let new_text = apply_edits(self.text, &self.edits())?;
        let new_tree = parse_values(&new_text).map_err(EditError::Reparse)?;
        self.verify(&new_tree)?;
        Ok(new_text)
    }

    /// Like `apply`, also returning the edited text's tree.
    pub fn apply_and_parse(&self) -> Result<(String, Tree), EditError> {
        let new_text = apply_edits(self.text, &self.edits())?;
        let new_tree = parse(&new_text).map_err(EditError::Reparse)?;
        self.verify(&new_tree)?;
        Ok((new_text, new_tree))
    }

    /// Compares the edited tree with the original plus the planned changes.
    pub fn verify(&self, new: &Tree) -> Result<(), EditError> {
        let old = self.tree;
        let mismatch = |n: NodeId, detail: String| {
            let (line, col) = new.position(n);
            EditError::Mismatch { line, col, detail }
        };
        if old.docs.len() != new.docs.len() {
            return Err(EditError::Mismatch {
                line: 1,
                col: 1,
                detail: format!("{} documents instead of {}", new.docs.len(), old.docs.len()),
            });
        }
        let mut stack: Vec<(NodeId, NodeId)> = old
            .docs
            .iter()
            .zip(&new.docs)
            .map(|(a, b)| (a.root, b.root))
            .collect();
        while let Some((a, b)) = stack.pop() {
            let (na, nb) = (&old.nodes[a], &new.nodes[b]);
            if let Some(Change::Replace(v)) = self.changes.get(&a) {
                // The replaced node keeps its own properties (an anchor nothing refers to).
                if na.anchor != nb.anchor || na.tag != nb.tag || !value_eq(new, b, v, false) {
                    return Err(mismatch(
                        b,
                        "the replaced value is not the planned one".into(),
                    ));
                }
                continue;
            }
            if na.anchor != nb.anchor || na.tag != nb.tag {
                return Err(mismatch(b, "anchor or tag changed".into()));
            }
            match (&na.kind, &nb.kind) {
                (
                    Kind::Scalar {
                        value: va,
                        style: sa,
                    },
                    Kind::Scalar {
                        value: vb,
                        style: sb,
                    },
                ) => {
                    if va != vb || (*sa == ScalarStyle::Plain) != (*sb == ScalarStyle::Plain) {
                        return Err(mismatch(b, format!("scalar {va:?} became {vb:?}")));
                    }
                }
                (Kind::Alias { anchor: x }, Kind::Alias { anchor: y }) if x == y => {}
                (Kind::Map { entries: ea, .. }, Kind::Map { entries: eb, .. }) => {
                    let added: &[(String, NewValue)] = match self.changes.get(&a) {
                        Some(Change::Insert(v)) => v,
                        _ => &[],
                    };
                    if eb.len() != ea.len() + added.len() {
                        return Err(mismatch(
                            b,
                            format!("{} keys instead of {}", eb.len(), ea.len() + added.len()),
                        ));
                    }
                    for (&(ka, va), &(kb, vb)) in ea.iter().zip(eb) {
                        stack.push((ka, kb));
                        stack.push((va, vb));
                    }
                    for ((key, v), &(kb, vb)) in added.iter().zip(&eb[ea.len()..]) {
                        if !matches_new(new, kb, &NewValue::Str(key.clone()))
                            || !matches_new(new, vb, v)
                        {
                            return Err(mismatch(
                                kb,
                                format!("the new `{key}` is not the planned value"),
                            ));
                        }
                    }
                }
                (Kind::Seq { items: ia, .. }, Kind::Seq { items: ib, .. }) => {
                    let added: &[NewValue] = match self.changes.get(&a) {
                        Some(Change::Append(v)) => v,
                        _ => &[],
                    };
                    if ib.len() != ia.len() + added.len() {
                        return Err(mismatch(
                            b,
                            format!("{} items instead of {}", ib.len(), ia.len() + added.len()),
                        ));
                    }
                    for (&x, &y) in ia.iter().zip(ib) {
                        stack.push((x, y));
                    }
                    for (v, &y) in added.iter().zip(&ib[ia.len()..]) {
                        if !matches_new(new, y, v) {
                            return Err(mismatch(
                                y,
                                "the new item is not the planned value".into(),
                            ));
                        }
                    }
                }
                _ => return Err(mismatch(b, "the node changed kind".into())),
            }
        }
        Ok(())
    }
}

/// Whether node `id` of `tree` holds the value `v`. Anchors do not change a value and are
/// allowed; tags are not (a tagged node is never taken for a planned value).
pub fn matches_value(tree: &Tree, id: NodeId, v: &NewValue) -> bool {
    let node = &tree.nodes[id];
    node.tag.is_none() && value_eq(tree, id, v, true)
}

/// Whether freshly written node `id` holds exactly `v`, with no anchor or tag anywhere.
fn matches_new(tree: &Tree, id: NodeId, v: &NewValue) -> bool {
    let node = &tree.nodes[id];
    node.anchor == 0 && node.tag.is_none() && value_eq(tree, id, v, false)
}

/// Compares the value of `id` (its own properties aside) with `v`; children must carry no tag,
/// and no anchor unless `anchors` allows it.
fn value_eq(tree: &Tree, id: NodeId, v: &NewValue, anchors: bool) -> bool {
    let node = &tree.nodes[id];
    let child = |c: NodeId, v: &NewValue| {
        let n = &tree.nodes[c];
        n.tag.is_none() && (anchors || n.anchor == 0) && value_eq(tree, c, v, anchors)
    };
    match (v, &node.kind) {
        (NewValue::Bool(b), Kind::Scalar { .. }) => tree.as_bool(id) == Some(*b),
        (NewValue::Int(n), Kind::Scalar { .. }) => tree.as_int(id) == Some(*n),
        (NewValue::Str(s), Kind::Scalar { value, style }) => {
            value == s && (*style != ScalarStyle::Plain || !is_special_plain(value))
        }
        (NewValue::Map(entries), Kind::Map { entries: have, .. }) => {
            entries.len() == have.len()
                && entries.iter().zip(have).all(|((k, v), &(hk, hv))| {
                    let kn = &tree.nodes[hk];
                    kn.tag.is_none()
                        && (anchors || kn.anchor == 0)
                        && matches!(&kn.kind, Kind::Scalar { value, style } if value == k && (*style != ScalarStyle::Plain || !is_special_plain(value)))
                        && child(hv, v)
                })
        }
        (NewValue::Seq(items), Kind::Seq { items: have, .. }) => {
            items.len() == have.len() && items.iter().zip(have).all(|(v, &h)| child(h, v))
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::yaml::oracle::{self, Action, Op, Outcome, Target};

    /// Runs one operation through the oracle (which checks the whole contract) and returns the
    /// outcome.
    fn run(text: &str, path: &[usize], action: Action) -> Outcome {
        let op = Op {
            target: Target {
                doc: 0,
                path: path.to_vec(),
            },
            action,
        };
        oracle::run(text, &[op]).unwrap_or_else(|v| panic!("contract broken: {v}"))
    }

    fn output(text: &str, path: &[usize], action: Action) -> String {
        match run(text, path, action) {
            Outcome::Done { output, .. } => output,
            other => panic!("not done: {other:?}"),
        }
    }

    fn insert(key: &str, value: NewValue) -> Action {
        Action::Insert {
            key: key.to_string(),
            value,
        }
    }

    fn append(item: NewValue) -> Action {
        Action::Append { item }
    }

    fn refusal(text: &str, path: &[usize], action: Action) -> Refusal {
        match run(text, path, action) {
            Outcome::Refused(r) => r,
            other => panic!("not refused: {other:?}"),
        }
    }

    #[test]
    fn apply_edits_sorts_and_refuses_overlaps() {
        let t = "abcdef";
        let e = |a, b, s: &str| Edit {
            range: a..b,
            text: s.to_string(),
        };
        assert_eq!(
            apply_edits(t, &[e(4, 4, "X"), e(0, 1, "Y")]).unwrap(),
            "YbcdXef"
        );
        assert_eq!(
            apply_edits(t, &[e(2, 2, "1"), e(2, 2, "2")]).unwrap(),
            "ab12cdef"
        );
        assert_eq!(
            apply_edits(t, &[e(1, 3, ""), e(2, 4, "")]),
            Err(EditError::Overlap { offset: 2 })
        );
    }

    #[test]
    fn style_detection_reads_step_sequence_style_gap_and_quotes() {
        let t = "a:\n    b:\n        c: 'x'\n    d:\n    -   'y'\n    e: 'z'\n";
        let tree = parse(t).unwrap();
        let s = detect_style(t, &tree);
        assert_eq!(
            (s.step, s.seq_offset, s.item_gap, s.quote),
            (4, 0, 3, Some('\''))
        );
        let t = "a:\n  b: x\n  c:\n    - y\n";
        let tree = parse(t).unwrap();
        let s = detect_style(t, &tree);
        assert_eq!((s.step, s.seq_offset, s.item_gap, s.quote), (2, 2, 1, None));
    }

    #[test]
    fn style_counts_from_the_mapping_column_when_keys_have_anchors() {
        // Found by the property test: `&k1 name:` made an indented sequence look indentless.
        let t = "a:\n  &k1 b:\n    - x\n";
        let tree = parse(t).unwrap();
        assert_eq!(detect_style(t, &tree).seq_offset, 2);
    }

    #[test]
    fn strings_with_control_characters_are_escaped() {
        assert_eq!(
            render_scalar(&NewValue::str("a\nb\tc\u{7}"), None),
            r#""a\nb\tc\x07""#
        );
        assert_eq!(
            render_scalar(&NewValue::str("\u{feff}x\u{2028}"), None),
            r#""\uFEFFx\L""#
        );
        // Single quotes cannot hold a line break: double quotes instead.
        assert_eq!(
            render_scalar(&NewValue::str("it's\nok"), Some('\'')),
            r#""it's\nok""#
        );
        assert_eq!(render_scalar(&NewValue::str("it's"), Some('\'')), "'it''s'");
        let out = output(
            "a: 1\n",
            &[],
            insert("k", NewValue::str("line\r\nbreak \"q\" \\ é")),
        );
        assert_eq!(out, "a: 1\nk: \"line\\r\\nbreak \\\"q\\\" \\\\ é\"\n");
    }

    #[test]
    fn plain_strings_only_where_yaml_1_1_and_1_2_agree() {
        for s in [
            "ALL",
            "RuntimeDefault",
            "/tmp",
            "--flag",
            "-v",
            "a.b-c_d",
            "_x",
        ] {
            assert!(plain_safe(s), "{s}");
        }
        for s in [
            "",
            "yes",
            "No",
            "on",
            "y",
            "~",
            "null",
            "1e3",
            "0755",
            "0x1F",
            "2024-01-01",
            ".inf",
            "-1",
            "1:20",
            "a b",
            "a: b",
            "-",
        ] {
            assert!(!plain_safe(s), "{s}");
        }
    }

    #[test]
    fn replaced_string_keeps_its_quoting() {
        let t = "a: 'x'\nb: \"y\"\nc: z\n";
        let tree = parse(t).unwrap();
        let mut ed = Editor::new(t, &tree);
        let root = tree.docs[0].root;
        for (k, v) in [("a", "x2"), ("b", "y2"), ("c", "z2")] {
            ed.replace(tree.get(root, k).unwrap(), NewValue::str(v))
                .unwrap();
        }
        assert_eq!(ed.apply().unwrap(), "a: 'x2'\nb: \"y2\"\nc: z2\n");
    }

    #[test]
    fn comment_lines_after_the_last_entry_stay_with_their_block() {
        let t = "a:\n  b: 1\n  # about b\n# about c\nc: 2\n";
        assert_eq!(
            output(t, &[0], insert("k2", NewValue::Int(1))),
            "a:\n  b: 1\n  # about b\n  k2: 1\n# about c\nc: 2\n"
        );
    }

    #[test]
    fn alias_key_mapping_starts_at_its_first_key() {
        // yaml-test-suite 26DV: a mapping whose first key is an alias.
        let t = "k: &alias a\ntop:\n  *alias : x\n";
        let out = output(t, &[1], insert("k2", NewValue::Int(1)));
        assert_eq!(out, "k: &alias a\ntop:\n  *alias : x\n  k2: 1\n");
    }

    #[test]
    fn key_with_properties_gives_the_mapping_its_column() {
        // yaml-test-suite ZH7C and 74H7: `&a a: b`, `!!str 23: x`.
        let out = output("&a a: b\nc: d\n", &[], insert("k2", NewValue::Int(1)));
        assert_eq!(out, "&a a: b\nc: d\nk2: 1\n");
        let out = output("x:\n  !!str 23: y\n", &[0], insert("k2", NewValue::Int(1)));
        assert_eq!(out, "x:\n  !!str 23: y\n  k2: 1\n");
    }

    #[test]
    fn explicit_keys_are_refused_even_with_properties_or_block_scalars() {
        // yaml-test-suite 6M2F and KK5P.
        let r = refusal("? &a a\n: b\n", &[], insert("k2", NewValue::Int(1)));
        assert!(r.reason.contains("explicit `?` key"), "{r}");
        let r = refusal(
            "m:\n  ? >\n    a\n  : b\n",
            &[0],
            insert("k2", NewValue::Int(1)),
        );
        assert!(r.reason.contains("explicit `?` key"), "{r}");
    }

    #[test]
    fn single_pair_with_a_flow_key_ends_at_its_value() {
        // yaml-test-suite 9MMW: `[ {JSON: like}:adjacent ]`.
        let out = output(
            "- [ {JSON: like}:adjacent ]\n",
            &[0],
            append(NewValue::str("x")),
        );
        assert_eq!(out, "- [ {JSON: like}:adjacent, x ]\n");
    }

    #[test]
    fn block_scalar_with_indentation_indicator_keeps_its_lines() {
        // yaml-test-suite F6MC: `>2` with a more indented first line.
        let t = "b: >2\n\n   more indented\n  regular\n";
        assert_eq!(
            output(t, &[], insert("k2", NewValue::Int(1))),
            format!("{t}k2: 1\n")
        );
    }

    #[test]
    fn keep_chomping_trailing_lines_stay_with_their_scalar() {
        // yaml-test-suite A6F9 and JEF9.
        let t = "keep: |+\n  text\n\n\nnext: 1\n";
        let out = output(t, &[], insert("k2", NewValue::Int(1)));
        assert_eq!(out, "keep: |+\n  text\n\n\nnext: 1\nk2: 1\n");
        let out = output("- |+\n\n\n", &[], append(NewValue::str("x")));
        assert_eq!(out, "- |+\n\n\n- x\n");
        let out = output("k: |+\n  text\n", &[], insert("k2", NewValue::Int(1)));
        assert_eq!(out, "k: |+\n  text\nk2: 1\n");
    }

    #[test]
    fn keep_chomping_scalar_holding_the_last_line_break_is_refused() {
        // yaml-test-suite K858: nothing can follow `|+` at the end of the text.
        let r = refusal("keep: |+\n", &[], insert("k2", NewValue::Int(1)));
        assert!(r.reason.contains("keep-chomping"), "{r}");
        assert_eq!((r.line, r.col), (1, 7));
    }

    #[test]
    fn whitespace_line_deeper_than_the_indentation_is_content() {
        // yaml-test-suite L24T: `   ` after `  x` is a content line holding one space.
        let t = "foo: |\n  x\n   \n";
        assert_eq!(
            output(t, &[], insert("k2", NewValue::Int(1))),
            "foo: |\n  x\n   \nk2: 1\n"
        );
        let t = "foo: |\n  x\n   ";
        assert_eq!(
            output(t, &[], insert("k2", NewValue::Int(1))),
            "foo: |\n  x\n   \nk2: 1"
        );
    }

    #[test]
    fn empty_value_of_an_explicit_key_sits_after_the_key() {
        // yaml-test-suite M2N8: `- ? : x` (the value's marker is the end of the text).
        let out = output("- ? : x\n", &[], append(NewValue::str("v")));
        assert_eq!(out, "- ? : x\n- v\n");
    }

    #[test]
    fn indentless_sequence_with_an_empty_first_item() {
        let out = output("k:\n-\n- b\n", &[0], append(NewValue::str("c")));
        assert_eq!(out, "k:\n-\n- b\n- c\n");
    }

    #[test]
    fn indentless_sequence_of_flow_items_keeps_plain_continuation_lines() {
        // Found by the property test: the second item's continuation line was cut off.
        let t = "name0:\n- [nginx]\n- alpha\n  alpha\n";
        assert_eq!(
            output(t, &[], insert("k2", NewValue::Int(1))),
            format!("{t}k2: 1\n")
        );
    }

    #[test]
    fn empty_last_item_whose_marker_precedes_its_dash() {
        // Found by the property test: `  -` at the end of the text.
        let t = "name0:\n  - nginx\n  -";
        assert_eq!(
            output(t, &[], insert("k2", NewValue::Int(1))),
            format!("{t}\nk2: 1")
        );
    }

    #[test]
    fn tagged_empty_value_sits_after_its_tag() {
        // yaml-test-suite FH7J: `b: !!str` (an empty string).
        let t = "a:\n  b: !!str\nc: 1\n";
        assert_eq!(
            output(t, &[0], insert("k2", NewValue::Int(1))),
            "a:\n  b: !!str\n  k2: 1\nc: 1\n"
        );
        let tree = parse(t).unwrap();
        let b = tree.get_path(tree.docs[0].root, &["a", "b"]).unwrap();
        assert!(
            !tree.is_null(b),
            "`!!str` with nothing is an empty string, not null"
        );
    }

    #[test]
    fn same_item_appended_twice_is_added_once() {
        let t = "l:\n- a\n";
        let tree = parse(t).unwrap();
        let l = tree.get(tree.docs[0].root, "l").unwrap();
        let mut ed = Editor::new(t, &tree);
        ed.append(l, NewValue::str("b")).unwrap();
        ed.append(l, NewValue::str("b")).unwrap();
        assert_eq!(ed.apply().unwrap(), "l:\n- a\n- b\n");
    }

    #[test]
    fn empty_document_value_goes_after_its_dashes() {
        // Found by the fuzzer: `---\n---\n` replaced the second document's value at the end of
        // the text, eating the final line break.
        let t = "---\n---\n";
        let op = Op {
            target: Target {
                doc: 1,
                path: Vec::new(),
            },
            action: Action::Replace {
                value: NewValue::str("v"),
            },
        };
        match oracle::run(t, &[op]).unwrap() {
            Outcome::Done { output, .. } => assert_eq!(output, "---\n--- v\n"),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn value_on_the_line_after_its_key_is_replaced_in_place() {
        // Found by the exhaustive suite run: filling it deleted the comments before it.
        let t = "k:\n  # c\n  ~\nz: 1\n";
        let out = output(
            t,
            &[0],
            Action::Replace {
                value: NewValue::nested(&["a"], NewValue::Int(1)),
            },
        );
        assert_eq!(out, "k:\n  # c\n  a: 1\nz: 1\n");
    }

    #[test]
    fn anchored_empty_mapping_keeps_its_anchor_when_filled() {
        let t = "a: &x {}\n";
        let out = output(
            t,
            &[0],
            Action::Replace {
                value: NewValue::nested(&["b"], NewValue::Int(1)),
            },
        );
        assert_eq!(out, "a: &x\n  b: 1\n");
    }

    #[test]
    fn empty_explicit_key_followed_by_a_comment() {
        // Found by the fuzzer: the key was placed at the next token (the end of the text), past
        // the comment, so an item appended to the sequence went after the final line break.
        let t = "k:\n -  ? #X[\n";
        assert_eq!(
            output(t, &[0], append(NewValue::str("v"))),
            "k:\n -  ? #X[\n -  v\n"
        );
    }

    #[test]
    fn empty_value_of_an_explicit_key_at_the_end_without_a_final_line_break() {
        // Found by the fuzzer: the value's marker was the start of the key's line, so the
        // mapping seemed to end before its last key.
        let t = "spec:\n a: 1\n ?   nxb";
        assert_eq!(
            output(t, &[], insert("k2", NewValue::Int(1))),
            format!("{t}\nk2: 1")
        );
    }

    #[test]
    fn empty_first_item_followed_by_a_tab_and_a_comment() {
        // Found by the fuzzer: `-  \t#c` was not seen as a dash line, so the item was placed
        // at the end of the text.
        let t = "k:\n-  \t#c\n";
        let out = output(
            t,
            &[0, 0],
            Action::Replace {
                value: NewValue::str("v"),
            },
        );
        assert_eq!(out, "k:\n- v  \t#c\n");
    }

    #[test]
    fn empty_explicit_key_whose_marker_is_its_line_start() {
        // Found by the fuzzer: `  ? ` at the end of the text; the key's marker is the start of
        // its line, before the `?`.
        let t = "a:\n  ? x\n  : y\n  ? ";
        assert_eq!(
            output(t, &[], insert("k2", NewValue::Int(1))),
            format!("{t}\nk2: 1")
        );
    }

    #[test]
    fn plain_continuation_lines_count_from_the_mapping_column() {
        // The first key's anchor puts the mapping at column 0, so `  two` continues `one`.
        let t = "&a k: one\n  two\nb: 1\n";
        let tree = parse(t).unwrap();
        let k = tree.entries(tree.docs[0].root)[0].1;
        assert_eq!(tree.str(k), Some("one two"));
        assert_eq!(&t[tree.nodes[k].start..tree.nodes[k].end], "one\n  two");
        assert_eq!(
            output(t, &[], insert("k2", NewValue::Int(1))),
            format!("{t}k2: 1\n")
        );
    }

    #[test]
    fn refusals_name_the_reason_and_the_place() {
        let r = refusal(
            "a: &x {k: 1}\nb: *x\n",
            &[0],
            insert("k2", NewValue::Int(1)),
        );
        assert_eq!((r.line, r.col), (1, 7));
        assert!(r.reason.contains("alias reuses"), "{r}");
        let r = refusal(
            "base: &b {k: 1}\nm:\n  <<: *b\n  x: 1\n",
            &[1],
            insert("k2", NewValue::Int(1)),
        );
        assert_eq!((r.line, r.col), (3, 3));
        assert!(r.reason.contains("`<<` merge key"), "{r}");
        let r = refusal(
            "a: !t 1\n",
            &[0],
            Action::Replace {
                value: NewValue::Int(2),
            },
        );
        assert!(r.reason.contains("tag"), "{r}");
        let r = refusal("a:\n  b: 1\n", &[], insert("a", NewValue::Int(1)));
        assert!(r.reason.contains("already set"), "{r}");
    }
}
