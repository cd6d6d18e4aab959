//! The whole one-file pipeline (`secctx::fix::fix_bytes`) under libFuzzer: any bytes in, either
//! a clean refusal (unchanged, skipped, failed) or output that parses, keeps the input's value
//! plus only what hardening adds, and is idempotent, with the default settings and with
//! `--force --run-as-user 1000`. The checks live in `tests/robustness_pipeline.rs`, where the
//! crashes found become regression tests.
//!
//! Run (from `fuzz/`): `RUSTC_BOOTSTRAP=1 cargo fuzz run pipeline corpus/pipeline -- -jobs=1
//! -max_total_time=900 -timeout=20 -dict=editor.dict`. Seed `corpus/pipeline` with manifests,
//! e.g. `../testdata/**/*.yaml` and the shared corpus.

#![no_main]

use libfuzzer_sys::fuzz_target;

#[path = "../../tests/robustness_pipeline.rs"]
mod robustness_pipeline;

fuzz_target!(|data: &[u8]| {
    robustness_pipeline::check_pipeline(data);
});
