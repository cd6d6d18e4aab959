//! The span tree: every node of every document in a stream, with byte ranges, built from
//! yaml-rust2's events using only `(line, col)` markers (see `text::LineIndex`).

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
    Map { entries: Vec<(NodeId, NodeId)>, flow: bool },
    /// `indentless`: a block sequence whose `-` is at its parent key's column.
    Seq { items: Vec<NodeId>, flow: bool, indentless: bool },
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
