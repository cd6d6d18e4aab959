//! Property test of the editing contract over generated documents. The generator writes
//! Kubernetes-like YAML across the formatting knobs the editor must copy or survive: indentation
//! step (2, 3, 4), indentless or indented sequences, spaces after `-`, LF/CRLF/CR, BOM, final
//! line break, blank lines, trailing comments and comment lines after a mapping's last entry,
//! quoting habit, flow collections (one line, several lines, trailing comma), empty and null
//! values, block scalars (`|`, `|-`, `|+`, `>`, `>-`), multi-line plain scalars, non-ASCII
//! text, anchors, tabs before comments, several documents with `---` and `...`.
//!
//! Each case plans one to three operations (insert, ensure, append, replace) on nodes picked at
//! random and checks, through `secctx::yaml::oracle::run`: the output loads to the expected
//! value, only replaced leaves lose bytes, line breaks and BOM are kept, and a second run plans
//! nothing, and every edit sits at a node an operation names. On top of that, here: the new
//! text copies the knobs its document shows (indentation step, sequence style).

use proptest::prelude::*;
use proptest::sample::Index;

use secctx::yaml::oracle::{Action, Op, Outcome, Target, run};
use secctx::yaml::{Kind, NewValue, NodeId, Tree, parse, strip_bom};

#[derive(Clone, Debug)]
struct Knobs {
    step: usize,
    indentless: bool,
    gap: usize,
    newline: &'static str,
    bom: bool,
    final_newline: bool,
    /// 0 plain, 1 single, 2 double.
    quote: u8,
    tab_before_comment: bool,
}

#[derive(Clone, Debug)]
enum Scalar {
    Str(String),
    /// A string with a `!!str` tag.
    Tagged(String),
    Int(i64),
    Bool(bool),
    /// "" (empty), "~", "null".
    Null(&'static str),
    /// Words on several lines.
    MultiPlain(Vec<String>),
    /// Header and content lines ("" = empty line).
    Block(&'static str, Vec<String>),
}

#[derive(Clone, Debug)]
enum Val {
    Scalar(Scalar),
    /// Entries, flow style (0 block, 1 flow on one line, 2 flow on several lines, 3 the same
    /// with a trailing comma), anchor.
    Map(Vec<Entry>, u8, bool),
    /// Items, flow style (0 block, 1 flow on one line, 2 flow on several lines).
    Seq(Vec<Val>, u8),
}

#[derive(Clone, Debug)]
struct Entry {
    key: String,
    /// `&kN key:` (an alias to it follows at the end of the document).
    key_anchor: bool,
    value: Val,
    comment: Option<String>,
    blank_before: bool,
}

/// Comment lines after a block mapping's last entry: none, at its column, one step less.
#[derive(Clone, Copy, Debug)]
enum Tail {
    None,
    Same,
    Lower,
}

const WORDS: &[&str] = &[
    "nginx",
    "app",
    "web-1",
    "hello world",
    "über",
    "日本語",
    "a: b",
    "x#y",
    "true",
    "123",
    "it's",
    "say \"hi\"",
    "/tmp",
    "1.5",
    "--flag",
    "caf\u{e9} — naïve 😀",
];

fn word() -> impl Strategy<Value = String> {
    prop::sample::select(WORDS).prop_map(str::to_string)
}

fn plain_word() -> impl Strategy<Value = String> {
    prop::sample::select(&["alpha", "beta", "gamma", "délta", "epsilon"][..])
        .prop_map(str::to_string)
}

fn simple_scalar() -> impl Strategy<Value = Scalar> {
    prop_oneof![
        4 => word().prop_map(Scalar::Str),
        1 => word().prop_map(Scalar::Tagged),
        1 => (-5i64..100_000).prop_map(Scalar::Int),
        1 => any::<bool>().prop_map(Scalar::Bool),
        1 => prop::sample::select(&["", "~", "null"][..]).prop_map(Scalar::Null),
    ]
}

fn block_scalar() -> impl Strategy<Value = Scalar> {
    let line = prop_oneof![
        3 => prop::sample::select(&["echo hello", "déjà vu — ça marche", "日本語のテキスト", "  indented more", "x: y # not a comment"][..])
            .prop_map(str::to_string),
        1 => Just(String::new()),
    ];
    (
        prop::sample::select(&["|", "|-", "|+", ">", ">-"][..]),
        prop::collection::vec(line, 1..4),
        0usize..3,
    )
        .prop_map(|(header, mut lines, trailing_blank)| {
            // The first line fixes the indentation: it must not be empty or start with spaces.
            if lines[0].is_empty() || lines[0].starts_with(' ') {
                lines[0] = "first".to_string();
            }
            lines.extend(std::iter::repeat_n(String::new(), trailing_blank));
            Scalar::Block(header, lines)
        })
}

fn leaf() -> impl Strategy<Value = Val> + Clone {
    prop_oneof![
        8 => simple_scalar().prop_map(Val::Scalar),
        1 => prop::collection::vec(plain_word(), 2..4).prop_map(|w| Val::Scalar(Scalar::MultiPlain(w))),
        1 => block_scalar().prop_map(Val::Scalar),
        1 => Just(Val::Map(Vec::new(), 1, false)),
        1 => Just(Val::Seq(Vec::new(), 1)),
    ]
}

fn key() -> impl Strategy<Value = String> {
    prop::sample::select(
        &[
            "name",
            "image",
            "args",
            "ports",
            "spec",
            "labels",
            "data",
            "securityContext",
            "über",
            "with space",
        ][..],
    )
    .prop_map(str::to_string)
}

fn entries(inner: impl Strategy<Value = Val> + Clone) -> impl Strategy<Value = Vec<Entry>> {
    prop::collection::vec(
        (
            key(),
            inner,
            prop::option::weighted(0.2, prop::sample::select(&["note", "ça va", "x: y"][..])),
            prop::bool::weighted(0.15),
            prop::bool::weighted(0.1),
        ),
        1..4,
    )
    .prop_map(|raw| {
        raw.into_iter()
            .enumerate()
            .map(|(i, (k, value, comment, blank_before, key_anchor))| Entry {
                key: format!("{k}{i}"),
                key_anchor,
                value,
                comment: comment.map(str::to_string),
                blank_before,
            })
            .collect()
    })
}

fn value() -> impl Strategy<Value = Val> + Clone {
    leaf().prop_recursive(4, 40, 4, |inner| {
        prop_oneof![
            3 => (entries(inner.clone()), prop::sample::select(&[0u8, 0, 0, 1, 2, 3][..]), prop::bool::weighted(0.1))
                .prop_map(|(e, flow, anchor)| Val::Map(e, flow, anchor)),
            2 => (prop::collection::vec(inner, 1..4), prop::sample::select(&[0u8, 0, 0, 1, 2][..]))
                .prop_map(|(items, flow)| Val::Seq(items, flow)),
        ]
    })
}

fn knobs() -> impl Strategy<Value = Knobs> {
    (
        prop::sample::select(&[2usize, 2, 3, 4][..]),
        any::<bool>(),
        prop::sample::select(&[1usize, 1, 3][..]),
        prop::sample::select(&["\n", "\n", "\r\n", "\r"][..]),
        prop::bool::weighted(0.2),
        prop::bool::weighted(0.8),
        0u8..3,
        prop::bool::weighted(0.2),
    )
        .prop_map(
            |(step, indentless, gap, newline, bom, final_newline, quote, tab_before_comment)| {
                Knobs {
                    step,
                    indentless,
                    gap,
                    newline,
                    bom,
                    final_newline,
                    quote,
                    tab_before_comment,
                }
            },
        )
}

#[derive(Clone, Debug)]
struct Doc {
    entries: Vec<Entry>,
    tail: Tail,
    explicit_start: bool,
    explicit_end: bool,
}

fn doc() -> impl Strategy<Value = Doc> {
    (
        entries(value()),
        prop::sample::select(&[Tail::None, Tail::None, Tail::Same, Tail::Lower][..]),
        any::<bool>(),
        prop::bool::weighted(0.2),
    )
        .prop_map(|(entries, tail, explicit_start, explicit_end)| Doc {
            entries,
            tail,
            explicit_start,
            explicit_end,
        })
}

// ---------------------------------------------------------------------------------------------
// Rendering (always with `\n`; the line break knob is applied at the end).

/// A string that reads back as itself when written plain, in block and flow context.
fn plain_ok(s: &str) -> bool {
    let special = matches!(
        s.to_ascii_lowercase().as_str(),
        "true" | "false" | "null" | "yes" | "no" | "on" | "off" | "y" | "n" | "~"
    ) || s.parse::<f64>().is_ok();
    !special
        && s.chars()
            .next()
            .is_some_and(|c| c.is_alphabetic() || c == '/')
        && !s.contains(": ")
        && !s.contains(" #")
        && !s.contains(['"', '\'', ',', '[', ']', '{', '}'])
}

fn quoted(s: &str, quote: u8) -> String {
    if quote == 1 {
        format!("'{}'", s.replace('\'', "''"))
    } else {
        format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""))
    }
}

fn render_str(s: &str, k: &Knobs) -> String {
    match k.quote {
        0 if plain_ok(s) => s.to_string(),
        0 => quoted(s, 2),
        q => quoted(s, q),
    }
}

fn render_key(s: &str) -> String {
    if plain_ok(s) {
        s.to_string()
    } else {
        quoted(s, 2)
    }
}

/// A value on one line, for flow context (block scalars and multi-line plain become strings).
fn inline(v: &Val, k: &Knobs) -> String {
    match v {
        Val::Scalar(s) => match s {
            Scalar::Str(x) => render_str(x, k),
            Scalar::Tagged(x) => format!("!!str {}", render_str(x, k)),
            Scalar::Int(n) => n.to_string(),
            Scalar::Bool(b) => b.to_string(),
            Scalar::Null("") => "null".to_string(),
            Scalar::Null(n) => n.to_string(),
            Scalar::MultiPlain(w) => w.join(" "),
            Scalar::Block(_, lines) => render_str(&lines[0], k),
        },
        Val::Map(e, _, _) => {
            let parts: Vec<String> = e
                .iter()
                .map(|e| format!("{}: {}", render_key(&e.key), inline(&e.value, k)))
                .collect();
            format!("{{{}}}", parts.join(", "))
        }
        Val::Seq(items, _) => {
            let parts: Vec<String> = items.iter().map(|i| inline(i, k)).collect();
            format!("[{}]", parts.join(", "))
        }
    }
}

fn comment(c: &Option<String>, k: &Knobs) -> String {
    match c {
        Some(c) if k.tab_before_comment => format!("\t# {c}"),
        Some(c) => format!("  # {c}"),
        None => String::new(),
    }
}

/// What follows `key:` (or `-`) for value `v` of a node at column `col`; `content` is the column
/// of nested block content. Ends with a line break.
fn after_indicator(
    out: &mut String,
    v: &Val,
    col: usize,
    c: &Option<String>,
    k: &Knobs,
    in_seq: bool,
    anchor_n: &mut usize,
) {
    let nested = col + k.step;
    match v {
        Val::Scalar(Scalar::MultiPlain(w)) => {
            out.push(' ');
            out.push_str(&w[0]);
            out.push('\n');
            for x in &w[1..] {
                out.push_str(&" ".repeat(nested));
                out.push_str(x);
                out.push('\n');
            }
        }
        Val::Scalar(Scalar::Block(header, lines)) => {
            out.push(' ');
            out.push_str(header);
            out.push_str(&comment(c, k));
            out.push('\n');
            for l in lines {
                if !l.is_empty() {
                    out.push_str(&" ".repeat(nested));
                    out.push_str(l);
                }
                out.push('\n');
            }
        }
        Val::Scalar(Scalar::Null("")) => {
            out.push_str(&comment(c, k));
            out.push('\n');
        }
        Val::Scalar(_) | Val::Map(_, 1, _) | Val::Seq(_, 1) => {
            out.push(' ');
            out.push_str(&inline(v, k));
            out.push_str(&comment(c, k));
            out.push('\n');
        }
        Val::Map(e, _, _) if e.is_empty() => {
            out.push_str(" {}");
            out.push_str(&comment(c, k));
            out.push('\n');
        }
        Val::Seq(items, _) if items.is_empty() => {
            out.push_str(" []");
            out.push_str(&comment(c, k));
            out.push('\n');
        }
        Val::Map(e, style @ (2 | 3), _) => {
            out.push_str(" {");
            out.push_str(&comment(c, k));
            out.push('\n');
            for (i, x) in e.iter().enumerate() {
                out.push_str(&" ".repeat(nested));
                out.push_str(&format!("{}: {}", render_key(&x.key), inline(&x.value, k)));
                if i + 1 < e.len() || *style == 3 {
                    out.push(',');
                }
                out.push('\n');
            }
            // yaml-rust2 wants the closing bracket indented past the enclosing block.
            out.push_str(&" ".repeat(nested));
            out.push_str("}\n");
        }
        Val::Seq(items, 2) => {
            out.push_str(" [");
            out.push_str(&comment(c, k));
            out.push('\n');
            for (i, x) in items.iter().enumerate() {
                out.push_str(&" ".repeat(nested));
                out.push_str(&inline(x, k));
                if i + 1 < items.len() {
                    out.push(',');
                }
                out.push('\n');
            }
            out.push_str(&" ".repeat(nested));
            out.push_str("]\n");
        }
        Val::Map(e, _, anchor) => {
            if *anchor {
                *anchor_n += 1;
                out.push_str(&format!(" &a{anchor_n}"));
            }
            out.push_str(&comment(c, k));
            out.push('\n');
            block_map(out, e, nested, Tail::None, k, anchor_n);
        }
        Val::Seq(items, _) => {
            out.push_str(&comment(c, k));
            out.push('\n');
            let dash = if k.indentless && !in_seq { col } else { nested };
            block_seq(out, items, dash, k, anchor_n);
        }
    }
}

fn block_map(
    out: &mut String,
    entries: &[Entry],
    col: usize,
    tail: Tail,
    k: &Knobs,
    anchor_n: &mut usize,
) {
    for (i, e) in entries.iter().enumerate() {
        if e.blank_before && i > 0 {
            out.push('\n');
        }
        out.push_str(&" ".repeat(col));
        if e.key_anchor {
            *anchor_n += 1;
            out.push_str(&format!("&k{anchor_n} "));
        }
        out.push_str(&render_key(&e.key));
        out.push(':');
        after_indicator(out, &e.value, col, &e.comment, k, false, anchor_n);
    }
    match tail {
        Tail::None => {}
        Tail::Same => out.push_str(&format!(
            "{}# after the last entry — fin\n",
            " ".repeat(col)
        )),
        Tail::Lower => out.push_str(&format!(
            "{}# less indented\n",
            " ".repeat(col.saturating_sub(k.step))
        )),
    }
}

fn block_seq(out: &mut String, items: &[Val], dash: usize, k: &Knobs, anchor_n: &mut usize) {
    let content = dash + 1 + k.gap;
    for item in items {
        out.push_str(&" ".repeat(dash));
        out.push('-');
        match item {
            Val::Map(e, 0, false) if !e.is_empty() => {
                out.push_str(&" ".repeat(k.gap));
                // The first entry on the dash's line, the others at the content column.
                let mut first = String::new();
                block_map(&mut first, e, content, Tail::None, k, anchor_n);
                out.push_str(&first[content..]);
            }
            Val::Scalar(Scalar::Null("")) => out.push('\n'),
            _ => {
                // `- value`, or `-` then a nested block on the next lines.
                let mut rest = String::new();
                after_indicator(&mut rest, item, dash, &None, k, true, anchor_n);
                if rest.starts_with(' ') && k.gap > 1 {
                    out.push_str(&" ".repeat(k.gap - 1));
                }
                out.push_str(&rest);
            }
        }
    }
}

fn render(docs: &[Doc], k: &Knobs) -> String {
    let mut out = String::new();
    let mut anchor_n = 0;
    for (i, d) in docs.iter().enumerate() {
        if i > 0 || d.explicit_start {
            out.push_str("---\n");
        }
        let before = anchor_n;
        block_map(&mut out, &d.entries, 0, d.tail, k, &mut anchor_n);
        if anchor_n > before && out.contains(&format!("&k{anchor_n} ")) {
            // Refer to the last key anchor (an alias follows its anchor in the document).
            out.push_str(&format!("zz_alias: *k{anchor_n}\n"));
        }
        if d.explicit_end {
            out.push_str("...\n");
        }
    }
    if !k.final_newline {
        while out.ends_with('\n') {
            out.pop();
        }
    }
    let mut text = out.replace('\n', k.newline);
    if k.bom {
        text.insert(0, '\u{feff}');
    }
    text
}

// ---------------------------------------------------------------------------------------------
// Operations.

fn new_value(choice: u8, n: usize) -> NewValue {
    match choice % 6 {
        0 => NewValue::Str(format!("v{n}")),
        1 => NewValue::Int(n as i64),
        2 => NewValue::Bool(n.is_multiple_of(2)),
        3 => NewValue::Map(vec![
            ("inner".to_string(), NewValue::Bool(true)),
            (
                "list".to_string(),
                NewValue::Seq(vec![NewValue::str("ALL")]),
            ),
        ]),
        4 => NewValue::Seq(vec![NewValue::Map(vec![
            ("name".to_string(), NewValue::str("tmp")),
            ("emptyDir".to_string(), NewValue::Map(Vec::new())),
        ])]),
        _ => NewValue::Str("needs: quoting".to_string()),
    }
}

fn plan_ops(tree: &Tree, picks: &[(u8, Index, u8)]) -> Vec<Op> {
    let of = |kind: fn(&Tree, NodeId) -> bool| -> Vec<NodeId> {
        (0..tree.nodes.len())
            .filter(|&n| kind(tree, n) && Target::of(tree, n).is_some())
            .collect()
    };
    let maps = of(|t, n| matches!(t.nodes[n].kind, Kind::Map { .. }) && !t.nodes[n].pair);
    let seqs = of(|t, n| matches!(t.nodes[n].kind, Kind::Seq { .. }));
    let empties = of(|t, n| {
        let node = &t.nodes[n];
        let under_map = node
            .parent
            .is_some_and(|p| matches!(t.nodes[p].kind, Kind::Map { .. }));
        under_map
            && match &node.kind {
                Kind::Map { entries, .. } => entries.is_empty(),
                Kind::Seq { items, .. } => items.is_empty(),
                _ => t.is_null(n),
            }
    });
    let mut ops: Vec<Op> = Vec::new();
    for (i, &(kind, at, v)) in picks.iter().enumerate() {
        let (pool, action) = match kind % 4 {
            0 => (
                &maps,
                Action::Insert {
                    key: format!("zz_new{i}"),
                    value: new_value(v, i),
                },
            ),
            1 => (
                &maps,
                Action::Ensure {
                    keys: vec![format!("zz_a{i}"), "zz_b".to_string()],
                    value: new_value(v, i),
                },
            ),
            2 => (
                &seqs,
                Action::Append {
                    item: new_value(v, i),
                },
            ),
            _ => (
                &empties,
                Action::Replace {
                    value: new_value(v, i),
                },
            ),
        };
        if pool.is_empty() {
            continue;
        }
        let node = pool[at.index(pool.len())];
        let target = Target::of(tree, node).expect("pooled nodes are reachable");
        // A replaced node takes no other operation: two replacements conflict, and a key
        // inserted into a replaced value makes the replacement itself unrepeatable.
        let replaces = |a: &Action| matches!(a, Action::Replace { .. });
        if ops
            .iter()
            .any(|o| o.target == target && (replaces(&o.action) || replaces(&action)))
        {
            continue;
        }
        ops.push(Op { target, action });
    }
    ops
}

// ---------------------------------------------------------------------------------------------
// Extra checks.

/// New block collections follow the knobs: nested mappings one step in, sequences indentless or
/// one step in, `gap` spaces after `-` (where the file's own items use that gap).
fn check_new_style(old: &Tree, new: &Tree, ops: &[Op], k: &Knobs) -> Result<(), String> {
    // Only what the document shows can be copied (each document's habits are its own): a nested
    // block mapping shows the step, a block sequence under a key shows the sequence style.
    let under_key = |kind: fn(&Kind) -> bool, nodes: std::ops::Range<NodeId>| {
        nodes.into_iter().any(|n| {
            kind(&old.nodes[n].kind)
                && old
                    .key_of(n)
                    .is_some_and(|key| old.nodes[key].line < old.nodes[n].line)
        })
    };
    for op in ops {
        let (Some(o), Some(n)) = (op.target.resolve(old), op.target.resolve(new)) else {
            continue;
        };
        let doc = old.docs.partition_point(|d| d.root <= o).saturating_sub(1);
        let nodes = old.docs.get(doc).map_or(0, |d| d.root)
            ..old.docs.get(doc + 1).map_or(old.nodes.len(), |d| d.root);
        let shows_step = under_key(
            |k| matches!(k, Kind::Map { flow: false, .. }),
            nodes.clone(),
        );
        let shows_seq = under_key(|k| matches!(k, Kind::Seq { flow: false, .. }), nodes);
        let added: Vec<NodeId> = match (&old.nodes[o].kind, &new.nodes[n].kind) {
            (
                Kind::Map {
                    entries: a,
                    flow: false,
                },
                Kind::Map { entries: b, .. },
            ) => b[a.len()..].iter().map(|e| e.1).collect(),
            _ => continue,
        };
        let mut stack = added;
        while let Some(id) = stack.pop() {
            let node = &new.nodes[id];
            let Some(key) = new.key_of(id) else { continue };
            let kcol = new.nodes[key].col;
            let same_line = node.line == new.nodes[key].line;
            match &node.kind {
                Kind::Map {
                    entries,
                    flow: false,
                } => {
                    if shows_step && !same_line && node.col != kcol + k.step {
                        return Err(format!(
                            "new mapping at column {} under a key at {kcol} (step {})",
                            node.col, k.step
                        ));
                    }
                    stack.extend(entries.iter().map(|e| e.1));
                }
                Kind::Seq {
                    items, flow: false, ..
                } => {
                    let want = if k.indentless { kcol } else { kcol + k.step };
                    if shows_seq && node.col != want {
                        return Err(format!(
                            "new sequence at column {} under a key at {kcol} (want {want})",
                            node.col
                        ));
                    }
                    for &i in items {
                        if let Kind::Map { entries, .. } = &new.nodes[i].kind {
                            stack.extend(entries.iter().map(|e| e.1));
                        }
                    }
                }
                _ => {}
            }
        }
    }
    Ok(())
}

fn acceptable_refusal(reason: &str) -> bool {
    reason.contains("conflicting")
        || reason.contains("keep-chomping")
        || reason.contains("alias reuses")
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: std::env::var("SECCTX_PROPTEST_CASES").ok().and_then(|c| c.parse().ok()).unwrap_or(2000),
        max_shrink_iters: 2000,
        ..ProptestConfig::default()
    })]

    #[test]
    fn editing_contract_holds(
        docs in prop::collection::vec(doc(), 1..3),
        k in knobs(),
        picks in prop::collection::vec((any::<u8>(), any::<Index>(), any::<u8>()), 1..4),
    ) {
        let input = render(&docs, &k);
        let (body, _) = strip_bom(&input);
        let tree = match parse(body) {
            Ok(t) => t,
            Err(e) => return Err(TestCaseError::fail(format!("the generator wrote invalid YAML ({e}):\n{body}"))),
        };
        let mut ops = plan_ops(&tree, &picks);
        if ops.is_empty() {
            // No sequence or empty value to pick: insert into the first document's root.
            ops.push(Op { target: Target { doc: 0, path: Vec::new() }, action: Action::Insert { key: "zz_root".to_string(), value: NewValue::Int(1) } });
        }
        let outcome = run(&input, &ops).map_err(|v| TestCaseError::fail(v.to_string()))?;
        match outcome {
            Outcome::Done { output, .. } => {
                prop_assert_eq!(output.starts_with('\u{feff}'), k.bom);
                let (out_body, _) = strip_bom(&output);
                let new_tree = parse(out_body).map_err(|e| TestCaseError::fail(e.to_string()))?;
                check_new_style(&tree, &new_tree, &ops, &k)
                    .map_err(|e| TestCaseError::fail(format!("{e}\n--- input\n{body}\n--- output\n{out_body}")))?;
            }
            Outcome::Unchanged => {}
            Outcome::Refused(r) if acceptable_refusal(&r.reason) => {}
            other => return Err(TestCaseError::fail(format!("{other:?} for {ops:?}\n--- input\n{body}"))),
        }
    }
}
