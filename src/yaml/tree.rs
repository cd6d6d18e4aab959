//! The span tree: every node of every document in a stream, with byte ranges, built from
//! yaml-rust2's events using only `(line, col)` markers (see `text::LineIndex`).

use yaml_rust2::parser::{Event, Parser};
use yaml_rust2::scanner::{Marker, TScalarStyle};

use super::lex;
use super::text::LineIndex;

/// Index of a node in `Tree::nodes`.
pub type NodeId = usize;

/// How a scalar is written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ScalarStyle {
    Plain,
    SingleQuoted,
    DoubleQuoted,
    Literal,
    Folded,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Kind {
    /// `value` is the scalar's content after unquoting/folding. An empty plain scalar (`key:`) is null.
    Scalar { value: String, style: ScalarStyle },
    /// Entries in order: (key node, value node).
    Map {
        entries: Vec<(NodeId, NodeId)>,
        flow: bool,
    },
    /// `indentless`: a block sequence whose `-` is at its parent key's column.
    Seq {
        items: Vec<NodeId>,
        flow: bool,
        indentless: bool,
    },
    /// `*name`: refers to the node that carries the anchor id.
    Alias { anchor: usize },
}

#[derive(Clone, Debug)]
pub struct Node {
    pub kind: Kind,
    /// Byte range of the node's text (after anchor/tag properties). Empty for an empty scalar.
    pub start: usize,
    pub end: usize,
    /// 1-based line, 0-based column in characters, of `start`.
    pub line: usize,
    pub col: usize,
    /// Start of the node's properties (`&anchor`, `!tag`) when they are written on the line of
    /// its content, else `start`.
    pub props: usize,
    /// A single-pair mapping written without braces inside a flow sequence (`[a: 1]`).
    pub pair: bool,
    /// Anchor id (0 = none).
    pub anchor: usize,
    /// `Some("!!str")`-style tag text, when one is written.
    pub tag: Option<String>,
    pub parent: Option<NodeId>,
}

/// One document of the stream.
#[derive(Clone, Debug)]
pub struct Document {
    pub root: NodeId,
}

/// All documents of one stream.
#[derive(Clone, Debug, Default)]
pub struct Tree {
    pub nodes: Vec<Node>,
    pub docs: Vec<Document>,
    /// Anchor id -> the last node that carries it, so that resolving an alias does not scan the
    /// nodes (100,000 aliases made that quadratic: minutes).
    anchors: std::collections::HashMap<usize, NodeId>,
}

impl Tree {
    pub fn node(&self, id: NodeId) -> &Node {
        &self.nodes[id]
    }

    /// Whether any node carries an anchor (`&name`).
    pub fn has_anchor(&self) -> bool {
        self.nodes.iter().any(|n| n.anchor != 0)
    }

    /// Follows aliases to the anchored node (bounded, so a broken alias cannot loop).
    pub fn resolve(&self, mut id: NodeId) -> NodeId {
        for _ in 0..64 {
            match self.nodes[id].kind {
                Kind::Alias { anchor } => match self.anchored(anchor, id) {
                    Some(target) => id = target,
                    None => return id,
                },
                _ => return id,
            }
        }
        id
    }

    /// The node that defines `anchor` most recently before `before` (anchors may be redefined).
    pub fn anchored(&self, anchor: usize, before: NodeId) -> Option<NodeId> {
        let before = before.min(self.nodes.len());
        if let Some(&id) = self.anchors.get(&anchor)
            && id < before
        {
            return Some(id);
        }
        (0..before).rev().find(|&i| self.nodes[i].anchor == anchor)
    }

    /// The value of `key` in mapping `map` (aliases on both sides resolved). `None` when `map` is
    /// not a mapping or has no such key.
    pub fn get(&self, map: NodeId, key: &str) -> Option<NodeId> {
        let map = self.resolve(map);
        match &self.nodes[map].kind {
            Kind::Map { entries, .. } => entries
                .iter()
                .find(|(k, _)| self.str(*k) == Some(key))
                .map(|&(_, v)| self.resolve(v)),
            _ => None,
        }
    }

    /// Follows a path of keys from `node`.
    pub fn get_path(&self, node: NodeId, path: &[&str]) -> Option<NodeId> {
        path.iter().try_fold(node, |n, key| self.get(n, key))
    }

    pub fn entries(&self, map: NodeId) -> &[(NodeId, NodeId)] {
        match &self.nodes[self.resolve(map)].kind {
            Kind::Map { entries, .. } => entries,
            _ => &[],
        }
    }

    pub fn items(&self, seq: NodeId) -> &[NodeId] {
        match &self.nodes[self.resolve(seq)].kind {
            Kind::Seq { items, .. } => items,
            _ => &[],
        }
    }

    pub fn is_map(&self, id: NodeId) -> bool {
        matches!(self.nodes[self.resolve(id)].kind, Kind::Map { .. })
    }

    pub fn is_seq(&self, id: NodeId) -> bool {
        matches!(self.nodes[self.resolve(id)].kind, Kind::Seq { .. })
    }

    /// The scalar's text (any style), aliases resolved; `None` for collections.
    pub fn str(&self, id: NodeId) -> Option<&str> {
        match &self.nodes[self.resolve(id)].kind {
            Kind::Scalar { value, .. } => Some(value),
            _ => None,
        }
    }

    /// Whether node `id` carries no tag, or the core schema tag `name` (`null`, `bool`, `int`,
    /// `str`, ...).
    fn tag_allows(&self, id: NodeId, name: &str) -> bool {
        match &self.nodes[id].tag {
            None => true,
            Some(t) => t.strip_prefix("tag:yaml.org,2002:") == Some(name),
        }
    }

    /// A null: an empty plain scalar, or plain `~`/`null`/`Null`/`NULL` (untagged, or tagged
    /// `!!null`).
    pub fn is_null(&self, id: NodeId) -> bool {
        let id = self.resolve(id);
        if !self.tag_allows(id, "null") {
            return false;
        }
        match &self.nodes[id].kind {
            Kind::Scalar {
                value,
                style: ScalarStyle::Plain,
            } => {
                matches!(value.as_str(), "" | "~" | "null" | "Null" | "NULL")
            }
            _ => false,
        }
    }

    /// A boolean as Kubernetes reads it (YAML 1.1 words: true/yes/on, false/no/off, any case
    /// pattern the spec allows). Quoted strings are not booleans.
    pub fn as_bool(&self, id: NodeId) -> Option<bool> {
        let id = self.resolve(id);
        if !self.tag_allows(id, "bool") {
            return None;
        }
        match &self.nodes[id].kind {
            Kind::Scalar {
                value,
                style: ScalarStyle::Plain,
            } => match value.as_str() {
                "true" | "True" | "TRUE" | "yes" | "Yes" | "YES" | "on" | "On" | "ON" | "y"
                | "Y" => Some(true),
                "false" | "False" | "FALSE" | "no" | "No" | "NO" | "off" | "Off" | "OFF" | "n"
                | "N" => Some(false),
                _ => None,
            },
            _ => None,
        }
    }

    /// An integer (plain decimal, `0x`, `0o`), as Kubernetes reads it.
    pub fn as_int(&self, id: NodeId) -> Option<i64> {
        let id = self.resolve(id);
        if !self.tag_allows(id, "int") {
            return None;
        }
        match &self.nodes[id].kind {
            Kind::Scalar {
                value,
                style: ScalarStyle::Plain,
            } => {
                let v = value.replace('_', "");
                let (neg, digits) = match v.strip_prefix('-') {
                    Some(d) => (true, d),
                    None => (false, v.strip_prefix('+').unwrap_or(&v)),
                };
                let n = if let Some(h) = digits.strip_prefix("0x") {
                    i64::from_str_radix(h, 16).ok()?
                } else if let Some(o) = digits.strip_prefix("0o") {
                    i64::from_str_radix(o, 8).ok()?
                } else {
                    digits.parse::<i64>().ok()?
                };
                Some(if neg { -n } else { n })
            }
            _ => None,
        }
    }

    /// 1-based (line, column) of the node, for findings.
    pub fn position(&self, id: NodeId) -> (usize, usize) {
        let n = &self.nodes[id];
        (n.line, n.col + 1)
    }

    /// The key node under which `id` sits in its parent mapping, if any.
    pub fn key_of(&self, id: NodeId) -> Option<NodeId> {
        let parent = self.nodes[id].parent?;
        match &self.nodes[parent].kind {
            Kind::Map { entries, .. } => entries.iter().find(|(_, v)| *v == id).map(|&(k, _)| k),
            _ => None,
        }
    }
}

/// Why a text could not be turned into a tree. `line` and `col` are 1-based.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParseError {
    pub line: usize,
    pub col: usize,
    pub message: String,
}

impl std::fmt::Display for ParseError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}: {}", self.line, self.col, self.message)
    }
}

/// Deepest nesting accepted. The parser is iterative, but nothing useful is this deep and the
/// limit keeps every later walk cheap.
pub const MAX_DEPTH: usize = 500;

/// Parses a whole stream (no BOM: see `text::strip_bom`) into a span tree.
///
/// Fails on invalid YAML, on duplicate keys and on nesting deeper than `MAX_DEPTH`.
pub fn parse(text: &str) -> Result<Tree, ParseError> {
    // yaml-rust2 takes a NUL for the end of the input and silently ignores the rest of the file,
    // so a file with one would be judged (and edited) on a prefix. YAML does not allow NUL at
    // all (c-printable), so refuse it where it stands.
    if let Some(at) = text.find('\0') {
        let (line, col) = LineIndex::new(text).position(text, at);
        return Err(ParseError {
            line,
            col: col + 1,
            message: "a NUL byte, which YAML does not allow (is this a binary file?)".to_string(),
        });
    }
    // yaml-rust2 is not expected to panic, but a format-preserving editor must never take the
    // process down over one odd file: a panic becomes a parse error.
    match std::panic::catch_unwind(|| Builder::new(text).run()) {
        Ok(result) => result,
        Err(_) => Err(ParseError {
            line: 1,
            col: 1,
            message: "the YAML parser failed on this input".to_string(),
        }),
    }
}

/// Parses `text` into a tree of values only: kinds, scalar values and styles, anchors, tags and
/// parents, with each node's line and column from yaml-rust2's marker but no byte ranges (`start`
/// and `end` are 0, `props` too). Enough to compare values, as the editor's verification does,
/// at a fraction of `parse`'s cost (no line index, no re-lexing). Fails where `parse` fails on
/// the same text: invalid YAML, duplicate keys, nesting deeper than `MAX_DEPTH`, a NUL byte.
pub fn parse_values(text: &str) -> Result<Tree, ParseError> {
    if text.contains('\0') {
        return parse(text);
    }
    match std::panic::catch_unwind(|| values(text)) {
        Ok(result) => result,
        Err(_) => Err(ParseError {
            line: 1,
            col: 1,
            message: "the YAML parser failed on this input".to_string(),
        }),
    }
}

fn values(text: &str) -> Result<Tree, ParseError> {
    let error_at = |mark: &Marker, message: String| ParseError {
        line: mark.line(),
        col: mark.col() + 1,
        message,
    };
    let mut tree = Tree::default();
    // (collection, the key waiting for its value)
    let mut stack: Vec<(NodeId, Option<NodeId>)> = Vec::new();
    let mut parser = Parser::new_from_str(text);
    loop {
        let (event, mark) = parser
            .next_token()
            .map_err(|e| error_at(e.marker(), e.info().to_string()))?;
        let (kind, anchor, tag) = match event {
            Event::StreamEnd => break,
            Event::StreamStart | Event::DocumentStart | Event::DocumentEnd | Event::Nothing => {
                continue;
            }
            Event::MappingEnd | Event::SequenceEnd => {
                stack.pop();
                continue;
            }
            Event::Scalar(value, style, anchor, tag) => {
                let style = match style {
                    TScalarStyle::Plain => ScalarStyle::Plain,
                    TScalarStyle::SingleQuoted => ScalarStyle::SingleQuoted,
                    TScalarStyle::DoubleQuoted => ScalarStyle::DoubleQuoted,
                    TScalarStyle::Literal => ScalarStyle::Literal,
                    TScalarStyle::Folded => ScalarStyle::Folded,
                };
                (Kind::Scalar { value, style }, anchor, tag)
            }
            Event::Alias(anchor) => (Kind::Alias { anchor }, 0, None),
            Event::MappingStart(anchor, tag) => (
                Kind::Map {
                    entries: Vec::new(),
                    flow: false,
                },
                anchor,
                tag,
            ),
            Event::SequenceStart(anchor, tag) => (
                Kind::Seq {
                    items: Vec::new(),
                    flow: false,
                    indentless: false,
                },
                anchor,
                tag,
            ),
        };
        let id = tree.nodes.len();
        let opens = matches!(kind, Kind::Map { .. } | Kind::Seq { .. });
        if anchor != 0 {
            tree.anchors.insert(anchor, id);
        }
        tree.nodes.push(Node {
            kind,
            start: 0,
            end: 0,
            line: mark.line(),
            col: mark.col(),
            props: 0,
            pair: false,
            anchor,
            tag: tag.map(|t| format!("{}{}", t.handle, t.suffix)),
            parent: stack.last().map(|f| f.0),
        });
        match stack.last_mut() {
            None => tree.docs.push(Document { root: id }),
            Some((parent, pending)) => match &mut tree.nodes[*parent].kind {
                Kind::Map { entries, .. } => match pending.take() {
                    None => *pending = Some(id),
                    Some(key) => {
                        entries.push((key, id));
                        let same = |k: NodeId| match (&tree.nodes[k].kind, &tree.nodes[key].kind) {
                            (Kind::Scalar { value: a, .. }, Kind::Scalar { value: b, .. }) => {
                                a == b
                            }
                            _ => false,
                        };
                        let Kind::Map { entries, .. } = &tree.nodes[*parent].kind else {
                            unreachable!("matched above")
                        };
                        if let Some(&(dup, _)) =
                            entries[..entries.len() - 1].iter().find(|&&(k, _)| same(k))
                        {
                            let (k, first) = (&tree.nodes[key], tree.nodes[dup].line);
                            return Err(ParseError {
                                line: k.line,
                                col: k.col + 1,
                                message: format!(
                                    "duplicate key `{}` (first defined on line {first})",
                                    tree.str(key).unwrap_or("?")
                                ),
                            });
                        }
                    }
                },
                Kind::Seq { items, .. } => items.push(id),
                _ => unreachable!("only collections are pushed on the stack"),
            },
        }
        if opens {
            if stack.len() >= MAX_DEPTH {
                return Err(error_at(
                    &mark,
                    format!("nesting deeper than {MAX_DEPTH} levels"),
                ));
            }
            stack.push((id, None));
        }
    }
    Ok(tree)
}

struct Frame {
    node: NodeId,
    /// The scanner's indentation level inside this collection (what a block scalar's
    /// indentation indicator counts from).
    indent: isize,
    /// For mappings: the key waiting for its value.
    pending_key: Option<NodeId>,
    flow: bool,
}

struct Builder<'a> {
    text: &'a str,
    index: LineIndex,
    tree: Tree,
    stack: Vec<Frame>,
    /// The `---` of the current document, when it has one.
    doc_start: Option<usize>,
    /// The current event's marker: its byte offset and its (line, column), so that a node that
    /// starts there needs no lookup in the line index.
    mark: (usize, usize, usize),
}

impl<'a> Builder<'a> {
    fn new(text: &'a str) -> Builder<'a> {
        Builder {
            text,
            index: LineIndex::new(text),
            tree: Tree::default(),
            stack: Vec::new(),
            doc_start: None,
            mark: (usize::MAX, 0, 0),
        }
    }

    fn error_at(&self, mark: &Marker, message: impl Into<String>) -> ParseError {
        ParseError {
            line: mark.line(),
            col: mark.col() + 1,
            message: message.into(),
        }
    }

    fn run(mut self) -> Result<Tree, ParseError> {
        let mut parser = Parser::new_from_str(self.text);
        loop {
            let (event, mark) = parser.next_token().map_err(|e| ParseError {
                line: e.marker().line(),
                col: e.marker().col() + 1,
                message: e.info().to_string(),
            })?;
            let offset = self.index.offset(self.text, mark.line(), mark.col());
            // A marker past the end of its line is clamped to the line break: only a marker on
            // a character of its line gives a position that needs no lookup.
            let on_char = self
                .text
                .as_bytes()
                .get(offset)
                .is_some_and(|b| !matches!(b, b'\n' | b'\r'));
            self.mark = if on_char {
                (offset, mark.line(), mark.col())
            } else {
                (usize::MAX, 0, 0)
            };
            match event {
                Event::StreamEnd => break,
                Event::StreamStart | Event::DocumentEnd | Event::Nothing => {}
                Event::DocumentStart => {
                    self.doc_start = self.text[offset..].starts_with("---").then_some(offset);
                }
                Event::Scalar(value, style, anchor, tag) => {
                    let style = match style {
                        TScalarStyle::Plain => ScalarStyle::Plain,
                        TScalarStyle::SingleQuoted => ScalarStyle::SingleQuoted,
                        TScalarStyle::DoubleQuoted => ScalarStyle::DoubleQuoted,
                        TScalarStyle::Literal => ScalarStyle::Literal,
                        TScalarStyle::Folded => ScalarStyle::Folded,
                    };
                    let has_props = anchor != 0 || tag.is_some();
                    let (start, end) = self.scalar_span(&value, style, offset, has_props);
                    let id = self.push_node(Kind::Scalar { value, style }, start, end, anchor, tag);
                    self.attach(id, &mark)?;
                }
                Event::Alias(anchor) => {
                    let end = lex::alias_end(self.text, offset);
                    let id = self.push_node(Kind::Alias { anchor }, offset, end, 0, None);
                    self.attach(id, &mark)?;
                }
                Event::MappingStart(anchor, tag) => {
                    let in_flow = self.in_flow();
                    let braced = self.text[offset..].starts_with('{');
                    // Inside a flow sequence, a mapping that does not start at a `{` is a single
                    // pair (`[a: 1]`); so is one whose key is itself a collection starting at the
                    // same place (`[{a: b}: c]`).
                    let in_flow_seq = self.stack.last().is_some_and(|f| {
                        f.flow && matches!(self.tree.nodes[f.node].kind, Kind::Seq { .. })
                    });
                    let pair =
                        in_flow_seq && (!braced || self.next_starts_at(&mut parser, &mark)?);
                    let flow = in_flow || braced;
                    let kind = Kind::Map {
                        entries: Vec::new(),
                        flow,
                    };
                    let id = self.push_node(kind, offset, offset, anchor, tag);
                    self.tree.nodes[id].pair = pair;
                    self.attach(id, &mark)?;
                    self.open(id, flow, &mark)?;
                }
                Event::SequenceStart(anchor, tag) => {
                    // Outside flow context, a sequence starting at a `[` is flow unless its first
                    // item starts at the same place: `key:\n- [y]` (an indentless block
                    // sequence's marker is its first item's).
                    let in_flow = self.in_flow();
                    let flow = in_flow
                        || (self.text[offset..].starts_with('[')
                            && !self.next_starts_at(&mut parser, &mark)?);
                    let kind = Kind::Seq {
                        items: Vec::new(),
                        flow,
                        indentless: false,
                    };
                    let id = self.push_node(kind, offset, offset, anchor, tag);
                    self.attach(id, &mark)?;
                    self.open(id, flow, &mark)?;
                }
                Event::MappingEnd | Event::SequenceEnd => {
                    let frame = self
                        .stack
                        .pop()
                        .expect("the parser balances start and end events");
                    self.close(frame.node, offset);
                }
            }
        }
        Ok(self.tree)
    }

    /// Whether the next event is a collection starting at `mark` (then the current mapping is a
    /// single pair whose key is that collection).
    fn next_starts_at(
        &self,
        parser: &mut Parser<std::str::Chars<'_>>,
        mark: &Marker,
    ) -> Result<bool, ParseError> {
        let (event, next) = parser.peek().map_err(|e| ParseError {
            line: e.marker().line(),
            col: e.marker().col() + 1,
            message: e.info().to_string(),
        })?;
        Ok(
            matches!(event, Event::MappingStart(..) | Event::SequenceStart(..))
                && next.line() == mark.line()
                && next.col() == mark.col(),
        )
    }

    fn in_flow(&self) -> bool {
        self.stack.last().is_some_and(|f| f.flow)
    }

    fn open(&mut self, id: NodeId, flow: bool, mark: &Marker) -> Result<(), ParseError> {
        if self.stack.len() >= MAX_DEPTH {
            return Err(self.error_at(mark, format!("nesting deeper than {MAX_DEPTH} levels")));
        }
        // A block sequence's indentation is its `-` (an indentless one's marker is after it);
        // a block mapping's is set when its first key arrives.
        let start = self.tree.nodes[id].start;
        let indent = match self.tree.nodes[id].kind {
            Kind::Seq { .. } if !flow => {
                // The marker is the first `-` of an indented sequence, but after it in an
                // indentless one (the first item's content, or the next token when that item is
                // empty): then the first `-` is found before it.
                let text = self.text;
                let col = self.index.position(text, start).1 as isize;
                let at_dash = lex::is_dash(text, start);
                let parent_indent = self
                    .stack
                    .last()
                    .map_or(-1, |f| if f.flow { -1 } else { f.indent });
                let in_map = self
                    .stack
                    .last()
                    .is_some_and(|f| matches!(self.tree.nodes[f.node].kind, Kind::Map { .. }));
                let dash = if at_dash && !(in_map && col == parent_indent) {
                    Some(start)
                } else {
                    lex::dash_before(text, start).or_else(|| lex::dash_above(text, start))
                };
                if let Some(d) = dash.filter(|&d| d <= start) {
                    let (line, col) = self.index.position(text, d);
                    let n = &mut self.tree.nodes[id];
                    n.start = d;
                    n.props = n.props.min(d);
                    n.line = line;
                    n.col = col;
                }
                self.tree.nodes[id].col as isize
            }
            _ => self.tree.nodes[id].col as isize,
        };
        self.stack.push(Frame {
            node: id,
            pending_key: None,
            flow,
            indent,
        });
        Ok(())
    }

    fn push_node(
        &mut self,
        kind: Kind,
        start: usize,
        end: usize,
        anchor: usize,
        tag: Option<yaml_rust2::parser::Tag>,
    ) -> NodeId {
        let (line, col) = if start == self.mark.0 {
            (self.mark.1, self.mark.2)
        } else {
            self.index.position(self.text, start)
        };
        debug_assert_eq!((line, col), self.index.position(self.text, start));
        let parent = self.stack.last().map(|f| f.node);
        if anchor != 0 {
            self.tree.anchors.insert(anchor, self.tree.nodes.len());
        }
        self.tree.nodes.push(Node {
            kind,
            start,
            end,
            line,
            col,
            props: lex::props_start(self.text, start),
            pair: false,
            anchor,
            tag: tag.map(|t| format!("{}{}", t.handle, t.suffix)),
            parent,
        });
        self.tree.nodes.len() - 1
    }

    /// Where a scalar's text starts and ends.
    fn scalar_span(
        &self,
        value: &str,
        style: ScalarStyle,
        offset: usize,
        has_props: bool,
    ) -> (usize, usize) {
        let text = self.text;
        match style {
            ScalarStyle::SingleQuoted | ScalarStyle::DoubleQuoted => {
                (offset, lex::quoted_end(text, offset))
            }
            ScalarStyle::Literal | ScalarStyle::Folded => {
                // The marker is the first content character; without content lines (the value
                // is only line breaks) it is the next token, or the header itself when the text
                // ends. The header is found before the marker, the end by re-scanning.
                let no_content = value.bytes().all(|c| c == b'\n');
                let h = if no_content && text[offset..].starts_with(['|', '>']) {
                    offset
                } else {
                    lex::block_header_before(text, offset)
                };
                let extent = lex::block_scalar_extent(text, h, self.block_indent(h));
                let start = if extent.has_content && offset <= extent.end {
                    offset
                } else {
                    h
                };
                (start, extent.end.max(start))
            }
            ScalarStyle::Plain if value.is_empty() => {
                // `key:` or `-` with nothing: the marker is the next token; place the empty node
                // right after its indicator, and after its properties (`key: !!str`) if any
                // follow it.
                let mut at = self.empty_position(offset);
                if has_props {
                    at = lex::skip_props(text, at);
                }
                (at, at)
            }
            ScalarStyle::Plain => {
                let (flow, min_indent, single_line) = self.plain_context();
                (
                    offset,
                    lex::plain_end(text, offset, flow, min_indent, single_line),
                )
            }
        }
    }

    /// The scanner's indentation level for a block scalar whose header is at `header`.
    fn block_indent(&self, header: usize) -> isize {
        let Some(frame) = self.stack.last() else {
            return -1;
        };
        match &self.tree.nodes[frame.node].kind {
            Kind::Map { entries, .. } if entries.is_empty() && frame.pending_key.is_none() => {
                // The block scalar is the first key (`? |`): the mapping is at the `?`.
                let ls = self.index.line_start_of(header);
                let before = self.text[ls..header].trim_end_matches([' ', '\t']);
                match before.strip_suffix('?') {
                    Some(b) => self.text[ls..ls + b.len()].chars().count() as isize,
                    None => frame.indent,
                }
            }
            _ => frame.indent,
        }
    }

    /// Context for lexing a plain scalar that is about to be attached to the top frame.
    fn plain_context(&self) -> (bool, isize, bool) {
        let Some(frame) = self.stack.last() else {
            return (false, -1, false);
        };
        let node = &self.tree.nodes[frame.node];
        match &node.kind {
            Kind::Map { flow, entries } => {
                // Continuation lines go deeper than the mapping's column (set from its first
                // key's properties or `?` once that key is in).
                let is_key = frame.pending_key.is_none();
                let col = if is_key && entries.is_empty() {
                    -1
                } else {
                    node.col as isize
                };
                (*flow, col, is_key && !*flow)
            }
            Kind::Seq { flow, .. } => (*flow, node.col as isize, false),
            _ => (false, -1, false),
        }
    }

    /// Position of an empty scalar: just after the `:` of its key or the `-` of its item.
    fn empty_position(&self, marker: usize) -> usize {
        let Some(frame) = self.stack.last() else {
            // An empty document: right after its `---`, if it has one.
            return self.doc_start.map_or(marker, |d| d + 3);
        };
        let node = &self.tree.nodes[frame.node];
        let text = self.text;
        match (&node.kind, frame.pending_key) {
            // A value: after its key's `:`, else (`? a` alone) right after the key.
            (Kind::Map { .. }, Some(key)) => {
                let from = self.tree.nodes[key].end;
                match lex::find_indicator(text, from, text.len() + 1, b':') {
                    Some(i) => i + 1,
                    None => from,
                }
            }
            // A key: after an explicit `?` written before the marker, else at the marker (the
            // `:` of `: value`).
            (Kind::Map { entries, .. }, None) => {
                // Searched forward from the previous value (or the mapping's own marker, which
                // is the `?` of a first explicit key), so comments in between are skipped.
                let from = match entries.last() {
                    Some(&(_, v)) => self.tree.nodes[v].end,
                    None if text[node.start..].starts_with('{') => node.start + 1,
                    None => node.start,
                };
                // No limit from the marker: it may point before the `?` (the start of its
                // line); the first token after the previous value is this key's.
                // Without `?`, an implicit empty key (`: x`) sits at its `:`.
                match lex::find_indicator(text, from, text.len() + 1, b'?') {
                    Some(q) => q + 1,
                    None => lex::find_indicator(text, from, text.len() + 1, b':').unwrap_or(marker),
                }
            }
            (
                Kind::Seq {
                    items, flow: false, ..
                },
                _,
            ) => {
                let from = match items.last() {
                    Some(&last) => self.tree.nodes[last].end,
                    None => node.start,
                };
                match lex::find_indicator(text, from, text.len() + 1, b'-') {
                    Some(i) => i + 1,
                    None => marker,
                }
            }
            _ => marker,
        }
    }

    /// Adds a finished (or just opened) node to the collection on top of the stack.
    fn attach(&mut self, id: NodeId, mark: &Marker) -> Result<(), ParseError> {
        let Some(frame) = self.stack.last_mut() else {
            self.tree.docs.push(Document { root: id });
            return Ok(());
        };
        let parent = frame.node;
        let child_start = self.tree.nodes[id].start;
        match &mut self.tree.nodes[parent].kind {
            Kind::Map { entries, .. } => match frame.pending_key.take() {
                None => {
                    if entries.is_empty() {
                        // A block mapping's marker is the `:` of its first key (a single pair's
                        // is near it): its text starts at that key's properties, or at the `?`
                        // of an explicit key.
                        let flow = frame.flow;
                        if !flow || self.tree.nodes[parent].pair {
                            let mut start = self.tree.nodes[id].props.min(child_start);
                            let ls = self.index.line_start_of(start);
                            let before = self.text[ls..start].trim_end_matches([' ', '\t']);
                            if before.ends_with('?')
                                && before[..before.len() - 1].trim_matches(' ').is_empty()
                                || before.ends_with(" ?")
                            {
                                start = ls + before.len() - 1;
                            }
                            let (line, col) = self.index.position(self.text, start);
                            frame.indent = col as isize;
                            let p = &mut self.tree.nodes[parent];
                            p.start = start;
                            p.props = start;
                            p.line = line;
                            p.col = col;
                        }
                    }
                    frame.pending_key = Some(id);
                }
                Some(key) => {
                    entries.push((key, id));
                    if let Some(dup) = self.duplicate_key(parent, key) {
                        let (line, col) = (self.tree.nodes[key].line, self.tree.nodes[key].col);
                        let first = self.tree.nodes[dup].line;
                        return Err(ParseError {
                            line,
                            col: col + 1,
                            message: format!(
                                "duplicate key `{}` (first defined on line {first})",
                                self.tree.str(key).unwrap_or("?")
                            ),
                        });
                    }
                }
            },
            Kind::Seq { items, .. } => {
                items.push(id);
            }
            _ => unreachable!("only collections are pushed on the stack"),
        }
        let _ = mark;
        Ok(())
    }

    /// An earlier key of `map` equal to `key` (scalar keys only).
    fn duplicate_key(&self, map: NodeId, key: NodeId) -> Option<NodeId> {
        let Kind::Scalar { value, .. } = &self.tree.nodes[key].kind else {
            return None;
        };
        let Kind::Map { entries, .. } = &self.tree.nodes[map].kind else {
            return None;
        };
        entries[..entries.len() - 1].iter().map(|&(k, _)| k).find(
            |&k| matches!(&self.tree.nodes[k].kind, Kind::Scalar { value: v, .. } if v == value),
        )
    }

    /// Computes a collection's end when its end event arrives.
    fn close(&mut self, id: NodeId, end_marker: usize) {
        let text = self.text;
        let node = &self.tree.nodes[id];
        let last_child = match &node.kind {
            Kind::Map { entries, .. } => entries.last().map(|&(_, v)| v),
            Kind::Seq { items, .. } => items.last().copied(),
            _ => None,
        };
        let braced = !node.pair && text[node.start..].starts_with(['{', '[']);
        let flow = matches!(
            node.kind,
            Kind::Map { flow: true, .. } | Kind::Seq { flow: true, .. }
        );
        let end = if flow && braced {
            lex::flow_end(text, end_marker)
        } else {
            last_child.map_or(node.start, |c| self.tree.nodes[c].end)
        };
        let indentless = match (&node.kind, node.parent) {
            (
                Kind::Seq {
                    flow: false, items, ..
                },
                Some(p),
            ) => match &self.tree.nodes[p].kind {
                Kind::Map { flow: false, .. } => {
                    let pcol = self.tree.nodes[p].col;
                    let first = items.first().map(|&i| self.tree.nodes[i].start);
                    let dash = first
                        .and_then(|f| lex::dash_before(text, f))
                        .unwrap_or(node.start);
                    self.index.position(text, dash).1 == pcol
                }
                _ => false,
            },
            _ => false,
        };
        // A block sequence starts at its first dash (an indentless one's marker is after it).
        let dash = match (&self.tree.nodes[id].kind, last_child) {
            (
                Kind::Seq {
                    flow: false, items, ..
                },
                Some(_),
            ) => lex::dash_before(text, self.tree.nodes[items[0]].start),
            _ => None,
        };
        let node = &mut self.tree.nodes[id];
        if let Some(d) = dash.filter(|&d| d < node.start) {
            node.start = d;
            (node.line, node.col) = self.index.position(text, d);
        }
        node.end = end.max(node.start);
        if let Kind::Seq { indentless: i, .. } = &mut node.kind {
            *i = indentless;
        }
    }
}

impl Tree {
    /// A readable outline of every node and its text, for tests and debugging.
    pub fn dump(&self, text: &str) -> String {
        let mut out = String::new();
        for (i, n) in self.nodes.iter().enumerate() {
            let mut depth = 0;
            let mut p = n.parent;
            while let Some(q) = p {
                depth += 1;
                p = self.nodes[q].parent;
            }
            let kind = match &n.kind {
                Kind::Scalar { style, .. } => format!("scalar {style:?}"),
                Kind::Map { flow, .. } => format!("map{}", if *flow { " flow" } else { "" }),
                Kind::Seq {
                    flow, indentless, ..
                } => format!(
                    "seq{}{}",
                    if *flow { " flow" } else { "" },
                    if *indentless { " indentless" } else { "" }
                ),
                Kind::Alias { .. } => "alias".to_string(),
            };
            out.push_str(&format!(
                "{i:3} {}{kind} {}:{} {:?}\n",
                "  ".repeat(depth),
                n.line,
                n.col,
                &text[n.start..n.end]
            ));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spans(text: &str) -> Vec<String> {
        let tree = parse(text).unwrap();
        tree.nodes
            .iter()
            .map(|n| text[n.start..n.end].to_string())
            .collect()
    }

    #[test]
    fn block_mapping_starts_at_first_key_not_colon() {
        let t = "a: 1\nb:\n  c: x # comment\n  d: [1, 2]\n# trailing\n";
        let s = spans(t);
        assert_eq!(s[0], "a: 1\nb:\n  c: x # comment\n  d: [1, 2]");
        assert_eq!(s[4], "c: x # comment\n  d: [1, 2]");
        assert_eq!(s[6], "x");
        assert_eq!(s[8], "[1, 2]");
    }

    #[test]
    fn indentless_sequence_starts_at_dash() {
        let t = "k:\n- name: a\n  image: b\n- [y]\n";
        let tree = parse(t).unwrap();
        let seq = tree.get(tree.docs[0].root, "k").unwrap();
        let n = tree.node(seq);
        assert_eq!(&t[n.start..n.end], "- name: a\n  image: b\n- [y]");
        assert!(matches!(
            n.kind,
            Kind::Seq {
                flow: false,
                indentless: true,
                ..
            }
        ));
        assert_eq!((n.line, n.col), (2, 0));
        let t = "k:\n  -   name: a\n";
        let tree = parse(t).unwrap();
        let seq = tree.get(tree.docs[0].root, "k").unwrap();
        assert!(matches!(
            tree.node(seq).kind,
            Kind::Seq {
                indentless: false,
                ..
            }
        ));
        assert_eq!(tree.node(seq).col, 2);
        let item = tree.items(seq)[0];
        assert_eq!(tree.node(item).col, 6);
    }

    #[test]
    fn empty_value_sits_after_its_colon() {
        let t = "a:\n# c\nb: ~\n";
        let tree = parse(t).unwrap();
        let a = tree.get(tree.docs[0].root, "a").unwrap();
        assert_eq!((tree.node(a).start, tree.node(a).end), (2, 2));
        assert!(tree.is_null(a));
    }

    #[test]
    fn block_scalar_span_is_its_content() {
        let t = "a: |\n  \u{e9}t\u{e9} — long line\n  x\nb: 1\n";
        let s = spans(t);
        assert_eq!(s[2], "\u{e9}t\u{e9} — long line\n  x");
        // Positions after a block scalar with non-ASCII text stay exact (index drift is ignored).
        assert_eq!(s[3], "b");
    }

    #[test]
    fn flow_collections_and_trailing_comma() {
        let t = "a: {x: 1, }\nb: [1, 2]\n";
        let s = spans(t);
        assert_eq!(s[2], "{x: 1, }");
        assert_eq!(s[6], "[1, 2]");
    }

    #[test]
    fn anchors_aliases_and_duplicates() {
        let t = "a: &x {k: 1}\nb: *x\n";
        let tree = parse(t).unwrap();
        let root = tree.docs[0].root;
        assert_eq!(
            tree.get_path(root, &["b", "k"])
                .and_then(|n| tree.as_int(n)),
            Some(1)
        );
        let err = parse("a: 1\nb: 2\na: 3\n").unwrap_err();
        assert_eq!((err.line, err.col), (3, 1));
        assert!(err.message.contains("duplicate key `a`"), "{}", err.message);
    }

    #[test]
    fn deep_nesting_is_a_clean_error() {
        let t = "[".repeat(100_000);
        let err = parse(&t).unwrap_err();
        assert!(
            err.message.contains("nesting") || err.message.contains("recursion"),
            "{}",
            err.message
        );
    }

    #[test]
    fn multi_document_stream() {
        let t = "---\na: 1\n...\n---\nb: 2\n";
        let tree = parse(t).unwrap();
        assert_eq!(tree.docs.len(), 2);
    }
}

/// One test per yaml-rust2 marker quirk listed in `research/yaml-rust2-markers.md`: each pins
/// what the parser reports (so a yaml-rust2 change shows up here) and checks the span tree
/// places the node correctly anyway.
#[cfg(test)]
mod marker_quirks {
    use super::*;
    use yaml_rust2::{Yaml, YamlLoader};

    /// (event name, line, col, index) of every event.
    fn events(text: &str) -> Vec<(String, usize, usize, usize)> {
        let mut parser = Parser::new_from_str(text);
        let mut out = Vec::new();
        loop {
            let (event, mark) = parser.next_token().expect("valid YAML");
            let name = match &event {
                Event::StreamStart => "StreamStart".to_string(),
                Event::StreamEnd => "StreamEnd".to_string(),
                Event::DocumentStart => "DocumentStart".to_string(),
                Event::DocumentEnd => "DocumentEnd".to_string(),
                Event::Alias(_) => "Alias".to_string(),
                Event::Scalar(v, ..) => format!("Scalar({v})"),
                Event::SequenceStart(..) => "SequenceStart".to_string(),
                Event::SequenceEnd => "SequenceEnd".to_string(),
                Event::MappingStart(..) => "MappingStart".to_string(),
                Event::MappingEnd => "MappingEnd".to_string(),
                Event::Nothing => "Nothing".to_string(),
            };
            let end = matches!(event, Event::StreamEnd);
            out.push((name, mark.line(), mark.col(), mark.index()));
            if end {
                return out;
            }
        }
    }

    /// (line, col) of the first event named `name`.
    fn at(text: &str, name: &str) -> (usize, usize) {
        let e = events(text);
        let found = e
            .iter()
            .find(|(n, ..)| n == name)
            .unwrap_or_else(|| panic!("no {name} in {e:?}"));
        (found.1, found.2)
    }

    /// (line, col) of the `nth` event named `name`.
    fn nth(text: &str, name: &str, nth: usize) -> (usize, usize) {
        let e = events(text);
        let found = e
            .iter()
            .filter(|(n, ..)| n == name)
            .nth(nth)
            .unwrap_or_else(|| panic!("no {name} #{nth} in {e:?}"));
        (found.1, found.2)
    }

    fn span<'t>(text: &'t str, tree: &Tree, id: NodeId) -> &'t str {
        &text[tree.nodes[id].start..tree.nodes[id].end]
    }

    #[test]
    fn marker_line_is_1_based_col_0_based_in_chars() {
        let t = "é: 😀x\n";
        assert_eq!(at(t, "Scalar(😀x)"), (1, 3));
        let tree = parse(t).unwrap();
        let v = tree.get(tree.docs[0].root, "é").unwrap();
        assert_eq!(span(t, &tree, v), "😀x");
        assert_eq!(tree.position(v), (1, 4));
    }

    #[test]
    fn marker_index_counts_chars_not_bytes() {
        let t = "a: é\nb: €😀\n";
        let e = events(t);
        let euro = e.iter().find(|(n, ..)| n == "Scalar(€😀)").unwrap();
        // The char index; the byte offset is 9.
        assert_eq!(euro.3, 8);
        assert_eq!(t.find('€'), Some(9));
        let tree = parse(t).unwrap();
        let b = tree.get(tree.docs[0].root, "b").unwrap();
        assert_eq!(tree.nodes[b].start, 9);
    }

    #[test]
    fn marker_index_drifts_after_non_ascii_block_scalars() {
        let t = "a: |\n  Straße — ünïcødé, a long line of text with non-ASCII in it\nnext: 1\n";
        let e = events(t);
        let next = e.iter().find(|(n, ..)| n == "Scalar(next)").unwrap();
        let true_char_index = t[..t.find("next").unwrap()].chars().count();
        assert_ne!(
            next.3, true_char_index,
            "yaml-rust2 no longer drifts: the workaround can go"
        );
        assert_eq!((next.1, next.2), (3, 0));
        let tree = parse(t).unwrap();
        let v = tree.get(tree.docs[0].root, "next").unwrap();
        assert_eq!(span(t, &tree, v), "1");
        let k = tree.key_of(v).unwrap();
        assert_eq!(span(t, &tree, k), "next");
    }

    #[test]
    fn marker_crlf_and_lone_cr_are_one_line_break() {
        for nl in ["\r\n", "\r", "\n"] {
            let t = format!("a: 1{nl}b: 2{nl}");
            assert_eq!(at(&t, "Scalar(b)"), (2, 0), "{nl:?}");
            let tree = parse(&t).unwrap();
            let b = tree.get(tree.docs[0].root, "b").unwrap();
            assert_eq!(span(&t, &tree, b), "2");
        }
    }

    #[test]
    fn marker_document_start_explicit_and_implicit() {
        assert_eq!(at("---\na: 1\n", "DocumentStart"), (1, 0));
        // Implicit: the first content token, the `:` of the first key.
        assert_eq!(at("a: 1\n", "DocumentStart"), (1, 1));
    }

    #[test]
    fn marker_document_end_is_dots_or_next_token() {
        assert_eq!(at("a: 1\n...\n", "DocumentEnd"), (2, 0));
        assert_eq!(at("a: 1\n---\nb: 2\n", "DocumentEnd"), (2, 0));
        let t = "a: 1\n...\n---\nb: 2\n...\n";
        let tree = parse(t).unwrap();
        assert_eq!(tree.docs.len(), 2);
        assert_eq!(span(t, &tree, tree.docs[0].root), "a: 1");
        assert_eq!(span(t, &tree, tree.docs[1].root), "b: 2");
    }

    #[test]
    fn marker_block_mapping_is_colon_of_first_key() {
        let t = "key: 1\nb: 2\n";
        assert_eq!(at(t, "MappingStart"), (1, 3));
        let tree = parse(t).unwrap();
        assert_eq!(span(t, &tree, tree.docs[0].root), "key: 1\nb: 2");
        assert_eq!(tree.nodes[tree.docs[0].root].col, 0);
    }

    #[test]
    fn marker_anchored_block_mapping_is_colon_after_its_first_key() {
        let t = "b: &m\n  c: 1\n";
        assert_eq!(nth(t, "MappingStart", 1), (2, 3));
        let tree = parse(t).unwrap();
        let m = tree.get(tree.docs[0].root, "b").unwrap();
        assert_eq!(span(t, &tree, m), "c: 1");
        assert_ne!(tree.nodes[m].anchor, 0);
    }

    #[test]
    fn marker_flow_mapping_and_sequence_are_brackets() {
        let t = "a: {x: 1}\nb: [1, 2]\n";
        assert_eq!(nth(t, "MappingStart", 1), (1, 3));
        assert_eq!(at(t, "SequenceStart"), (2, 3));
        assert_eq!(at(t, "SequenceEnd"), (2, 8));
        let tree = parse(t).unwrap();
        let root = tree.docs[0].root;
        assert_eq!(span(t, &tree, tree.get(root, "a").unwrap()), "{x: 1}");
        assert_eq!(span(t, &tree, tree.get(root, "b").unwrap()), "[1, 2]");
    }

    #[test]
    fn marker_single_pair_mapping_in_flow_sequence() {
        let t = "[a: 1, {b: 2}: c]\n";
        let tree = parse(t).unwrap();
        let items = tree.items(tree.docs[0].root).to_vec();
        assert!(tree.nodes[items[0]].pair && tree.nodes[items[1]].pair);
        assert_eq!(span(t, &tree, items[0]), "a: 1");
        assert_eq!(span(t, &tree, items[1]), "{b: 2}: c");
        assert_eq!(span(t, &tree, tree.docs[0].root), "[a: 1, {b: 2}: c]");
    }

    #[test]
    fn marker_block_mapping_end_is_past_trailing_comments() {
        let t = "a:\n  b: 1\n  # about b\n\n# top\nc: 2\n";
        // The inner mapping ends at `c`, past the comments and the blank line.
        assert_eq!(at(t, "MappingEnd"), (6, 0));
        let tree = parse(t).unwrap();
        let a = tree.get(tree.docs[0].root, "a").unwrap();
        assert_eq!(span(t, &tree, a), "b: 1");
    }

    #[test]
    fn marker_flow_mapping_end_after_trailing_comma_is_the_comma() {
        let t = "{x: 1, }\n";
        assert_eq!(at(t, "MappingEnd"), (1, 5));
        let tree = parse(t).unwrap();
        assert_eq!(span(t, &tree, tree.docs[0].root), "{x: 1, }");
    }

    #[test]
    fn marker_indented_sequence_is_its_first_dash() {
        let t = "k:\n  - a\n  - b\n";
        assert_eq!(at(t, "SequenceStart"), (2, 2));
        let tree = parse(t).unwrap();
        let s = tree.get(tree.docs[0].root, "k").unwrap();
        assert_eq!(span(t, &tree, s), "- a\n  - b");
        assert!(matches!(
            tree.nodes[s].kind,
            Kind::Seq {
                indentless: false,
                ..
            }
        ));
    }

    #[test]
    fn marker_indentless_sequence_is_after_the_dash() {
        let t = "k:\n- a\n- b\n";
        assert_eq!(at(t, "SequenceStart"), (2, 2));
        let tree = parse(t).unwrap();
        let s = tree.get(tree.docs[0].root, "k").unwrap();
        assert_eq!(span(t, &tree, s), "- a\n- b");
        assert_eq!(tree.nodes[s].col, 0);
        assert!(matches!(
            tree.nodes[s].kind,
            Kind::Seq {
                indentless: true,
                flow: false,
                ..
            }
        ));
    }

    #[test]
    fn marker_indentless_sequence_of_flow_items_shares_the_inner_marker() {
        let t = "k:\n- [y]\n- z\n  z2\n";
        assert_eq!(nth(t, "SequenceStart", 0), nth(t, "SequenceStart", 1));
        let tree = parse(t).unwrap();
        let s = tree.get(tree.docs[0].root, "k").unwrap();
        assert!(matches!(tree.nodes[s].kind, Kind::Seq { flow: false, .. }));
        assert_eq!(span(t, &tree, s), "- [y]\n- z\n  z2");
        // Nested block sequences: `- - z`.
        let t = "- - z\n  - w\n";
        assert_eq!(nth(t, "SequenceStart", 0), (1, 0));
        assert_eq!(nth(t, "SequenceStart", 1), (1, 2));
        let tree = parse(t).unwrap();
        assert_eq!(
            span(t, &tree, tree.items(tree.docs[0].root)[0]),
            "- z\n  - w"
        );
    }

    #[test]
    fn marker_indentless_sequence_with_an_empty_first_item() {
        let t = "k:\n-\n- b\n";
        // The marker is past the first dash, at the end of its line.
        assert_eq!(at(t, "SequenceStart"), (2, 1));
        let tree = parse(t).unwrap();
        let s = tree.get(tree.docs[0].root, "k").unwrap();
        assert_eq!(span(t, &tree, s), "-\n- b");
        assert_eq!(tree.nodes[tree.items(s)[0]].start, 4);
    }

    #[test]
    fn marker_plain_and_quoted_scalars() {
        let t = "a: plain text\nb: 'single'\nc: \"double\"\n";
        assert_eq!(at(t, "Scalar(plain text)"), (1, 3));
        assert_eq!(at(t, "Scalar(single)"), (2, 3));
        assert_eq!(at(t, "Scalar(double)"), (3, 3));
        let tree = parse(t).unwrap();
        let root = tree.docs[0].root;
        assert_eq!(span(t, &tree, tree.get(root, "a").unwrap()), "plain text");
        assert_eq!(span(t, &tree, tree.get(root, "b").unwrap()), "'single'");
        assert_eq!(span(t, &tree, tree.get(root, "c").unwrap()), "\"double\"");
    }

    #[test]
    fn marker_scalar_with_properties_is_after_them() {
        let t = "a: &A v\nb: !!str x\n&k key: 1\n";
        assert_eq!(at(t, "Scalar(v)"), (1, 6));
        assert_eq!(at(t, "Scalar(x)"), (2, 9));
        let tree = parse(t).unwrap();
        let root = tree.docs[0].root;
        let v = tree.get(root, "a").unwrap();
        assert_eq!(span(t, &tree, v), "v");
        assert_eq!(&t[tree.nodes[v].props..tree.nodes[v].start], "&A ");
        // A mapping whose first key has properties starts at them.
        let t = "&k key: 1\nb: 2\n";
        let tree = parse(t).unwrap();
        assert_eq!(span(t, &tree, tree.docs[0].root), "&k key: 1\nb: 2");
    }

    #[test]
    fn marker_block_scalar_is_its_first_content_character() {
        let t = "a: |\n\n  x\n   y\nb: 1\n";
        assert_eq!(at(t, "Scalar(\nx\n y\n)"), (3, 2));
        let tree = parse(t).unwrap();
        let a = tree.get(tree.docs[0].root, "a").unwrap();
        assert_eq!(span(t, &tree, a), "x\n   y");
    }

    #[test]
    fn marker_empty_block_scalar_is_next_token_or_header_at_the_end() {
        let t = "a: |\nb: 1\n";
        assert_eq!(at(t, "Scalar()"), (2, 0));
        let tree = parse(t).unwrap();
        let a = tree.get(tree.docs[0].root, "a").unwrap();
        assert_eq!(span(t, &tree, a), "|");
        // Keep chomping with only a line break left: the marker is the header.
        let t = "a: |+\n";
        assert_eq!(at(t, "Scalar(\n)"), (1, 3));
        let tree = parse(t).unwrap();
        let a = tree.get(tree.docs[0].root, "a").unwrap();
        assert_eq!(span(t, &tree, a), "|+");
    }

    #[test]
    fn marker_empty_plain_scalar_is_next_token() {
        let t = "a:\n# comment\nb: 1\n";
        assert_eq!(at(t, "Scalar()"), (3, 0));
        let tree = parse(t).unwrap();
        let a = tree.get(tree.docs[0].root, "a").unwrap();
        assert_eq!((tree.nodes[a].start, tree.nodes[a].end), (2, 2));
        let t = "- \n- x\n";
        let tree = parse(t).unwrap();
        assert_eq!(tree.nodes[tree.items(tree.docs[0].root)[0]].start, 1);
    }

    #[test]
    fn marker_alias_is_the_star() {
        let t = "a: &x 1\nb: *x\n";
        assert_eq!(at(t, "Alias"), (2, 3));
        let tree = parse(t).unwrap();
        let b = tree.entries(tree.docs[0].root)[1].1;
        assert_eq!(span(t, &tree, b), "*x");
    }

    #[test]
    fn marker_comments_have_no_event() {
        let e = events("# c\na: 1 # c\n# c\n");
        assert!(e.iter().all(|(n, ..)| !n.contains('#')));
        assert_eq!(e.len(), 8);
    }

    #[test]
    fn marker_tabs() {
        assert!(parse("a:\n\tb: 1\n").is_err(), "a tab as indentation");
        let err = parse("a:\t1\n").unwrap_err();
        assert!(
            err.message
                .contains("must be followed by a valid YAML whitespace"),
            "{}",
            err.message
        );
        let t = "- \tx\nb\t# c\n";
        assert!(Parser::new_from_str(t).next_token().is_ok());
        let t = "- \tx\n- b\t# c\n";
        let tree = parse(t).unwrap();
        let items = tree.items(tree.docs[0].root);
        assert_eq!(span(t, &tree, items[0]), "x");
        assert_eq!(span(t, &tree, items[1]), "b");
    }

    #[test]
    fn marker_bom_is_not_stripped() {
        let docs = YamlLoader::load_from_str("\u{feff}a: 1").unwrap();
        let Yaml::Hash(h) = &docs[0] else {
            panic!("a mapping")
        };
        assert!(h.contains_key(&Yaml::String("\u{feff}a".to_string())));
        let (body, bom) = crate::yaml::strip_bom("\u{feff}a: 1");
        assert!(bom);
        let tree = parse(body).unwrap();
        assert!(tree.get(tree.docs[0].root, "a").is_some());
    }

    #[test]
    fn marker_single_pair_mapping_start_and_flow_ends() {
        let t = "[a: 1]\n";
        let e = events(t);
        let start = e.iter().find(|(n, ..)| n == "MappingStart").unwrap();
        // Not the key's position: yaml-rust2 reports the scanner's place after the `:`.
        assert_ne!((start.1, start.2), (1, 1));
        assert_eq!(at("{a: 1}\n", "MappingEnd"), (1, 5));
        let tree = parse(t).unwrap();
        let pair = tree.items(tree.docs[0].root)[0];
        assert_eq!(span(t, &tree, pair), "a: 1");
        assert_eq!(tree.nodes[pair].col, 1);
    }

    #[test]
    fn marker_block_sequence_end_is_past_trailing_comments() {
        let t = "k:\n  - a\n  # about a\n\nz: 1\n";
        assert_eq!(at(t, "SequenceEnd"), (5, 0));
        let tree = parse(t).unwrap();
        let s = tree.get(tree.docs[0].root, "k").unwrap();
        assert_eq!(span(t, &tree, s), "- a");
    }

    #[test]
    fn marker_in_error_messages_is_a_char_index() {
        let t = "é: [\n";
        let err = Parser::new_from_str(t)
            .load(&mut yaml_rust2::YamlLoader::default(), true)
            .unwrap_err();
        // Reported as the last char's index although the last byte is at 6.
        assert_eq!(err.marker().index(), t.chars().count());
        let ours = parse(t).unwrap_err();
        assert_eq!(ours.line, err.marker().line());
    }

    #[test]
    fn loader_quirks() {
        // Duplicate keys fail closed.
        assert!(YamlLoader::load_from_str("a: 1\na: 2\n").is_err());
        // Tagged empty scalars are mis-paired (yaml-test-suite FH7J): the loader's mapping has
        // lost a key.
        let docs = YamlLoader::load_from_str("- !!null : a\n  b: !!str\n").unwrap();
        let Yaml::Hash(h) = &docs[0][0] else {
            panic!("a mapping")
        };
        // {null: a, b: ""} comes out as {a: b}.
        assert_eq!(h.len(), 1, "{h:?}");
        assert_eq!(
            h.get(&Yaml::String("a".to_string())),
            Some(&Yaml::String("b".to_string()))
        );
        // A core schema tag that does not fit its text: the loader drops the entry.
        let docs = YamlLoader::load_from_str("{!!int abc: }\n").unwrap();
        assert_eq!(docs[0], Yaml::Hash(Default::default()));
        let tree = parse("{!!int abc: }\n").unwrap();
        assert_eq!(tree.entries(tree.docs[0].root).len(), 1);
        let tree = parse("- !!null : a\n  b: !!str\n").unwrap();
        let m = tree.items(tree.docs[0].root)[0];
        assert_eq!(tree.entries(m).len(), 2);
        // `<<` is an ordinary key.
        let docs = YamlLoader::load_from_str("a: &b {x: 1}\nc:\n  <<: *b\n").unwrap();
        assert!(matches!(&docs[0]["c"]["<<"], Yaml::Hash(_)));
        // An empty document is null; `k: !!null` (empty) is BadValue.
        assert_eq!(
            YamlLoader::load_from_str("# only a comment\n")
                .unwrap()
                .len(),
            0
        );
        assert_eq!(
            YamlLoader::load_from_str("---\n").unwrap(),
            vec![Yaml::Null]
        );
        assert_eq!(
            YamlLoader::load_from_str("k: !!null\n").unwrap()[0]["k"],
            Yaml::BadValue
        );
        // The span tree rejects duplicate keys itself.
        assert!(parse("a: 1\na: 2\n").is_err());
    }
}
