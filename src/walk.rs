//! Which files, and the file system around them: the first step of a run (PATHs -> inputs in path
//! order, produced while walking, see [`Inputs`]) and the last (the atomic write).
//!
//! # What is taken
//!
//! - A file named on the command line is always taken, whatever its extension, and even when a
//!   `.gitignore` or an `--exclude`/`exclude` glob would leave it out.
//! - A folder is walked with the `ignore` crate: files ending in `.yaml`/`.yml` (any
//!   case), respecting `.gitignore`, `.ignore` and `.git/info/exclude` (also outside a git
//!   repository) unless `--no-ignore`, leaving out hidden files and folders unless `--hidden`
//!   (`.git` is never walked), and leaving out what the exclude globs match.
//! - `-` is standard input.
//!
//! # Symlinks
//!
//! - Symlinked folders are never followed while walking (a link can point anywhere, loop, or make
//!   one file appear twice). A folder named on the command line is walked even when it is a link.
//! - A symlinked file (found while walking, or named) is edited through the link: the target file
//!   is rewritten and the link stays a link. But only when the target lies inside the walked
//!   folder (for a named file: inside the current folder); otherwise it is skipped with a note,
//!   so that a link in a repository cannot make secctx rewrite a file elsewhere on the machine.
//! - A file reached by several paths (a link and its target, a folder and a file in it) is
//!   processed once, under its own path rather than a link's.
//!
//! # Writing
//!
//! [`write_atomic`] writes a temp file `.secctx-XXXXXX.tmp` in the file's folder, gives it the
//! original's permissions (and owner, when allowed), checks that the file on disk still holds the
//! bytes that were read, then renames the temp file over it. A file without write permission, or
//! in a folder without write permission, is reported and left alone (secctx does not rewrite what
//! its owner marked read-only, even when running as root). Temp files being written are listed
//! so that an exit on a second signal removes them ([`remove_temp_files_and_exit`]).
//!
//! What this cannot promise: a change saved between the last comparison and the rename (a window
//! of microseconds) is replaced, as with any tool that writes without locks; and a `SIGKILL` or a
//! crash of the machine can leave a `.secctx-*.tmp` beside the file (never a partial file: the
//! target is only ever replaced by a rename). Such leftovers are hidden and are not `.yaml`, so
//! the next run does not take them for manifests.

use std::cmp::{Ordering, Reverse};
use std::collections::{BinaryHeap, HashSet};
use std::fs;
use std::io::{self, Read as _, Write as _};
use std::path::{Component, Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError, RwLock};

use anyhow::Context as _;
use ignore::gitignore::{Gitignore, GitignoreBuilder};

/// One input of a run, in the order results are printed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Input {
    /// `-`.
    Stdin,
    /// A file to process. `path` is as shown to the user; `real` is where the bytes are read and
    /// written (the canonical path: the target when `path` is a symlink).
    File {
        path: PathBuf,
        real: PathBuf,
        via_link: bool,
    },
    /// Left alone on purpose (a symlink pointing outside the walked folder).
    Skipped { path: PathBuf, message: String },
    /// Could not be walked or resolved (missing path, unreadable folder, broken link).
    Error { path: PathBuf, message: String },
}

impl Input {
    /// The path as shown; `<stdin>` for `-`.
    pub fn display(&self) -> String {
        match self {
            Input::Stdin => "<stdin>".to_string(),
            Input::File { path, .. } | Input::Skipped { path, .. } | Input::Error { path, .. } => {
                path.display().to_string()
            }
        }
    }

    fn sort_key(&self) -> (u8, &Path) {
        match self {
            Input::Stdin => (0, Path::new("")),
            Input::File { path, .. } | Input::Skipped { path, .. } | Input::Error { path, .. } => {
                (1, path)
            }
        }
    }
}

/// Exclude globs in .gitignore syntax, each set anchored at its own folder (the config file's
/// folder, or the current folder for `--exclude`). Later sets win over earlier ones, so a
/// `--exclude '!keep.yaml'` can re-include what the config excludes.
#[derive(Clone, Debug, Default)]
pub struct Excludes {
    sets: Vec<Gitignore>,
}

impl Excludes {
    /// Adds globs anchored at `base` (an absolute folder).
    pub fn add(&mut self, base: &Path, globs: &[String]) -> anyhow::Result<()> {
        if globs.is_empty() {
            return Ok(());
        }
        let mut b = GitignoreBuilder::new(base);
        for g in globs {
            b.add_line(None, g)
                .with_context(|| format!("invalid exclude glob `{g}`"))?;
        }
        self.sets.push(b.build().context("invalid exclude globs")?);
        Ok(())
    }

    /// Whether `abs` (an absolute, normalized path) is excluded.
    pub fn is_excluded(&self, abs: &Path, is_dir: bool) -> bool {
        let mut excluded = false;
        for set in &self.sets {
            let m = set.matched(abs, is_dir);
            if m.is_ignore() {
                excluded = true;
            } else if m.is_whitelist() {
                excluded = false;
            }
        }
        excluded
    }

    pub fn is_empty(&self) -> bool {
        self.sets.is_empty()
    }
}

/// How to walk.
#[derive(Clone, Debug)]
pub struct WalkOptions {
    pub no_ignore: bool,
    pub hidden: bool,
    pub excludes: Excludes,
    /// The current folder (absolute): relative PATHs and `--exclude` globs are relative to it.
    pub cwd: PathBuf,
}

/// Turns PATH arguments into the inputs of a run: sorted by path, without duplicates, and
/// produced while walking (see [`Inputs`]).
pub fn inputs(paths: &[PathBuf], opts: &WalkOptions) -> Inputs {
    Inputs::new(paths, opts)
}

/// All inputs at once: [`inputs`] collected (tests, and callers that want the whole list).
pub fn collect(paths: &[PathBuf], opts: &WalkOptions) -> Vec<Input> {
    inputs(paths, opts).collect()
}

/// The inputs of a run, in path order (the same order whatever the thread count), each produced
/// as soon as the walk reaches it.
///
/// Each folder is walked sequentially with its entries sorted by name, which visits paths in
/// `Path` order (component by component, so `a/b.yaml` comes before `a.yaml`). The folders and
/// the files named on the command line are then merged as sorted streams, one entry per stream at
/// a time. What is held meanwhile does not grow with the number of files: the listing of each
/// folder on the current path of each walk, and the de-duplication state (see `Dedup`).
pub struct Inputs {
    /// The next input of each source, smallest first; at most one per source.
    heads: BinaryHeap<Reverse<Head>>,
    sources: Vec<Source>,
    dedup: Dedup,
}

/// A source's next input, ordered by path, then by the position of its PATH argument (for the
/// same path the earlier argument wins, as a stable sort would have it).
struct Head {
    input: Input,
    arg: usize,
    source: usize,
}

impl Head {
    fn key(&self) -> ((u8, &Path), usize, usize) {
        (self.input.sort_key(), self.arg, self.source)
    }
}

impl PartialEq for Head {
    fn eq(&self, other: &Self) -> bool {
        self.key() == other.key()
    }
}

impl Eq for Head {}

impl PartialOrd for Head {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Head {
    fn cmp(&self, other: &Self) -> Ordering {
        self.key().cmp(&other.key())
    }
}

/// A sorted stream of inputs.
enum Source {
    /// Everything that is not a walk (`-`, named files, paths that could not be resolved), sorted
    /// up front, each with its argument's position. As many as there are PATH arguments.
    Named(std::vec::IntoIter<(usize, Input)>),
    /// The walk of one folder argument.
    Walk { arg: usize, walk: Box<DirWalk> },
}

impl Source {
    fn next(&mut self) -> Option<(usize, Input)> {
        match self {
            Source::Named(it) => it.next(),
            Source::Walk { arg, walk } => walk.next().map(|i| (*arg, i)),
        }
    }
}

impl Inputs {
    fn new(paths: &[PathBuf], opts: &WalkOptions) -> Inputs {
        let canonical_cwd = fs::canonicalize(&opts.cwd).unwrap_or_else(|_| opts.cwd.clone());
        let filters = Arc::new(Filters {
            no_ignore: opts.no_ignore,
            hidden: opts.hidden,
            excludes: opts.excludes.clone(),
            cwd: opts.cwd.clone(),
        });
        let mut named = Vec::new();
        let mut sources = Vec::new();
        let mut dedup = Dedup::new(Arc::clone(&filters));
        // Arguments that yield files under their own path: (display, canonical path).
        let mut plain_args = Vec::new();
        for (arg, path) in paths.iter().enumerate() {
            if path.as_os_str() == "-" {
                named.push((arg, Input::Stdin));
                continue;
            }
            let shown = display_path(path);
            match fs::metadata(path) {
                Err(e) => {
                    let message = match fs::symlink_metadata(path) {
                        Ok(_) => format!("broken symlink: {}", io_message(&e)),
                        Err(_) => io_message(&e),
                    };
                    named.push((
                        arg,
                        Input::Error {
                            path: shown,
                            message,
                        },
                    ));
                }
                Ok(meta) if meta.is_dir() => match fs::canonicalize(path) {
                    Err(e) => named.push((
                        arg,
                        Input::Error {
                            path: shown,
                            message: io_message(&e),
                        },
                    )),
                    Ok(canonical) => {
                        plain_args.push((shown, canonical.clone()));
                        dedup.walk_roots.push(WalkRoot {
                            given: path.clone(),
                            canonical: canonical.clone(),
                            matcher: None,
                        });
                        sources.push(Source::Walk {
                            arg,
                            walk: Box::new(DirWalk::new(path, canonical, &filters)),
                        });
                    }
                },
                Ok(_) => {
                    let input = resolve_file(path, shown, &canonical_cwd, "the current folder");
                    if let Input::File {
                        path,
                        real,
                        via_link: false,
                    } = &input
                    {
                        dedup.plain_named.insert(real.clone());
                        plain_args.push((path.clone(), real.clone()));
                    }
                    named.push((arg, input));
                }
            }
        }
        dedup.zones = overlap_zones(plain_args);
        named.sort_by(|(a, x), (b, y)| (x.sort_key(), a).cmp(&(y.sort_key(), b)));
        sources.push(Source::Named(named.into_iter()));
        let mut heads = BinaryHeap::with_capacity(sources.len());
        for (source, s) in sources.iter_mut().enumerate() {
            if let Some((arg, input)) = s.next() {
                heads.push(Reverse(Head { input, arg, source }));
            }
        }
        Inputs {
            heads,
            sources,
            dedup,
        }
    }
}

impl Iterator for Inputs {
    type Item = Input;

    fn next(&mut self) -> Option<Input> {
        loop {
            let Reverse(head) = self.heads.pop()?;
            if let Some((arg, input)) = self.sources[head.source].next() {
                self.heads.push(Reverse(Head {
                    input,
                    arg,
                    source: head.source,
                }));
            }
            if self.dedup.keep(&head.input) {
                return Some(head.input);
            }
        }
    }
}

/// Where the same file can arrive under two different shown paths: the canonical paths of
/// arguments that lie inside (or are) another argument's, unless the outer argument's walk shows
/// their files under the very same path (`.` and `sub`, `sub` and `sub/a.yaml`: those duplicates
/// arrive one after the other and need no memory). What remains is rare (`.` with the same folder
/// spelled absolute, a folder with a link to a folder inside it).
fn overlap_zones(mut args: Vec<(PathBuf, PathBuf)>) -> Vec<PathBuf> {
    // Sorted by canonical path, an argument comes right after every argument it lies in: a stack
    // of the enclosing ones finds each pair without comparing every two.
    args.sort_by(|a, b| a.1.cmp(&b.1));
    let mut zones: Vec<PathBuf> = Vec::new();
    let mut enclosing: Vec<&(PathBuf, PathBuf)> = Vec::new();
    for arg in &args {
        while enclosing
            .last()
            .is_some_and(|outer| !arg.1.starts_with(&outer.1))
        {
            enclosing.pop();
        }
        let same_paths = |outer: &&(PathBuf, PathBuf)| {
            let base = |p: &Path| -> PathBuf {
                if p == Path::new(".") {
                    PathBuf::new()
                } else {
                    p.to_path_buf()
                }
            };
            base(&arg.0).strip_prefix(base(&outer.0)).is_ok_and(|rest| {
                rest.components().all(|c| matches!(c, Component::Normal(_)))
                    && outer.1.join(rest) == arg.1
            })
        };
        if !enclosing.iter().all(same_paths) && zones.last() != Some(&arg.1) {
            zones.push(arg.1.clone());
        }
        enclosing.push(arg);
    }
    zones
}

/// What the walk leaves out, shared by the walks and the symlink rule.
#[derive(Debug)]
struct Filters {
    no_ignore: bool,
    hidden: bool,
    excludes: Excludes,
    cwd: PathBuf,
}

impl Filters {
    fn builder(&self, root: &Path) -> ignore::WalkBuilder {
        let mut builder = ignore::WalkBuilder::new(root);
        builder
            .standard_filters(!self.no_ignore)
            .hidden(!self.hidden)
            .require_git(false)
            .follow_links(false);
        builder
    }

    /// secctx's own filters for an entry below a walked root: `.git` folders and exclude globs.
    fn keeps(&self, path: &Path, name: &std::ffi::OsStr, is_dir: bool) -> bool {
        if is_dir && name == ".git" {
            return false;
        }
        self.excludes.is_empty()
            || !self
                .excludes
                .is_excluded(&absolute(&self.cwd, path), is_dir)
    }
}

/// The sequential, sorted walk of one folder argument.
pub struct DirWalk {
    walk: ignore::Walk,
    root: PathBuf,
    canonical_root: PathBuf,
}

impl DirWalk {
    fn new(root: &Path, canonical_root: PathBuf, filters: &Arc<Filters>) -> DirWalk {
        let mut builder = filters.builder(root);
        // Entries sorted by name within each folder: the walk then yields paths in `Path` order.
        builder.sort_by_file_name(|a, b| a.cmp(b));
        let shared = Arc::clone(filters);
        builder.filter_entry(move |entry| {
            entry.depth() == 0
                || shared.keeps(
                    entry.path(),
                    entry.file_name(),
                    entry.file_type().is_some_and(|t| t.is_dir()),
                )
        });
        DirWalk {
            walk: builder.build(),
            root: root.to_path_buf(),
            canonical_root,
        }
    }

    /// The input for one entry, or `None` for what is not a YAML file to take.
    fn input(&self, entry: &ignore::DirEntry) -> Option<Input> {
        if entry.depth() == 0 {
            return None;
        }
        let ft = entry.file_type()?;
        if ft.is_dir() || !is_yaml_name(entry.path()) {
            return None;
        }
        let shown = display_path(entry.path());
        if ft.is_symlink() {
            return match fs::metadata(entry.path()) {
                Err(e) => Some(Input::Error {
                    path: shown,
                    message: format!("broken symlink: {}", io_message(&e)),
                }),
                // A link to a folder that happens to end in .yaml: not followed.
                Ok(m) if m.is_dir() => None,
                Ok(_) => Some(resolve_file(
                    entry.path(),
                    shown,
                    &self.canonical_root,
                    "the walked folder",
                )),
            };
        }
        if !ft.is_file() {
            return None;
        }
        // Below the root every folder on the way is a real folder (linked folders are not
        // followed), so the canonical path is the canonical root plus the same names: no need
        // to ask the file system again.
        Some(match entry.path().strip_prefix(&self.root) {
            Ok(rest) => Input::File {
                path: shown,
                real: self.canonical_root.join(rest),
                via_link: false,
            },
            Err(_) => resolve_file(entry.path(), shown, &self.canonical_root, ""),
        })
    }
}

impl Iterator for DirWalk {
    type Item = Input;

    fn next(&mut self) -> Option<Input> {
        loop {
            match self.walk.next()? {
                Err(err) => {
                    let path = error_path(&err).unwrap_or_else(|| self.root.clone());
                    return Some(Input::Error {
                        path: display_path(&path),
                        message: walk_message(&err),
                    });
                }
                Ok(entry) => {
                    if let Some(input) = self.input(&entry) {
                        return Some(input);
                    }
                }
            }
        }
    }
}

/// A walked folder argument, for the symlink rule.
struct WalkRoot {
    given: PathBuf,
    canonical: PathBuf,
    /// The `ignore` crate's matcher for single paths under this root, built on first use.
    matcher: Option<ignore::IncrementalIgnore>,
}

/// Which inputs to keep as they stream by, sorted: the first one for each real file, where a
/// plain path wins over a symlink to the same file wherever the two sort.
///
/// Memory: duplicates under the same shown path arrive one after the other and are dropped by
/// comparing with the previous input. Beyond that it keeps the real paths of the symlinked
/// files taken, of the files named on the command line, and of the files inside `zones` (only
/// when arguments overlap under different spellings, see [`overlap_zones`]); and, when there
/// are symlinked files, the `ignore` crate's matchers for the folders on the way to their
/// targets. None of these grows with a tree's plain files.
struct Dedup {
    filters: Arc<Filters>,
    stdin_seen: bool,
    /// The shown path of the previous input; what has been kept under it.
    group: Option<PathBuf>,
    group_plain: bool,
    group_other: bool,
    /// Real paths of named files that are not links (they are always taken).
    plain_named: HashSet<PathBuf>,
    walk_roots: Vec<WalkRoot>,
    zones: Vec<PathBuf>,
    zone_seen: HashSet<PathBuf>,
    links_seen: HashSet<PathBuf>,
}

impl Dedup {
    fn new(filters: Arc<Filters>) -> Dedup {
        Dedup {
            filters,
            stdin_seen: false,
            group: None,
            group_plain: false,
            group_other: false,
            plain_named: HashSet::new(),
            walk_roots: Vec::new(),
            zones: Vec::new(),
            zone_seen: HashSet::new(),
            links_seen: HashSet::new(),
        }
    }

    fn keep(&mut self, input: &Input) -> bool {
        let (path, file) = match input {
            Input::Stdin => return !std::mem::replace(&mut self.stdin_seen, true),
            Input::File {
                path,
                real,
                via_link,
            } => (path, Some((real, *via_link))),
            Input::Skipped { path, .. } | Input::Error { path, .. } => (path, None),
        };
        if self.group.as_ref() != Some(path) {
            self.group = Some(path.clone());
            self.group_plain = false;
            self.group_other = false;
        }
        match file {
            // One shown path is one file: only the first plain input under it counts.
            Some((real, false)) => {
                !std::mem::replace(&mut self.group_plain, true)
                    && (!self.zones.iter().any(|z| real.starts_with(z))
                        || self.zone_seen.insert(real.clone()))
            }
            Some((real, true)) => !self.taken_plain(real) && self.links_seen.insert(real.clone()),
            None => !std::mem::replace(&mut self.group_other, true),
        }
    }

    /// Whether the run takes `real` (a link's canonical target) under a plain path, before or
    /// after this point: named on the command line, or reached by walking a folder argument.
    fn taken_plain(&mut self, real: &Path) -> bool {
        if self.plain_named.contains(real) {
            return true;
        }
        if !is_yaml_name(real) || !fs::symlink_metadata(real).is_ok_and(|m| m.is_file()) {
            return false;
        }
        let filters = &self.filters;
        self.walk_roots
            .iter_mut()
            .any(|root| walk_takes(root, real, filters))
    }
}

/// Whether walking `root` takes the regular YAML file `real` (canonical) under a plain path: it
/// lies below the root, and neither it nor a folder on the way is left out. The `.gitignore`,
/// `.ignore` and hidden rules are the `ignore` crate's own, through its matcher for single paths
/// (which checks each folder on the way like its walk does); `.git` and exclude globs are ours,
/// checked on each entry on the way like the walk's `filter_entry`.
fn walk_takes(root: &mut WalkRoot, real: &Path, filters: &Filters) -> bool {
    let Ok(rest) = real.strip_prefix(&root.canonical) else {
        return false;
    };
    let names: Vec<&std::ffi::OsStr> = rest
        .components()
        .map_while(|c| match c {
            Component::Normal(name) => Some(name),
            _ => None,
        })
        .collect();
    if names.is_empty() || names.len() != rest.components().count() {
        return false;
    }
    let mut entry = root.given.clone();
    for (depth, name) in names.iter().enumerate() {
        entry.push(name);
        if !filters.keeps(&entry, name, depth + 1 < names.len()) {
            return false;
        }
    }
    let matcher = root.matcher.get_or_insert_with(|| {
        filters
            .builder(&root.given)
            .build_matchers()
            .pop()
            .expect("one matcher per root, and the builder has one root")
    });
    !matcher.matched(rest, false).is_ignore()
}

/// A file to process, with its canonical path; a symlink must point inside `tree`.
fn resolve_file(path: &Path, shown: PathBuf, tree: &Path, tree_name: &str) -> Input {
    let via_link = fs::symlink_metadata(path)
        .map(|m| m.file_type().is_symlink())
        .unwrap_or(false);
    match fs::canonicalize(path) {
        Err(e) => Input::Error {
            path: shown,
            message: io_message(&e),
        },
        Ok(real) if via_link && !real.starts_with(tree) => Input::Skipped {
            path: shown,
            message: format!(
                "symlink to {}, outside {tree_name}; secctx edits a link's target only inside it",
                real.display()
            ),
        },
        Ok(real) => Input::File {
            path: shown,
            real,
            via_link,
        },
    }
}

/// `.yaml`/`.yml`, any case.
pub fn is_yaml_name(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| e.eq_ignore_ascii_case("yaml") || e.eq_ignore_ascii_case("yml"))
}

/// The path as shown: without leading `./` components.
pub fn display_path(path: &Path) -> PathBuf {
    let mut comps = path.components().peekable();
    while comps.peek() == Some(&Component::CurDir) {
        comps.next();
    }
    let p: PathBuf = comps.collect();
    if p.as_os_str().is_empty() {
        PathBuf::from(".")
    } else {
        p
    }
}

/// `cwd.join(path)` with `.` components removed (no file system access, links untouched).
pub fn absolute(cwd: &Path, path: &Path) -> PathBuf {
    cwd.join(path)
        .components()
        .filter(|c| *c != Component::CurDir)
        .collect()
}

fn error_path(err: &ignore::Error) -> Option<PathBuf> {
    match err {
        ignore::Error::WithPath { path, .. } => Some(path.clone()),
        ignore::Error::WithDepth { err, .. } | ignore::Error::WithLineNumber { err, .. } => {
            error_path(err)
        }
        ignore::Error::Loop { child, .. } => Some(child.clone()),
        ignore::Error::Partial(errs) => errs.iter().find_map(error_path),
        _ => None,
    }
}

fn walk_message(err: &ignore::Error) -> String {
    match err {
        ignore::Error::WithPath { err, .. } | ignore::Error::WithDepth { err, .. } => {
            walk_message(err)
        }
        ignore::Error::Io(e) => io_message(e),
        other => other.to_string(),
    }
}

/// A short, lowercase reason for an I/O error.
pub fn io_message(e: &io::Error) -> String {
    match e.kind() {
        io::ErrorKind::NotFound => "no such file or folder".to_string(),
        io::ErrorKind::PermissionDenied => "permission denied".to_string(),
        _ => {
            let s = e.to_string();
            // "Is a directory (os error 21)" -> "is a directory (os error 21)"
            let mut c = s.chars();
            match c.next() {
                Some(f) => f.to_lowercase().chain(c).collect(),
                None => s,
            }
        }
    }
}

/// Why a write did not happen. The original file is intact in every case.
#[derive(Debug)]
pub enum WriteError {
    /// The file has no write permission bits.
    ReadOnly,
    /// Its folder has no write permission bits (root could still write there).
    ReadOnlyFolder,
    /// The file's bytes changed after they were read.
    ChangedOnDisk,
    Io(anyhow::Error),
}

impl WriteError {
    /// The `error.kind` reported for it.
    pub fn kind(&self) -> &'static str {
        match self {
            WriteError::ReadOnly | WriteError::ReadOnlyFolder => "read-only",
            WriteError::ChangedOnDisk => "changed-on-disk",
            WriteError::Io(_) => "write-failed",
        }
    }

    pub fn message(&self) -> String {
        match self {
            WriteError::ReadOnly => {
                "the file is read-only (no write permission); not written".to_string()
            }
            WriteError::ReadOnlyFolder => {
                "the file's folder is read-only (no write permission); not written".to_string()
            }
            WriteError::ChangedOnDisk => {
                "the file changed on disk while secctx was working on it; not written (run again)"
                    .to_string()
            }
            WriteError::Io(e) => format!("{e:#}"),
        }
    }
}

/// Replaces `real` with `new` atomically, keeping its permissions, if it still holds `original`
/// (or nothing, if it already holds `new`).
///
/// Temp file in the same folder, permissions (and owner, when the process may set it) copied,
/// contents flushed, the file on disk compared with `original` once more, then a rename. On any
/// failure the temp file is removed and the original is untouched.
pub fn write_atomic(real: &Path, original: &[u8], new: &[u8]) -> Result<(), WriteError> {
    let meta = fs::metadata(real)
        .with_context(|| format!("failed to read the metadata of {}", real.display()))
        .map_err(WriteError::Io)?;
    if meta.permissions().readonly() {
        return Err(WriteError::ReadOnly);
    }
    let dir = match real.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    if fs::metadata(dir).is_ok_and(|m| m.permissions().readonly()) {
        return Err(WriteError::ReadOnlyFolder);
    }
    // Created and listed under a shared lock that the exit on a second signal takes exclusively,
    // so that it cannot miss a temp file that already exists. Shared: workers create their temp
    // files at the same time (creating a file is the slowest step of a write).
    let (mut tmp, _listed) = {
        let _creating = CREATING.read().unwrap_or_else(PoisonError::into_inner);
        let tmp = tempfile::Builder::new()
            .prefix(".secctx-")
            .suffix(".tmp")
            .tempfile_in(dir)
            .with_context(|| format!("failed to create a temporary file in {}", dir.display()))
            .map_err(WriteError::Io)?;
        IN_FLIGHT
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(tmp.path().to_path_buf());
        let listed = Listed(tmp.path().to_path_buf());
        (tmp, listed)
    };
    tmp.write_all(new)
        .and_then(|()| tmp.flush())
        .with_context(|| format!("failed to write {}", tmp.path().display()))
        .map_err(WriteError::Io)?;
    tmp.as_file()
        .set_permissions(meta.permissions())
        .with_context(|| format!("failed to set the permissions of {}", tmp.path().display()))
        .map_err(WriteError::Io)?;
    keep_owner(tmp.as_file(), &meta);
    // A file longer than both needs no more bytes read to tell that it holds neither.
    let now = read_at_most(real, original.len().max(new.len()) + 1)
        .with_context(|| format!("failed to re-read {}", real.display()))
        .map_err(WriteError::Io)?;
    if now == new {
        // Another run (secctx on the same tree at the same time) already wrote this result.
        return Ok(());
    }
    if now != original {
        return Err(WriteError::ChangedOnDisk);
    }
    tmp.persist(real)
        .map_err(|e| e.error)
        .with_context(|| format!("failed to replace {}", real.display()))
        .map_err(WriteError::Io)?;
    Ok(())
}

/// The file's first `limit` bytes, or all of it when shorter. Unlike `fs::read` it asks for no
/// size hint (`statx`): the buffer is already large enough.
fn read_at_most(path: &Path, limit: usize) -> io::Result<Vec<u8>> {
    let mut buf = Vec::with_capacity(limit);
    fs::File::open(path)?
        .take(limit as u64)
        .read_to_end(&mut buf)?;
    Ok(buf)
}

/// Temp files of writes in progress. `std::process::exit` (the second signal) runs no
/// destructors, so the handler removes these itself.
static IN_FLIGHT: Mutex<Vec<PathBuf>> = Mutex::new(Vec::new());

/// Held shared from creating a temp file until it is in `IN_FLIGHT`; held exclusively by
/// [`remove_temp_files_and_exit`].
static CREATING: RwLock<()> = RwLock::new(());

/// Takes a temp file off `IN_FLIGHT` when its write is over, whichever way.
struct Listed(PathBuf);

impl Drop for Listed {
    fn drop(&mut self) {
        let mut in_flight = IN_FLIGHT.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(i) = in_flight.iter().position(|p| *p == self.0) {
            in_flight.swap_remove(i);
        }
    }
}

/// Removes the temp files of the writes in progress, before an exit that skips destructors. The
/// targets are untouched: each is replaced by a rename, which has happened or not. Waits until
/// no temp file is being created and holds the locks until the process exits, so that no new
/// temp file appears meanwhile.
pub fn remove_temp_files_and_exit(code: i32) -> ! {
    let _creating = CREATING.write().unwrap_or_else(PoisonError::into_inner);
    let in_flight = IN_FLIGHT.lock().unwrap_or_else(PoisonError::into_inner);
    for p in in_flight.iter() {
        let _ = fs::remove_file(p);
    }
    std::process::exit(code)
}

/// Gives the temp file the original's owner and group when they differ (e.g. root fixing a
/// user's checkout). Best effort: without the right to do so the file keeps the process's owner.
#[cfg(unix)]
fn keep_owner(file: &fs::File, meta: &fs::Metadata) {
    use std::os::unix::fs::MetadataExt as _;
    if let Ok(tmp_meta) = file.metadata()
        && (tmp_meta.uid() != meta.uid() || tmp_meta.gid() != meta.gid())
    {
        let _ = std::os::unix::fs::fchown(file, Some(meta.uid()), Some(meta.gid()));
    }
}

#[cfg(not(unix))]
fn keep_owner(_file: &fs::File, _meta: &fs::Metadata) {}

#[cfg(test)]
mod tests {
    use super::*;

    fn opts(cwd: &Path) -> WalkOptions {
        WalkOptions {
            no_ignore: false,
            hidden: false,
            excludes: Excludes::default(),
            cwd: cwd.to_path_buf(),
        }
    }

    fn names(inputs: &[Input], base: &Path) -> Vec<String> {
        inputs
            .iter()
            .map(|i| match i {
                Input::File { path, .. } => path
                    .strip_prefix(base)
                    .unwrap_or(path)
                    .display()
                    .to_string(),
                Input::Skipped { path, .. } => {
                    format!(
                        "skipped:{}",
                        path.strip_prefix(base).unwrap_or(path).display()
                    )
                }
                Input::Error { path, .. } => {
                    format!(
                        "error:{}",
                        path.strip_prefix(base).unwrap_or(path).display()
                    )
                }
                Input::Stdin => "-".into(),
            })
            .collect()
    }

    // The walk as it was before it streamed (a parallel walk listing every input, one global
    // sort, then de-duplication with sets of every path), kept as the oracle: the streaming walk
    // must give exactly the same list.
    use ignore::WalkState;

    fn reference_collect(paths: &[PathBuf], opts: &WalkOptions) -> Vec<Input> {
        let found = Mutex::new(Vec::new());
        let canonical_cwd = fs::canonicalize(&opts.cwd).unwrap_or_else(|_| opts.cwd.clone());
        for arg in paths {
            if arg.as_os_str() == "-" {
                push(&found, Input::Stdin);
                continue;
            }
            let shown = display_path(arg);
            match fs::metadata(arg) {
                Err(e) => {
                    let message = match fs::symlink_metadata(arg) {
                        Ok(_) => format!("broken symlink: {}", io_message(&e)),
                        Err(_) => io_message(&e),
                    };
                    push(
                        &found,
                        Input::Error {
                            path: shown,
                            message,
                        },
                    );
                }
                Ok(meta) if meta.is_dir() => walk_dir(arg, opts, &found),
                Ok(_) => push(
                    &found,
                    resolve_file(arg, shown, &canonical_cwd, "the current folder"),
                ),
            }
        }
        let mut inputs = found.into_inner().unwrap_or_else(|e| e.into_inner());
        inputs.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
        dedup(inputs)
    }

    fn push(found: &Mutex<Vec<Input>>, input: Input) {
        found.lock().unwrap_or_else(|e| e.into_inner()).push(input);
    }

    /// Keeps the first input for each real file, preferring a plain path over a symlink.
    fn dedup(inputs: Vec<Input>) -> Vec<Input> {
        let mut seen: HashSet<PathBuf> = HashSet::new();
        let mut seen_links: HashSet<PathBuf> = HashSet::new();
        let mut seen_other: HashSet<PathBuf> = HashSet::new();
        for i in &inputs {
            if let Input::File {
                real,
                via_link: false,
                ..
            } = i
            {
                seen.insert(real.clone());
            }
        }
        let mut kept_plain: HashSet<PathBuf> = HashSet::new();
        let mut stdin_seen = false;
        inputs
            .into_iter()
            .filter(|i| match i {
                Input::Stdin => !std::mem::replace(&mut stdin_seen, true),
                Input::File {
                    real,
                    via_link: false,
                    ..
                } => kept_plain.insert(real.clone()),
                Input::File {
                    real,
                    via_link: true,
                    ..
                } => !seen.contains(real) && seen_links.insert(real.clone()),
                Input::Skipped { path, .. } | Input::Error { path, .. } => {
                    seen_other.insert(path.clone())
                }
            })
            .collect()
    }

    fn walk_dir(root: &Path, opts: &WalkOptions, found: &Mutex<Vec<Input>>) {
        let canonical_root = match fs::canonicalize(root) {
            Ok(p) => p,
            Err(e) => {
                push(
                    found,
                    Input::Error {
                        path: display_path(root),
                        message: io_message(&e),
                    },
                );
                return;
            }
        };
        let mut builder = ignore::WalkBuilder::new(root);
        builder
            .standard_filters(!opts.no_ignore)
            .hidden(!opts.hidden)
            .require_git(false)
            .follow_links(false)
            .threads(4);
        let cwd = opts.cwd.clone();
        let excludes_in_use = !opts.excludes.is_empty();
        // filter_entry needs 'static data: the matcher sets are cheap to share by reference count.
        let excludes = std::sync::Arc::new(Excludes {
            sets: opts.excludes.sets.clone(),
        });
        builder.filter_entry(move |entry| {
            if entry.depth() == 0 {
                return true;
            }
            let is_dir = entry.file_type().is_some_and(|t| t.is_dir());
            if is_dir && entry.file_name() == ".git" {
                return false;
            }
            !(excludes_in_use && excludes.is_excluded(&absolute(&cwd, entry.path()), is_dir))
        });
        let root_name = root.to_path_buf();
        builder.build_parallel().run(|| {
            let canonical_root = &canonical_root;
            let root_name = &root_name;
            Box::new(move |result| {
                match result {
                    Err(err) => {
                        let path = error_path(&err).unwrap_or_else(|| root_name.clone());
                        push(
                            found,
                            Input::Error {
                                path: display_path(&path),
                                message: walk_message(&err),
                            },
                        );
                    }
                    Ok(entry) => {
                        if entry.depth() == 0 {
                            return WalkState::Continue;
                        }
                        let Some(ft) = entry.file_type() else {
                            return WalkState::Continue;
                        };
                        if ft.is_dir() || !is_yaml_name(entry.path()) {
                            return WalkState::Continue;
                        }
                        if ft.is_symlink() {
                            match fs::metadata(entry.path()) {
                                Err(e) => push(
                                    found,
                                    Input::Error {
                                        path: display_path(entry.path()),
                                        message: format!("broken symlink: {}", io_message(&e)),
                                    },
                                ),
                                // A link to a folder that happens to end in .yaml: not followed.
                                Ok(m) if m.is_dir() => {}
                                Ok(_) => push(
                                    found,
                                    resolve_file(
                                        entry.path(),
                                        display_path(entry.path()),
                                        canonical_root,
                                        "the walked folder",
                                    ),
                                ),
                            }
                        } else if ft.is_file() {
                            push(
                                found,
                                resolve_file(
                                    entry.path(),
                                    display_path(entry.path()),
                                    canonical_root,
                                    "",
                                ),
                            );
                        }
                    }
                }
                WalkState::Continue
            })
        });
    }

    fn tree() -> tempfile::TempDir {
        let d = tempfile::tempdir().unwrap();
        let p = d.path();
        for f in [
            "a.yaml",
            "b.yml",
            "c.txt",
            "sub/d.YAML",
            "sub/e.yaml",
            ".hidden/f.yaml",
            "ignored/g.yaml",
        ] {
            let path = p.join(f);
            fs::create_dir_all(path.parent().unwrap()).unwrap();
            fs::write(path, "x: 1\n").unwrap();
        }
        fs::write(p.join(".gitignore"), "ignored/\n").unwrap();
        d
    }

    #[test]
    fn walks_yaml_respecting_gitignore_and_hidden_sorted() {
        let d = tree();
        let got = collect(&[d.path().to_path_buf()], &opts(d.path()));
        assert_eq!(
            names(&got, d.path()),
            ["a.yaml", "b.yml", "sub/d.YAML", "sub/e.yaml"]
        );
        let mut o = opts(d.path());
        o.no_ignore = true;
        o.hidden = true;
        let got = collect(&[d.path().to_path_buf()], &o);
        assert_eq!(
            names(&got, d.path()),
            [
                ".hidden/f.yaml",
                "a.yaml",
                "b.yml",
                "ignored/g.yaml",
                "sub/d.YAML",
                "sub/e.yaml"
            ]
        );
    }

    #[test]
    fn explicit_files_are_always_taken_and_deduplicated() {
        let d = tree();
        let p = d.path();
        let args = [
            p.join("c.txt"),
            p.join("ignored/g.yaml"),
            p.to_path_buf(),
            p.join("a.yaml"),
            "-".into(),
        ];
        let got = collect(&args, &opts(p));
        assert_eq!(
            names(&got, p),
            [
                "-",
                "a.yaml",
                "b.yml",
                "c.txt",
                "ignored/g.yaml",
                "sub/d.YAML",
                "sub/e.yaml"
            ]
        );
    }

    #[test]
    fn excludes_prune_folders_and_files() {
        let d = tree();
        let p = d.path();
        let mut o = opts(p);
        o.excludes
            .add(p, &["sub/".to_string(), "b.yml".to_string()])
            .unwrap();
        let got = collect(&[p.to_path_buf()], &o);
        assert_eq!(names(&got, p), ["a.yaml"]);
        // A later set re-includes.
        o.excludes.add(p, &["!b.yml".to_string()]).unwrap();
        let got = collect(&[p.to_path_buf()], &o);
        assert_eq!(names(&got, p), ["a.yaml", "b.yml"]);
    }

    #[test]
    fn relative_paths_are_shown_without_dot_slash() {
        assert_eq!(
            display_path(Path::new("./a/b.yaml")),
            PathBuf::from("a/b.yaml")
        );
        assert_eq!(display_path(Path::new(".")), PathBuf::from("."));
        assert_eq!(
            absolute(Path::new("/w"), Path::new("./a/./b")),
            PathBuf::from("/w/a/b")
        );
    }

    #[test]
    fn missing_paths_are_errors() {
        let d = tempfile::tempdir().unwrap();
        let got = collect(&[d.path().join("nope.yaml")], &opts(d.path()));
        assert!(
            matches!(&got[..], [Input::Error { message, .. }] if message == "no such file or folder"),
            "{got:?}"
        );
    }

    #[cfg(unix)]
    #[test]
    fn symlinks_inside_are_processed_once_outside_skipped_dirs_not_followed() {
        use std::os::unix::fs::symlink;
        let outside = tempfile::tempdir().unwrap();
        fs::write(outside.path().join("o.yaml"), "x: 1\n").unwrap();
        fs::create_dir(outside.path().join("odir")).unwrap();
        fs::write(outside.path().join("odir/p.yaml"), "x: 1\n").unwrap();
        let d = tempfile::tempdir().unwrap();
        let p = d.path();
        fs::write(p.join("a.yaml"), "x: 1\n").unwrap();
        fs::write(p.join("t.txt"), "x: 1\n").unwrap();
        symlink(p.join("a.yaml"), p.join("0-link-to-a.yaml")).unwrap();
        symlink(p.join("t.txt"), p.join("link-to-t.yaml")).unwrap();
        symlink(outside.path().join("o.yaml"), p.join("out.yaml")).unwrap();
        symlink(outside.path().join("odir"), p.join("linkdir")).unwrap();
        symlink(p.join("missing"), p.join("broken.yaml")).unwrap();
        let got = collect(&[p.to_path_buf()], &opts(p));
        assert_eq!(
            names(&got, p),
            [
                "a.yaml",
                "error:broken.yaml",
                "link-to-t.yaml",
                "skipped:out.yaml"
            ]
        );
        match &got[2] {
            Input::File { real, via_link, .. } => {
                assert!(via_link);
                assert_eq!(real, &fs::canonicalize(p.join("t.txt")).unwrap());
            }
            other => panic!("{other:?}"),
        }
    }

    /// A tree with links before and after their targets, targets that the walk leaves out for
    /// each reason, a linked folder, link chains, a broken link, `.git`, nested ignore files.
    #[cfg(unix)]
    fn linked_tree() -> tempfile::TempDir {
        use std::os::unix::fs::symlink;
        let d = tempfile::tempdir().unwrap();
        let p = d.path();
        for f in [
            "a.yaml",
            "b.yml",
            "c.txt",
            "sub/d.YAML",
            "sub/e.yaml",
            ".hidden/f.yaml",
            "ignored/g.yaml",
            "excl/x.yaml",
            "z.skip.yaml",
            ".git/h.yaml",
            "nested/keep.yaml",
            "nested/drop.yaml",
            "a/b.yaml",
        ] {
            let path = p.join(f);
            fs::create_dir_all(path.parent().unwrap()).unwrap();
            fs::write(path, "x: 1\n").unwrap();
        }
        fs::write(p.join(".gitignore"), "ignored/\n*.skip.yaml\n").unwrap();
        fs::write(p.join("nested/.gitignore"), "*.yaml\n!keep.yaml\n").unwrap();
        for (link, target) in [
            ("0-link-to-a.yaml", "a.yaml"),
            ("0-link-to-ignored.yaml", "ignored/g.yaml"),
            ("0-link-to-hidden.yaml", ".hidden/f.yaml"),
            ("0-link-to-excluded.yaml", "excl/x.yaml"),
            ("0-link-to-skip.yaml", "z.skip.yaml"),
            ("0-link-to-sub.yaml", "sub/e.yaml"),
            ("0-link-to-git.yaml", ".git/h.yaml"),
            ("0-link-nested-drop.yaml", "nested/drop.yaml"),
            ("0-link-nested-keep.yaml", "nested/keep.yaml"),
            ("0-link-to-b.yaml", "a/b.yaml"),
            ("sub/y-link.yaml", "../a.yaml"),
            ("zz-link-a.yaml", "a.yaml"),
            ("dup-1.yaml", "c.txt"),
            ("dup-2.yaml", "c.txt"),
            ("chain.yaml", "dup-1.yaml"),
            ("broken.yaml", "missing"),
            ("linkdir", "sub"),
        ] {
            symlink(target, p.join(link)).unwrap();
        }
        d
    }

    #[cfg(unix)]
    #[test]
    fn the_streaming_walk_gives_the_list_the_sorted_walk_gave() {
        let d = linked_tree();
        let p = d.path();
        let excluded = |o: &mut WalkOptions| o.excludes.add(p, &["excl/".to_string()]).unwrap();
        type Tweak<'a> = &'a dyn Fn(&mut WalkOptions);
        let all: Tweak = &|o: &mut WalkOptions| {
            o.no_ignore = true;
            o.hidden = true;
        };
        let none: Tweak = &|_: &mut WalkOptions| {};
        let cases: Vec<(Vec<PathBuf>, Tweak)> = vec![
            (vec![p.into()], none),
            (vec![p.into()], all),
            (vec![p.into()], &excluded),
            (vec![p.into(), p.into()], none),
            (
                vec![
                    p.join("c.txt"),
                    p.into(),
                    p.join("sub"),
                    p.join("a.yaml"),
                    "-".into(),
                    p.join("c.txt"),
                    "-".into(),
                ],
                none,
            ),
            (vec![p.join("sub"), p.join("linkdir")], none),
            (vec![p.join("linkdir"), p.into()], none),
            (vec![p.join("./sub"), p.into()], none),
            (vec![p.join("sub/../sub"), p.into()], none),
            (vec![p.join("sub/../sub/e.yaml"), p.join("sub")], none),
            (vec![p.join("0-link-to-a.yaml")], none),
            (vec![p.join("0-link-to-a.yaml"), p.join("a.yaml")], none),
            (vec![p.join("sub"), p.join("0-link-to-sub.yaml")], none),
            (
                vec![p.join("ignored"), p.join("0-link-to-ignored.yaml")],
                none,
            ),
            (vec![p.join(".hidden"), p.join("nested"), p.join("a")], none),
            (
                vec![p.join("nested"), p.join("0-link-nested-drop.yaml")],
                all,
            ),
            (
                vec![p.join("missing.yaml"), p.join("broken.yaml"), p.into()],
                none,
            ),
        ];
        for (args, tweak) in &cases {
            let mut o = opts(p);
            tweak(&mut o);
            assert_eq!(
                collect(args, &o),
                reference_collect(args, &o),
                "{args:?} {o:?}"
            );
        }
        // The cases above are not vacuous: links before their targets are dropped, links to
        // files the walk leaves out are kept, and each reason to leave a file out counts.
        let got = collect(&[p.to_path_buf()], &opts(p));
        assert_eq!(
            names(&got, p),
            [
                "0-link-nested-drop.yaml",
                "0-link-to-git.yaml",
                "0-link-to-hidden.yaml",
                "0-link-to-ignored.yaml",
                "0-link-to-skip.yaml",
                "a/b.yaml",
                "a.yaml",
                "b.yml",
                "error:broken.yaml",
                "chain.yaml",
                "excl/x.yaml",
                "nested/keep.yaml",
                "sub/d.YAML",
                "sub/e.yaml",
            ]
        );
        let mut o = opts(p);
        excluded(&mut o);
        let got = collect(&[p.to_path_buf()], &o);
        assert!(names(&got, p).contains(&"0-link-to-excluded.yaml".to_string()));
        assert!(!names(&got, p).contains(&"excl/x.yaml".to_string()));
        // Walked twice under two spellings: each file once, under the first spelling (a note,
        // not being a file, is per shown path).
        let got = collect(&[p.join("sub/../sub"), p.join("sub")], &opts(p));
        assert_eq!(
            names(&got, p),
            [
                "sub/../sub/d.YAML",
                "sub/../sub/e.yaml",
                "skipped:sub/../sub/y-link.yaml",
                "skipped:sub/y-link.yaml"
            ],
        );
    }

    #[test]
    fn a_folder_is_listed_only_when_the_walk_gets_there() {
        // What makes the run stream: the first inputs are out before later folders are read.
        let d = tempfile::tempdir().unwrap();
        let p = d.path();
        for f in ["a/1.yaml", "a/2.yaml", "z/keep.txt"] {
            let path = p.join(f);
            fs::create_dir_all(path.parent().unwrap()).unwrap();
            fs::write(path, "x: 1\n").unwrap();
        }
        let mut it = inputs(&[p.to_path_buf()], &opts(p));
        let first = it.next().unwrap();
        assert_eq!(names(&[first], p), ["a/1.yaml"]);
        fs::write(p.join("z/3.yaml"), "x: 1\n").unwrap();
        let rest: Vec<Input> = it.collect();
        assert_eq!(names(&rest, p), ["a/2.yaml", "z/3.yaml"]);
    }

    #[test]
    fn overlap_zones_are_only_where_spellings_differ() {
        let arg = |shown: &str, real: &str| (PathBuf::from(shown), PathBuf::from(real));
        // `.` and `sub`, `sub` and `sub/a.yaml`: the same shown paths, no zone.
        assert!(
            overlap_zones(vec![
                arg(".", "/w"),
                arg("sub", "/w/sub"),
                arg("sub/a.yaml", "/w/sub/a.yaml"),
                arg("other", "/x"),
            ])
            .is_empty()
        );
        // The same folder spelled absolute, a folder reached through a link, `..`.
        assert_eq!(
            overlap_zones(vec![
                arg(".", "/w"),
                arg("/w", "/w"),
                arg("link", "/w/sub"),
                arg("sub/../sub", "/w/sub"),
            ]),
            [PathBuf::from("/w"), PathBuf::from("/w/sub")]
        );
        // A file named twice is the same shown path; under another spelling it is a zone.
        assert!(
            overlap_zones(vec![arg("a.yaml", "/w/a.yaml"), arg("a.yaml", "/w/a.yaml")]).is_empty()
        );
        assert_eq!(
            overlap_zones(vec![
                arg("a.yaml", "/w/a.yaml"),
                arg("/w/a.yaml", "/w/a.yaml")
            ]),
            [PathBuf::from("/w/a.yaml")]
        );
    }

    #[test]
    fn atomic_write_replaces_and_keeps_permissions() {
        use std::os::unix::fs::PermissionsExt as _;
        let d = tempfile::tempdir().unwrap();
        let f = d.path().join("a.yaml");
        fs::write(&f, "old\n").unwrap();
        fs::set_permissions(&f, fs::Permissions::from_mode(0o640)).unwrap();
        write_atomic(&f, b"old\n", b"new\n").unwrap();
        assert_eq!(fs::read(&f).unwrap(), b"new\n");
        assert_eq!(
            fs::metadata(&f).unwrap().permissions().mode() & 0o777,
            0o640
        );
        assert_eq!(
            fs::read_dir(d.path()).unwrap().count(),
            1,
            "no temp file left"
        );
    }

    #[test]
    fn atomic_write_compares_every_byte_of_what_is_on_disk() {
        let d = tempfile::tempdir().unwrap();
        let f = d.path().join("a.yaml");
        // The original with more after it: the re-read stops past the longer of the two, which
        // is enough to see that the file holds neither.
        fs::write(&f, "old\nand more\n").unwrap();
        let e = write_atomic(&f, b"old\n", b"new\n").unwrap_err();
        assert_eq!(e.kind(), "changed-on-disk");
        assert_eq!(fs::read(&f).unwrap(), b"old\nand more\n");
        // Already holds the result (another run wrote it): nothing to do, no error.
        fs::write(&f, "new\n").unwrap();
        write_atomic(&f, b"old\n", b"new\n").unwrap();
        assert_eq!(fs::read(&f).unwrap(), b"new\n");
        // A result shorter than the original, and a file holding a prefix of the original.
        fs::write(&f, "longer old\n").unwrap();
        write_atomic(&f, b"longer old\n", b"n\n").unwrap();
        assert_eq!(fs::read(&f).unwrap(), b"n\n");
        let e = write_atomic(&f, b"n\nx\n", b"y\n").unwrap_err();
        assert_eq!(e.kind(), "changed-on-disk");
        assert_eq!(
            fs::read_dir(d.path()).unwrap().count(),
            1,
            "no temp file left"
        );
    }

    #[test]
    fn atomic_write_refuses_read_only_and_changed_files() {
        use std::os::unix::fs::PermissionsExt as _;
        let d = tempfile::tempdir().unwrap();
        let f = d.path().join("a.yaml");
        fs::write(&f, "old\n").unwrap();
        let e = write_atomic(&f, b"something else\n", b"new\n").unwrap_err();
        assert_eq!(e.kind(), "changed-on-disk");
        assert_eq!(fs::read(&f).unwrap(), b"old\n");
        fs::set_permissions(&f, fs::Permissions::from_mode(0o444)).unwrap();
        let e = write_atomic(&f, b"old\n", b"new\n").unwrap_err();
        assert_eq!(e.kind(), "read-only");
        assert_eq!(fs::read(&f).unwrap(), b"old\n");
        assert_eq!(
            fs::read_dir(d.path()).unwrap().count(),
            1,
            "no temp file left"
        );
    }
}
