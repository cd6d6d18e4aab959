//! The format-preserving YAML editor. Knows nothing about Kubernetes.
pub mod tree;
