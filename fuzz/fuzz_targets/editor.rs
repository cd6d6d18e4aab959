//! The format-preserving editor under libFuzzer: any input is either refused cleanly or edited
//! into text that parses, loads to the intended value, keeps every other byte and is
//! idempotent (`secctx::yaml::oracle::fuzz_one` states the checks).
//!
//! Run: `RUSTC_BOOTSTRAP=1 cargo fuzz run editor -- -max_total_time=600 -dict=editor.dict`
//! (from `fuzz/`; see README.md there for seeding the corpus).

#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    secctx::yaml::oracle::fuzz_one(data);
});
