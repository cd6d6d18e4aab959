//! kpt / KRM exec functions. kpt passes a package as a `ResourceList` on stdin; its `items` are
//! hardened like any `List`, and the findings are appended to the list's `results` (the KRM
//! function results format: `message`, `severity`, `resourceRef`, `file`, `tags`), so
//! `kpt fn eval --exec "secctx fix -"` shows them.

use crate::finding::{Finding, Severity};
use crate::yaml::edit::{Editor, NewValue};
use crate::yaml::tree::{NodeId, Tree};

/// The `ResourceList` document of a stream, if it is one.
pub fn resource_list(tree: &Tree) -> Option<NodeId> {
    let root = tree.docs.first()?.root;
    let kind = tree.get(root, "kind").and_then(|k| tree.str(k))?;
    let api = tree.get(root, "apiVersion").and_then(|k| tree.str(k))?;
    (kind == "ResourceList" && api.starts_with("config.kubernetes.io/")).then_some(root)
}

/// The item of `list` whose text holds 1-based `line`.
fn item_at(tree: &Tree, text: &str, list: NodeId, line: usize) -> Option<NodeId> {
    let items = tree.get(list, "items")?;
    tree.items(items).iter().copied().find(|&i| {
        let n = tree.node(i);
        let last = n.line + text[n.start..n.end].lines().count();
        (n.line..=last).contains(&line)
    })
}

fn result_entry(tree: &Tree, item: Option<NodeId>, f: &Finding) -> NewValue {
    let s = |v: &str| NewValue::Str(v.to_string());
    let severity = match f.severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "info",
    };
    let mut entry = vec![
        ("message".to_string(), s(&f.message)),
        ("severity".to_string(), s(severity)),
    ];
    if let Some(item) = item {
        let mut r = Vec::new();
        for (key, path) in [
            ("apiVersion", &["apiVersion"][..]),
            ("kind", &["kind"][..]),
            ("name", &["metadata", "name"][..]),
            ("namespace", &["metadata", "namespace"][..]),
        ] {
            if let Some(v) = tree.get_path(item, path).and_then(|n| tree.str(n)) {
                r.push((key.to_string(), s(v)));
            }
        }
        entry.push(("resourceRef".to_string(), NewValue::Map(r)));
        let annotations = tree.get_path(item, &["metadata", "annotations"]);
        let path = [
            "internal.config.kubernetes.io/path",
            "config.kubernetes.io/path",
        ]
        .iter()
        .find_map(|k| {
            annotations
                .and_then(|a| tree.get(a, k))
                .and_then(|n| tree.str(n))
        });
        if let Some(p) = path {
            entry.push((
                "file".to_string(),
                NewValue::Map(vec![("path".to_string(), s(p))]),
            ));
        }
    }
    entry.push((
        "tags".to_string(),
        NewValue::Map(vec![("rule".to_string(), s(&f.rule))]),
    ));
    NewValue::Map(entry)
}

/// Appends `findings` (positions in `orig_text`/`orig`) to the `results` of the ResourceList in
/// `text`/`tree` (the hardened stream). Returns the new text, verified, or `None` when there is
/// nothing to add or the stream is not a ResourceList.
pub fn add_results(
    orig_text: &str,
    orig: &Tree,
    text: &str,
    tree: &Tree,
    findings: &[Finding],
) -> Result<Option<String>, String> {
    let (Some(orig_list), Some(list)) = (resource_list(orig), resource_list(tree)) else {
        return Ok(None);
    };
    if findings.is_empty() {
        return Ok(None);
    }
    let entries: Vec<NewValue> = findings
        .iter()
        .map(|f| result_entry(orig, item_at(orig, orig_text, orig_list, f.line), f))
        .collect();
    let mut editor = Editor::new(text, tree);
    let planned = match tree.get(list, "results") {
        Some(r) if tree.is_seq(r) => entries.into_iter().try_for_each(|e| editor.append(r, e)),
        Some(r) if tree.is_null(r) => editor.replace(r, NewValue::Seq(entries)),
        Some(_) => return Err("the ResourceList's `results` is not a list".to_string()),
        None => editor.insert_key(list, "results", NewValue::Seq(entries)),
    };
    planned.map_err(|r| r.to_string())?;
    editor.apply().map(Some).map_err(|e| e.to_string())
}
