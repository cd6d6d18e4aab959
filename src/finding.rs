//! Findings: what secctx reports about a place in a file (a skipped rule, a PSS violation, ...).

use serde::Serialize;

/// How serious a finding is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Informational: nothing to do.
    Info,
    /// Needs a person's attention (a rule was not applied, a PSS check fails).
    Warning,
    /// The file could not be processed.
    Error,
}

/// One finding at a position in a file. Lines and columns count from 1 (columns in characters).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Finding {
    pub line: usize,
    pub col: usize,
    /// A rule name (`run-as-non-root`, ...), a PSS check id (`runAsNonRoot`, ...) or an error kind.
    pub rule: String,
    pub severity: Severity,
    pub message: String,
    /// Whether `secctx fix` can fix it (possibly only with `--force`).
    pub fixable: bool,
}
