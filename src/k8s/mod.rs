//! Where pod specs live and the hardening rules. Never touches text: asks `yaml` for changes.

pub mod find;
pub mod harden;
pub mod images;
pub mod pss;
