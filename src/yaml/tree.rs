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
        (0..before.min(self.nodes.len())).rev().find(|&i| self.nodes[i].anchor == anchor)
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

    /// A null: an empty plain scalar, or plain `~`/`null`/`Null`/`NULL`.
    pub fn is_null(&self, id: NodeId) -> bool {
        match &self.nodes[self.resolve(id)].kind {
            Kind::Scalar { value, style: ScalarStyle::Plain } => {
                matches!(value.as_str(), "" | "~" | "null" | "Null" | "NULL")
            }
            _ => false,
        }
    }

    /// A boolean as Kubernetes reads it (YAML 1.1 words: true/yes/on, false/no/off, any case
    /// pattern the spec allows). Quoted strings are not booleans.
    pub fn as_bool(&self, id: NodeId) -> Option<bool> {
        match &self.nodes[self.resolve(id)].kind {
            Kind::Scalar { value, style: ScalarStyle::Plain } => match value.as_str() {
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
        match &self.nodes[self.resolve(id)].kind {
            Kind::Scalar { value, style: ScalarStyle::Plain } => {
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
