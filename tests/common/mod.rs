//! Helpers shared by the tests that run the built binary.
#![allow(dead_code)]

use std::io::Write;
use std::process::{Command, Stdio};

/// A finished run: exit code, stdout, stderr.
#[derive(Debug)]
pub struct Run {
    pub code: i32,
    pub out: String,
    pub err: String,
}

/// The built binary, without the color settings of the environment the tests run in.
pub fn secctx() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_secctx"));
    for var in ["NO_COLOR", "CLICOLOR_FORCE", "CLICOLOR", "TERM"] {
        c.env_remove(var);
    }
    c
}

/// Runs `cmd` to the end.
pub fn run_cmd(cmd: &mut Command) -> Run {
    let o = cmd.output().expect("the binary runs");
    Run {
        code: o.status.code().unwrap_or(-1),
        out: String::from_utf8_lossy(&o.stdout).into_owned(),
        err: String::from_utf8_lossy(&o.stderr).into_owned(),
    }
}

/// Runs `secctx ARGS` with `input` on standard input; stdout as bytes.
pub fn run_stdin(args: &[&str], input: &[u8]) -> (i32, Vec<u8>, String) {
    let mut child = secctx()
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn secctx");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(input)
        .expect("write stdin");
    let out = child.wait_with_output().expect("wait");
    (
        out.status.code().unwrap_or(-1),
        out.stdout,
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}
