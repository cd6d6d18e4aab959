//! The command line: clap definitions, flags and `.secctx.yaml` resolved into one `Settings`, and
//! the run loop that ties the pipeline together:
//!
//! `walk::inputs` (inputs in path order, produced while walking) -> N workers (the calling thread
//! is one) take the next input and run the one-file pipeline (`fix::fix_bytes` or
//! `check::check_bytes`, then `walk::write_atomic`) into a small `report::FileRecord` -> the
//! worker whose record is due prints it, and any later ones already done, in input order
//! ([`for_each_in_order`]) -> the exit status.
//!
//! Memory stays flat whatever the number of files: the walk holds no list of files, a worker
//! drops a file's bytes before its record is printed, and workers never run more than a small
//! window ahead of the printer. Output is byte-for-byte the same for any `-j`, because records
//! are printed in path order and nothing on stdout depends on timing.

use std::collections::BTreeMap;
use std::io::{self, IsTerminal as _, Read as _, Write as _};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Condvar, Mutex, PoisonError};
use std::time::{Duration, Instant};

use clap::builder::TypedValueParser as _;
use clap::{Args, CommandFactory as _, Parser, Subcommand, ValueEnum};

use crate::check::{self, CheckOptions, CheckOutcome, Level};
use crate::config::{self, Config};
use crate::diff;
use crate::fix::{self, FileError, Outcome, SkipReason};
use crate::report::{
    self, CheckSummary, ErrorInfo, FileRecord, FixSummary, JsonKind, Palette, RuleMeta, SkipKind,
    Status,
};
use crate::settings::{Rule, Settings};
use crate::walk::{self, Excludes, Input, WalkOptions};

/// Nothing to report.
pub const EXIT_OK: u8 = 0;
/// `check` found violations, or `fix --check` would change files.
pub const EXIT_FINDINGS: u8 = 1;
/// An error: a file that could not be processed, bad usage, a bad configuration.
pub const EXIT_ERROR: u8 = 2;
/// Stopped by SIGINT/SIGTERM.
pub const EXIT_INTERRUPTED: u8 = 130;

const ABOUT: &str =
    "Harden Kubernetes manifests in place: securityContext fixes that keep every comment and byte";

const LONG_ABOUT: &str = "\
secctx hardens Kubernetes manifests in place. It finds every pod spec in every YAML document \
(Pods, Deployments, StatefulSets, DaemonSets, Jobs, CronJobs, Lists, well-known custom resources \
and the ones you configure) and gives each container the securityContext that the Pod Security \
Standards \"restricted\" profile asks for, plus a writable /tmp emptyDir wherever the root \
filesystem becomes read-only. Every other byte of the file is kept: comments, key order, quoting, \
indentation, anchors, line endings.

Exit status: 0 success, nothing to report; 1 `check` found violations or `fix --check` would \
change files; 2 an error (a file that could not be read, parsed, verified or written; bad usage; \
a bad configuration). An error in one file never stops the others: it decides the exit status at \
the end.

stdout carries the product (diffs, patch, JSON, SARIF, the hardened stream); findings of `fix`, \
notes, errors and the summary go to stderr. Output is sorted by path and identical for any -j.

Configuration: .secctx.yaml in the folder of the first PATH or the nearest parent folder, or \
--config FILE. Keys: skip, run_as_user, exclude, pod_spec_paths, images, tmp_volume (see \
`secctx fix --help`).";

const FIX_ABOUT: &str = "Harden manifests in place, showing a colored diff of each change";

const FIX_LONG_ABOUT: &str = "\
Harden manifests in place, showing a colored diff of each change.

PATH is a file, a folder or `-` (standard input); the default is the current folder. Folders are \
walked for *.yaml and *.yml files, respecting .gitignore/.ignore files, leaving out hidden files \
and folders (--hidden takes them), --exclude globs and the config's `exclude`, and never following \
symlinked folders. A file named on the command line is always taken.

Each file is parsed, hardened, parsed again and compared with the intended result before it is \
written; it is then replaced atomically (a temp file .secctx-XXXXXX.tmp in the same folder, renamed \
over it) with its permissions kept. Files that need no change are not touched. Invalid YAML, files \
that are not UTF-8 and Helm/Go templates ({{ }}) are reported and left exactly as they were; \
templates get the hint to pipe rendered output through `secctx fix -`. A file without write \
permission (or in a folder without it), or one that changed on disk while secctx worked on it, is \
reported and not written.

Symlinks: a symlinked file is edited through the link (the target is rewritten, the link stays a \
link) only when the target lies inside the walked folder, or for a file named on the command line \
inside the current folder; otherwise it is skipped with a note. A file reached twice (through a \
link and directly) is processed once.

Standard input: `secctx fix -` reads a YAML stream and writes the hardened stream to stdout \
(findings and the summary go to stderr), for pipelines and Helm post-renderers:
    kustomize build overlays/prod | secctx fix - | kubectl apply -f -
    helm template ./chart | secctx fix - > rendered.yaml
A stream with nothing to harden (or that is not Kubernetes) passes through unchanged. A stream \
that cannot be processed (invalid YAML, not UTF-8, an unrendered template) writes nothing to stdout \
and exits 2, so the pipeline fails loudly instead of applying half a manifest. With `-`, --check \
writes nothing and exits 1 when the stream would change, and --dry-run prints the diff instead of \
the stream.

Formats: `human` (a header and a colored diff per changed file on stdout), `patch` (a git patch \
on stdout that `git apply` and `patch -p1` accept, nothing else), `json` (stable schema: files with \
status, findings, stats and diff, then a summary), `markdown` (a pull-request body: per file what \
changed and what needs attention, then totals).

.secctx.yaml keys: skip: [rule, ...]; run_as_user: UID; exclude: [glob, ...] (.gitignore syntax, \
relative to the config's folder); pod_spec_paths: [{apiVersion: group, kind: Kind, path: \
spec.template.spec}] (`*` any key, `[]` suffix every item); images: [{image: nginx, \
writable_paths: [/var/cache/nginx], run_as_user: 101}]; tmp_volume: {name: tmp, medium: Memory, \
size_limit: 64Mi}. Flags win over the config.

SIGINT/SIGTERM: no new write is started, writes in progress finish, no temp file is left behind, \
and secctx exits 130. A second signal exits at once.";

const CHECK_ABOUT: &str =
    "Report Pod Security Standards violations with file:line:col, never write";

const CHECK_LONG_ABOUT: &str = "\
Report Pod Security Standards violations with file:line:col, never write.

Evaluates every pod spec against the baseline or restricted profile (the checks of Kubernetes' \
pod-security-admission, for a given Kubernetes version) and prints one line per violation: \
`path:line:col: check: message`. Walks folders like `fix`; `-` reads standard input.

Formats: `human` (the lines above on stdout), `json` (stable schema), `sarif` (SARIF 2.1.0 with \
rule metadata and help text, for GitHub code scanning and other SARIF viewers).

Exit status: 0 no violations, 1 violations found, 2 a file could not be checked (or bad usage).";

const RULES_ABOUT: &str = "List the rules: what each sets, why, and what it can break";

/// `secctx`.
#[derive(Parser, Debug)]
#[command(
    name = "secctx",
    version,
    about = ABOUT,
    long_about = LONG_ABOUT,
    arg_required_else_help = true,
    max_term_width = 100
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,

    /// When to color output: auto (when the stream is a terminal, unless NO_COLOR is set or
    /// CLICOLOR_FORCE asks for colors), always, never
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto, global = true, value_name = "WHEN")]
    pub color: ColorChoice,

    /// Print only the product, findings and errors: no summary, notes or progress
    #[arg(short, long, global = true)]
    pub quiet: bool,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    #[command(about = FIX_ABOUT, long_about = FIX_LONG_ABOUT)]
    Fix(FixArgs),
    #[command(about = CHECK_ABOUT, long_about = CHECK_LONG_ABOUT)]
    Check(CheckArgs),
    #[command(about = RULES_ABOUT)]
    Rules,
    /// Print a shell completion script (e.g. `secctx completions bash > /etc/bash_completion.d/secctx`)
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the man page (roff) on stdout (e.g. `secctx man > /usr/local/share/man/man1/secctx.1`)
    Man,
}

/// Options shared by `fix` and `check`: which files.
#[derive(Args, Debug, Clone)]
pub struct WalkArgs {
    /// Files or folders to process, or `-` for standard input [default: .]
    #[arg(value_name = "PATH")]
    pub paths: Vec<PathBuf>,

    /// Leave out paths matching GLOB (.gitignore syntax, relative to the current folder;
    /// repeatable). Files named on the command line are always taken
    #[arg(long, value_name = "GLOB")]
    pub exclude: Vec<String>,

    /// Do not respect .gitignore, .ignore and .git/info/exclude files
    #[arg(long)]
    pub no_ignore: bool,

    /// Also walk hidden files and folders (.git is never walked)
    #[arg(long)]
    pub hidden: bool,

    /// Read the configuration from FILE instead of looking for .secctx.yaml
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,

    /// Worker threads [default: the number of CPUs]
    #[arg(short = 'j', long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..))]
    pub threads: Option<u16>,
}

/// `secctx fix` options.
#[derive(Args, Debug, Clone)]
pub struct FixArgs {
    #[command(flatten)]
    pub walk: WalkArgs,

    /// Print the diffs, write nothing, exit 0
    #[arg(long)]
    pub dry_run: bool,

    /// Write nothing; exit 1 if any file would change (the CI gate)
    #[arg(long)]
    pub check: bool,

    /// Output format
    #[arg(long, value_enum, default_value_t = FixFormat::Human)]
    pub format: FixFormat,

    /// Apply only these rules (comma-separated; see `secctx rules`)
    #[arg(long, value_name = "RULE", value_delimiter = ',', value_parser = rule_parser())]
    pub only: Vec<Rule>,

    /// Do not apply these rules (comma-separated; added to the config's `skip`)
    #[arg(long, value_name = "RULE", value_delimiter = ',', value_parser = rule_parser())]
    pub skip: Vec<Rule>,

    /// Also flip explicit insecure values (e.g. readOnlyRootFilesystem: false); without it they
    /// are kept and reported
    #[arg(long)]
    pub force: bool,

    /// Set runAsUser to UID on containers that set none (overrides the config's run_as_user)
    #[arg(long, value_name = "UID", value_parser = clap::value_parser!(u32).range(1..=2_147_483_647))]
    pub run_as_user: Option<u32>,
}

/// `secctx check` options.
#[derive(Args, Debug, Clone)]
pub struct CheckArgs {
    #[command(flatten)]
    pub walk: WalkArgs,

    /// Output format
    #[arg(long, value_enum, default_value_t = CheckFormat::Human)]
    pub format: CheckFormat,

    /// Pod Security Standards profile to check against
    #[arg(long, value_enum, default_value_t = LevelArg::Restricted)]
    pub level: LevelArg,

    /// Kubernetes version whose checks apply: v1.NN, or latest
    #[arg(long = "version", id = "k8s_version", value_name = "v1.NN", value_parser = parse_k8s_version, default_value = "latest")]
    pub k8s_version: K8sVersion,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum FixFormat {
    /// A header and a colored unified diff per changed file
    Human,
    /// A plain git patch on stdout (for `git apply`, `patch -p1`)
    Patch,
    /// The stable JSON report
    Json,
    /// A pull-request body: what changed and what needs attention, per file, and totals
    Markdown,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum CheckFormat {
    /// path:line:col: check: message
    Human,
    /// The stable JSON report
    Json,
    /// SARIF 2.1.0 (code scanning)
    Sarif,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum LevelArg {
    Restricted,
    Baseline,
}

impl From<LevelArg> for Level {
    fn from(l: LevelArg) -> Level {
        match l {
            LevelArg::Restricted => Level::Restricted,
            LevelArg::Baseline => Level::Baseline,
        }
    }
}

/// `--version v1.NN`: the minor version, or `None` for latest.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct K8sVersion(pub Option<u32>);

impl K8sVersion {
    pub fn label(self) -> String {
        match self.0 {
            Some(m) => format!("v1.{m}"),
            None => "latest".to_string(),
        }
    }
}

fn parse_k8s_version(s: &str) -> Result<K8sVersion, String> {
    if s == "latest" {
        return Ok(K8sVersion(None));
    }
    let rest = s.strip_prefix('v').unwrap_or(s);
    let minor = rest.strip_prefix("1.").and_then(|m| m.parse::<u32>().ok());
    match minor {
        Some(m) => Ok(K8sVersion(Some(m))),
        None => Err(format!("expected v1.NN (e.g. v1.30) or latest, not `{s}`")),
    }
}

fn rule_parser() -> impl clap::builder::TypedValueParser<Value = Rule> {
    clap::builder::PossibleValuesParser::new(Rule::ALL.map(Rule::name)).map(|s| {
        s.parse::<Rule>()
            .expect("possible values are exactly the rule names")
    })
}

/// The clap command, for completions, the man page and tests.
pub fn command() -> clap::Command {
    Cli::command()
}

// ---------------------------------------------------------------------------------------------
// Settings

/// Flags and config resolved: the config's `skip` and `--skip` remove rules, `--only` keeps only
/// the rules named, `--run-as-user` wins over `run_as_user`.
pub fn fix_settings(config: &Config, args: &FixArgs) -> Settings {
    let mut s = base_settings(config);
    s.rules.retain(|r| !args.skip.contains(r));
    if !args.only.is_empty() {
        s.rules.retain(|r| args.only.contains(r));
    }
    s.force = args.force;
    if let Some(uid) = args.run_as_user {
        s.run_as_user = Some(i64::from(uid));
    }
    s
}

/// The settings `check` needs (where pod specs are).
pub fn base_settings(config: &Config) -> Settings {
    let mut s = Settings::default();
    s.rules.retain(|r| !config.skip.contains(r));
    s.run_as_user = config.run_as_user;
    s.extra_pod_spec_paths = config.pod_spec_paths.clone();
    s.images = config.images.clone();
    s.tmp_volume = config.tmp_volume.clone().unwrap_or_default();
    s
}

// ---------------------------------------------------------------------------------------------
// Colors

/// Whether to color a stream: `--color always/never` first, then `NO_COLOR` (set and not empty:
/// never), then `CLICOLOR_FORCE` (set and not `0`: always), then whether the stream is a terminal.
pub fn use_color(
    choice: ColorChoice,
    is_terminal: bool,
    env: impl Fn(&str) -> Option<String>,
) -> bool {
    match choice {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => {
            if env("NO_COLOR").is_some_and(|v| !v.is_empty()) {
                false
            } else if env("CLICOLOR_FORCE").is_some_and(|v| !v.is_empty() && v != "0") {
                true
            } else {
                is_terminal
            }
        }
    }
}

fn env_var(name: &str) -> Option<String> {
    std::env::var(name).ok()
}

// ---------------------------------------------------------------------------------------------
// Signals

static INTERRUPTED: AtomicBool = AtomicBool::new(false);
/// Set while nothing would be left half-done by exiting at once (reading stdin, `check`).
static EXIT_ON_SIGNAL: AtomicBool = AtomicBool::new(false);

fn interrupted() -> bool {
    INTERRUPTED.load(Ordering::SeqCst)
}

/// SIGINT/SIGTERM/SIGHUP: the first stops new work (writes in progress finish); a second one, or
/// any while nothing is being written, exits with 130 at once.
fn install_signal_handler() {
    let _ = ctrlc::set_handler(|| {
        if INTERRUPTED.swap(true, Ordering::SeqCst) || EXIT_ON_SIGNAL.load(Ordering::SeqCst) {
            let _ = io::stdout().flush();
            // No destructors run on this exit: the temp files of writes in progress go first.
            walk::remove_temp_files_and_exit(i32::from(EXIT_INTERRUPTED));
        }
    });
}

// ---------------------------------------------------------------------------------------------
// Output

/// stdout and stderr, with colors resolved once and a broken stdout pipe tolerated (output
/// stops, the run goes on and its exit status is unchanged).
struct Streams {
    out_color: Palette,
    err_color: Palette,
    broken: bool,
    progress: Option<indicatif::ProgressBar>,
}

impl Streams {
    fn new(color: ColorChoice) -> Streams {
        Streams {
            out_color: Palette {
                enabled: use_color(color, io::stdout().is_terminal(), env_var),
            },
            err_color: Palette {
                enabled: use_color(color, io::stderr().is_terminal(), env_var),
            },
            broken: false,
            progress: None,
        }
    }

    fn out(&mut self, text: &str) {
        self.out_bytes(text.as_bytes());
    }

    fn out_bytes(&mut self, bytes: &[u8]) {
        if bytes.is_empty() || self.broken {
            return;
        }
        let write = || {
            let mut out = io::stdout().lock();
            out.write_all(bytes).and_then(|()| out.flush())
        };
        let result = match &self.progress {
            Some(bar) => bar.suspend(write),
            None => write(),
        };
        if result.is_err() {
            // A closed pipe (`secctx fix | head`) or a full disk: stop writing to stdout.
            self.broken = true;
        }
    }

    fn err(&mut self, text: &str) {
        if text.is_empty() {
            return;
        }
        let write = || {
            let mut err = io::stderr().lock();
            let _ = err.write_all(text.as_bytes());
            let _ = err.flush();
        };
        match &self.progress {
            Some(bar) => bar.suspend(write),
            None => write(),
        }
    }

    fn error(&mut self, message: &str) {
        let style = console::Style::new()
            .red()
            .bold()
            .force_styling(self.err_color.enabled);
        let line = format!("{}: {message}\n", style.apply_to("error"));
        self.err(&line);
    }

    /// Shows progress on stderr once a run has taken 0.8 s, if stderr is a terminal: a count of
    /// the files done and the current one. The total is not known up front (files are
    /// processed while the walk goes on), so there is no bar.
    fn start_progress(&mut self, quiet: bool) -> Option<Instant> {
        if quiet || !io::stderr().is_terminal() {
            return None;
        }
        let bar =
            indicatif::ProgressBar::with_draw_target(None, indicatif::ProgressDrawTarget::hidden());
        if let Ok(style) =
            indicatif::ProgressStyle::with_template("{spinner} {pos} files [{elapsed}] {wide_msg}")
        {
            bar.set_style(style);
        }
        self.progress = Some(bar);
        Some(Instant::now())
    }

    fn tick(&mut self, started: Option<Instant>, path: &str) {
        let (Some(bar), Some(t)) = (&self.progress, started) else {
            return;
        };
        bar.inc(1);
        if bar.is_hidden() && t.elapsed() > Duration::from_millis(800) {
            bar.set_draw_target(indicatif::ProgressDrawTarget::stderr());
        }
        if !bar.is_hidden() {
            bar.set_message(path.to_string());
        }
    }

    fn finish_progress(&mut self) {
        if let Some(bar) = self.progress.take() {
            bar.finish_and_clear();
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Running

/// Runs a parsed command line; returns the exit status.
pub fn run(cli: Cli) -> u8 {
    let mut streams = Streams::new(cli.color);
    match cli.command {
        Command::Fix(args) => run_fix(&args, cli.quiet, &mut streams),
        Command::Check(args) => run_check(&args, cli.quiet, &mut streams),
        Command::Rules => {
            let width = console::Term::stdout()
                .size_checked()
                .map_or(100, |(_, w)| usize::from(w));
            streams.out(&report::rules_text(streams.out_color, width.clamp(60, 100)));
            EXIT_OK
        }
        Command::Completions { shell } => {
            let mut buf = Vec::new();
            clap_complete::generate(shell, &mut command(), "secctx", &mut buf);
            streams.out(&String::from_utf8_lossy(&buf));
            EXIT_OK
        }
        Command::Man => match man_page() {
            Ok(text) => {
                streams.out(&text);
                EXIT_OK
            }
            Err(e) => {
                streams.error(&format!("failed to render the man page: {e}"));
                EXIT_ERROR
            }
        },
    }
}

/// The roff man page: the top-level page, then a section per subcommand with its options.
pub fn man_page() -> io::Result<String> {
    let cmd = command();
    let mut buf = Vec::new();
    clap_mangen::Man::new(cmd.clone()).render(&mut buf)?;
    for sub in cmd.get_subcommands() {
        let name = sub.get_name();
        if matches!(name, "help") {
            continue;
        }
        let sub = sub
            .clone()
            .bin_name(format!("secctx {name}"))
            .display_name(format!("secctx-{name}"));
        let man = clap_mangen::Man::new(sub);
        let mut part = Vec::new();
        man.render_synopsis_section(&mut part)?;
        man.render_description_section(&mut part)?;
        man.render_options_section(&mut part)?;
        // The subcommand's sections become subsections of its own section.
        let part = String::from_utf8_lossy(&part).replace("\n.SH ", "\n.SS ");
        let part = part
            .strip_prefix(".SH ")
            .map_or(part.clone(), |rest| format!(".SS {rest}"));
        buf.extend_from_slice(format!(".SH \"SECCTX {}\"\n", name.to_uppercase()).as_bytes());
        buf.extend_from_slice(part.as_bytes());
    }
    Ok(String::from_utf8_lossy(&buf).into_owned())
}

/// What every run over files needs: the current folder, the configuration, the walk options.
struct Prepared {
    config: Config,
    walk: WalkOptions,
    paths: Vec<PathBuf>,
    threads: usize,
}

fn prepare(args: &WalkArgs) -> anyhow::Result<Prepared> {
    use anyhow::Context as _;
    let cwd = std::env::current_dir().context("failed to read the current folder")?;
    let paths = if args.paths.is_empty() {
        vec![PathBuf::from(".")]
    } else {
        args.paths.clone()
    };
    let config_path = match &args.config {
        Some(p) => Some(p.clone()),
        None => {
            let first = paths
                .first()
                .map(PathBuf::as_path)
                .unwrap_or(Path::new("."));
            let start = if first.as_os_str() == "-" {
                Path::new(".")
            } else {
                first
            };
            config::discover(start, &cwd)
        }
    };
    let config = match config_path {
        Some(p) => config::load(&p)?,
        None => Config::default(),
    };
    let threads = args.threads.map(usize::from).unwrap_or_else(|| {
        std::thread::available_parallelism()
            .map(usize::from)
            .unwrap_or(1)
    });
    let mut excludes = Excludes::default();
    if let Some(base) = config.base_dir() {
        let base = walk::absolute(&cwd, base);
        excludes.add(&base, &config.exclude).with_context(|| {
            format!(
                "in {}",
                config.path.as_deref().unwrap_or(Path::new("")).display()
            )
        })?;
    }
    excludes.add(&cwd, &args.exclude)?;
    let walk = WalkOptions {
        no_ignore: args.no_ignore,
        hidden: args.hidden,
        excludes,
        cwd,
    };
    Ok(Prepared {
        config,
        walk,
        paths,
        threads,
    })
}

/// Runs `work` over `items` on `threads` workers and hands each result to `emit` in the items'
/// order.
///
/// Each worker takes the next item from the iterator (under a lock: the iterator is the walk,
/// which so runs while files are processed, a step at a time, in whichever worker needs the next
/// input), runs `work` on it, and then prints: under a second lock, its result is emitted at once
/// if it is the next one due, followed by any later results that were waiting for it; otherwise
/// it waits in a small reorder buffer for the worker that holds the one due. Nobody waits for
/// anybody in the usual case, so there is no wake-up per item; the calling thread is one of the
/// workers (with one thread nothing else runs).
///
/// Workers never take an item more than a small window ahead of the last emitted one (a slow
/// file stalls the others instead of letting results pile up), so pending results stay few.
/// After an interrupt no new item is taken; work already started finishes and is emitted.
pub fn for_each_in_order<I, R>(
    items: I,
    threads: usize,
    work: impl Fn(I::Item) -> R + Sync,
    emit: impl FnMut(R) + Send,
) where
    I: Iterator + Send,
    R: Send,
{
    struct Feed<I> {
        items: I,
        /// Items taken so far: the next one's index.
        taken: usize,
    }
    struct Printer<R, E> {
        pending: BTreeMap<usize, R>,
        /// Results emitted so far: the index due next.
        emitted: usize,
        /// Workers waiting for `emitted` to move (the window is full).
        waiting: usize,
        emit: E,
    }
    let threads = threads.max(1);
    let window = threads * 4 + 16;
    let feed = Mutex::new(Feed { items, taken: 0 });
    let printer = Mutex::new(Printer {
        pending: BTreeMap::new(),
        emitted: 0,
        waiting: 0,
        emit,
    });
    let advanced = Condvar::new();
    // `emitted`, readable without the printer's lock: the window is checked against it first.
    let emitted = AtomicUsize::new(0);
    let run = || {
        loop {
            let (index, item) = {
                let mut feed = feed.lock().unwrap_or_else(PoisonError::into_inner);
                if interrupted() {
                    return;
                }
                if feed.taken >= emitted.load(Ordering::Acquire) + window {
                    // Lock order: feed, then printer; the printer's holder never takes the feed.
                    let mut p = printer.lock().unwrap_or_else(PoisonError::into_inner);
                    while feed.taken >= p.emitted + window {
                        // The item due is being worked on by another worker (it would have been
                        // emitted otherwise), so this wait ends.
                        p.waiting += 1;
                        p = advanced.wait(p).unwrap_or_else(PoisonError::into_inner);
                        p.waiting -= 1;
                    }
                }
                let Some(item) = feed.items.next() else {
                    return;
                };
                feed.taken += 1;
                (feed.taken - 1, item)
            };
            let result = work(item);
            let mut guard = printer.lock().unwrap_or_else(PoisonError::into_inner);
            let p = &mut *guard;
            if index != p.emitted {
                p.pending.insert(index, result);
                continue;
            }
            (p.emit)(result);
            p.emitted += 1;
            while let Some(result) = p.pending.remove(&p.emitted) {
                (p.emit)(result);
                p.emitted += 1;
            }
            emitted.store(p.emitted, Ordering::Release);
            if p.waiting > 0 {
                advanced.notify_all();
            }
        }
    };
    let run = &run;
    std::thread::scope(|scope| {
        for _ in 1..threads {
            scope.spawn(run);
        }
        run();
    });
}

/// The inputs' display paths and kinds, checked for `-` misuse. `fix` takes `-` only alone.
fn stdin_only(paths: &[PathBuf]) -> Result<bool, String> {
    let dashes = paths.iter().filter(|p| p.as_os_str() == "-").count();
    match (dashes, paths.len()) {
        (0, _) => Ok(false),
        (1, 1) => Ok(true),
        _ => Err(
            "`-` (standard input) cannot be combined with other paths in `secctx fix`: its \
                  hardened stream goes to stdout"
                .to_string(),
        ),
    }
}

fn skip_record(path: &str, reason: SkipReason) -> FileRecord {
    match reason {
        SkipReason::Template => FileRecord::skipped(
            path,
            SkipKind::Template,
            "Helm/Go template syntax ({{ }}) is not YAML; render it and pipe the output through \
             `secctx fix -` (e.g. `helm template ./chart | secctx fix -`)",
        ),
        SkipReason::NotKubernetes => FileRecord::skipped(
            path,
            SkipKind::NotKubernetes,
            "no Kubernetes object with a pod spec",
        ),
        SkipReason::Empty => FileRecord::skipped(path, SkipKind::Empty, "empty, or only comments"),
    }
}

fn error_info(e: &FileError) -> ErrorInfo {
    ErrorInfo {
        kind: e.kind.clone(),
        line: e.line,
        col: e.col,
        message: e.message.clone(),
    }
}

fn internal_error() -> ErrorInfo {
    ErrorInfo::new(
        "internal-error",
        "secctx crashed on this file and left it unchanged (a bug: please report it with the file)",
    )
}

fn panic_record(path: &str) -> FileRecord {
    FileRecord::failed(path, internal_error())
}

/// The bytes of a walked file, or the record that says why there are none (a link leaving the
/// tree, an error found while walking, a failed read). `fix` and `check` share it.
fn read_walked(input: &Input, shown: &str) -> Result<(PathBuf, Vec<u8>), Box<FileRecord>> {
    let record = match input {
        Input::Stdin => {
            FileRecord::failed(shown, ErrorInfo::new("usage", "stdin is handled alone"))
        }
        Input::Skipped { message, .. } => {
            FileRecord::skipped(shown, SkipKind::SymlinkOutside, message.clone())
        }
        Input::Error { message, .. } => {
            FileRecord::failed(shown, ErrorInfo::new("read-failed", message.clone()))
        }
        Input::File { real, .. } => match std::fs::read(real) {
            Ok(bytes) => return Ok((real.clone(), bytes)),
            Err(e) => FileRecord::failed(
                shown,
                ErrorInfo::new(
                    "read-failed",
                    format!("cannot read: {}", walk::io_message(&e)),
                ),
            ),
        },
    };
    Err(Box::new(record))
}

/// What a `fix` worker needs.
struct FixJob<'a> {
    settings: &'a Settings,
    write: bool,
}

/// The whole `fix` pipeline for one input. The file's bytes live only inside this call.
fn fix_one(input: &Input, job: &FixJob<'_>) -> FileRecord {
    let shown = input.display();
    let (real, original) = match read_walked(input, &shown) {
        Ok(read) => read,
        Err(record) => return *record,
    };
    let real = &real;
    let report = match std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        fix::fix_bytes(&original, job.settings)
    })) {
        Ok(r) => r,
        Err(_) => return panic_record(&shown),
    };
    let mut rec = FileRecord::new(shown.clone(), Status::Unchanged);
    match report.outcome {
        Outcome::Unchanged => {}
        Outcome::Skipped(reason) => rec = skip_record(&shown, reason),
        Outcome::Failed(e) => rec = FileRecord::failed(shown.clone(), error_info(&e)),
        Outcome::Changed { output } => {
            rec.status = Status::Changed;
            rec.diff = diff::unified_diff(
                &shown,
                &String::from_utf8_lossy(&original),
                &String::from_utf8_lossy(&output),
            );
            // After an interrupt no new write starts; the file counts as not written.
            if job.write && !interrupted() {
                match walk::write_atomic(real, &original, &output) {
                    Ok(()) => rec.written = true,
                    Err(e) => {
                        rec.status = Status::Error;
                        rec.error = Some(ErrorInfo::new(e.kind(), e.message()));
                        rec.diff.clear();
                    }
                }
            }
        }
    }
    rec.findings = report.findings;
    rec.stats = report.stats;
    rec
}

fn run_fix(args: &FixArgs, quiet: bool, streams: &mut Streams) -> u8 {
    let started = Instant::now();
    let is_stdin = match stdin_only(&args.walk.paths) {
        Ok(b) => b,
        Err(m) => {
            streams.error(&m);
            return EXIT_ERROR;
        }
    };
    if is_stdin && args.format != FixFormat::Human {
        streams
            .error("--format applies to files; with `-` the hardened stream itself goes to stdout");
        return EXIT_ERROR;
    }
    let prepared = match prepare(&args.walk) {
        Ok(p) => p,
        Err(e) => {
            streams.error(&format!("{e:#}"));
            return EXIT_ERROR;
        }
    };
    let settings = fix_settings(&prepared.config, args);
    install_signal_handler();
    if is_stdin {
        return fix_stdin(args, &settings, quiet, streams, started);
    }
    let inputs = walk::inputs(&prepared.paths, &prepared.walk);
    let applied = !args.dry_run && !args.check;
    let job = FixJob {
        settings: &settings,
        write: applied,
    };
    let mut summary = FixSummary::default();
    let progress = streams.start_progress(quiet);
    let mut first = true;
    match args.format {
        FixFormat::Json => streams.out(&report::json_start(JsonKind::Fix, None)),
        FixFormat::Markdown => streams.out(&report::markdown_start(applied)),
        FixFormat::Human | FixFormat::Patch => {}
    }
    for_each_in_order(
        inputs,
        prepared.threads,
        |input| fix_one(&input, &job),
        |rec| {
            summary.add(&rec);
            streams.tick(progress, &rec.path);
            let (out, err) = match args.format {
                FixFormat::Human => {
                    report::fix_human(&rec, streams.out_color, streams.err_color, quiet)
                }
                FixFormat::Patch => (
                    report::patch_text(&rec),
                    report::machine_stderr(&rec, streams.err_color, true),
                ),
                FixFormat::Json => (
                    report::json_file(&rec, JsonKind::Fix, first),
                    report::machine_stderr(&rec, streams.err_color, false),
                ),
                FixFormat::Markdown => (
                    report::markdown_file(&rec),
                    report::machine_stderr(&rec, streams.err_color, true),
                ),
            };
            first = false;
            streams.out(&out);
            streams.err(&err);
        },
    );
    streams.finish_progress();
    summary.interrupted = interrupted();
    match args.format {
        FixFormat::Json => streams.out(&report::json_end(&summary)),
        FixFormat::Markdown => streams.out(&report::markdown_end(&summary)),
        FixFormat::Human | FixFormat::Patch => {}
    }
    if !quiet {
        let line = report::fix_summary_line(&summary, applied, started.elapsed().as_secs_f64());
        streams.err(&line);
        if args.check && summary.changed > 0 {
            streams.err("Run `secctx fix` to apply these changes.\n");
        }
    }
    if summary.interrupted {
        EXIT_INTERRUPTED
    } else if summary.errors > 0 {
        EXIT_ERROR
    } else if args.check && summary.changed > 0 {
        EXIT_FINDINGS
    } else {
        EXIT_OK
    }
}

/// `secctx fix -`: the hardened stream on stdout, or nothing and exit 2.
fn fix_stdin(
    args: &FixArgs,
    settings: &Settings,
    quiet: bool,
    streams: &mut Streams,
    started: Instant,
) -> u8 {
    let name = "<stdin>";
    let mut input = Vec::new();
    EXIT_ON_SIGNAL.store(true, Ordering::SeqCst);
    if io::stdin().is_terminal() && !quiet {
        streams.err("Reading a YAML stream from standard input (end it with Ctrl-D)...\n");
    }
    if let Err(e) = io::stdin().lock().read_to_end(&mut input) {
        streams.error(&format!("failed to read standard input: {e}"));
        return EXIT_ERROR;
    }
    if interrupted() {
        return EXIT_INTERRUPTED;
    }
    let Ok(report) = std::panic::catch_unwind(|| fix::fix_bytes(&input, settings)) else {
        streams.err(&report::error_line(
            name,
            &internal_error(),
            streams.err_color,
        ));
        return EXIT_ERROR;
    };
    for f in &report.findings {
        streams.err(&report::finding_line(name, f, streams.err_color));
    }
    let mut summary = FixSummary::default();
    let mut rec = FileRecord::new(name, Status::Unchanged);
    rec.stats = report.stats;
    let status = match &report.outcome {
        Outcome::Failed(e) => {
            streams.err(&report::error_line(name, &error_info(e), streams.err_color));
            rec.status = Status::Error;
            EXIT_ERROR
        }
        Outcome::Skipped(SkipReason::Template) => {
            let e = ErrorInfo::new(
                "template",
                "the stream holds Helm/Go template syntax ({{ }}) and is not YAML; render it first",
            );
            streams.err(&report::error_line(name, &e, streams.err_color));
            rec.status = Status::Error;
            EXIT_ERROR
        }
        Outcome::Changed { output } => {
            rec.status = Status::Changed;
            if args.check {
                EXIT_FINDINGS
            } else if args.dry_run {
                let d = diff::unified_diff(
                    name,
                    &String::from_utf8_lossy(&input),
                    &String::from_utf8_lossy(output),
                );
                streams.out(&diff::colorize(
                    &d,
                    diff::DiffColors {
                        enabled: streams.out_color.enabled,
                    },
                ));
                EXIT_OK
            } else {
                streams.out(&String::from_utf8_lossy(output));
                EXIT_OK
            }
        }
        Outcome::Unchanged | Outcome::Skipped(_) => {
            if let Outcome::Skipped(r) = &report.outcome {
                rec = FileRecord {
                    stats: rec.stats,
                    ..skip_record(name, *r)
                };
            }
            if !args.check && !args.dry_run {
                // The stream passes through byte for byte.
                streams.out_bytes(&input);
            }
            EXIT_OK
        }
    };
    rec.written =
        status == EXIT_OK && !args.check && !args.dry_run && rec.status == Status::Changed;
    rec.findings = report.findings;
    summary.add(&rec);
    if !quiet {
        streams.err(&report::fix_summary_line(
            &summary,
            !args.check && !args.dry_run,
            started.elapsed().as_secs_f64(),
        ));
    }
    status
}

/// The `check` pipeline for one input.
fn check_one(input: &Input, settings: &Settings, opts: &CheckOptions) -> FileRecord {
    let shown = input.display();
    let bytes = match input {
        Input::Stdin => {
            let mut buf = Vec::new();
            if let Err(e) = io::stdin().lock().read_to_end(&mut buf) {
                return FileRecord::failed(
                    shown,
                    ErrorInfo::new("read-failed", format!("cannot read standard input: {e}")),
                );
            }
            buf
        }
        _ => match read_walked(input, &shown) {
            Ok((_, bytes)) => bytes,
            Err(record) => return *record,
        },
    };
    let report = match std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        check::check_bytes(&bytes, settings, opts)
    })) {
        Ok(r) => r,
        Err(_) => return panic_record(&shown),
    };
    let mut rec = match report.outcome {
        CheckOutcome::Checked => FileRecord::new(shown, Status::Checked),
        CheckOutcome::Skipped(reason) => skip_record(&shown, reason),
        CheckOutcome::Failed(e) => FileRecord::failed(shown, error_info(&e)),
    };
    rec.findings = report.findings;
    rec.pod_specs = report.pod_specs;
    rec
}

/// SARIF rule metadata from the checks table.
fn sarif_rules() -> Vec<RuleMeta> {
    crate::k8s::pss::checks()
        .iter()
        .map(|c| {
            let level = match c.level {
                Some(l) => format!("Pod Security Standards, {} profile. ", l.name()),
                None => "secctx hardening (not part of the Pod Security Standards verdict). "
                    .to_string(),
            };
            let fix = match c.fixed_by {
                Some(rule) => format!(
                    "\n\n`secctx fix` fixes it with the `{rule}` rule (see `secctx rules`)."
                ),
                None => "\n\n`secctx fix` does not change this; fix it by hand.".to_string(),
            };
            RuleMeta {
                id: c.id.to_string(),
                title: c.title.to_string(),
                description: c.description.to_string(),
                help_uri: c.help_uri.to_string(),
                help: format!("{level}{}{fix}", c.description),
            }
        })
        .collect()
}

fn run_check(args: &CheckArgs, quiet: bool, streams: &mut Streams) -> u8 {
    let started = Instant::now();
    let prepared = match prepare(&args.walk) {
        Ok(p) => p,
        Err(e) => {
            streams.error(&format!("{e:#}"));
            return EXIT_ERROR;
        }
    };
    let settings = base_settings(&prepared.config);
    let level: Level = args.level.into();
    let opts = CheckOptions {
        level,
        version: args.k8s_version.0,
    };
    EXIT_ON_SIGNAL.store(true, Ordering::SeqCst);
    install_signal_handler();
    let inputs = walk::inputs(&prepared.paths, &prepared.walk);
    let version = args.k8s_version.label();
    let rules = if args.format == CheckFormat::Sarif {
        sarif_rules()
    } else {
        Vec::new()
    };
    let mut summary = CheckSummary::default();
    let mut sarif_errors = Vec::new();
    let mut first = true;
    let progress = streams.start_progress(quiet);
    match args.format {
        CheckFormat::Json => streams.out(&report::json_start(
            JsonKind::Check,
            Some((level.name(), &version)),
        )),
        CheckFormat::Sarif => streams.out(&report::sarif_start(&rules, env!("CARGO_PKG_VERSION"))),
        CheckFormat::Human => {}
    }
    for_each_in_order(
        inputs,
        prepared.threads,
        |input| check_one(&input, &settings, &opts),
        |rec| {
            summary.add(&rec);
            streams.tick(progress, &rec.path);
            let (out, err) = match args.format {
                CheckFormat::Human => {
                    report::check_human(&rec, streams.out_color, streams.err_color, quiet)
                }
                CheckFormat::Json => {
                    let o = report::json_file(&rec, JsonKind::Check, first);
                    first = false;
                    (o, report::machine_stderr(&rec, streams.err_color, false))
                }
                CheckFormat::Sarif => {
                    let (o, wrote) = report::sarif_results(&rec, &rules, first);
                    first &= !wrote;
                    if let Some(e) = &rec.error {
                        sarif_errors.push((rec.path.clone(), e.clone()));
                    }
                    (o, report::machine_stderr(&rec, streams.err_color, false))
                }
            };
            streams.out(&out);
            streams.err(&err);
        },
    );
    streams.finish_progress();
    summary.interrupted = interrupted();
    match args.format {
        CheckFormat::Json => streams.out(&report::json_end(&summary)),
        CheckFormat::Sarif => streams.out(&report::sarif_end(&sarif_errors)),
        CheckFormat::Human => {}
    }
    if !quiet {
        streams.err(&report::check_summary_line(
            &summary,
            level.name(),
            &version,
            started.elapsed().as_secs_f64(),
        ));
    }
    if summary.interrupted {
        EXIT_INTERRUPTED
    } else if summary.errors > 0 {
        EXIT_ERROR
    } else if summary.violations > 0 {
        EXIT_FINDINGS
    } else {
        EXIT_OK
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str]) -> Result<Cli, clap::Error> {
        Cli::try_parse_from(std::iter::once("secctx").chain(args.iter().copied()))
    }

    #[test]
    fn clap_definition_is_consistent() {
        command().debug_assert();
    }

    #[test]
    fn rules_parse_comma_separated_and_reject_unknown() {
        let cli = parse(&[
            "fix",
            "--skip",
            "run-as-non-root,drop-all-capabilities",
            "--only",
            "seccomp-runtime-default",
        ])
        .unwrap();
        let Command::Fix(a) = cli.command else {
            panic!()
        };
        assert_eq!(a.skip, vec![Rule::RunAsNonRoot, Rule::DropAllCapabilities]);
        assert_eq!(a.only, vec![Rule::SeccompRuntimeDefault]);
        assert!(parse(&["fix", "--skip", "nope"]).is_err());
    }

    #[test]
    fn settings_merge_config_and_flags() {
        let config = Config {
            skip: vec![Rule::ReadOnlyRootFilesystem],
            run_as_user: Some(1000),
            ..Config::default()
        };
        let cli = parse(&[
            "fix",
            "--skip",
            "run-as-non-root",
            "--run-as-user",
            "2000",
            "--force",
        ])
        .unwrap();
        let Command::Fix(a) = cli.command else {
            panic!()
        };
        let s = fix_settings(&config, &a);
        assert_eq!(
            s.rules,
            vec![
                Rule::NoPrivilegeEscalation,
                Rule::DropAllCapabilities,
                Rule::SeccompRuntimeDefault
            ]
        );
        assert_eq!(s.run_as_user, Some(2000));
        assert!(s.force);
        let cli = parse(&[
            "fix",
            "--only",
            "read-only-root-filesystem,seccomp-runtime-default",
        ])
        .unwrap();
        let Command::Fix(a) = cli.command else {
            panic!()
        };
        let s = fix_settings(&config, &a);
        assert_eq!(
            s.rules,
            vec![Rule::SeccompRuntimeDefault],
            "config skip still applies"
        );
        assert_eq!(s.run_as_user, Some(1000));
    }

    #[test]
    fn versions_and_levels_parse() {
        assert_eq!(parse_k8s_version("v1.30"), Ok(K8sVersion(Some(30))));
        assert_eq!(parse_k8s_version("1.25"), Ok(K8sVersion(Some(25))));
        assert_eq!(parse_k8s_version("latest"), Ok(K8sVersion(None)));
        assert!(parse_k8s_version("v2.1").is_err());
        let cli = parse(&["check", "--version", "v1.29", "--level", "baseline"]).unwrap();
        let Command::Check(a) = cli.command else {
            panic!()
        };
        assert_eq!(a.k8s_version, K8sVersion(Some(29)));
        assert_eq!(a.level, LevelArg::Baseline);
        assert!(parse(&["fix", "--run-as-user", "0"]).is_err());
        assert!(parse(&["fix", "-j", "0"]).is_err());
    }

    #[test]
    fn color_resolution_order() {
        let none = |_: &str| None;
        let no_color = |k: &str| (k == "NO_COLOR").then(|| "1".to_string());
        let force = |k: &str| (k == "CLICOLOR_FORCE").then(|| "1".to_string());
        let force0 = |k: &str| (k == "CLICOLOR_FORCE").then(|| "0".to_string());
        assert!(use_color(ColorChoice::Auto, true, none));
        assert!(!use_color(ColorChoice::Auto, false, none));
        assert!(!use_color(ColorChoice::Auto, true, no_color));
        assert!(use_color(ColorChoice::Auto, false, force));
        assert!(!use_color(ColorChoice::Auto, false, force0));
        assert!(use_color(ColorChoice::Always, false, no_color));
        assert!(!use_color(ColorChoice::Never, true, force));
    }

    #[test]
    fn in_order_emission_whatever_the_threads() {
        for threads in [1, 2, 8] {
            let mut got = Vec::new();
            for_each_in_order(
                0..500usize,
                threads,
                |i| {
                    // Uneven work so that workers finish out of order.
                    if i % 7 == 0 {
                        std::thread::yield_now();
                    }
                    i * 2
                },
                |r| got.push(r),
            );
            assert_eq!(
                got,
                (0..500).map(|i| i * 2).collect::<Vec<_>>(),
                "threads={threads}"
            );
        }
        let mut none = Vec::new();
        for_each_in_order(std::iter::empty::<usize>(), 4, |i| i, |r| none.push(r));
        assert!(none.is_empty());
    }

    #[test]
    fn a_slow_item_stops_the_others_at_the_window() {
        use std::sync::atomic::AtomicUsize;
        let threads = 4;
        let window = threads * 4 + 16;
        let taken = AtomicUsize::new(0);
        let emitted = AtomicUsize::new(0);
        let most_ahead = AtomicUsize::new(0);
        // The iterator checks, each time an item is taken, how far ahead of the printer it is.
        let items = (0..200usize).inspect(|&i| {
            let ahead = i - emitted.load(Ordering::SeqCst);
            assert!(
                ahead < window,
                "item {i} taken {ahead} ahead of the printer"
            );
            most_ahead.fetch_max(ahead, Ordering::SeqCst);
            taken.store(i + 1, Ordering::SeqCst);
        });
        let mut got = Vec::new();
        for_each_in_order(
            items,
            threads,
            |i| {
                if i == 0 {
                    // Held until the other workers have filled the window (bounded, so that a
                    // smaller window fails the assertion below instead of hanging).
                    let deadline = Instant::now() + Duration::from_secs(20);
                    while taken.load(Ordering::SeqCst) < window && Instant::now() < deadline {
                        std::thread::yield_now();
                    }
                }
                i
            },
            |r| {
                got.push(r);
                emitted.fetch_add(1, Ordering::SeqCst);
            },
        );
        assert_eq!(got, (0..200).collect::<Vec<_>>());
        assert_eq!(most_ahead.load(Ordering::SeqCst), window - 1);
    }

    #[test]
    fn stdin_must_be_alone_in_fix() {
        assert_eq!(stdin_only(&["-".into()]), Ok(true));
        assert_eq!(stdin_only(&["a".into()]), Ok(false));
        assert!(stdin_only(&["-".into(), "a".into()]).is_err());
        assert!(stdin_only(&["-".into(), "-".into()]).is_err());
    }
}
