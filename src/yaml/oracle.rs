//! An independent check of the editor's contract, shared by its tests (snapshots, property tests,
//! the yaml-test-suite sweep) and its fuzz target. Not used by the CLI.
//!
//! An operation is planned through `Editor`, applied, and the result is judged against
//! yaml-rust2's own loader (`YamlLoader`), which shares no code with the span tree: the loaded
//! value of the output must equal the loaded value of the input with the operation applied in the
//! `Yaml` domain. Then: every deleted byte is the text of a replaced leaf, the BOM and the final
//! line break are kept, new line breaks copy the file's, new keys sit at their siblings' column,
//! and running the same operations on the output plans nothing.

use std::fmt;

use yaml_rust2::yaml::{Hash, Yaml, YamlLoader};

use super::edit::{Edit, EditError, Editor, NewValue, Refusal, matches_value};
use super::text::strip_bom;
use super::tree::{Kind, NodeId, ParseError, ScalarStyle, Tree, parse};

/// A node named by where it sits: a document, then the position of each step (an entry's index
/// in a mapping, or an item's index in a sequence). Positions survive the editor's changes,
/// which only add at the ends of collections.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Target {
    pub doc: usize,
    pub path: Vec<usize>,
}

impl Target {
    /// The position of `node`, when it is reachable as a value (not a key, not inside one).
    pub fn of(tree: &Tree, node: NodeId) -> Option<Target> {
        let mut path = Vec::new();
        let mut cur = node;
        while let Some(p) = tree.nodes[cur].parent {
            let i = match &tree.nodes[p].kind {
                Kind::Map { entries, .. } => entries.iter().position(|&(_, v)| v == cur)?,
                Kind::Seq { items, .. } => items.iter().position(|&i| i == cur)?,
                _ => return None,
            };
            path.push(i);
            cur = p;
        }
        let doc = tree.docs.iter().position(|d| d.root == cur)?;
        path.reverse();
        Some(Target { doc, path })
    }

    /// The node at this position in `tree` (never through an alias).
    pub fn resolve(&self, tree: &Tree) -> Option<NodeId> {
        let mut cur = tree.docs.get(self.doc)?.root;
        for &i in &self.path {
            cur = match &tree.nodes[cur].kind {
                Kind::Map { entries, .. } => entries.get(i)?.1,
                Kind::Seq { items, .. } => *items.get(i)?,
                _ => return None,
            };
        }
        Some(cur)
    }

    fn locate<'y>(&self, docs: &'y mut [Yaml]) -> Option<&'y mut Yaml> {
        let mut cur = docs.get_mut(self.doc)?;
        for &i in &self.path {
            cur = match cur {
                Yaml::Hash(h) => h.iter_mut().nth(i)?.1,
                Yaml::Array(a) => a.get_mut(i)?,
                _ => return None,
            };
        }
        Some(cur)
    }
}

/// What to do at a target.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Action {
    /// `Editor::insert_key` (satisfied when the key already holds the value).
    Insert { key: String, value: NewValue },
    /// `Editor::ensure` (satisfied when the path already holds the value).
    Ensure { keys: Vec<String>, value: NewValue },
    /// `Editor::append` (satisfied when an item already equals the value).
    Append { item: NewValue },
    /// `Editor::replace` (satisfied when the node already equals the value).
    Replace { value: NewValue },
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Op {
    pub target: Target,
    pub action: Action,
}

impl fmt::Display for Op {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "doc {} at {:?}: {:?}",
            self.target.doc, self.target.path, self.action
        )
    }
}

/// Plans `op` on `editor` the way a careful caller does: nothing when it is already satisfied.
/// Returns whether something was planned.
pub fn plan_op(editor: &mut Editor, tree: &Tree, op: &Op) -> Result<bool, Refusal> {
    let Some(node) = op.target.resolve(tree) else {
        return Err(Refusal {
            line: 1,
            col: 1,
            reason: "the target does not exist".to_string(),
        });
    };
    match &op.action {
        Action::Insert { key, value } => {
            if tree
                .get(node, key)
                .is_some_and(|v| matches_value(tree, v, value))
            {
                return Ok(false);
            }
            editor.insert_key(node, key, value.clone())?;
        }
        Action::Ensure { keys, value } => {
            let keys: Vec<&str> = keys.iter().map(String::as_str).collect();
            if tree
                .get_path(node, &keys)
                .is_some_and(|v| matches_value(tree, v, value))
            {
                return Ok(false);
            }
            editor.ensure(node, &keys, value.clone())?;
        }
        Action::Append { item } => {
            if tree.is_seq(node)
                && tree
                    .items(node)
                    .iter()
                    .any(|&i| matches_value(tree, tree.resolve(i), item))
            {
                return Ok(false);
            }
            editor.append(node, item.clone())?;
        }
        Action::Replace { value } => {
            if matches_value(tree, node, value) {
                return Ok(false);
            }
            editor.replace(node, value.clone())?;
        }
    }
    Ok(true)
}

/// The loader's value of a new value.
pub fn to_yaml(v: &NewValue) -> Yaml {
    match v {
        NewValue::Bool(b) => Yaml::Boolean(*b),
        NewValue::Int(n) => Yaml::Integer(*n),
        NewValue::Str(s) => Yaml::String(s.clone()),
        NewValue::Map(entries) => {
            let mut h = Hash::new();
            for (k, v) in entries {
                h.insert(Yaml::String(k.clone()), to_yaml(v));
            }
            Yaml::Hash(h)
        }
        NewValue::Seq(items) => Yaml::Array(items.iter().map(to_yaml).collect()),
    }
}

/// A new value from a loaded one (for test headers written as YAML flow or JSON). Floats and
/// nulls have no `NewValue`.
pub fn from_yaml(y: &Yaml) -> Option<NewValue> {
    Some(match y {
        Yaml::Boolean(b) => NewValue::Bool(*b),
        Yaml::Integer(n) => NewValue::Int(*n),
        Yaml::String(s) => NewValue::Str(s.clone()),
        Yaml::Hash(h) => NewValue::Map(
            h.iter()
                .map(|(k, v)| Some((k.as_str()?.to_string(), from_yaml(v)?)))
                .collect::<Option<Vec<_>>>()?,
        ),
        Yaml::Array(a) => NewValue::Seq(a.iter().map(from_yaml).collect::<Option<Vec<_>>>()?),
        _ => return None,
    })
}

fn key_text(y: &Yaml) -> Option<String> {
    match y {
        Yaml::String(s) | Yaml::Real(s) => Some(s.clone()),
        Yaml::Integer(n) => Some(n.to_string()),
        Yaml::Boolean(b) => Some(b.to_string()),
        _ => None,
    }
}

fn hash_get_mut<'y>(h: &'y mut Hash, key: &str) -> Option<&'y mut Yaml> {
    h.iter_mut()
        .find(|(k, _)| key_text(k).as_deref() == Some(key))
        .map(|(_, v)| v)
}

fn is_empty_map_or_null(y: &Yaml) -> bool {
    matches!(y, Yaml::Null) || matches!(y, Yaml::Hash(h) if h.is_empty())
}

fn nested(keys: &[String], value: &NewValue) -> Yaml {
    keys.iter().rev().fold(to_yaml(value), |v, k| {
        let mut h = Hash::new();
        h.insert(Yaml::String(k.clone()), v);
        Yaml::Hash(h)
    })
}

/// Applies `op` to loaded documents: what the edited text must load as.
pub fn apply_to_yaml(docs: &mut [Yaml], op: &Op) -> Result<(), String> {
    let at = op
        .target
        .locate(docs)
        .ok_or_else(|| format!("no node at {:?}", op.target))?;
    match &op.action {
        Action::Insert { key, value } => ensure_yaml(at, std::slice::from_ref(key), value),
        Action::Ensure { keys, value } => ensure_yaml(at, keys, value),
        Action::Append { item } => match at {
            Yaml::Array(a) => {
                let y = to_yaml(item);
                if !a.contains(&y) {
                    a.push(y);
                }
                Ok(())
            }
            Yaml::Null => {
                *at = Yaml::Array(vec![to_yaml(item)]);
                Ok(())
            }
            other => Err(format!("append to {other:?}")),
        },
        Action::Replace { value } => {
            *at = to_yaml(value);
            Ok(())
        }
    }
}

fn ensure_yaml(at: &mut Yaml, keys: &[String], value: &NewValue) -> Result<(), String> {
    let (first, rest) = keys.split_first().ok_or("empty path")?;
    if matches!(at, Yaml::Null) {
        *at = nested(keys, value);
        return Ok(());
    }
    let Yaml::Hash(h) = at else {
        return Err(format!("`{first}` under {at:?}"));
    };
    match hash_get_mut(h, first) {
        None => {
            h.insert(Yaml::String(first.clone()), nested(rest, value));
            Ok(())
        }
        Some(v) if rest.is_empty() => {
            if *v == to_yaml(value) {
                Ok(())
            } else {
                Err(format!("`{first}` already holds {v:?}"))
            }
        }
        Some(v) if is_empty_map_or_null(v) => {
            *v = nested(rest, value);
            Ok(())
        }
        Some(v) => ensure_yaml(v, rest, value),
    }
}

/// How one run went, when the contract held.
#[derive(Clone, Debug)]
pub enum Outcome {
    /// The input does not parse (or has duplicate keys): nothing to edit.
    Unparseable(ParseError),
    /// Every operation was already satisfied.
    Unchanged,
    /// The editor refused an operation when planning it.
    Refused(Refusal),
    /// The editor refused its own output (re-parse or verification failed).
    Failed(EditError),
    /// The edit went through and passed every check.
    Done {
        output: String,
        edits: Vec<Edit>,
        /// Whether yaml-rust2's loader could judge the value (it mis-pairs tagged empty
        /// scalars, so inputs holding one are judged by the editor's own verification only).
        loader_checked: bool,
    },
}

impl Outcome {
    /// A short label for counting outcomes.
    pub fn label(&self) -> String {
        match self {
            Outcome::Unparseable(_) => "unparseable".to_string(),
            Outcome::Unchanged => "unchanged".to_string(),
            Outcome::Refused(r) => format!("refused: {}", refusal_kind(&r.reason)),
            Outcome::Failed(EditError::Overlap { .. }) => "failed: overlap".to_string(),
            Outcome::Failed(EditError::Reparse(_)) => "failed: re-parse".to_string(),
            Outcome::Failed(EditError::Mismatch { .. }) => "failed: mismatch".to_string(),
            Outcome::Done {
                loader_checked: true,
                ..
            } => "done".to_string(),
            Outcome::Done {
                loader_checked: false,
                ..
            } => "done (checked by the editor only)".to_string(),
        }
    }
}

/// A refusal's reason without the parts that name keys or lines.
pub fn refusal_kind(reason: &str) -> String {
    // Code spans that name keys are elided; symbols (`?`, `<<`, `|+`) are kept.
    let mut out = String::new();
    for (i, part) in reason.split('`').enumerate() {
        if i % 2 == 0 {
            out.push_str(part);
        } else if part.chars().any(char::is_alphanumeric) {
            out.push_str("`…`");
        } else {
            out.push_str(&format!("`{part}`"));
        }
    }
    match out.find(" (line ") {
        Some(i) => {
            let rest = &out[i..];
            let close = rest.find(')').map_or(out.len(), |j| i + j + 1);
            format!("{}{}", &out[..i], &out[close..])
        }
        None => out,
    }
}

/// A broken promise: the editor produced output that it should have refused.
#[derive(Clone, Debug)]
pub struct Violation(pub String);

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

fn load(text: &str) -> Option<Vec<Yaml>> {
    std::panic::catch_unwind(|| YamlLoader::load_from_str(text).ok())
        .ok()
        .flatten()
}

fn breaks(text: &str) -> Vec<&'static str> {
    let b = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'\r' if b.get(i + 1) == Some(&b'\n') => {
                out.push("\r\n");
                i += 1;
            }
            b'\r' => out.push("\r"),
            b'\n' => out.push("\n"),
            _ => {}
        }
        i += 1;
    }
    out
}

fn ends_with_break(text: &str) -> bool {
    text.ends_with(['\n', '\r'])
}

/// The nodes the operations name, and the existing nodes an `ensure` walks through.
fn edited_nodes(tree: &Tree, ops: &[Op]) -> Vec<NodeId> {
    let mut out = Vec::new();
    for op in ops {
        let Some(mut n) = op.target.resolve(tree) else {
            continue;
        };
        out.push(n);
        let keys: Vec<&str> = match &op.action {
            Action::Ensure { keys, .. } => keys.iter().map(String::as_str).collect(),
            Action::Insert { key, .. } => vec![key.as_str()],
            _ => Vec::new(),
        };
        for k in keys {
            match tree.get(n, k) {
                Some(v) => {
                    n = v;
                    out.push(v);
                }
                None => break,
            }
        }
    }
    out
}

/// Where the content of node `n` ends: after its last entry or item (a flow collection's
/// closing bracket comes after), inside the brackets of an empty flow collection, else its end.
fn content_end(tree: &Tree, text: &str, n: NodeId) -> usize {
    let node = &tree.nodes[n];
    let last = match &node.kind {
        Kind::Map { entries, .. } => entries
            .last()
            .map(|&(k, v)| tree.nodes[k].end.max(tree.nodes[v].end)),
        Kind::Seq { items, .. } => items.last().map(|&i| tree.nodes[i].end),
        _ => None,
    };
    match last {
        Some(e) => e,
        None if text[node.start..node.end].starts_with(['{', '[']) => node.start + 1,
        None => node.end,
    }
}

/// Blanks, line breaks, comments and commas only.
fn is_trivia(s: &str) -> bool {
    let mut in_comment = false;
    s.chars().all(|c| match c {
        '\n' | '\r' => {
            in_comment = false;
            true
        }
        '#' => {
            in_comment = true;
            true
        }
        _ if in_comment => true,
        ' ' | '\t' | ',' => true,
        _ => false,
    })
}

/// Whether yaml-rust2's loader may misread the document because of node `n`: it mis-pairs
/// tagged empty scalars (yaml-test-suite FH7J), and drops or mis-pairs entries around a core
/// schema tag whose text does not fit it (`!!int abc`). Custom tags are ignored by the loader.
fn loader_misreads(n: &super::tree::Node) -> bool {
    let Some(tag) = &n.tag else { return false };
    if matches!(&n.kind, Kind::Scalar { value, style: ScalarStyle::Plain } if value.is_empty()) {
        return true;
    }
    match tag.strip_prefix("tag:yaml.org,2002:") {
        None => false,
        Some("str") => !matches!(n.kind, Kind::Scalar { .. }),
        Some("map") => !matches!(n.kind, Kind::Map { .. }),
        Some("seq") => !matches!(n.kind, Kind::Seq { .. }),
        Some(_) => true,
    }
}

/// Runs `ops` on `input` (which may start with a BOM) and checks the whole contract.
pub fn run(input: &str, ops: &[Op]) -> Result<Outcome, Violation> {
    let (body, bom) = strip_bom(input);
    let tree = match parse(body) {
        Ok(t) => t,
        Err(e) => return Ok(Outcome::Unparseable(e)),
    };
    let mut editor = Editor::new(body, &tree);
    // The operations that plan something (the others are already satisfied).
    let mut planned = Vec::new();
    for op in ops {
        match plan_op(&mut editor, &tree, op) {
            Ok(true) => planned.push(op),
            Ok(false) => {}
            Err(r) => return Ok(Outcome::Refused(r)),
        }
    }
    if editor.is_empty() {
        return Ok(Outcome::Unchanged);
    }
    let edits = editor.edits();
    let full = editor.apply_and_parse();
    // The pipeline verifies against a values-only parse: it must judge every edit as the full
    // verification does.
    let light = editor.apply_verified();
    if full.as_ref().map(|r| &r.0).map_err(|e| e.to_string())
        != light.as_ref().map_err(|e| e.to_string())
    {
        return Err(Violation(format!(
            "the values-only verification ({:?}) disagrees with the full one ({:?})\n--- input\n{body}\n---",
            light.as_ref().err(),
            full.as_ref().err()
        )));
    }
    let (new_body, new_tree) = match full {
        Ok(r) => r,
        Err(e) => return Ok(Outcome::Failed(e)),
    };
    let fail = |what: String| {
        Err(Violation(format!(
            "{what}\n--- input\n{body}\n--- output\n{new_body}\n---"
        )))
    };

    // The loader's value of the output is the input's with the operations applied.
    let loader_reliable = !tree.nodes.iter().any(loader_misreads);
    let expected = if loader_reliable { load(body) } else { None };
    let loader_checked = expected.is_some();
    if let Some(mut expected) = expected {
        for &op in &planned {
            if let Err(e) = apply_to_yaml(&mut expected, op) {
                return fail(format!("the oracle cannot apply {op}: {e}"));
            }
        }
        match load(&new_body) {
            None => return fail("the loader rejects the output".to_string()),
            Some(got) if got != expected => {
                return fail(format!(
                    "the loaded output differs\nexpected {expected:?}\ngot      {got:?}"
                ));
            }
            Some(_) => {}
        }
    }

    // Every edit sits at an edited node: deletions remove a replaced leaf's text, insertions
    // go right after the content of a node an operation names (or walks through), with only
    // blanks, line breaks, comments and commas in between. Everything else is kept byte for byte.
    let edited = edited_nodes(&tree, ops);
    for e in &edits {
        let gone = &body[e.range.clone()];
        if !gone.is_empty() {
            let leaf = edited.iter().map(|&n| &tree.nodes[n]).any(|n| {
                let empty = match &n.kind {
                    Kind::Map { entries, .. } => entries.is_empty(),
                    Kind::Seq { items, .. } => items.is_empty(),
                    Kind::Scalar { .. } => true,
                    Kind::Alias { .. } => false,
                };
                empty
                    && n.start >= e.range.start
                    && n.end <= e.range.end
                    && body[e.range.start..n.start]
                        .trim_matches([' ', '\t'])
                        .is_empty()
                    && body[n.end..e.range.end]
                        .trim_matches([' ', '\t'])
                        .is_empty()
            });
            if !leaf {
                return fail(format!(
                    "an edit deletes {gone:?}, which is not a replaced leaf"
                ));
            }
            continue;
        }
        let at = e.range.start;
        let placed = edited.iter().any(|&n| {
            [content_end(&tree, body, n), tree.nodes[n].end]
                .into_iter()
                .any(|c| c <= at && is_trivia(&body[c..at]))
        });
        if !placed {
            return fail(format!(
                "an insertion at byte {at} ({:?}) is not right after an edited node",
                e.text
            ));
        }
    }

    // Line breaks: new ones copy the file's (when it uses one kind), the final one is kept.
    if ends_with_break(body) != ends_with_break(&new_body) {
        return fail("the final line break was added or removed".to_string());
    }
    let old_breaks = breaks(body);
    let uniform = old_breaks
        .first()
        .filter(|&&f| old_breaks.iter().all(|b| *b == f))
        .copied();
    let want = if old_breaks.is_empty() {
        Some("\n")
    } else {
        uniform
    };
    if let Some(want) = want {
        for e in &edits {
            if let Some(b) = breaks(&e.text).into_iter().find(|b| *b != want) {
                return fail(format!(
                    "new text uses {b:?} line breaks in a {want:?} file"
                ));
            }
        }
    }

    // New keys of a block mapping sit at their siblings' column.
    for op in ops {
        let (Some(old), Some(new)) = (op.target.resolve(&tree), op.target.resolve(&new_tree))
        else {
            continue;
        };
        if let (
            Kind::Map {
                entries: a,
                flow: false,
            },
            Kind::Map {
                entries: b,
                flow: false,
            },
        ) = (&tree.nodes[old].kind, &new_tree.nodes[new].kind)
        {
            let col = new_tree.nodes[new].col;
            if let Some(&(k, _)) = b[a.len()..]
                .iter()
                .find(|&&(k, _)| new_tree.nodes[k].col != col)
            {
                return fail(format!(
                    "new key at column {} in a mapping at column {col}",
                    new_tree.nodes[k].col
                ));
            }
        }
    }

    // A second run plans nothing.
    let mut again = Editor::new(&new_body, &new_tree);
    for op in ops {
        match plan_op(&mut again, &new_tree, op) {
            Ok(false) => {}
            Ok(true) => return fail(format!("a second run plans {op} again")),
            Err(r) => return fail(format!("a second run refuses {op}: {r}")),
        }
    }
    let output = if bom {
        format!("\u{feff}{new_body}")
    } else {
        new_body
    };
    Ok(Outcome::Done {
        output,
        edits,
        loader_checked,
    })
}

/// One fuzz input: three selector bytes, then the text. Picks a node and an operation from the
/// selectors, runs it and panics on any broken promise. Anything else (invalid UTF-8, invalid
/// YAML, a refusal, a failed verification) is a clean outcome.
pub fn fuzz_one(data: &[u8]) {
    let [op, lo, hi, rest @ ..] = data else {
        return;
    };
    let Ok(input) = std::str::from_utf8(rest) else {
        return;
    };
    let (body, _) = strip_bom(input);
    let Ok(tree) = parse(body) else { return };
    let targets: Vec<Target> = (0..tree.nodes.len())
        .filter_map(|n| Target::of(&tree, n))
        .collect();
    if targets.is_empty() {
        return;
    }
    let target = targets[(usize::from(*lo) | usize::from(*hi) << 8) % targets.len()].clone();
    let value = match (op >> 2) % 5 {
        0 => NewValue::str("added"),
        1 => NewValue::Int(1000),
        2 => NewValue::Bool(true),
        3 => NewValue::Map(vec![
            ("runAsNonRoot".to_string(), NewValue::Bool(true)),
            (
                "capabilities".to_string(),
                NewValue::nested(&["drop"], NewValue::Seq(vec![NewValue::str("ALL")])),
            ),
        ]),
        _ => NewValue::Seq(vec![NewValue::Map(vec![
            ("name".to_string(), NewValue::str("tmp")),
            ("emptyDir".to_string(), NewValue::Map(Vec::new())),
        ])]),
    };
    let action = match op % 4 {
        0 => Action::Insert {
            key: "zz_new".to_string(),
            value,
        },
        1 => Action::Ensure {
            keys: vec!["zz_a".to_string(), "zz_b".to_string()],
            value,
        },
        2 => Action::Append { item: value },
        _ => Action::Replace { value },
    };
    let mut ops = vec![Op { target, action }];
    if op & 0x80 != 0 && !ops[0].target.path.is_empty() {
        // A second change at the top of the same document: insertions meeting at one place.
        let root = Target {
            doc: ops[0].target.doc,
            path: Vec::new(),
        };
        ops.push(Op {
            target: root,
            action: Action::Insert {
                key: "zz_root".to_string(),
                value: NewValue::Int(1),
            },
        });
    }
    if let Err(v) = run(input, &ops) {
        panic!("{v}");
    }
}
