//! The format-preserving YAML editor. Knows nothing about Kubernetes.
//!
//! `text` (line index, BOM, line endings) -> `tree` (span tree from yaml-rust2 events, with ends
//! from `lex`) -> `edit` (operations rendered to byte-range edits, applied, re-parsed, verified).
//! `oracle` checks the editor's contract independently (yaml-rust2's loader, idempotency, where
//! edits may sit) for the tests and the fuzz target; the CLI does not use it.

pub mod edit;
pub mod lex;
pub mod oracle;
pub mod text;
pub mod tree;

pub use edit::{Edit, EditError, Editor, NewValue, Refusal, Style, apply_edits};
pub use text::strip_bom;
pub use tree::{Kind, Node, NodeId, ParseError, ScalarStyle, Tree, parse};
