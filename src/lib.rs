//! secctx: harden Kubernetes manifests in place without disturbing anything else in the file.
//!
//! Pipeline: `walk` picks files -> `fix` runs one file (read, parse with `yaml`, plan with `k8s`,
//! edit, verify) -> `report` prints diffs, findings and the summary. `check` audits against the
//! Pod Security Standards with the same pod-spec finder.

pub mod check;
pub mod cli;
pub mod config;
pub mod diff;
pub mod finding;
pub mod fix;
pub mod k8s;
pub mod krm;
pub mod report;
pub mod settings;
pub mod walk;
pub mod yaml;
