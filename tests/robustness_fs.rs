//! The file system around a run, and runs that overlap or are cut short: symlink loops and links
//! leaving the tree, unreadable and read-only files and folders (also when the tests run as root:
//! then the binary runs as `nobody` through `setpriv`), a file changed between read and write,
//! two runs on one tree at once, and SIGTERM/SIGHUP/a second signal in the middle of a large run.
//! Every case asserts the bytes of every file afterwards and that no `.secctx-*.tmp` is left.
//!
//! `tests/cli.rs` already covers: a link to a file inside the tree (edited through the link, the
//! link stays a link, processed once), a link to a file outside (skipped), unreadable files and
//! folders as an unprivileged user, read-only files, permissions kept, SIGINT during a run.

#![cfg(unix)]

use std::collections::BTreeMap;
use std::fs;
use std::os::unix::fs::{PermissionsExt as _, symlink};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use secctx::fix::{Outcome, fix_bytes};
use secctx::settings::Settings;
use tempfile::TempDir;

mod common;
use common::Run;

/// The built binary with no standard input.
fn secctx() -> Command {
    let mut c = common::secctx();
    c.stdin(Stdio::null());
    c
}

fn finish(cmd: &mut Command) -> Run {
    common::run_cmd(cmd)
}

fn run_in(dir: &Path, args: &[&str]) -> Run {
    finish(secctx().current_dir(dir).args(args))
}

/// A temp folder with an empty `.secctx.yaml`, so that no configuration above it applies.
fn folder() -> TempDir {
    let d = tempfile::tempdir().unwrap();
    fs::write(d.path().join(".secctx.yaml"), "").unwrap();
    d
}

const POD: &str = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containers:\n  - name: a\n    image: registry.example.com/a:1\n";

fn hardened(input: &str) -> String {
    match fix_bytes(input.as_bytes(), &Settings::default()).outcome {
        Outcome::Changed { output } => String::from_utf8(output).unwrap(),
        other => panic!("expected a change, got {other:?}"),
    }
}

fn read(path: &Path) -> String {
    fs::read_to_string(path).unwrap()
}

fn is_root() -> bool {
    // SAFETY: geteuid has no preconditions.
    unsafe { libc::geteuid() == 0 }
}

/// Every regular file under `dir` (links not followed) and its bytes.
fn contents(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    fn walk(base: &Path, d: &Path, out: &mut BTreeMap<PathBuf, Vec<u8>>) {
        for e in fs::read_dir(d).unwrap().flatten() {
            let t = e.file_type().unwrap();
            if t.is_dir() {
                walk(base, &e.path(), out);
            } else if t.is_file() {
                out.insert(
                    e.path().strip_prefix(base).unwrap().to_path_buf(),
                    fs::read(e.path()).unwrap(),
                );
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(dir, dir, &mut out);
    out
}

fn temp_files(dir: &Path) -> Vec<PathBuf> {
    contents(dir)
        .into_keys()
        .filter(|p| {
            let name = p.file_name().unwrap().to_string_lossy();
            name.starts_with(".secctx-") && name.ends_with(".tmp")
        })
        .collect()
}

/// A command that runs the binary without root's power over permission bits: as `nobody`
/// through `setpriv` when the tests run as root (CI), as the current user otherwise. The tree
/// must then belong to that user.
fn unprivileged(dir: &Path) -> Command {
    if is_root() {
        let mut c = Command::new("setpriv");
        c.args([
            "--reuid=65534",
            "--regid=65534",
            "--clear-groups",
            "--",
            env!("CARGO_BIN_EXE_secctx"),
        ]);
        c.current_dir(dir).stdin(Stdio::null());
        for var in ["NO_COLOR", "CLICOLOR_FORCE", "CLICOLOR", "TERM"] {
            c.env_remove(var);
        }
        c
    } else {
        let mut c = secctx();
        c.current_dir(dir);
        c
    }
}

/// Gives `path` and everything under it to `nobody` when running as root (see `unprivileged`);
/// the temp folder itself becomes traversable.
fn hand_over(path: &Path) {
    if !is_root() {
        return;
    }
    fs::set_permissions(path, fs::Permissions::from_mode(0o755)).unwrap();
    let mut stack = vec![path.to_path_buf()];
    while let Some(p) = stack.pop() {
        std::os::unix::fs::lchown(&p, Some(65534), Some(65534)).unwrap();
        if p.is_dir() && !p.is_symlink() {
            for e in fs::read_dir(&p).unwrap().flatten() {
                stack.push(e.path());
            }
        }
    }
}

fn set_mode(path: &Path, mode: u32) {
    fs::set_permissions(path, fs::Permissions::from_mode(mode)).unwrap();
}

// ------------------------------------------------------------------------------------------------
// Symlinks

#[test]
fn symlink_loops_are_reported_and_the_run_goes_on() {
    let d = folder();
    let p = d.path();
    fs::write(p.join("good.yaml"), POD).unwrap();
    symlink("loop-b.yaml", p.join("loop-a.yaml")).unwrap();
    symlink("loop-a.yaml", p.join("loop-b.yaml")).unwrap();
    symlink("self.yaml", p.join("self.yaml")).unwrap();
    // Folder loops: a link to the parent, and a link to the folder itself.
    fs::create_dir(p.join("sub")).unwrap();
    fs::write(p.join("sub/inner.yaml"), POD).unwrap();
    symlink("..", p.join("sub/up")).unwrap();
    symlink(".", p.join("sub/here.yaml")).unwrap();

    let r = run_in(p, &["fix", ".", "loop-a.yaml"]);
    assert_eq!(r.code, 2, "{r:?}");
    for name in ["loop-a.yaml", "loop-b.yaml", "self.yaml"] {
        let line = r
            .err
            .lines()
            .find(|l| l.starts_with(&format!("{name}: error[read-failed]")))
            .unwrap_or_else(|| panic!("{name}: {}", r.err));
        assert!(line.contains("symbolic links"), "{line}");
        let shown = format!("\n{name}: ");
        assert_eq!(
            format!("\n{}", r.err).matches(&shown).count(),
            1,
            "reported once: {}",
            r.err
        );
    }
    assert!(
        !r.err.contains("sub/"),
        "folder links are not followed: {}",
        r.err
    );
    assert_eq!(read(&p.join("good.yaml")), hardened(POD));
    assert_eq!(read(&p.join("sub/inner.yaml")), hardened(POD));
    assert_eq!(r.out.matches("+++ b/").count(), 2, "{}", r.out);
    // A folder link named on the command line is walked (the user's choice): through `sub/up`
    // that is the whole tree again, which ends (links inside are not followed) and changes
    // nothing more.
    let r = run_in(p, &["fix", "sub/up"]);
    assert_eq!(r.code, 2, "{r:?}");
    assert_eq!(r.out, "", "already hardened");
    assert!(
        r.err.contains("sub/up/self.yaml: error[read-failed]"),
        "{}",
        r.err
    );
    assert_eq!(read(&p.join("good.yaml")), hardened(POD));
    assert_eq!(
        fs::read_link(p.join("loop-a.yaml")).unwrap(),
        Path::new("loop-b.yaml")
    );
    assert_eq!(
        fs::read_link(p.join("self.yaml")).unwrap(),
        Path::new("self.yaml")
    );
    assert_eq!(fs::read_link(p.join("sub/up")).unwrap(), Path::new(".."));
    assert!(temp_files(p).is_empty());
}

#[test]
fn links_leaving_the_tree_are_skipped_whatever_the_route() {
    // The walked folder is `repo/`; `outside/` is next to it. A relative `../` link, a chain of
    // links inside the tree that ends outside, and a folder link: none reaches outside/.
    let top = tempfile::tempdir().unwrap();
    let repo = top.path().join("repo");
    let outside = top.path().join("outside");
    fs::create_dir_all(repo.join("deep")).unwrap();
    fs::create_dir_all(&outside).unwrap();
    fs::write(repo.join(".secctx.yaml"), "").unwrap();
    fs::write(outside.join("secret.yaml"), POD).unwrap();
    fs::write(repo.join("own.yaml"), POD).unwrap();
    symlink("../outside/secret.yaml", repo.join("relative.yaml")).unwrap();
    symlink("../chain-2.yaml", repo.join("deep/chain-1.yaml")).unwrap();
    symlink("relative.yaml", repo.join("chain-2.yaml")).unwrap();
    symlink("../outside", repo.join("outside-dir")).unwrap();

    let r = run_in(&repo, &["fix"]);
    assert_eq!(r.code, 0, "{r:?}");
    assert_eq!(
        read(&outside.join("secret.yaml")),
        POD,
        "outside is never written"
    );
    assert_eq!(read(&repo.join("own.yaml")), hardened(POD));
    for name in ["relative.yaml", "chain-2.yaml", "deep/chain-1.yaml"] {
        assert!(
            r.err
                .contains(&format!("{name}: note: skipped: symlink to")),
            "{name}: {}",
            r.err
        );
        assert!(
            fs::symlink_metadata(repo.join(name))
                .unwrap()
                .file_type()
                .is_symlink()
        );
    }
    assert!(
        !r.err.contains("outside-dir"),
        "a folder link is not followed: {}",
        r.err
    );
    // Named on the command line, the same: the link's target is outside the current folder.
    let r = run_in(&repo, &["fix", "relative.yaml", "deep/chain-1.yaml"]);
    assert_eq!(r.code, 0, "{r:?}");
    assert_eq!(read(&outside.join("secret.yaml")), POD, "{r:?}");
    assert_eq!(
        r.err.matches("note: skipped: symlink to").count(),
        2,
        "{}",
        r.err
    );
    assert!(temp_files(top.path()).is_empty());
}

#[test]
fn a_file_reached_through_several_links_is_hardened_once_through_its_target() {
    let d = folder();
    let p = d.path();
    fs::create_dir(p.join("nested")).unwrap();
    fs::write(p.join("real.yaml"), POD).unwrap();
    symlink("real.yaml", p.join("alias-1.yaml")).unwrap();
    symlink("../real.yaml", p.join("nested/alias-2.yaml")).unwrap();
    symlink(p.join("nested/alias-2.yaml"), p.join("alias-3.yaml")).unwrap();
    let r = run_in(p, &["fix", ".", "alias-3.yaml"]);
    assert_eq!(r.code, 0, "{r:?}");
    assert_eq!(read(&p.join("real.yaml")), hardened(POD));
    assert_eq!(r.out.matches("+++ b/").count(), 1, "one diff: {}", r.out);
    assert!(
        r.out.contains("+++ b/real.yaml"),
        "shown under its own path: {}",
        r.out
    );
    for link in ["alias-1.yaml", "nested/alias-2.yaml", "alias-3.yaml"] {
        assert!(
            fs::symlink_metadata(p.join(link))
                .unwrap()
                .file_type()
                .is_symlink()
        );
        assert_eq!(read(&p.join(link)), hardened(POD));
    }
}

// ------------------------------------------------------------------------------------------------
// Permissions

#[test]
fn unreadable_files_and_folders_are_reported_even_when_the_tests_run_as_root() {
    let d = folder();
    let p = d.path();
    fs::write(p.join("good.yaml"), POD).unwrap();
    fs::write(p.join("locked.yaml"), POD).unwrap();
    fs::create_dir(p.join("locked-dir")).unwrap();
    fs::write(p.join("locked-dir/inside.yaml"), POD).unwrap();
    hand_over(p);
    set_mode(&p.join("locked.yaml"), 0o000);
    set_mode(&p.join("locked-dir"), 0o000);
    let r = finish(unprivileged(p).args(["fix", "."]));
    let r2 = finish(unprivileged(p).args(["fix", "locked.yaml", "locked-dir/inside.yaml"]));
    set_mode(&p.join("locked-dir"), 0o755);
    set_mode(&p.join("locked.yaml"), 0o644);
    assert_eq!(r.code, 2, "{r:?}");
    assert!(
        r.err.contains("locked.yaml: error[read-failed]"),
        "{}",
        r.err
    );
    assert!(
        r.err.contains("locked-dir: error[read-failed]"),
        "{}",
        r.err
    );
    assert!(r.err.contains("permission denied"), "{}", r.err);
    assert_eq!(r2.code, 2, "{r2:?}");
    assert!(
        r2.err
            .contains("locked-dir/inside.yaml: error[read-failed]"),
        "{}",
        r2.err
    );
    assert_eq!(read(&p.join("locked.yaml")), POD);
    assert_eq!(read(&p.join("locked-dir/inside.yaml")), POD);
    assert_eq!(read(&p.join("good.yaml")), hardened(POD), "the run goes on");
    assert!(temp_files(p).is_empty());
}

#[test]
fn read_only_files_and_folders_are_reported_and_left_whole() {
    // A read-only file, a file in a read-only folder, and a writable link to a read-only file:
    // none is written, whoever runs secctx (root may write anywhere, but secctx keeps to what
    // the owner marked read-only).
    for unprivileged_user in [true, false] {
        let d = folder();
        let p = d.path();
        fs::write(p.join("good.yaml"), POD).unwrap();
        fs::write(p.join("ro-file.yaml"), POD).unwrap();
        fs::create_dir(p.join("ro-dir")).unwrap();
        fs::write(p.join("ro-dir/inside.yaml"), POD).unwrap();
        symlink("ro-file.yaml", p.join("link-to-ro.yaml")).unwrap();
        hand_over(p);
        set_mode(&p.join("ro-file.yaml"), 0o444);
        set_mode(&p.join("ro-dir"), 0o555);
        let r = if unprivileged_user {
            finish(unprivileged(p).args(["fix", "."]))
        } else {
            run_in(p, &["fix", "."])
        };
        set_mode(&p.join("ro-dir"), 0o755);
        let who = if unprivileged_user {
            "unprivileged"
        } else {
            "as the test user"
        };
        assert_eq!(r.code, 2, "{who}: {r:?}");
        assert!(
            r.err.contains("ro-file.yaml: error[read-only]"),
            "{who}: {}",
            r.err
        );
        assert!(
            r.err.contains("ro-dir/inside.yaml: error[read-only]")
                || r.err.contains("ro-dir/inside.yaml: error[write-failed]"),
            "{who}: {}",
            r.err
        );
        assert_eq!(read(&p.join("ro-file.yaml")), POD, "{who}");
        assert_eq!(read(&p.join("ro-dir/inside.yaml")), POD, "{who}");
        assert_eq!(
            fs::metadata(p.join("ro-file.yaml"))
                .unwrap()
                .permissions()
                .mode()
                & 0o777,
            0o444
        );
        assert_eq!(read(&p.join("good.yaml")), hardened(POD), "{who}");
        assert!(
            !r.out.contains("ro-"),
            "no diff for what was not written: {}",
            r.out
        );
        assert!(temp_files(p).is_empty(), "{who}");
    }
}

// ------------------------------------------------------------------------------------------------
// A file that changes while secctx works on it

/// Bytes the process has read so far (`rchar` in /proc/PID/io).
fn bytes_read(pid: u32) -> Option<u64> {
    let io = fs::read_to_string(format!("/proc/{pid}/io")).ok()?;
    io.lines()
        .find_map(|l| l.strip_prefix("rchar: "))
        .and_then(|n| n.trim().parse().ok())
}

fn signal(child: &Child, sig: &str) {
    let _ = Command::new("kill")
        .args([sig, &child.id().to_string()])
        .status();
}

#[test]
fn a_file_changed_between_read_and_write_is_reported_and_not_overwritten() {
    // The run reads the file (seen in /proc/PID/io), is stopped with SIGSTOP while it parses,
    // an editor saves the file, and the run goes on: the write must notice and leave the
    // editor's bytes. A big file gives a wide window; if the run still wins the race (it
    // finished before it could be stopped) the attempt is repeated with a bigger file.
    let mut size_mb = 8;
    for attempt in 0..4 {
        let d = folder();
        let path = d.path().join("big.yaml");
        let blob_line = format!("    {}\n", "z".repeat(96));
        let mut input = String::from(POD);
        input.push_str(
            "---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: blob\ndata:\n  blob: |\n",
        );
        while input.len() < size_mb * 1024 * 1024 {
            input.push_str(&blob_line);
        }
        fs::write(&path, &input).unwrap();
        let before = bytes_read(std::process::id()).map(|_| ());
        assert!(before.is_some(), "/proc/PID/io is readable");
        let mut child = secctx()
            .current_dir(d.path())
            .args(["fix", "big.yaml"])
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut stopped = false;
        loop {
            if child.try_wait().unwrap().is_some() {
                break;
            }
            if bytes_read(child.id()).is_some_and(|n| n >= input.len() as u64) {
                signal(&child, "-STOP");
                stopped = true;
                break;
            }
            std::thread::sleep(Duration::from_micros(200));
        }
        if !stopped {
            let _ = child.wait_with_output();
            size_mb *= 2;
            eprintln!("attempt {attempt}: the run finished first; trying {size_mb} MB");
            continue;
        }
        // Still stopped: check it has not written yet, then save the file as an editor would.
        let on_disk = fs::read_to_string(&path).unwrap();
        if on_disk != input {
            signal(&child, "-CONT");
            let _ = child.wait_with_output();
            size_mb *= 2;
            eprintln!("attempt {attempt}: written before it was stopped; trying {size_mb} MB");
            continue;
        }
        let edited = input.replacen("name: p\n", "name: p  # saved by an editor\n", 1);
        fs::write(&path, &edited).unwrap();
        signal(&child, "-CONT");
        let out = child.wait_with_output().unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{err}");
        assert!(
            err.contains("big.yaml: error[changed-on-disk]: the file changed on disk"),
            "{err}"
        );
        assert!(
            fs::read_to_string(&path).unwrap() == edited,
            "the editor's bytes stay"
        );
        assert!(temp_files(d.path()).is_empty());
        // Run again: the edited file is hardened.
        let r = run_in(d.path(), &["fix", "-q", "big.yaml"]);
        assert_eq!(r.code, 0, "{}", r.err);
        assert!(read(&path).starts_with(&hardened(&edited)[..400]));
        return;
    }
    panic!("the run always finished before it could be stopped");
}

// ------------------------------------------------------------------------------------------------
// Two runs at once

/// A tree of `n` files of several kinds: to harden, already hardened, invalid, a template, not
/// Kubernetes. Returns the files and their bytes.
fn mixed_tree(dir: &Path, n: usize) {
    fs::write(dir.join(".secctx.yaml"), "").unwrap();
    for i in 0..n {
        let sub = dir.join(format!("team-{}", i % 7));
        fs::create_dir_all(&sub).unwrap();
        let text = match i % 10 {
            0 => format!(
                "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p{i}\nspec:\n  containers: [\n"
            ),
            1 => format!(
                "apiVersion: v1\nkind: Pod\nmetadata:\n  name: {{{{ .Values.name{i} }}}}\nspec:\n  containers:\n  - name: a\n"
            ),
            2 => format!("name: not-kubernetes-{i}\nitems: [1, 2]\n"),
            3 => hardened(&POD.replace("name: p\n", &format!("name: p{i}\n"))),
            _ => {
                let mut t = String::new();
                for k in 0..(1 + i % 4) {
                    t.push_str(&format!(
                        "---\n# workload {i}.{k}\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: d{i}-{k}\nspec:\n  template:\n    spec:\n      containers:\n      - name: app\n        image: registry.example.com/app:{i}\n        volumeMounts:\n        - name: data\n          mountPath: /data\n      volumes:\n      - name: data\n        emptyDir: {{}}\n"
                    ));
                }
                t
            }
        };
        fs::write(sub.join(format!("m{i:04}.yaml")), text).unwrap();
    }
}

fn copy_tree(from: &Path, to: &Path) {
    for (rel, bytes) in contents(from) {
        let target = to.join(rel);
        fs::create_dir_all(target.parent().unwrap()).unwrap();
        fs::write(target, bytes).unwrap();
    }
}

/// The error lines of a run, sorted.
fn errors(err: &str) -> Vec<String> {
    let mut v: Vec<String> = err
        .lines()
        .filter(|l| l.contains(": error["))
        .map(str::to_string)
        .collect();
    v.sort();
    v
}

#[test]
fn two_runs_at_once_leave_every_file_as_one_clean_run_would() {
    let template = tempfile::tempdir().unwrap();
    mixed_tree(template.path(), 400);
    let clean = tempfile::tempdir().unwrap();
    copy_tree(template.path(), clean.path());
    let single = run_in(clean.path(), &["fix", "-j2"]);
    assert_eq!(single.code, 2, "the invalid files: {}", single.err);
    let expected = contents(clean.path());
    let before = contents(template.path());
    let changed = expected
        .iter()
        .filter(|&(p, b)| before.get(p) != Some(b))
        .count();
    assert!(changed > 200, "the clean run changed {changed} files");

    let mut overlaps = 0;
    for round in 0..3 {
        let d = tempfile::tempdir().unwrap();
        copy_tree(template.path(), d.path());
        let spawn = |threads: &str| {
            secctx()
                .current_dir(d.path())
                .args(["fix", threads])
                .stdout(Stdio::null())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap()
        };
        let (a, b) = (spawn("-j2"), spawn("-j1"));
        let (a, b) = (a.wait_with_output().unwrap(), b.wait_with_output().unwrap());
        let got = contents(d.path());
        for (path, bytes) in &expected {
            assert!(
                got.get(path) == Some(bytes),
                "round {round}: {} differs from a clean run",
                path.display()
            );
        }
        assert_eq!(
            got.len(),
            expected.len(),
            "round {round}: no extra files (temp files)"
        );
        for o in [&a, &b] {
            // A file the other run has just written with the same result is not an error
            // (`changed-on-disk` is only for a file that holds something else).
            let err = String::from_utf8_lossy(&o.stderr);
            assert_eq!(o.status.code(), Some(2), "{err}");
            assert_eq!(errors(&err), errors(&single.err), "round {round}");
            let written = err
                .lines()
                .find_map(|l| l.strip_prefix("Hardened "))
                .and_then(|l| l.split(' ').nth(3))
                .and_then(|n| n.parse::<usize>().ok())
                .unwrap_or(0);
            overlaps += written;
        }
    }
    // Files both runs counted as hardened (one wrote, the other found its result or wrote the
    // same bytes): shows that the runs did overlap.
    eprintln!(
        "files handled by both runs, over 3 rounds: {}",
        overlaps - 3 * changed
    );
}

// ------------------------------------------------------------------------------------------------
// Signals

/// `n` folders with a 40 KB Deployment stream each; returns the original and the hardened text.
fn large_run(dir: &Path, n: usize) -> (String, String) {
    fs::write(dir.join(".secctx.yaml"), "").unwrap();
    let mut orig = String::new();
    for k in 0..60 {
        orig.push_str(&format!(
            "---\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: d{k}\nspec:\n  template:\n    spec:\n      containers:\n      - name: app\n        image: registry.example.com/app:{k}\n        args: [\"--port=8080\", \"--verbose\"]\n        ports:\n        - containerPort: 8080\n          name: http\n        - containerPort: 9090\n          name: metrics\n"
        ));
    }
    for i in 0..n {
        let sub = dir.join(format!("d{i:04}"));
        fs::create_dir(&sub).unwrap();
        fs::write(sub.join("stream.yaml"), &orig).unwrap();
    }
    let new = hardened(&orig);
    (orig, new)
}

/// Waits until the first file has been written (or the run ended).
fn wait_for_first_write(child: &mut Child, first: &Path, orig: &str) {
    let deadline = Instant::now() + Duration::from_secs(300);
    while fs::read_to_string(first).unwrap() == orig {
        if child.try_wait().unwrap().is_some() || Instant::now() > deadline {
            break;
        }
        std::thread::sleep(Duration::from_millis(1));
    }
}

fn old_or_new(dir: &Path, n: usize, orig: &str, new: &str) -> (usize, usize) {
    let (mut hardened, mut untouched) = (0, 0);
    for i in 0..n {
        let text = read(&dir.join(format!("d{i:04}/stream.yaml")));
        if text == new {
            hardened += 1;
        } else {
            assert!(text == orig, "d{i:04}/stream.yaml is neither old nor new");
            untouched += 1;
        }
    }
    (hardened, untouched)
}

#[test]
fn sigterm_or_sighup_during_a_large_run_leaves_each_file_old_or_new_and_no_temp_files() {
    for sig in ["-TERM", "-HUP"] {
        let d = tempfile::tempdir().unwrap();
        let n = 400;
        let (orig, new) = large_run(d.path(), n);
        let mut child = secctx()
            .current_dir(d.path())
            .args(["fix", "-j2"])
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        wait_for_first_write(&mut child, &d.path().join("d0000/stream.yaml"), &orig);
        signal(&child, sig);
        let out = child.wait_with_output().unwrap();
        let code = out.status.code();
        assert!(matches!(code, Some(0) | Some(130)), "{sig}: {out:?}");
        let (hardened, untouched) = old_or_new(d.path(), n, &orig, &new);
        eprintln!("{sig}: {hardened} hardened, {untouched} untouched, exit {code:?}");
        assert!(hardened >= 1);
        if code == Some(130) {
            assert!(
                String::from_utf8_lossy(&out.stderr).contains("Interrupted"),
                "{out:?}"
            );
        } else {
            assert_eq!(untouched, 0, "{sig}: exit 0 means every file was done");
        }
        assert!(temp_files(d.path()).is_empty(), "{sig}: no temp file left");
    }
}

#[test]
fn a_second_signal_in_the_middle_of_a_write_exits_at_once_without_temp_files() {
    // One big file being written: the temp file is on disk for a while, and the second signal
    // (exit at once) arrives while it is.
    let d = folder();
    let mut orig = String::from(POD);
    orig.push_str(
        "---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: blob\ndata:\n  blob: |\n",
    );
    let line = format!("    {}\n", "q".repeat(96));
    while orig.len() < 64 * 1024 * 1024 {
        orig.push_str(&line);
    }
    let path = d.path().join("big.yaml");
    fs::write(&path, &orig).unwrap();
    let new = hardened(&orig);
    let mut caught = false;
    for _ in 0..3 {
        fs::write(&path, &orig).unwrap();
        let mut child = secctx()
            .current_dir(d.path())
            .args(["fix", "-q", "big.yaml"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        // Wait for the temp file to appear, then send two signals.
        let seen = loop {
            if !temp_files(d.path()).is_empty() {
                break true;
            }
            if child.try_wait().unwrap().is_some() {
                break false;
            }
            std::thread::sleep(Duration::from_micros(300));
        };
        if seen {
            signal(&child, "-TERM");
            std::thread::sleep(Duration::from_millis(1));
            signal(&child, "-TERM");
        }
        let status = child.wait().unwrap();
        let text = fs::read_to_string(&path).unwrap();
        assert!(text == orig || text == new, "the file is old or new");
        assert!(
            temp_files(d.path()).is_empty(),
            "no temp file left (exit {status:?})"
        );
        if seen {
            caught = true;
            break;
        }
    }
    assert!(caught, "the write was never caught in progress");
}
