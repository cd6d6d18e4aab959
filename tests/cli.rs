//! The `secctx` binary, run for real in temp folders: exit codes, every flag, stdin/stdout, colors,
//! in-place writes (atomic, permissions kept, invalid files untouched), output formats and
//! determinism across thread counts. Inputs: `testdata/cli/`; snapshots: `snapshots/cli__*`.

use std::fs;
use std::os::unix::fs::PermissionsExt as _;
use std::path::{Path, PathBuf};
use std::process::Stdio;

use assert_cmd::Command;
use tempfile::TempDir;

const TESTDATA: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/testdata/cli");

/// The finished run: exit code, stdout, stderr.
#[derive(Debug)]
struct Run {
    code: i32,
    out: String,
    err: String,
}

fn secctx() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_secctx"));
    for var in ["NO_COLOR", "CLICOLOR_FORCE", "CLICOLOR", "TERM"] {
        c.env_remove(var);
    }
    c
}

fn run_in(dir: &Path, args: &[&str]) -> Run {
    run_cmd(secctx().current_dir(dir).args(args))
}

/// Like a CI job: no terminal, no standard input, `CI=true`.
fn ci_run(dir: &Path, args: &[&str]) -> Run {
    let o = std::process::Command::new(env!("CARGO_BIN_EXE_secctx"))
        .current_dir(dir)
        .args(args)
        .env("CI", "true")
        .env_remove("CLICOLOR_FORCE")
        .stdin(Stdio::null())
        .output()
        .expect("the binary runs");
    Run {
        code: o.status.code().unwrap_or(-1),
        out: String::from_utf8_lossy(&o.stdout).into_owned(),
        err: String::from_utf8_lossy(&o.stderr).into_owned(),
    }
}

fn run_cmd(cmd: &mut Command) -> Run {
    let o = cmd.output().expect("the binary runs");
    Run {
        code: o.status.code().unwrap_or(-1),
        out: String::from_utf8_lossy(&o.stdout).into_owned(),
        err: String::from_utf8_lossy(&o.stderr).into_owned(),
    }
}

/// A temp folder holding a copy of `testdata/cli` and an empty `.secctx.yaml` at its root, so
/// that no configuration above the temp folder is picked up.
fn fixture() -> TempDir {
    let dir = tempfile::tempdir().unwrap();
    copy_dir(Path::new(TESTDATA), dir.path());
    fs::write(dir.path().join(".secctx.yaml"), "").unwrap();
    dir
}

fn copy_dir(from: &Path, to: &Path) {
    fs::create_dir_all(to).unwrap();
    for e in fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let target = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &target);
        } else {
            fs::copy(e.path(), target).unwrap();
        }
    }
}

fn read(dir: &Path, name: &str) -> String {
    fs::read_to_string(dir.join(name)).unwrap()
}

fn original(name: &str) -> String {
    fs::read_to_string(Path::new(TESTDATA).join(name)).unwrap()
}

/// The summary's duration (the last word of a line, like `0.21s`), which varies, replaced.
fn redact_time(s: &str) -> String {
    s.lines()
        .map(|l| match l.rsplit_once(' ') {
            Some((head, last))
                if last
                    .strip_suffix('s')
                    .is_some_and(|n| n.parse::<f64>().is_ok()) =>
            {
                format!("{head} <time>")
            }
            _ => l.to_string(),
        })
        .map(|l| l + "\n")
        .collect()
}

fn snapshot(name: &str, value: &str) {
    insta::with_settings!({snapshot_path => "../snapshots", prepend_module_to_snapshot => false}, {
        insta::assert_snapshot!(name, value);
    });
}

fn no_temp_files(dir: &Path) -> bool {
    fn walk(d: &Path, found: &mut Vec<PathBuf>) {
        for e in fs::read_dir(d).unwrap().flatten() {
            let p = e.path();
            let name = e.file_name().to_string_lossy().into_owned();
            if name.starts_with(".secctx-") && name.ends_with(".tmp") {
                found.push(p.clone());
            }
            if e.file_type().unwrap().is_dir() {
                walk(&p, found);
            }
        }
    }
    let mut found = Vec::new();
    walk(dir, &mut found);
    found.is_empty()
}

fn is_root() -> bool {
    // A file without any permission is still readable by root.
    let d = tempfile::tempdir().unwrap();
    let f = d.path().join("probe");
    fs::write(&f, "x").unwrap();
    fs::set_permissions(&f, fs::Permissions::from_mode(0o000)).unwrap();
    fs::read(&f).is_ok()
}

// ------------------------------------------------------------------------------------------------
// fix: the main path

#[test]
fn fix_hardens_in_place_and_a_second_run_changes_nothing() {
    let d = fixture();
    let r = run_in(d.path(), &["fix"]);
    assert_eq!(r.code, 2, "invalid.yaml makes the run exit 2: {r:?}");
    let dep = read(d.path(), "deployment.yaml");
    assert!(dep.contains("runAsNonRoot: true"), "{dep}");
    assert!(dep.contains("mountPath: /tmp"), "{dep}");
    assert!(dep.starts_with("# The API server"), "comments kept: {dep}");
    assert!(dep.contains("- containerPort: 8080   # http\n"), "{dep}");
    assert!(
        read(d.path(), "cronjob.yml").contains("readOnlyRootFilesystem: true"),
        ".yml is walked"
    );
    assert_eq!(read(d.path(), "hardened.yaml"), original("hardened.yaml"));
    assert_eq!(
        read(d.path(), "notes.txt"),
        original("notes.txt"),
        "only *.yaml/*.yml are walked"
    );
    assert!(r.out.contains("deployment.yaml (1 container hardened)\n--- a/deployment.yaml\n+++ b/deployment.yaml\n@@"), "{}", r.out);
    assert!(
        r.err.contains("Hardened 3 containers in 3 files"),
        "{}",
        r.err
    );
    assert!(no_temp_files(d.path()));

    fs::remove_file(d.path().join("invalid.yaml")).unwrap();
    let before: Vec<_> = ["deployment.yaml", "cronjob.yml", "uploads.yaml"]
        .iter()
        .map(|f| {
            (
                read(d.path(), f),
                fs::metadata(d.path().join(f)).unwrap().modified().unwrap(),
            )
        })
        .collect();
    let r = run_in(d.path(), &["fix"]);
    assert_eq!(r.code, 0, "{r:?}");
    assert_eq!(r.out, "", "nothing changes the second time");
    assert!(r.err.contains("Nothing to harden"), "{}", r.err);
    for (f, (text, mtime)) in ["deployment.yaml", "cronjob.yml", "uploads.yaml"]
        .iter()
        .zip(before)
    {
        assert_eq!(read(d.path(), f), text);
        assert_eq!(
            fs::metadata(d.path().join(f)).unwrap().modified().unwrap(),
            mtime,
            "{f} not rewritten"
        );
    }
}

#[test]
fn invalid_template_and_non_utf8_files_are_left_byte_for_byte_while_the_others_are_fixed() {
    let d = fixture();
    let latin1: &[u8] = b"apiVersion: v1\nkind: Pod\nmetadata:\n  name: caf\xe9\nspec:\n  containers:\n    - name: a\n      image: registry.example.com/a:1\n";
    fs::write(d.path().join("latin1.yaml"), latin1).unwrap();
    let r = run_in(d.path(), &["fix"]);
    assert_eq!(r.code, 2, "{r:?}");
    assert_eq!(read(d.path(), "invalid.yaml"), original("invalid.yaml"));
    assert_eq!(read(d.path(), "template.yaml"), original("template.yaml"));
    assert_eq!(fs::read(d.path().join("latin1.yaml")).unwrap(), latin1);
    assert_eq!(
        read(d.path(), "not-kubernetes.yaml"),
        original("not-kubernetes.yaml")
    );
    assert!(read(d.path(), "deployment.yaml").contains("runAsNonRoot: true"));
    assert!(
        r.err.contains("invalid.yaml:9:11: error[invalid-yaml]: "),
        "{}",
        r.err
    );
    assert!(r.err.contains("latin1.yaml:4:"), "{}", r.err);
    assert!(r.err.contains("error[not-utf8]"), "{}", r.err);
    assert!(
        r.err
            .contains("template.yaml: note: skipped: Helm/Go template"),
        "{}",
        r.err
    );
    assert!(
        r.err.contains("secctx fix -"),
        "templates get the stdin hint: {}",
        r.err
    );
    assert!(
        r.err
            .contains("1 template skipped, 1 without pod specs, 2 errors"),
        "{}",
        r.err
    );
}

#[test]
fn a_template_alone_is_skipped_with_exit_0() {
    let d = fixture();
    let r = run_in(d.path(), &["fix", "template.yaml"]);
    assert_eq!(r.code, 0, "{r:?}");
    assert_eq!(read(d.path(), "template.yaml"), original("template.yaml"));
    assert!(r.err.contains("skipped"), "{}", r.err);
}

#[test]
fn findings_use_the_documented_line_shape() {
    let d = fixture();
    let r = run_in(d.path(), &["fix", "uploads.yaml"]);
    assert_eq!(r.code, 0, "{r:?}");
    // path:line:col: warning[rule]: message
    let line = r
        .err
        .lines()
        .find(|l| l.starts_with("uploads.yaml:17:"))
        .expect(&r.err);
    let (place, rest) = line.split_once(": ").unwrap();
    let place: Vec<&str> = place.split(':').collect();
    assert_eq!(place.len(), 3, "{line}");
    assert!(place[2].parse::<usize>().is_ok_and(|c| c >= 1), "{line}");
    assert!(
        rest.starts_with("warning[read-only-root-filesystem]: container `uploads`"),
        "{line}"
    );
    assert!(r.err.contains("(1 finding needs attention)"), "{}", r.err);
    assert!(
        !r.out.contains("warning["),
        "findings go to stderr, not into the diff"
    );
}

#[test]
fn dry_run_prints_diffs_writes_nothing_and_exits_0() {
    let d = fixture();
    fs::remove_file(d.path().join("invalid.yaml")).unwrap();
    let r = run_in(d.path(), &["fix", "--dry-run"]);
    assert_eq!(r.code, 0, "{r:?}");
    assert!(
        r.out.contains("+            runAsNonRoot: true"),
        "{}",
        r.out
    );
    assert_eq!(
        read(d.path(), "deployment.yaml"),
        original("deployment.yaml")
    );
    assert!(
        r.err.contains("Would harden 3 containers in 3 files"),
        "{}",
        r.err
    );
    assert!(no_temp_files(d.path()));
}

#[test]
fn check_mode_is_a_ci_gate() {
    let d = fixture();
    fs::remove_file(d.path().join("invalid.yaml")).unwrap();
    // Like CI: no terminal, no stdin, CI=true.
    let r = ci_run(d.path(), &["fix", "--check"]);
    assert_eq!(r.code, 1, "{r:?}");
    assert!(
        r.out.contains("--- a/deployment.yaml"),
        "the log shows what would change: {}",
        r.out
    );
    assert!(
        !r.out.contains('\u{1b}') && !r.err.contains('\u{1b}'),
        "no escape codes in CI logs"
    );
    assert!(r.err.contains("Run `secctx fix` to apply"), "{}", r.err);
    assert_eq!(
        read(d.path(), "deployment.yaml"),
        original("deployment.yaml")
    );

    let r = run_in(d.path(), &["fix"]);
    assert_eq!(r.code, 0, "{r:?}");
    let r = ci_run(d.path(), &["fix", "--check"]);
    assert_eq!(r.code, 0, "hardened files pass the gate: {r:?}");
    assert_eq!(r.out, "");

    let r = run_in(
        d.path(),
        &[
            "fix",
            "--check",
            "--dry-run",
            "missing.yaml",
            "deployment.yaml",
        ],
    );
    assert_eq!(r.code, 2, "errors win over the gate's 1: {r:?}");
    assert!(
        r.err
            .contains("missing.yaml: error[read-failed]: no such file or folder"),
        "{}",
        r.err
    );
}

#[test]
fn an_error_in_one_file_never_stops_the_others() {
    let d = fixture();
    let r = run_in(
        d.path(),
        &[
            "fix",
            "nope.yaml",
            "invalid.yaml",
            "deployment.yaml",
            "cronjob.yml",
        ],
    );
    assert_eq!(r.code, 2);
    assert!(read(d.path(), "deployment.yaml").contains("runAsNonRoot: true"));
    assert!(read(d.path(), "cronjob.yml").contains("runAsNonRoot: true"));
    // Sorted by path: cronjob, deployment, invalid, nope.
    let c = r.out.find("cronjob.yml").unwrap();
    let dp = r.out.find("deployment.yaml").unwrap();
    assert!(c < dp, "{}", r.out);
    let i = r.err.find("invalid.yaml").unwrap();
    let n = r.err.find("nope.yaml").unwrap();
    assert!(i < n, "{}", r.err);
}

// ------------------------------------------------------------------------------------------------
// files on disk: permissions, read-only, unreadable, symlinks, signals

#[test]
fn permissions_are_kept_after_a_write() {
    let d = fixture();
    let f = d.path().join("deployment.yaml");
    fs::set_permissions(&f, fs::Permissions::from_mode(0o640)).unwrap();
    let g = d.path().join("cronjob.yml");
    fs::set_permissions(&g, fs::Permissions::from_mode(0o755)).unwrap();
    let r = run_in(d.path(), &["fix", "deployment.yaml", "cronjob.yml"]);
    assert_eq!(r.code, 0, "{r:?}");
    assert!(read(d.path(), "deployment.yaml").contains("runAsNonRoot: true"));
    assert_eq!(
        fs::metadata(&f).unwrap().permissions().mode() & 0o7777,
        0o640
    );
    assert_eq!(
        fs::metadata(&g).unwrap().permissions().mode() & 0o7777,
        0o755
    );
}

#[test]
fn a_read_only_file_is_reported_not_written_not_lost() {
    let d = fixture();
    let f = d.path().join("deployment.yaml");
    fs::set_permissions(&f, fs::Permissions::from_mode(0o444)).unwrap();
    let r = run_in(d.path(), &["fix", "deployment.yaml", "cronjob.yml"]);
    assert_eq!(r.code, 2, "{r:?}");
    assert!(
        r.err
            .contains("deployment.yaml: error[read-only]: the file is read-only"),
        "{}",
        r.err
    );
    assert_eq!(
        read(d.path(), "deployment.yaml"),
        original("deployment.yaml")
    );
    assert_eq!(
        fs::metadata(&f).unwrap().permissions().mode() & 0o777,
        0o444
    );
    assert!(
        read(d.path(), "cronjob.yml").contains("runAsNonRoot: true"),
        "the other file is fixed"
    );
    assert!(
        !r.out.contains("deployment.yaml"),
        "no diff shown for a file that was not written"
    );
    assert!(no_temp_files(d.path()));
}

#[test]
fn unreadable_files_and_folders_are_reported_and_the_run_goes_on() {
    if is_root() {
        eprintln!(
            "running as root: permission bits do not stop reads; covered by the broken-link case"
        );
        let d = fixture();
        std::os::unix::fs::symlink(d.path().join("gone.yaml"), d.path().join("broken.yaml"))
            .unwrap();
        let r = run_in(d.path(), &["fix"]);
        assert_eq!(r.code, 2);
        assert!(
            r.err
                .contains("broken.yaml: error[read-failed]: broken symlink"),
            "{}",
            r.err
        );
        assert!(read(d.path(), "deployment.yaml").contains("runAsNonRoot: true"));
        return;
    }
    let d = fixture();
    let f = d.path().join("deployment.yaml");
    fs::set_permissions(&f, fs::Permissions::from_mode(0o000)).unwrap();
    let sub = d.path().join("locked");
    fs::create_dir(&sub).unwrap();
    fs::write(sub.join("x.yaml"), original("deployment.yaml")).unwrap();
    fs::set_permissions(&sub, fs::Permissions::from_mode(0o000)).unwrap();
    let r = run_in(d.path(), &["fix"]);
    fs::set_permissions(&sub, fs::Permissions::from_mode(0o755)).unwrap();
    fs::set_permissions(&f, fs::Permissions::from_mode(0o644)).unwrap();
    assert_eq!(r.code, 2, "{r:?}");
    assert!(
        r.err.contains("deployment.yaml: error[read-failed]"),
        "{}",
        r.err
    );
    assert!(r.err.contains("locked"), "{}", r.err);
    assert!(read(d.path(), "cronjob.yml").contains("runAsNonRoot: true"));
}

#[test]
fn symlinks_edit_targets_inside_the_tree_only_and_stay_links() {
    use std::os::unix::fs::symlink;
    let outside = tempfile::tempdir().unwrap();
    fs::write(
        outside.path().join("elsewhere.yaml"),
        original("deployment.yaml"),
    )
    .unwrap();
    let d = fixture();
    let p = d.path();
    fs::create_dir(p.join("real")).unwrap();
    fs::write(p.join("real/target.txt"), original("deployment.yaml")).unwrap();
    symlink(p.join("real/target.txt"), p.join("link.yaml")).unwrap();
    symlink(
        outside.path().join("elsewhere.yaml"),
        p.join("outside.yaml"),
    )
    .unwrap();
    symlink(outside.path(), p.join("linked-dir")).unwrap();
    let r = run_in(p, &["fix", "link.yaml", "outside.yaml", "."]);
    assert_eq!(r.code, 2, "invalid.yaml: {r:?}");
    assert!(
        fs::symlink_metadata(p.join("link.yaml"))
            .unwrap()
            .file_type()
            .is_symlink(),
        "still a link"
    );
    assert!(
        read(p, "real/target.txt").contains("runAsNonRoot: true"),
        "target edited through the link"
    );
    assert_eq!(
        fs::read_to_string(outside.path().join("elsewhere.yaml")).unwrap(),
        original("deployment.yaml")
    );
    assert!(
        r.err.contains("outside.yaml: note: skipped: symlink to"),
        "{}",
        r.err
    );
    assert_eq!(
        r.out.matches("--- a/link.yaml").count(),
        1,
        "processed once: {}",
        r.out
    );

    // While walking, a symlinked folder is not followed.
    let r = run_in(p, &["fix", "--dry-run", "."]);
    assert!(!r.out.contains("linked-dir"), "{}", r.out);
    assert!(!r.err.contains("linked-dir"), "{}", r.err);
}

#[test]
fn sigint_stops_cleanly_without_temp_files() {
    let d = tempfile::tempdir().unwrap();
    fs::write(d.path().join(".secctx.yaml"), "").unwrap();
    let orig = original("deployment.yaml");
    for i in 0..1500 {
        let sub = d.path().join(format!("d{i:04}"));
        fs::create_dir(&sub).unwrap();
        fs::write(sub.join("deployment.yaml"), &orig).unwrap();
    }
    let expected = {
        let one = tempfile::tempdir().unwrap();
        fs::write(one.path().join(".secctx.yaml"), "").unwrap();
        fs::write(one.path().join("deployment.yaml"), &orig).unwrap();
        assert_eq!(run_in(one.path(), &["fix"]).code, 0);
        read(one.path(), "deployment.yaml")
    };
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_secctx"))
        .current_dir(d.path())
        .args(["fix", "-j2"])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Wait until writing has begun (or the run is over), then interrupt.
    let first = d.path().join("d0000/deployment.yaml");
    while fs::read_to_string(&first).unwrap() == orig {
        if child.try_wait().unwrap().is_some() {
            break;
        }
        std::thread::yield_now();
    }
    let _ = std::process::Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status();
    let out = child.wait_with_output().unwrap();
    let code = out.status.code();
    assert!(
        matches!(code, Some(0) | Some(130)),
        "exit 130 when interrupted, 0 if it finished first: {out:?}"
    );
    let (mut hardened, mut untouched) = (0, 0);
    for i in 0..1500 {
        let text = fs::read_to_string(d.path().join(format!("d{i:04}/deployment.yaml"))).unwrap();
        if text == expected {
            hardened += 1;
        } else {
            assert_eq!(text, orig, "every file is either hardened or untouched");
            untouched += 1;
        }
    }
    assert!(hardened >= 1);
    if code == Some(130) {
        assert!(
            String::from_utf8_lossy(&out.stderr).contains("Interrupted"),
            "{out:?}"
        );
    } else {
        assert_eq!(untouched, 0);
    }
    assert!(no_temp_files(d.path()), "no temp file left behind");
}

#[test]
fn sigint_or_sigterm_while_reading_stdin_exits_130() {
    use std::os::unix::process::ExitStatusExt as _;
    let d = fixture();
    for (signal, number) in [("-INT", 2), ("-TERM", 15)] {
        let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_secctx"))
            .current_dir(d.path())
            .args(["fix", "-"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        // Keep stdin open (no EOF) so that only the signal can end the run. Give the process
        // time to install its handler; either way it must end on the signal.
        let stdin = child.stdin.take();
        std::thread::sleep(std::time::Duration::from_millis(500));
        let _ = std::process::Command::new("kill")
            .args([signal, &child.id().to_string()])
            .status();
        let status = child.wait().unwrap();
        drop(stdin);
        let mut stdout = Vec::new();
        std::io::Read::read_to_end(&mut child.stdout.take().unwrap(), &mut stdout).unwrap();
        assert!(
            status.code() == Some(130) || status.signal() == Some(number),
            "{signal}: {status:?}"
        );
        assert!(stdout.is_empty(), "{signal}");
    }
}

// ------------------------------------------------------------------------------------------------
// stdin / stdout

#[test]
fn stdin_stream_is_hardened_to_stdout() {
    let d = fixture();
    let r = run_cmd(
        secctx()
            .current_dir(d.path())
            .args(["fix", "-"])
            .write_stdin(original("deployment.yaml")),
    );
    assert_eq!(r.code, 0, "{r:?}");
    assert!(r.out.starts_with("# The API server"), "{}", r.out);
    assert!(r.out.contains("runAsNonRoot: true"), "{}", r.out);
    assert!(!r.out.contains("--- a/"), "no diff on stdout");
    assert!(
        r.err.contains("Hardened 1 container in 1 file"),
        "{}",
        r.err
    );

    // The same bytes as fixing the file in place.
    run_in(d.path(), &["fix", "deployment.yaml"]);
    assert_eq!(r.out, read(d.path(), "deployment.yaml"));
}

#[test]
fn stdin_that_needs_nothing_passes_through_byte_for_byte() {
    let d = fixture();
    for name in ["hardened.yaml", "not-kubernetes.yaml"] {
        let input = original(name);
        let r = run_cmd(
            secctx()
                .current_dir(d.path())
                .args(["fix", "-"])
                .write_stdin(input.clone()),
        );
        assert_eq!(r.code, 0, "{name}: {r:?}");
        assert_eq!(r.out, input, "{name}");
    }
    let r = run_cmd(
        secctx()
            .current_dir(d.path())
            .args(["fix", "-"])
            .write_stdin(Vec::<u8>::new()),
    );
    assert_eq!((r.code, r.out.as_str()), (0, ""));
}

#[test]
fn stdin_that_cannot_be_processed_writes_nothing_and_exits_2() {
    let d = fixture();
    for (name, input) in [
        ("invalid", original("invalid.yaml").into_bytes()),
        ("template", original("template.yaml").into_bytes()),
        (
            "latin1",
            b"apiVersion: v1\nkind: Pod\nmetadata: {name: caf\xe9}\n".to_vec(),
        ),
    ] {
        let r = run_cmd(
            secctx()
                .current_dir(d.path())
                .args(["fix", "-"])
                .write_stdin(input),
        );
        assert_eq!(r.code, 2, "{name}: {r:?}");
        assert_eq!(
            r.out, "",
            "{name}: nothing on stdout so the pipe fails loudly"
        );
        assert!(r.err.contains("<stdin>"), "{name}: {}", r.err);
    }
}

#[test]
fn stdin_with_check_and_dry_run() {
    let d = fixture();
    let r = run_cmd(
        secctx()
            .current_dir(d.path())
            .args(["fix", "--check", "-"])
            .write_stdin(original("deployment.yaml")),
    );
    assert_eq!((r.code, r.out.as_str()), (1, ""), "{r:?}");
    let r = run_cmd(
        secctx()
            .current_dir(d.path())
            .args(["fix", "--check", "-"])
            .write_stdin(original("hardened.yaml")),
    );
    assert_eq!((r.code, r.out.as_str()), (0, ""), "{r:?}");
    let r = run_cmd(
        secctx()
            .current_dir(d.path())
            .args(["fix", "--dry-run", "-"])
            .write_stdin(original("deployment.yaml")),
    );
    assert_eq!(r.code, 0, "{r:?}");
    assert!(
        r.out.starts_with("--- a/<stdin>\n+++ b/<stdin>\n@@"),
        "{}",
        r.out
    );
}

#[test]
fn stdin_cannot_be_mixed_or_formatted() {
    let d = fixture();
    let r = run_cmd(
        secctx()
            .current_dir(d.path())
            .args(["fix", "-", "deployment.yaml"])
            .write_stdin("x"),
    );
    assert_eq!(r.code, 2, "{r:?}");
    assert!(r.err.contains("cannot be combined"), "{}", r.err);
    let r = run_cmd(
        secctx()
            .current_dir(d.path())
            .args(["fix", "--format", "json", "-"])
            .write_stdin("x"),
    );
    assert_eq!(r.code, 2, "{r:?}");
    assert_eq!(
        read(d.path(), "deployment.yaml"),
        original("deployment.yaml")
    );
}

#[test]
fn check_reads_stdin_too() {
    let d = fixture();
    let r = run_cmd(
        secctx()
            .current_dir(d.path())
            .args(["check", "-"])
            .write_stdin(original("deployment.yaml")),
    );
    assert_eq!(r.code, 1, "{r:?}");
    assert!(r.out.contains("<stdin>:19:11: runAsNonRoot: "), "{}", r.out);
}

// ------------------------------------------------------------------------------------------------
// colors

#[test]
fn no_escape_codes_when_piped_and_colors_when_forced() {
    let d = fixture();
    let plain = run_in(d.path(), &["fix", "--dry-run"]);
    assert!(
        !plain.out.contains('\u{1b}') && !plain.err.contains('\u{1b}'),
        "{plain:?}"
    );

    let forced = run_in(d.path(), &["fix", "--dry-run", "--color", "always"]);
    assert!(forced.out.contains("\u{1b}[32m+"), "{}", forced.out);
    assert!(forced.err.contains('\u{1b}'), "{}", forced.err);
    assert_eq!(
        console::strip_ansi_codes(&forced.out),
        plain.out,
        "same text, painted"
    );

    let env = run_cmd(
        secctx()
            .current_dir(d.path())
            .env("CLICOLOR_FORCE", "1")
            .args(["fix", "--dry-run"]),
    );
    assert!(env.out.contains('\u{1b}'));
    let both = run_cmd(
        secctx()
            .current_dir(d.path())
            .env("CLICOLOR_FORCE", "1")
            .env("NO_COLOR", "1")
            .args(["fix", "--dry-run"]),
    );
    assert!(
        !both.out.contains('\u{1b}'),
        "NO_COLOR wins over CLICOLOR_FORCE"
    );
    let never = run_cmd(
        secctx()
            .current_dir(d.path())
            .env("CLICOLOR_FORCE", "1")
            .args(["fix", "--dry-run", "--color=never"]),
    );
    assert!(
        !never.out.contains('\u{1b}') && !never.err.contains('\u{1b}'),
        "the flag wins over the environment"
    );
    let check = run_in(d.path(), &["check", "--color", "always"]);
    assert!(check.out.contains('\u{1b}'));
}

#[test]
fn patch_and_json_carry_no_color_even_when_forced() {
    let d = fixture();
    let patch = run_in(
        d.path(),
        &["fix", "--dry-run", "--format", "patch", "--color", "always"],
    );
    assert!(!patch.out.contains('\u{1b}'), "{}", patch.out);
    let json = run_in(
        d.path(),
        &["fix", "--dry-run", "--format", "json", "--color", "always"],
    );
    assert!(!json.out.contains('\u{1b}'));
}

// ------------------------------------------------------------------------------------------------
// formats

#[test]
fn patch_output_is_accepted_by_git_apply_and_patch_on_a_clean_copy() {
    let d = fixture();
    let r = run_in(d.path(), &["fix", "--dry-run", "--format", "patch"]);
    assert_eq!(r.code, 2, "invalid.yaml: {r:?}");
    assert!(
        r.out
            .starts_with("diff --git a/cronjob.yml b/cronjob.yml\n--- a/cronjob.yml\n"),
        "{}",
        r.out
    );
    assert!(
        !r.out.contains("Hardened") && !r.out.contains("error"),
        "nothing else on stdout"
    );
    let patch_dir = tempfile::tempdir().unwrap();
    let patch = patch_dir.path().join("secctx.patch");
    fs::write(&patch, &r.out).unwrap();

    let clean = fixture();
    let git = std::process::Command::new("git")
        .current_dir(clean.path())
        .args(["apply", "--check", "-v"])
        .arg(&patch)
        .output()
        .unwrap();
    assert!(
        git.status.success(),
        "git apply --check: {}",
        String::from_utf8_lossy(&git.stderr)
    );
    let p = std::process::Command::new("patch")
        .current_dir(clean.path())
        .args(["-p1", "--dry-run", "-i"])
        .arg(&patch)
        .output();
    if let Ok(p) = p {
        assert!(
            p.status.success(),
            "patch -p1: {}",
            String::from_utf8_lossy(&p.stdout)
        );
    }
    // Applying the patch gives what `secctx fix` writes.
    let git = std::process::Command::new("git")
        .current_dir(clean.path())
        .arg("apply")
        .arg(&patch)
        .output()
        .unwrap();
    assert!(git.status.success());
    run_in(d.path(), &["fix"]);
    for f in ["deployment.yaml", "cronjob.yml", "uploads.yaml"] {
        assert_eq!(read(clean.path(), f), read(d.path(), f), "{f}");
    }
}

#[test]
fn json_report_parses_and_carries_the_documented_fields() {
    let d = fixture();
    let r = run_in(d.path(), &["fix", "--format", "json"]);
    assert_eq!(r.code, 2);
    let v: serde_json::Value = serde_json::from_str(&r.out).expect("stdout is one JSON document");
    assert_eq!(v["version"], 1);
    assert_eq!(v["command"], "fix");
    let files = v["files"].as_array().unwrap();
    let by = |p: &str| {
        files
            .iter()
            .find(|f| f["path"] == p)
            .unwrap_or_else(|| panic!("{p} in {files:?}"))
    };
    let paths: Vec<&str> = files.iter().map(|f| f["path"].as_str().unwrap()).collect();
    let mut sorted = paths.clone();
    sorted.sort();
    assert_eq!(paths, sorted, "sorted by path");
    let dep = by("deployment.yaml");
    assert_eq!(dep["status"], "changed");
    assert_eq!(dep["written"], true);
    assert_eq!(dep["stats"]["containers_hardened"], 1);
    assert!(dep["stats"]["changes"].as_u64().unwrap() > 0);
    assert!(
        dep["diff"]
            .as_str()
            .unwrap()
            .contains("+            runAsNonRoot: true")
    );
    assert_eq!(by("hardened.yaml")["status"], "unchanged");
    assert_eq!(by("template.yaml")["status"], "skipped");
    assert_eq!(by("template.yaml")["reason"], "template");
    assert_eq!(by("not-kubernetes.yaml")["reason"], "not-kubernetes");
    let bad = by("invalid.yaml");
    assert_eq!(bad["status"], "error");
    assert_eq!(bad["error"]["kind"], "invalid-yaml");
    assert_eq!(bad["error"]["line"], 9);
    let f = &by("uploads.yaml")["findings"][0];
    for key in ["line", "col", "rule", "severity", "message", "fixable"] {
        assert!(f.get(key).is_some(), "finding has {key}: {f}");
    }
    assert_eq!(f["severity"], "warning");
    let s = &v["summary"];
    assert_eq!(s["files"], 7);
    assert_eq!(s["changed"], 3);
    assert_eq!(s["written"], 3);
    assert_eq!(s["errors"], 1);
    assert_eq!(s["templates_skipped"], 1);
    assert_eq!(s["findings"], 1);
    assert!(
        !r.err.contains("warning["),
        "findings are in the JSON, not repeated on stderr"
    );
    assert!(
        r.err.contains("invalid.yaml:9:11: error[invalid-yaml]"),
        "errors still on stderr"
    );
}

#[test]
fn markdown_summary_for_a_pull_request() {
    let d = fixture();
    let r = run_in(d.path(), &["fix", "--format", "markdown", "--dry-run"]);
    assert_eq!(r.code, 2);
    assert!(
        r.out
            .starts_with("## secctx: Kubernetes manifests to harden\n"),
        "{}",
        r.out
    );
    assert!(
        r.out
            .contains("### `deployment.yaml`\n\n| Containers hardened | Changes | Rules applied |"),
        "{}",
        r.out
    );
    assert!(r.out.contains("`run-as-non-root`, `no-privilege-escalation`, `drop-all-capabilities`, `read-only-root-filesystem`, `seccomp-runtime-default`"), "{}", r.out);
    assert!(r.out.contains("Needs attention:"), "{}", r.out);
    assert!(
        r.out.contains("| 17 | `read-only-root-filesystem` |"),
        "{}",
        r.out
    );
    assert!(
        r.out
            .contains("### `invalid.yaml`\n\n**Not processed** (line 9)"),
        "{}",
        r.out
    );
    assert!(r.out.contains("### Totals"), "{}", r.out);
    assert!(r.out.contains("| 3 | 3 |"), "{}", r.out);
    assert!(
        !r.out.contains("hardened.yaml"),
        "files with nothing to tell are left out"
    );
    snapshot("cli_fix_markdown", &r.out);
}

#[test]
fn human_output_snapshot() {
    let d = fixture();
    let r = run_in(d.path(), &["fix", "--dry-run"]);
    snapshot(
        "cli_fix_human",
        &format!(
            "exit: {}\n--- stdout\n{}--- stderr\n{}",
            r.code,
            r.out,
            redact_time(&r.err)
        ),
    );
}

#[test]
fn the_same_bytes_on_stdout_for_j1_and_j8() {
    let d = fixture();
    // Enough files that eight workers finish out of order.
    for i in 0..40 {
        let sub = d.path().join(format!("many/{i:02}"));
        fs::create_dir_all(&sub).unwrap();
        for f in [
            "deployment.yaml",
            "cronjob.yml",
            "uploads.yaml",
            "invalid.yaml",
            "template.yaml",
        ] {
            fs::copy(Path::new(TESTDATA).join(f), sub.join(f)).unwrap();
        }
    }
    let cases: &[&[&str]] = &[
        &["fix", "--dry-run", "--color", "always"],
        &["fix", "--dry-run", "--format", "patch"],
        &["fix", "--dry-run", "--format", "json"],
        &["fix", "--dry-run", "--format", "markdown"],
        &["check"],
        &["check", "--format", "json"],
        &["check", "--format", "sarif"],
    ];
    for args in cases {
        let one = run_in(d.path(), &[*args, &["-j1"]].concat());
        let eight = run_in(d.path(), &[*args, &["-j8"]].concat());
        assert!(!one.out.is_empty(), "{args:?}");
        assert_eq!(one.out, eight.out, "{args:?}");
        assert_eq!(one.code, eight.code, "{args:?}");
        assert_eq!(redact_time(&one.err), redact_time(&eight.err), "{args:?}");
    }
}

// ------------------------------------------------------------------------------------------------
// check

#[test]
fn check_reports_violations_with_positions_and_exit_codes() {
    let d = fixture();
    let r = run_in(d.path(), &["check", "deployment.yaml"]);
    assert_eq!(r.code, 1, "{r:?}");
    assert!(
        r.out.contains("deployment.yaml:19:11: runAsNonRoot: "),
        "{}",
        r.out
    );
    assert!(
        r.out.lines().all(|l| l.starts_with("deployment.yaml:")),
        "{}",
        r.out
    );
    assert!(
        r.err.contains("violations of the restricted profile"),
        "{}",
        r.err
    );
    assert_eq!(
        read(d.path(), "deployment.yaml"),
        original("deployment.yaml"),
        "check never writes"
    );

    let r = run_in(d.path(), &["check", "hardened.yaml"]);
    assert_eq!(r.code, 0, "{r:?}");
    assert!(r.err.contains("No violations"), "{}", r.err);

    let r = run_in(
        d.path(),
        &["check", "--level", "baseline", "deployment.yaml"],
    );
    assert_eq!(r.code, 0, "the Deployment meets baseline: {r:?}");
    let r = run_in(
        d.path(),
        &["check", "--version", "v1.24", "deployment.yaml"],
    );
    assert_eq!(r.code, 1, "{r:?}");
    let r = run_in(d.path(), &["check", "--version", "2.0", "deployment.yaml"]);
    assert_eq!(r.code, 2, "{r:?}");
    let r = run_in(d.path(), &["check", "invalid.yaml", "hardened.yaml"]);
    assert_eq!(r.code, 2, "{r:?}");
}

#[test]
fn check_json_and_sarif_parse_and_carry_the_documented_fields() {
    let d = fixture();
    let r = run_in(d.path(), &["check", "--format", "json"]);
    assert_eq!(r.code, 2, "invalid.yaml");
    let v: serde_json::Value = serde_json::from_str(&r.out).unwrap();
    assert_eq!(v["version"], 1);
    assert_eq!(v["command"], "check");
    assert_eq!(v["level"], "restricted");
    assert_eq!(v["kubernetes_version"], "latest");
    let files = v["files"].as_array().unwrap();
    let dep = files
        .iter()
        .find(|f| f["path"] == "deployment.yaml")
        .unwrap();
    assert_eq!(dep["status"], "checked");
    assert_eq!(dep["pod_specs"], 1);
    assert!(
        dep["findings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["rule"] == "runAsNonRoot" && f["line"] == 19)
    );
    assert!(v["summary"]["violations"].as_u64().unwrap() >= 4);

    let r = run_in(d.path(), &["check", "--format", "sarif"]);
    let v: serde_json::Value = serde_json::from_str(&r.out).unwrap();
    assert_eq!(v["version"], "2.1.0");
    assert!(v["$schema"].as_str().unwrap().contains("sarif"));
    let run = &v["runs"][0];
    let driver = &run["tool"]["driver"];
    assert_eq!(driver["name"], "secctx");
    let rules = driver["rules"].as_array().unwrap();
    let ran = rules
        .iter()
        .find(|r| r["id"] == "runAsNonRoot")
        .expect("rule metadata");
    assert!(!ran["shortDescription"]["text"].as_str().unwrap().is_empty());
    assert!(!ran["fullDescription"]["text"].as_str().unwrap().is_empty());
    assert!(ran["help"]["text"].as_str().unwrap().contains("secctx fix"));
    assert!(ran["help"]["markdown"].as_str().is_some());
    assert!(ran["helpUri"].as_str().unwrap().starts_with("https://"));
    let results = run["results"].as_array().unwrap();
    let res = results
        .iter()
        .find(|x| {
            x["ruleId"] == "runAsNonRoot"
                && x["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
                    == "deployment.yaml"
        })
        .unwrap();
    assert_eq!(
        res["locations"][0]["physicalLocation"]["region"]["startLine"],
        19
    );
    assert_eq!(
        res["locations"][0]["physicalLocation"]["region"]["startColumn"],
        11
    );
    assert_eq!(
        rules[res["ruleIndex"].as_u64().unwrap() as usize]["id"],
        "runAsNonRoot"
    );
    assert_eq!(res["level"], "warning");
    let inv = &run["invocations"][0];
    assert_eq!(inv["executionSuccessful"], false);
    assert_eq!(
        inv["toolExecutionNotifications"][0]["locations"][0]["physicalLocation"]["artifactLocation"]
            ["uri"],
        "invalid.yaml"
    );
}

// ------------------------------------------------------------------------------------------------
// walking and configuration

#[test]
fn gitignore_no_ignore_exclude_and_explicit_files() {
    let d = fixture();
    let p = d.path();
    fs::create_dir(p.join("vendor")).unwrap();
    fs::write(p.join("vendor/dep.yaml"), original("deployment.yaml")).unwrap();
    fs::create_dir(p.join("gen")).unwrap();
    fs::write(p.join("gen/out.yaml"), original("deployment.yaml")).unwrap();
    fs::write(p.join(".gitignore"), "gen/\n").unwrap();
    fs::remove_file(p.join("invalid.yaml")).unwrap();

    let r = run_in(
        p,
        &[
            "fix",
            "--dry-run",
            "--exclude",
            "vendor/",
            "--exclude",
            "cron*",
        ],
    );
    assert!(!r.out.contains("gen/out.yaml"), "gitignored: {}", r.out);
    assert!(!r.out.contains("vendor/dep.yaml"), "excluded: {}", r.out);
    assert!(!r.out.contains("cronjob.yml"), "excluded: {}", r.out);
    assert!(r.out.contains("deployment.yaml"));

    let r = run_in(p, &["fix", "--dry-run", "--no-ignore"]);
    assert!(r.out.contains("--- a/gen/out.yaml"), "{}", r.out);
    assert!(r.out.contains("--- a/vendor/dep.yaml"), "{}", r.out);

    let r = run_in(
        p,
        &[
            "fix",
            "--dry-run",
            "--exclude",
            "gen/",
            "gen/out.yaml",
            "notes.txt",
        ],
    );
    assert!(
        r.out.contains("--- a/gen/out.yaml"),
        "explicit files are always taken: {}",
        r.out
    );
    assert!(
        r.out.contains("--- a/notes.txt"),
        "whatever their extension: {}",
        r.out
    );

    fs::create_dir(p.join(".hidden")).unwrap();
    fs::write(p.join(".hidden/h.yaml"), original("deployment.yaml")).unwrap();
    assert!(!run_in(p, &["fix", "--dry-run"]).out.contains(".hidden"));
    assert!(
        run_in(p, &["fix", "--dry-run", "--hidden"])
            .out
            .contains("--- a/.hidden/h.yaml")
    );
}

#[test]
fn overlapping_paths_and_spellings_give_each_file_once() {
    use std::os::unix::fs::symlink;
    let d = fixture();
    let p = d.path();
    fs::create_dir(p.join("sub")).unwrap();
    fs::write(p.join("sub/deployment.yaml"), original("deployment.yaml")).unwrap();
    // Sorts before its target: a link loses to the plain path wherever that comes.
    symlink("deployment.yaml", p.join("0-alias.yaml")).unwrap();
    let paths = |args: &[&str]| -> Vec<String> {
        let r = run_in(
            p,
            &[&["fix", "--dry-run", "--format", "json"], args].concat(),
        );
        assert_eq!(r.code, 2, "invalid.yaml: {r:?}");
        let v: serde_json::Value = serde_json::from_str(&r.out).unwrap();
        v["files"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["path"].as_str().unwrap().to_string())
            .collect()
    };
    let alone = paths(&["."]);
    assert!(
        alone.contains(&"sub/deployment.yaml".to_string()),
        "{alone:?}"
    );
    assert!(!alone.contains(&"0-alias.yaml".to_string()), "{alone:?}");
    assert_eq!(
        paths(&[
            "sub",
            ".",
            "./sub/deployment.yaml",
            "0-alias.yaml",
            "sub/",
            "./"
        ]),
        alone
    );
    // The same folder spelled absolute sorts first: every file once, under that spelling.
    let abs = fs::canonicalize(p).unwrap();
    let abs = abs.to_str().unwrap();
    let absolute = paths(&[abs]);
    assert_eq!(absolute.len(), alone.len(), "{absolute:?}");
    assert_eq!(
        paths(&[".", abs, "sub", "0-alias.yaml", "sub/../deployment.yaml"]),
        absolute
    );
}

#[test]
fn config_is_found_upward_and_applied() {
    let d = fixture();
    let p = d.path();
    fs::write(
        p.join(".secctx.yaml"),
        "skip: [read-only-root-filesystem]\nrun_as_user: 10001\nexclude: [cronjob.yml]\n",
    )
    .unwrap();
    fs::create_dir(p.join("sub")).unwrap();
    fs::copy(p.join("deployment.yaml"), p.join("sub/deployment.yaml")).unwrap();
    let r = run_in(&p.join("sub"), &["fix", "."]);
    assert_eq!(r.code, 0, "{r:?}");
    let text = read(p, "sub/deployment.yaml");
    assert!(text.contains("runAsNonRoot: true"), "{text}");
    assert!(text.contains("runAsUser: 10001"), "{text}");
    assert!(
        !text.contains("readOnlyRootFilesystem"),
        "skipped by the config: {text}"
    );

    let r = run_in(p, &["fix", "--dry-run", "."]);
    assert!(
        !r.out.contains("cronjob.yml"),
        "excluded by the config: {}",
        r.out
    );

    // Flags win: --run-as-user over run_as_user.
    let r = run_in(
        p,
        &[
            "fix",
            "--dry-run",
            "--run-as-user",
            "4242",
            "deployment.yaml",
        ],
    );
    assert!(r.out.contains("runAsUser: 4242"), "{}", r.out);
}

#[test]
fn config_errors_have_line_and_column_and_exit_2() {
    let d = fixture();
    let p = d.path();
    fs::write(p.join(".secctx.yaml"), "skip: []\nrun_as_usr: 5\n").unwrap();
    let r = run_in(p, &["fix"]);
    assert_eq!(r.code, 2, "{r:?}");
    assert!(
        r.err.contains(".secctx.yaml:2:1: unknown key `run_as_usr`"),
        "{}",
        r.err
    );
    assert!(r.err.contains("did you mean `run_as_user`"), "{}", r.err);
    assert_eq!(
        read(p, "deployment.yaml"),
        original("deployment.yaml"),
        "nothing written"
    );

    fs::write(
        p.join(".secctx.yaml"),
        "images:\n  - image: nginx\n    run_as_user: nginx\n",
    )
    .unwrap();
    let r = run_in(p, &["check"]);
    assert_eq!(r.code, 2, "{r:?}");
    assert!(
        r.err
            .contains(".secctx.yaml:3:18: `run_as_user` must be an integer"),
        "{}",
        r.err
    );

    fs::write(
        p.join("other.yaml"),
        "tmp_volume: {name: scratch, medium: Memory}\n",
    )
    .unwrap();
    let r = run_in(p, &["fix", "--config", "other.yaml", "deployment.yaml"]);
    assert_eq!(r.code, 0, "--config replaces discovery: {r:?}");
    assert!(read(p, "deployment.yaml").contains("- name: scratch"));
    assert!(read(p, "deployment.yaml").contains("medium: Memory"));

    let r = run_in(p, &["fix", "--config", "missing.yaml"]);
    assert_eq!(r.code, 2);
    assert!(r.err.contains("missing.yaml"), "{}", r.err);
}

// ------------------------------------------------------------------------------------------------
// rule selection flags

#[test]
fn only_skip_force_and_run_as_user() {
    let d = fixture();
    let p = d.path();
    let r = run_in(
        p,
        &[
            "fix",
            "--dry-run",
            "--only",
            "seccomp-runtime-default",
            "deployment.yaml",
        ],
    );
    assert!(r.out.contains("+            seccompProfile:"), "{}", r.out);
    assert!(!r.out.contains("runAsNonRoot"), "{}", r.out);
    assert!(!r.out.contains("mountPath: /tmp"), "{}", r.out);

    let r = run_in(
        p,
        &[
            "fix",
            "--dry-run",
            "--skip",
            "run-as-non-root,read-only-root-filesystem",
            "deployment.yaml",
        ],
    );
    assert!(
        !r.out.contains("runAsNonRoot") && !r.out.contains("readOnlyRootFilesystem"),
        "{}",
        r.out
    );
    assert!(
        r.out.contains("allowPrivilegeEscalation: false"),
        "{}",
        r.out
    );

    let r = run_in(p, &["fix", "--dry-run", "--force", "uploads.yaml"]);
    assert!(
        r.out.contains("-            readOnlyRootFilesystem: false"),
        "{}",
        r.out
    );
    assert!(
        r.out.contains("+            readOnlyRootFilesystem: true"),
        "{}",
        r.out
    );
    assert!(
        !r.err.contains("warning[read-only-root-filesystem]"),
        "{}",
        r.err
    );

    let r = run_in(p, &["fix", "--run-as-user", "1234", "deployment.yaml"]);
    assert_eq!(r.code, 0);
    assert!(read(p, "deployment.yaml").contains("runAsUser: 1234"));

    let r = run_in(p, &["fix", "--only", "no-such-rule"]);
    assert_eq!(r.code, 2);
    assert!(
        r.err.contains("run-as-non-root"),
        "lists the valid rules: {}",
        r.err
    );
}

// ------------------------------------------------------------------------------------------------
// the other commands, quiet, usage errors

#[test]
fn rules_lists_every_rule_with_why_and_what_breaks() {
    let r = run_in(Path::new(TESTDATA), &["rules"]);
    assert_eq!(r.code, 0);
    for rule in [
        "run-as-non-root",
        "no-privilege-escalation",
        "drop-all-capabilities",
        "read-only-root-filesystem",
        "seccomp-runtime-default",
    ] {
        assert!(r.out.contains(&format!("{rule}\n")), "{rule}");
    }
    assert_eq!(r.out.matches("Can break:").count(), 5);
    assert!(r.out.contains("outside /tmp"));
    snapshot("cli_rules", &r.out);
}

#[test]
fn completions_man_and_version() {
    for shell in ["bash", "zsh", "fish"] {
        let r = run_in(Path::new(TESTDATA), &["completions", shell]);
        assert_eq!(r.code, 0, "{shell}");
        assert!(r.out.contains("secctx"), "{shell}");
        assert!(r.out.contains("dry-run"), "{shell}");
        if shell == "bash" {
            let script = tempfile::NamedTempFile::new().unwrap();
            fs::write(script.path(), &r.out).unwrap();
            let syntax = std::process::Command::new("bash")
                .arg("-n")
                .arg(script.path())
                .status();
            assert!(
                syntax.unwrap().success(),
                "bash -n accepts the completion script"
            );
        }
    }
    assert_eq!(
        run_in(Path::new(TESTDATA), &["completions", "tcsh"]).code,
        2
    );
    let man = run_in(Path::new(TESTDATA), &["man"]);
    assert_eq!(man.code, 0);
    assert!(
        man.out.starts_with(".ie") || man.out.contains(".TH secctx"),
        "{}",
        &man.out[..200.min(man.out.len())]
    );
    assert!(
        man.out.contains("SECCTX FIX") && man.out.contains("dry\\-run"),
        "subcommand options are in the page"
    );
    let v = run_in(Path::new(TESTDATA), &["--version"]);
    assert_eq!(
        (v.code, v.out.as_str()),
        (0, concat!("secctx ", env!("CARGO_PKG_VERSION"), "\n"))
    );
}

#[test]
fn quiet_drops_the_summary_and_notes_but_not_errors() {
    let d = fixture();
    let r = run_in(d.path(), &["fix", "-q", "--dry-run"]);
    assert_eq!(r.code, 2);
    assert!(!r.err.contains("Would harden"), "{}", r.err);
    assert!(!r.err.contains("note:"), "{}", r.err);
    assert!(r.err.contains("error[invalid-yaml]"), "{}", r.err);
    assert!(r.out.contains("--- a/deployment.yaml"), "the product stays");
}

#[test]
fn usage_errors_exit_2() {
    let dir = Path::new(TESTDATA);
    for args in [
        &[][..],
        &["frobnicate"],
        &["fix", "--no-such-flag"],
        &["fix", "-j", "0"],
        &["fix", "--format", "xml"],
        &["fix", "--run-as-user", "0"],
        &["fix", "--color", "sometimes"],
        &["check", "--format", "patch"],
        &["check", "--level", "privileged"],
    ] {
        let r = run_in(dir, args);
        assert_eq!(r.code, 2, "{args:?}: {r:?}");
        assert_eq!(r.out, "", "{args:?}: usage errors print to stderr");
    }
    assert_eq!(run_in(dir, &["--help"]).code, 0);
    assert_eq!(run_in(dir, &["fix", "--help"]).code, 0);
}

#[test]
fn help_documents_stdin_symlinks_and_exit_codes() {
    let r = run_in(Path::new(TESTDATA), &["fix", "--help"]);
    for needle in [
        "secctx fix - | kubectl apply -f -",
        "Symlinks:",
        "only when the target lies inside",
        "exits 130",
        ".secctx.yaml keys",
    ] {
        assert!(r.out.contains(needle), "{needle}");
    }
    let r = run_in(Path::new(TESTDATA), &["--help"]);
    assert!(r.out.contains("Exit status: 0"), "{}", r.out);
}

#[test]
fn a_closed_stdout_pipe_is_not_an_error() {
    let d = fixture();
    fs::remove_file(d.path().join("invalid.yaml")).unwrap();
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_secctx"))
        .current_dir(d.path())
        .args(["fix", "--dry-run"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(0));
}
