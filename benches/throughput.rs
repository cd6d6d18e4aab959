//! Throughput benchmark: how fast `secctx fix` hardens a large repository, measured against the
//! cost of parsing the same files with yaml-rust2 alone and against a ruamel.yaml script.
//!
//! ```text
//! cargo bench --bench throughput
//! SECCTX_BENCH_N=2000,20000 SECCTX_BENCH_PEER=1 SECCTX_CORPUS=/work/shared/corpus cargo bench --bench throughput
//! ```
//!
//! For each tree (a synthetic repository of N files from `generator`, and a copy of the real
//! corpus) it times, one process at a time:
//!
//! - `parse-only`: every YAML file read and run through yaml-rust2's event parser until
//!   `StreamEnd`, one thread. It runs in a child process (this executable again) so that its CPU
//!   time and peak memory are measured exactly like secctx's.
//! - `fix --check` and `fix` (on a fresh copy of the tree), with `-j1` and with all threads.
//! - `check`, the Pod Security Standards audit (no target; reported beside `fix`), with `-j1` and
//!   with all threads.
//! - the ruamel.yaml peer (`benches/peers/ruamel_harden.py`) on trees of at most
//!   `SECCTX_BENCH_PEER_MAX` files, when `SECCTX_BENCH_PEER=1`.
//!
//! Every case runs as a grandchild under this executable in a small measuring mode, which takes
//! the wall time around it and CPU time (user + system) and peak RSS from `wait4` (see `measure`
//! for why not a direct child).
//! It prints a Markdown table and checks the targets of the issue, printing PASS/FAIL per target:
//! a report, never an assertion (the exit status is 0 unless the harness itself fails).
//!
//! Options (environment variables):
//!
//! | variable | default | meaning |
//! |---|---|---|
//! | `SECCTX_BENCH_N` | `2000,20000` | sizes of the synthetic trees |
//! | `SECCTX_CORPUS` | `../shared/corpus` if present | real corpus to copy and measure; `none` skips |
//! | `SECCTX_BENCH_PEER` | `0` | `1` runs the ruamel.yaml peer |
//! | `SECCTX_BENCH_PEER_MAX` | `2000` | largest tree the peer runs on |
//! | `SECCTX_BENCH_RUNS` | `3` | runs per case; the fastest run (wall time) is reported |
//! | `SECCTX_BENCH_THREADS` | all cores | the "all threads" count |
//! | `SECCTX_BENCH_SEED` | `24301` | generator seed |
//! | `SECCTX_BENCH_DIR` | system temp | where the trees are written |
//! | `SECCTX_BENCH_KEEP` | `0` | `1` keeps the trees and prints where |
//! | `SECCTX_BENCH_OUT` | | also write the report (Markdown) to this file |
//! | `SECCTX_BENCH_GENERATE` | | only generate the first size's tree into this folder and exit |
//! | `SECCTX_BIN` | the bench's `secctx` | the secctx binary to measure |

mod generator;

/// The same allocator as the `secctx` binary, so that the parse-only baseline pays what secctx's
/// parser pays per allocation (with glibc's malloc the baseline is slower, and every ratio to it
/// would flatter secctx).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

use std::env;
use std::fmt::Write as _;
use std::fs;
use std::io::{Read, Seek};
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Stdio};
use std::time::Instant;

use anyhow::{Context, Result, bail};

const DEFAULT_SEED: u64 = 24301;
/// Set in the child that runs the parse-only baseline: the folder to parse.
const PARSE_CHILD_VAR: &str = "SECCTX_BENCH_PARSE_ONLY";
/// Set in the measuring child (see [`measure`]): the file to write the measurement to.
const MEASURE_VAR: &str = "SECCTX_BENCH_MEASURE";

fn main() -> ExitCode {
    if let Some(result) = env::var_os(MEASURE_VAR) {
        return match measure_child(Path::new(&result)) {
            Ok(()) => ExitCode::SUCCESS,
            Err(err) => {
                eprintln!("measure: {err:#}");
                ExitCode::from(2)
            }
        };
    }
    if let Some(dir) = env::var_os(PARSE_CHILD_VAR) {
        return match parse_only(Path::new(&dir)) {
            Ok(counts) => {
                println!(
                    "{} {} {} {}",
                    counts.files, counts.bytes, counts.errors, counts.events
                );
                ExitCode::SUCCESS
            }
            Err(err) => {
                eprintln!("parse-only: {err:#}");
                ExitCode::from(2)
            }
        };
    }
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("throughput bench: {err:#}");
            ExitCode::from(2)
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Configuration.

struct Config {
    sizes: Vec<usize>,
    corpus: Option<PathBuf>,
    peer: bool,
    peer_max: usize,
    runs: usize,
    threads: usize,
    seed: u64,
    work_dir: Option<PathBuf>,
    keep: bool,
    out: Option<PathBuf>,
    binary: PathBuf,
}

fn env_string(name: &str) -> Option<String> {
    env::var(name)
        .ok()
        .map(|v| v.trim().to_string())
        .filter(|v| !v.is_empty())
}

fn env_number(name: &str, default: usize) -> Result<usize> {
    match env_string(name) {
        None => Ok(default),
        Some(v) => v
            .parse()
            .with_context(|| format!("{name}={v} is not a number")),
    }
}

fn env_flag(name: &str) -> bool {
    env_string(name).is_some_and(|v| v != "0" && v != "false" && v != "no")
}

fn manifest_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn load_config() -> Result<Config> {
    let sizes = match env_string("SECCTX_BENCH_N") {
        None => vec![2000, 20000],
        Some(list) => list
            .split(',')
            .map(|n| {
                n.trim()
                    .replace('_', "")
                    .parse::<usize>()
                    .with_context(|| format!("bad size {n:?} in SECCTX_BENCH_N"))
            })
            .collect::<Result<Vec<_>>>()?,
    };
    let corpus = match env_string("SECCTX_CORPUS") {
        Some(v) if v == "none" || v == "0" => None,
        Some(v) => {
            let path = PathBuf::from(v);
            if !path.is_dir() {
                bail!("SECCTX_CORPUS={} is not a folder", path.display());
            }
            Some(path)
        }
        None => Some(manifest_dir().join("../shared/corpus")).filter(|p| p.is_dir()),
    };
    let all = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1);
    let binary = match env_string("SECCTX_BIN") {
        Some(v) => PathBuf::from(v),
        None => option_env!("CARGO_BIN_EXE_secctx")
            .map(PathBuf::from)
            .unwrap_or_else(|| manifest_dir().join("target/release/secctx")),
    };
    if !binary.is_file() {
        bail!(
            "secctx binary not found at {} (run `cargo build --release` or set SECCTX_BIN)",
            binary.display()
        );
    }
    Ok(Config {
        sizes,
        corpus,
        peer: env_flag("SECCTX_BENCH_PEER"),
        peer_max: env_number("SECCTX_BENCH_PEER_MAX", 2000)?,
        runs: env_number("SECCTX_BENCH_RUNS", 3)?.max(1),
        threads: env_number("SECCTX_BENCH_THREADS", all)?.max(1),
        seed: env_number("SECCTX_BENCH_SEED", DEFAULT_SEED as usize)? as u64,
        work_dir: env_string("SECCTX_BENCH_DIR").map(PathBuf::from),
        keep: env_flag("SECCTX_BENCH_KEEP"),
        out: env_string("SECCTX_BENCH_OUT").map(PathBuf::from),
        binary,
    })
}

// ---------------------------------------------------------------------------------------------
// The files every case reads: `*.yaml`/`*.yml`, hidden entries skipped (as the `ignore` walker
// does by default), sorted.

/// Call `visit` on each YAML file under `dir`, in path order, holding one folder's listing at a
/// time (the baseline's memory must not grow with the number of files).
fn visit_yaml_files(dir: &Path, visit: &mut dyn FnMut(&Path) -> Result<()>) -> Result<()> {
    let mut entries = Vec::new();
    for entry in fs::read_dir(dir).with_context(|| format!("failed to list {}", dir.display()))? {
        let entry = entry.with_context(|| format!("failed to list {}", dir.display()))?;
        if entry.file_name().to_string_lossy().starts_with('.') {
            continue;
        }
        let kind = entry
            .file_type()
            .with_context(|| format!("failed to stat {}", entry.path().display()))?;
        entries.push((entry.path(), kind.is_dir(), kind.is_file()));
    }
    entries.sort();
    for (path, is_dir, is_file) in entries {
        if is_dir {
            visit_yaml_files(&path, visit)?;
        } else if is_file && is_yaml(&path) {
            visit(&path)?;
        }
    }
    Ok(())
}

fn is_yaml(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| e.eq_ignore_ascii_case("yaml") || e.eq_ignore_ascii_case("yml"))
}

#[derive(Clone, Copy, Debug, Default)]
struct ParseCounts {
    files: usize,
    bytes: u64,
    /// Files yaml-rust2 rejects (invalid YAML, templates, non-UTF-8).
    errors: usize,
    events: u64,
}

/// The baseline: read each file, strip a BOM, pull yaml-rust2 events until `StreamEnd`.
fn parse_only(root: &Path) -> Result<ParseCounts> {
    use yaml_rust2::parser::{Event, Parser};
    let mut counts = ParseCounts::default();
    visit_yaml_files(root, &mut |path| {
        let bytes = fs::read(path).with_context(|| format!("failed to read {}", path.display()))?;
        counts.files += 1;
        counts.bytes += bytes.len() as u64;
        let Ok(text) = std::str::from_utf8(&bytes) else {
            counts.errors += 1;
            return Ok(());
        };
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        let mut parser = Parser::new_from_str(text);
        loop {
            match parser.next_token() {
                Ok((Event::StreamEnd, _)) => break,
                Ok(_) => counts.events += 1,
                Err(_) => {
                    counts.errors += 1;
                    break;
                }
            }
        }
        Ok(())
    })?;
    Ok(counts)
}

// ---------------------------------------------------------------------------------------------
// Measuring one child process.

#[derive(Clone, Copy, Debug, Default)]
struct Sample {
    wall: f64,
    user: f64,
    sys: f64,
    /// Peak resident set size in MiB.
    rss_mib: f64,
    /// Exit code, or 128 + signal.
    status: i32,
}

impl Sample {
    fn cpu(&self) -> f64 {
        self.user + self.sys
    }
}

struct ChildOutput {
    sample: Sample,
    stdout: String,
    stderr: String,
}

fn timeval_secs(tv: libc::timeval) -> f64 {
    tv.tv_sec as f64 + tv.tv_usec as f64 / 1e6
}

/// Run `command` to completion, alone, and measure it. stdout is kept only when `keep_stdout`
/// (secctx's diffs go to /dev/null: rendering them is part of the cost, printing them is not).
///
/// The command runs as a grandchild, under this executable in measuring mode (see
/// [`measure_child`]): Linux carries a process's peak RSS across `exec` (`ru_maxrss` keeps the
/// high-water mark of the memory image `exec` replaced), and a child forked from this process
/// would start with this process's peak (the generator, the file lists), which grows with the
/// tree. Forked from a small fresh process instead, the floor is that process's ~2 MiB.
fn measure(command: &mut Command, keep_stdout: bool) -> Result<ChildOutput> {
    let exe = env::current_exe().context("failed to locate the bench executable")?;
    let result_file = tempfile::NamedTempFile::new().context("failed to create a temp file")?;
    let mut wrapper = Command::new(exe);
    wrapper.env(MEASURE_VAR, result_file.path());
    wrapper.arg(command.get_program()).args(command.get_args());
    for (key, value) in command.get_envs() {
        match value {
            Some(value) => wrapper.env(key, value),
            None => wrapper.env_remove(key),
        };
    }
    let mut err_file = tempfile::tempfile().context("failed to create a temp file for stderr")?;
    let mut out_file = tempfile::tempfile().context("failed to create a temp file for stdout")?;
    wrapper.stdin(Stdio::null());
    wrapper.stderr(
        err_file
            .try_clone()
            .context("failed to clone a file handle")?,
    );
    if keep_stdout {
        wrapper.stdout(
            out_file
                .try_clone()
                .context("failed to clone a file handle")?,
        );
    } else {
        wrapper.stdout(Stdio::null());
    }
    let status = wrapper
        .status()
        .with_context(|| format!("failed to run {command:?}"))?;
    let mut stderr = String::new();
    err_file.rewind().context("failed to rewind stderr")?;
    err_file
        .read_to_string(&mut stderr)
        .context("failed to read stderr")?;
    if !status.success() {
        bail!("measuring {command:?} failed: {}", stderr.trim());
    }
    let result =
        fs::read_to_string(result_file.path()).context("failed to read the measurement")?;
    let fields: Vec<f64> = result
        .split_whitespace()
        .filter_map(|w| w.parse().ok())
        .collect();
    let [wall, user, sys, rss_kib, code] = fields[..] else {
        bail!("bad measurement {result:?} for {command:?}");
    };
    let sample = Sample {
        wall,
        user,
        sys,
        rss_mib: rss_kib / 1024.0,
        status: code as i32,
    };
    let mut stdout = String::new();
    if keep_stdout {
        out_file.rewind().context("failed to rewind stdout")?;
        out_file
            .read_to_string(&mut stdout)
            .context("failed to read stdout")?;
    }
    Ok(ChildOutput {
        sample,
        stdout,
        stderr,
    })
}

/// Measuring mode: run the command given as arguments (stdio inherited), wait for it with
/// `wait4`, and write `wall user sys maxrss_kib status` to `result`.
fn measure_child(result: &Path) -> Result<()> {
    let mut args = env::args_os().skip(1);
    let program = args.next().context("no command to measure")?;
    let mut command = Command::new(&program);
    command.args(args).env_remove(MEASURE_VAR);
    let start = Instant::now();
    let child = command
        .spawn()
        .with_context(|| format!("failed to start {}", program.to_string_lossy()))?;
    let pid = child.id() as libc::pid_t;
    let mut status: libc::c_int = 0;
    // SAFETY: an all-zero rusage is a valid value; wait4 fills it in.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    loop {
        // SAFETY: pid is our own child, not yet reaped (std reaps only in wait/try_wait, which we
        // never call); the pointers are to live locals.
        let rc = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
        if rc == pid {
            break;
        }
        let err = std::io::Error::last_os_error();
        if err.kind() != std::io::ErrorKind::Interrupted {
            return Err(err).context("wait4 failed");
        }
    }
    let wall = start.elapsed().as_secs_f64();
    drop(child);
    let code = if libc::WIFEXITED(status) {
        libc::WEXITSTATUS(status)
    } else if libc::WIFSIGNALED(status) {
        128 + libc::WTERMSIG(status)
    } else {
        -1
    };
    let line = format!(
        "{wall} {} {} {} {code}\n",
        timeval_secs(usage.ru_utime),
        timeval_secs(usage.ru_stime),
        usage.ru_maxrss // Linux: KiB
    );
    fs::write(result, line).with_context(|| format!("failed to write {}", result.display()))
}

// ---------------------------------------------------------------------------------------------
// Cases and results.

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Case {
    Parse,
    /// `secctx fix --check`.
    Check,
    Fix,
    /// `secctx check`.
    Audit,
    Peer,
}

impl Case {
    fn label(self) -> &'static str {
        match self {
            Case::Parse => "parse-only (yaml-rust2 events)",
            Case::Check => "`secctx fix --check`",
            Case::Fix => "`secctx fix` (writes)",
            Case::Audit => "`secctx check` (PSS audit)",
            Case::Peer => "ruamel.yaml peer (writes)",
        }
    }
}

struct Row {
    tree: String,
    case: Case,
    threads: usize,
    sample: Sample,
    files: usize,
    bytes: u64,
    /// CPU time of the parse-only baseline on the same tree.
    parse_cpu: f64,
}

/// One tree and what was measured on it.
struct TreeResult {
    label: String,
    synthetic_files: Option<usize>,
    files: usize,
    bytes: u64,
    rows: Vec<Row>,
    notes: Vec<String>,
}

impl TreeResult {
    fn get(&self, case: Case, threads: usize) -> Option<&Sample> {
        self.rows
            .iter()
            .find(|r| r.case == case && r.threads == threads)
            .map(|r| &r.sample)
    }
}

/// Flush the page cache's dirty pages (the tree just written or copied), so that their writeback
/// does not land inside the next measurement.
fn settle() {
    // SAFETY: sync(2) takes no arguments and cannot fail.
    unsafe { libc::sync() };
}

/// The fastest run: on a machine shared with other work, the least disturbed one.
fn fastest(samples: Vec<ChildOutput>) -> Result<ChildOutput> {
    samples
        .into_iter()
        .min_by(|a, b| a.sample.wall.total_cmp(&b.sample.wall))
        .context("no runs")
}

/// The 1-minute load average, to tell a quiet machine from a busy one in the report.
fn load_average() -> String {
    fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|s| s.split_whitespace().next().map(str::to_string))
        .unwrap_or_else(|| "?".to_string())
}

/// Fresh writable copies of a tree for the runs that write, each in a folder of its own, left in
/// the work folder until the bench ends (as are the trees). Not removed before the next copy: on
/// ext4 without a journal (the benchmark machine's file system), inodes freed in the last 30
/// seconds are skipped by the allocator, which reads the inode table to find them, so the run
/// after a removal of 20,000 files would pay to step over them each time it creates a temp file
/// (measured: about a sixth of the CPU time of `fix -j2` on 20,000 files). A user's run does not
/// follow a mass deletion it made itself.
struct Copies<'a> {
    tree: &'a Path,
    scratch: &'a Path,
    made: usize,
}

impl<'a> Copies<'a> {
    fn new(tree: &'a Path, scratch: &'a Path) -> Self {
        Copies {
            tree,
            scratch,
            made: 0,
        }
    }

    /// A new copy, its dirty pages written out.
    fn fresh(&mut self) -> Result<PathBuf> {
        let copy = self.scratch.join(format!("fix-copy-{}", self.made));
        self.made += 1;
        copy_tree(self.tree, &copy)?;
        settle();
        Ok(copy)
    }
}

fn copy_tree(from: &Path, to: &Path) -> Result<()> {
    fs::create_dir_all(to).with_context(|| format!("failed to create {}", to.display()))?;
    for entry in fs::read_dir(from).with_context(|| format!("failed to list {}", from.display()))? {
        let entry = entry.with_context(|| format!("failed to list {}", from.display()))?;
        let src = entry.path();
        let dst = to.join(entry.file_name());
        let kind = entry
            .file_type()
            .with_context(|| format!("failed to stat {}", src.display()))?;
        if kind.is_dir() {
            copy_tree(&src, &dst)?;
        } else if kind.is_file() {
            // Contents only: the copy is the user's writable checkout even when the source (the
            // shared corpus) is read-only.
            let bytes =
                fs::read(&src).with_context(|| format!("failed to read {}", src.display()))?;
            fs::write(&dst, bytes).with_context(|| format!("failed to write {}", dst.display()))?;
        }
    }
    Ok(())
}

/// The summary line of a run's stderr: the last line, skipping secctx's closing hint.
fn last_line(text: &str) -> &str {
    text.lines()
        .rev()
        .map(str::trim)
        .find(|l| !l.is_empty() && !l.starts_with("Run `secctx fix`"))
        .unwrap_or("")
}

/// `case`: `Check` (`fix --check`), `Fix` or `Audit` (`check`).
fn secctx_command(config: &Config, case: Case, threads: usize, dir: &Path) -> Command {
    let mut command = Command::new(&config.binary);
    match case {
        Case::Audit => command.arg("check"),
        Case::Check => command.args(["fix", "--check"]),
        _ => command.arg("fix"),
    };
    command
        .args(["--color", "never", "-j", &threads.to_string()])
        .arg(dir);
    command.env("NO_COLOR", "1");
    command
}

/// secctx's exit codes: 0 nothing to do / written, 1 `--check` found changes, 2 errors.
fn note_status(notes: &mut Vec<String>, what: &str, output: &ChildOutput) {
    let summary = last_line(&output.stderr);
    if output.sample.status >= 2 || output.sample.status < 0 || !summary.is_empty() {
        notes.push(format!("{what}: exit {} — {summary}", output.sample.status));
    }
}

fn bench_tree(
    config: &Config,
    label: String,
    synthetic_files: Option<usize>,
    tree: &Path,
    scratch: &Path,
    peer: Option<&Peer>,
) -> Result<TreeResult> {
    let (mut files, mut bytes) = (0, 0);
    visit_yaml_files(tree, &mut |path| {
        files += 1;
        bytes += fs::metadata(path)
            .with_context(|| format!("failed to stat {}", path.display()))?
            .len();
        Ok(())
    })?;
    let mut result = TreeResult {
        label: label.clone(),
        synthetic_files,
        files,
        bytes,
        rows: Vec::new(),
        notes: Vec::new(),
    };

    // (a) parse-only, one thread, in a child process.
    let exe = env::current_exe().context("failed to locate the bench executable")?;
    let mut runs = Vec::new();
    for _ in 0..config.runs {
        let mut command = Command::new(&exe);
        command.env(PARSE_CHILD_VAR, tree);
        runs.push(measure(&mut command, true)?);
    }
    let parse = fastest(runs)?;
    if parse.sample.status != 0 {
        bail!("parse-only child failed: {}", parse.stderr.trim());
    }
    let counts: Vec<u64> = parse
        .stdout
        .split_whitespace()
        .filter_map(|w| w.parse().ok())
        .collect();
    if let [_, _, errors, events] = counts[..] {
        result.notes.push(format!(
            "parse-only: {events} events, {errors} files rejected by yaml-rust2"
        ));
    }
    let parse_cpu = parse.sample.cpu();
    let row = |case, threads, sample| Row {
        tree: label.clone(),
        case,
        threads,
        sample,
        files: result.files,
        bytes: result.bytes,
        parse_cpu,
    };
    let mut rows = vec![row(Case::Parse, 1, parse.sample)];

    let mut thread_counts = vec![1];
    if config.threads > 1 {
        thread_counts.push(config.threads);
    }

    // (b) fix --check, `check` and (c) fix, each `fix` run on a fresh copy. The thread counts
    // alternate run by run, so that a neighbour's load falls on both alike.
    let mut copies = Copies::new(tree, scratch);
    let mut copy = PathBuf::new();
    for case in [Case::Check, Case::Audit, Case::Fix] {
        let mut runs: Vec<Vec<ChildOutput>> = thread_counts.iter().map(|_| Vec::new()).collect();
        for _ in 0..config.runs {
            for (slot, &threads) in thread_counts.iter().enumerate() {
                let dir = if case != Case::Fix {
                    tree.to_path_buf()
                } else {
                    copy = copies.fresh()?;
                    copy.clone()
                };
                runs[slot].push(measure(
                    &mut secctx_command(config, case, threads, &dir),
                    false,
                )?);
            }
        }
        for (runs, &threads) in runs.into_iter().zip(&thread_counts) {
            let best = fastest(runs)?;
            let what = match case {
                Case::Check => format!("fix --check -j{threads}"),
                Case::Audit => format!("check -j{threads}"),
                _ => format!("fix -j{threads}"),
            };
            note_status(&mut result.notes, &what, &best);
            rows.push(row(case, threads, best.sample));
        }
    }
    // The fixed copy must now be stable: a second `fix --check` finds nothing to do.
    let again = measure(
        &mut secctx_command(config, Case::Check, config.threads, &copy),
        false,
    )?;
    result.notes.push(format!(
        "second `fix --check` on the fixed copy: exit {} — {}",
        again.sample.status,
        last_line(&again.stderr)
    ));

    // The peer, on its own fresh copy.
    if let Some(peer) = peer
        && synthetic_files.is_some_and(|n| n <= config.peer_max)
    {
        let copy = copies.fresh()?;
        eprintln!("  ruamel.yaml peer on {} files (slow)...", result.files);
        let mut command = Command::new(&peer.python);
        command.arg(&peer.script).arg(&copy);
        let output = measure(&mut command, false)?;
        result.notes.push(format!(
            "ruamel.yaml peer: exit {} — {}",
            output.sample.status,
            last_line(&output.stderr)
        ));
        rows.push(row(Case::Peer, 1, output.sample));
    }
    result.rows = rows;
    Ok(result)
}

// ---------------------------------------------------------------------------------------------
// The peer.

struct Peer {
    python: PathBuf,
    script: PathBuf,
    version: String,
}

fn find_peer() -> Option<Peer> {
    let script = manifest_dir().join("benches/peers/ruamel_harden.py");
    let python = PathBuf::from(env_string("PYTHON").unwrap_or_else(|| "python3".to_string()));
    let output = Command::new(&python)
        .args([
            "-c",
            "import sys, ruamel.yaml; print(sys.version.split()[0], ruamel.yaml.__version__)",
        ])
        .output();
    match output {
        Ok(out) if out.status.success() && script.is_file() => {
            let v = String::from_utf8_lossy(&out.stdout).trim().to_string();
            let (py, ruamel) = v.split_once(' ').unwrap_or((&v, "?"));
            Some(Peer {
                python,
                script,
                version: format!("Python {py}, ruamel.yaml {ruamel}"),
            })
        }
        _ => {
            eprintln!(
                "note: skipping the ruamel.yaml peer: python3 or ruamel.yaml is missing (pip install ruamel.yaml)"
            );
            None
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Report.

fn machine_description(config: &Config, peer: Option<&Peer>) -> String {
    let cpuinfo = fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let model = cpuinfo
        .lines()
        .find(|l| l.starts_with("model name"))
        .and_then(|l| l.split_once(':'))
        .map(|(_, v)| v.trim().to_string())
        .unwrap_or_else(|| "unknown CPU".to_string());
    let meminfo = fs::read_to_string("/proc/meminfo").unwrap_or_default();
    let mem_gib = meminfo
        .lines()
        .find(|l| l.starts_with("MemTotal:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|kb| kb.parse::<f64>().ok())
        .map(|kb| kb / 1024.0 / 1024.0)
        .unwrap_or(0.0);
    let kernel = fs::read_to_string("/proc/sys/kernel/osrelease").unwrap_or_default();
    let cores = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1);
    let rustc = Command::new("rustc")
        .arg("-V")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .unwrap_or_default();
    let commit = Command::new("git")
        .args(["rev-parse", "--short", "HEAD"])
        .current_dir(manifest_dir())
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .unwrap_or_default();
    let dirty = Command::new("git")
        .args([
            "status",
            "--porcelain",
            "--",
            "src",
            "Cargo.toml",
            "Cargo.lock",
        ])
        .current_dir(manifest_dir())
        .output()
        .map(|o| !o.stdout.is_empty())
        .unwrap_or(false);
    let commit = if dirty {
        format!("{commit} (plus uncommitted changes in src/)")
    } else {
        commit
    };
    let mut text = format!(
        "Machine: {cores} cores ({model}), {mem_gib:.1} GiB RAM, Linux {}; {rustc}; secctx at commit {commit}.",
        kernel.trim()
    );
    if let Some(peer) = peer {
        let _ = write!(text, " Peer: {}.", peer.version);
    }
    let _ = write!(
        text,
        " {} run(s) per case, the fastest reported; all threads = {}.",
        config.runs, config.threads
    );
    text
}

fn table(results: &[TreeResult]) -> String {
    let mut t = String::from(
        "| tree | case | threads | wall s | CPU s | MB/s | files/s | CPU / parse-only | peak RSS MiB | exit |\n\
         |---|---|---:|---:|---:|---:|---:|---:|---:|---:|\n",
    );
    for result in results {
        for r in &result.rows {
            let s = &r.sample;
            let _ = writeln!(
                t,
                "| {} | {} | {} | {:.3} | {:.3} | {:.1} | {:.0} | {:.2} | {:.1} | {} |",
                r.tree,
                r.case.label(),
                r.threads,
                s.wall,
                s.cpu(),
                r.bytes as f64 / 1e6 / s.wall,
                r.files as f64 / s.wall,
                s.cpu() / r.parse_cpu,
                s.rss_mib,
                s.status,
            );
        }
    }
    t
}

fn verdict(pass: bool) -> &'static str {
    if pass { "PASS" } else { "FAIL" }
}

/// The targets of the issue, each line a PASS/FAIL with the numbers behind it.
fn targets(results: &[TreeResult], threads: usize) -> String {
    let mut t = String::new();
    let synthetic: Vec<&TreeResult> = results
        .iter()
        .filter(|r| r.synthetic_files.is_some())
        .collect();
    for r in &synthetic {
        if let (Some(parse), Some(check)) = (r.get(Case::Parse, 1), r.get(Case::Check, 1)) {
            let ratio = check.cpu() / parse.cpu();
            let _ = writeln!(
                t,
                "- {} {}: `fix --check` CPU time is {ratio:.2}x the parse-only baseline (target <= 3x)",
                verdict(ratio <= 3.0),
                r.label
            );
        }
    }
    if threads > 1 {
        for r in &synthetic {
            for case in [Case::Check, Case::Fix] {
                if let (Some(one), Some(all)) = (r.get(case, 1), r.get(case, threads)) {
                    let ratio = all.wall / one.wall;
                    let _ = writeln!(
                        t,
                        "- {} {}: {} wall time with {threads} threads is {ratio:.2}x of 1 thread (target <= 0.6x)",
                        verdict(ratio <= 0.6),
                        r.label,
                        case.label()
                    );
                }
            }
        }
    }
    let peak = |r: &TreeResult| {
        r.rows
            .iter()
            .filter(|row| matches!(row.case, Case::Check | Case::Fix | Case::Audit))
            .map(|row| row.sample.rss_mib)
            .fold(0.0_f64, f64::max)
    };
    if let Some(largest) = synthetic.iter().max_by_key(|r| r.synthetic_files) {
        let mib = peak(largest);
        let _ = writeln!(
            t,
            "- {} {}: peak RSS of secctx {mib:.1} MiB (target < 64 MiB)",
            verdict(mib < 64.0),
            largest.label
        );
        if let Some(smallest) = synthetic.iter().min_by_key(|r| r.synthetic_files)
            && smallest.synthetic_files != largest.synthetic_files
        {
            let small = peak(smallest);
            // "Not growing": a tenfold tree may cost at most a quarter more (or 4 MiB, whichever
            // is larger), the noise of allocator and thread start-up.
            let allowed = (small * 1.25).max(small + 4.0);
            let _ = writeln!(
                t,
                "- {} peak RSS does not grow with the number of files: {small:.1} MiB at {} files, {mib:.1} MiB at {} files (allowed <= {allowed:.1})",
                verdict(mib <= allowed),
                smallest.files,
                largest.files
            );
        }
    }
    for r in &synthetic {
        if let (Some(peer), Some(fix)) = (r.get(Case::Peer, 1), r.get(Case::Fix, 1)) {
            // Both run on one core, so CPU time is the comparison a busy machine does not skew.
            let speedup = peer.cpu() / fix.cpu();
            let wall = peer.wall / fix.wall;
            let all = r
                .get(Case::Fix, threads)
                .map(|s| peer.wall / s.wall)
                .unwrap_or(wall);
            let _ = writeln!(
                t,
                "- {} {}: `secctx fix -j1` is {speedup:.0}x faster than the ruamel.yaml peer in CPU time ({wall:.0}x in wall time, {all:.0}x in wall time with {threads} threads; target >= 150x)",
                verdict(speedup >= 150.0),
                r.label
            );
        }
    }
    for r in results.iter().filter(|r| r.synthetic_files.is_none()) {
        if let (Some(parse), Some(check)) = (r.get(Case::Parse, 1), r.get(Case::Check, 1)) {
            let all = r
                .get(Case::Check, threads)
                .map(|s| s.wall)
                .unwrap_or(check.wall);
            let _ = writeln!(
                t,
                "- {} {}: `fix --check -j1` takes {:.3} s of CPU against {:.3} s for the parse-only baseline (wall: {:.3} s against {:.3} s; {:.3} s with {threads} threads; target: faster than the baseline)",
                verdict(check.cpu() < parse.cpu()),
                r.label,
                check.cpu(),
                parse.cpu(),
                check.wall,
                parse.wall,
                all
            );
        }
    }
    t
}

// ---------------------------------------------------------------------------------------------

fn run() -> Result<()> {
    let config = load_config()?;

    if let Some(dir) = env_string("SECCTX_BENCH_GENERATE") {
        let files = config.sizes.first().copied().unwrap_or(2000);
        let summary = generator::generate(
            Path::new(&dir),
            &generator::Options {
                files,
                seed: config.seed,
            },
        )
        .with_context(|| format!("failed to generate into {dir}"))?;
        eprintln!("generated {summary:?} into {dir}");
        return Ok(());
    }

    let peer = if config.peer { find_peer() } else { None };
    let base = match &config.work_dir {
        Some(dir) => {
            fs::create_dir_all(dir)
                .with_context(|| format!("failed to create {}", dir.display()))?;
            tempfile::Builder::new()
                .prefix("secctx-bench-")
                .tempdir_in(dir)
        }
        None => tempfile::Builder::new().prefix("secctx-bench-").tempdir(),
    }
    .context("failed to create the work folder")?;
    let work = base.path().to_path_buf();
    eprintln!("secctx: {}", config.binary.display());
    eprintln!("work folder: {}", work.display());

    // Described before the runs: the commit and working tree are those of the measured binary.
    let machine = machine_description(&config, peer.as_ref());
    let load_before = load_average();
    let mut results = Vec::new();
    let mut tree_notes = Vec::new();
    for &n in &config.sizes {
        let tree = work.join(format!("synthetic-{n}"));
        let start = Instant::now();
        let summary = generator::generate(
            &tree,
            &generator::Options {
                files: n,
                seed: config.seed,
            },
        )
        .with_context(|| format!("failed to generate the {n}-file tree"))?;
        settle();
        eprintln!(
            "generated {n} files ({:.1} MB) in {:.1} s",
            summary.bytes as f64 / 1e6,
            start.elapsed().as_secs_f64()
        );
        tree_notes.push(format!(
            "synthetic-{n}: {} files, {:.1} MB, {} documents, {} pod specs, {} containers, {} Helm templates; seed {}, fingerprint {:016x}",
            summary.files,
            summary.bytes as f64 / 1e6,
            summary.documents,
            summary.pod_specs,
            summary.containers,
            summary.templates,
            config.seed,
            summary.fingerprint
        ));
        let scratch = work.join(format!("scratch-{n}"));
        fs::create_dir_all(&scratch)
            .with_context(|| format!("failed to create {}", scratch.display()))?;
        eprintln!("measuring synthetic-{n}...");
        results.push(bench_tree(
            &config,
            format!("synthetic-{n}"),
            Some(n),
            &tree,
            &scratch,
            peer.as_ref(),
        )?);
    }
    if let Some(corpus) = &config.corpus {
        let tree = work.join("corpus");
        copy_tree(corpus, &tree)?;
        settle();
        let scratch = work.join("scratch-corpus");
        fs::create_dir_all(&scratch)
            .with_context(|| format!("failed to create {}", scratch.display()))?;
        eprintln!("measuring the corpus copy...");
        let result = bench_tree(&config, "corpus".to_string(), None, &tree, &scratch, None)?;
        tree_notes.push(format!(
            "corpus: a copy of {}: {} YAML files, {:.1} MB",
            corpus.display(),
            result.files,
            result.bytes as f64 / 1e6
        ));
        results.push(result);
    }

    let mut report = String::new();
    let _ = writeln!(
        report,
        "{} Load average (1 min) {load_before} before the runs, {} after.\n",
        machine,
        load_average()
    );
    for note in &tree_notes {
        let _ = writeln!(report, "- {note}");
    }
    let _ = writeln!(report, "\n{}", table(&results));
    let _ = writeln!(
        report,
        "MB = 10^6 bytes of YAML input; CPU = user + system time of the process; peak RSS from wait4.\n"
    );
    let _ = writeln!(report, "Targets:\n\n{}", targets(&results, config.threads));
    let _ = writeln!(report, "Notes:\n");
    for r in &results {
        for note in &r.notes {
            let _ = writeln!(report, "- {}: {note}", r.label);
        }
    }
    println!("{report}");
    if let Some(out) = &config.out {
        fs::write(out, &report).with_context(|| format!("failed to write {}", out.display()))?;
    }
    if config.keep {
        let kept = base.keep();
        eprintln!("kept the trees in {}", kept.display());
    }
    Ok(())
}
