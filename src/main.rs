//! The `secctx` binary: parse the command line, run it, exit with its status.
//!
//! Everything else lives in the library (`secctx::cli::run`). Usage errors exit 2 (clap's
//! convention, and DESIGN.md's); `--help`/`--version` exit 0.

use std::process::ExitCode;

use clap::Parser as _;

/// mimalloc instead of the system allocator: parsing allocates a string per scalar and a node per
/// value, and glibc's malloc/free took about a fifth of a run's CPU time (see docs/benchmarks.md).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let cli = secctx::cli::Cli::parse();
    ExitCode::from(secctx::cli::run(cli))
}
