//! Which files, and the file system around them: the first step of a run (PATHs -> a sorted list
//! of inputs) and the last (the atomic write).
//!
//! # What is taken
//!
//! - A file named on the command line is always taken, whatever its extension, and even when a
//!   `.gitignore` or an `--exclude`/`exclude` glob would leave it out.
//! - A folder is walked with the `ignore` crate, in parallel: files ending in `.yaml`/`.yml` (any
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

use std::collections::HashSet;
use std::fs;
use std::io::{self, Write as _};
use std::path::{Component, Path, PathBuf};
use std::sync::Mutex;

use anyhow::Context as _;
use ignore::WalkState;
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
#[derive(Debug, Default)]
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
#[derive(Debug)]
pub struct WalkOptions {
    pub no_ignore: bool,
    pub hidden: bool,
    pub threads: usize,
    pub excludes: Excludes,
    /// The current folder (absolute): relative PATHs and `--exclude` globs are relative to it.
    pub cwd: PathBuf,
}

/// Turns PATH arguments into the sorted, de-duplicated list of inputs.
pub fn collect(paths: &[PathBuf], opts: &WalkOptions) -> Vec<Input> {
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
        .threads(opts.threads.max(1));
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
    // Created and listed under the lock, so that a signal handler removing the listed files
    // cannot miss one that already exists.
    let (mut tmp, _listed) = {
        let mut in_flight = IN_FLIGHT.lock().unwrap_or_else(|e| e.into_inner());
        let tmp = tempfile::Builder::new()
            .prefix(".secctx-")
            .suffix(".tmp")
            .tempfile_in(dir)
            .with_context(|| format!("failed to create a temporary file in {}", dir.display()))
            .map_err(WriteError::Io)?;
        in_flight.push(tmp.path().to_path_buf());
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
    let now = fs::read(real)
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

/// Temp files of writes in progress. `std::process::exit` (the second signal) runs no
/// destructors, so the handler removes these itself.
static IN_FLIGHT: Mutex<Vec<PathBuf>> = Mutex::new(Vec::new());

/// Takes a temp file off `IN_FLIGHT` when its write is over, whichever way.
struct Listed(PathBuf);

impl Drop for Listed {
    fn drop(&mut self) {
        let mut in_flight = IN_FLIGHT.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(i) = in_flight.iter().position(|p| *p == self.0) {
            in_flight.swap_remove(i);
        }
    }
}

/// Removes the temp files of the writes in progress, before an exit that skips destructors. The
/// targets are untouched: each is replaced by a rename, which has happened or not. Holds the
/// list's lock until the process exits, so that no new temp file appears meanwhile.
pub fn remove_temp_files_and_exit(code: i32) -> ! {
    let in_flight = IN_FLIGHT.lock().unwrap_or_else(|e| e.into_inner());
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
            threads: 2,
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
