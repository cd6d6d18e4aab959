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
}

impl Tree {
    pub fn node(&self, id: NodeId) -> &Node {
        &self.nodes[id]
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
        (0..before.min(self.nodes.len()))
            .rev()
            .find(|&i| self.nodes[i].anchor == anchor)
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
}

impl<'a> Builder<'a> {
    fn new(text: &'a str) -> Builder<'a> {
        Builder {
            text,
            index: LineIndex::new(text),
            tree: Tree::default(),
            stack: Vec::new(),
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
            match event {
                Event::StreamEnd => break,
                Event::StreamStart | Event::DocumentEnd | Event::Nothing => {}
                Event::DocumentStart => {}
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
        let (line, col) = self.index.position(self.text, start);
        let parent = self.stack.last().map(|f| f.node);
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
                let ls = super::text::line_start(self.text, header);
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
                let is_key = frame.pending_key.is_none();
                let col = match entries.first() {
                    Some(&(k, _)) => self.tree.nodes[k].col as isize,
                    None if is_key => -1,
                    None => frame
                        .pending_key
                        .map_or(-1, |k| self.tree.nodes[k].col as isize),
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
            return marker;
        };
        let node = &self.tree.nodes[frame.node];
        let text = self.text;
        match (&node.kind, frame.pending_key) {
            // A value: after its key's `:`, else (`? a` alone) right after the key.
            (Kind::Map { .. }, Some(key)) => {
                let from = self.tree.nodes[key].end;
                match lex::find_indicator(text, from, text.len() + 1, b':') {
                    Some(i) => i + 1,
                    None => from.min(marker),
                }
            }
            // A key: after an explicit `?` written before the marker, else at the marker (the
            // `:` of `: value`).
            (Kind::Map { entries, .. }, None) => {
                let floor = entries.last().map_or(0, |&(_, v)| self.tree.nodes[v].end);
                match lex::explicit_key_before(text, marker) {
                    Some(q) if q >= floor => q + 1,
                    _ => marker,
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
                            let ls = super::text::line_start(self.text, start);
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
