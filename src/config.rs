//! `.secctx.yaml`: the project's configuration, read once before the walk and merged with the flags
//! into one `Settings` by `cli`.
//!
//! # Where it is found
//!
//! `--config FILE` names it. Otherwise secctx looks for `.secctx.yaml` in the folder of the first
//! PATH (its parent folder when PATH is a file; the current folder for `-`) and then in each parent
//! folder up to the filesystem root; the first one found wins. No file means the defaults.
//!
//! # Keys
//!
//! Every key is optional; an empty file is the defaults.
//!
//! ```yaml
//! # Rules never applied (names as in `secctx rules`). `--only`/`--skip` narrow this further.
//! skip: [read-only-root-filesystem]
//!
//! # runAsUser (not 0) added to containers that set none, so that runAsNonRoot can hold.
//! # `--run-as-user` overrides it.
//! run_as_user: 10001
//!
//! # Paths never walked, in .gitignore syntax. A glob with a `/` is anchored at this file's
//! # folder; one without matches a file or folder name anywhere below it.
//! exclude: ["vendor/", "*.generated.yaml", "charts/*/templates/"]
//!
//! # Custom resources that carry pod specs, beside the built-in table (Argo Rollouts, Knative,
//! # KEDA, OpenKruise, Kubeflow, JobSet, ...). `apiVersion` is the group (`example.com`) or
//! # group/version (`example.com/v1`); leave it out to match the kind in any group. `path` is a
//! # dotted path from the object's root to a pod spec: `*` takes every value of a mapping, a `[]`
//! # suffix every item of a sequence (`spec.jobs[].template.spec`).
//! pod_spec_paths:
//!   - apiVersion: example.com
//!     kind: Pipeline
//!     path: spec.tasks[].podTemplate.spec
//!
//! # Per-image settings, checked before the built-in table. `image` is a repository name
//! # (`nginx`, `docker.io/library/nginx`) or a glob (`*/nginx`); tags and digests are ignored.
//! images:
//!   - image: registry.example.com/web
//!     writable_paths: [/var/cache/web, /run]   # emptyDir volumes mounted there
//!     run_as_user: 101                          # runAsUser when the container sets none
//!
//! # The /tmp volume secctx adds when it makes the root filesystem read-only.
//! tmp_volume:
//!   name: tmp            # a DNS label; a free name is picked if taken by another volume
//!   medium: Memory       # emptyDir.medium (leave out for node disk)
//!   size_limit: 64Mi     # emptyDir.sizeLimit
//! ```
//!
//! An unknown key, a value of the wrong type or an unknown rule name is an error naming the file,
//! the line and the column (`.secctx.yaml:3:7: unknown key `skp` (did you mean `skip`?)`); secctx
//! then exits with status 2 before touching any file.

use std::fmt;
use std::path::{Path, PathBuf};

use anyhow::Context as _;

use crate::settings::{ImageSettings, PodSpecPath, Rule, TmpVolume};
use crate::yaml::{self, NodeId, Tree};

/// The file name looked for in the first PATH's folder and its parents.
pub const FILE_NAME: &str = ".secctx.yaml";

/// The parsed configuration. `None`/empty means "not set here".
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Config {
    /// The file it was read from.
    pub path: Option<PathBuf>,
    pub skip: Vec<Rule>,
    pub run_as_user: Option<i64>,
    /// Globs in .gitignore syntax, relative to the config file's folder.
    pub exclude: Vec<String>,
    pub pod_spec_paths: Vec<PodSpecPath>,
    pub images: Vec<ImageSettings>,
    pub tmp_volume: Option<TmpVolume>,
}

impl Config {
    /// The folder the `exclude` globs are anchored at.
    pub fn base_dir(&self) -> Option<&Path> {
        self.path.as_deref().and_then(Path::parent)
    }
}

/// A problem in the configuration text, at a 1-based line and column.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConfigError {
    pub line: usize,
    pub col: usize,
    pub message: String,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}: {}", self.line, self.col, self.message)
    }
}

impl std::error::Error for ConfigError {}

/// The `.secctx.yaml` that applies to `start` (a file or folder, absolute or relative to `cwd`):
/// the one in its folder or the nearest parent folder.
pub fn discover(start: &Path, cwd: &Path) -> Option<PathBuf> {
    let start = cwd.join(start);
    let dir = if start.is_dir() {
        start.as_path()
    } else {
        start.parent()?
    };
    dir.ancestors()
        .map(|d| d.join(FILE_NAME))
        .find(|p| p.is_file())
}

/// Reads and checks a configuration file. Errors read `path:line:col: message`.
pub fn load(path: &Path) -> anyhow::Result<Config> {
    let bytes = std::fs::read(path)
        .with_context(|| format!("failed to read the configuration file {}", path.display()))?;
    let text = std::str::from_utf8(&bytes).map_err(|e| {
        anyhow::anyhow!(
            "{}: the configuration file is not UTF-8 (invalid byte at offset {})",
            path.display(),
            e.valid_up_to()
        )
    })?;
    let mut config = parse_config(text).map_err(|e| anyhow::anyhow!("{}:{e}", path.display()))?;
    config.path = Some(path.to_path_buf());
    Ok(config)
}

const KEYS: [&str; 6] = [
    "skip",
    "run_as_user",
    "exclude",
    "pod_spec_paths",
    "images",
    "tmp_volume",
];
const POD_SPEC_PATH_KEYS: [&str; 3] = ["apiVersion", "kind", "path"];
const IMAGE_KEYS: [&str; 3] = ["image", "writable_paths", "run_as_user"];
const TMP_VOLUME_KEYS: [&str; 3] = ["name", "medium", "size_limit"];

/// Parses configuration text (a BOM is allowed). `path` of the result is left empty.
pub fn parse_config(text: &str) -> Result<Config, ConfigError> {
    let (text, _) = yaml::strip_bom(text);
    let tree = yaml::parse(text).map_err(|e| ConfigError {
        line: e.line,
        col: e.col,
        message: e.message,
    })?;
    let mut config = Config::default();
    let Some(doc) = tree.docs.first() else {
        return Ok(config);
    };
    if let Some(extra) = tree.docs.get(1) {
        let (line, col) = tree.position(extra.root);
        return Err(ConfigError {
            line,
            col,
            message: "the configuration holds more than one YAML document".to_string(),
        });
    }
    let r = Reader { tree: &tree };
    let root = doc.root;
    if r.tree.is_null(root) {
        return Ok(config);
    }
    for (key, value) in r.map_entries(root, "the configuration", &KEYS)? {
        if r.tree.is_null(value) {
            continue;
        }
        match key {
            "skip" => {
                for &item in r.seq(
                    value,
                    "`skip` must be a list of rule names, e.g. [read-only-root-filesystem]",
                )? {
                    let name = r.string(item, "a rule name")?;
                    let rule = name.parse::<Rule>().map_err(|m| r.error(item, m))?;
                    if !config.skip.contains(&rule) {
                        config.skip.push(rule);
                    }
                }
            }
            "run_as_user" => config.run_as_user = Some(r.uid(value, "run_as_user")?),
            "exclude" => {
                for &item in r.seq(
                    value,
                    "`exclude` must be a list of globs, e.g. [\"vendor/\"]",
                )? {
                    let glob = r.string(item, "a glob")?;
                    let mut check = ignore::gitignore::GitignoreBuilder::new("/");
                    check
                        .add_line(None, glob)
                        .map_err(|e| r.error(item, format!("invalid glob `{glob}`: {e}")))?;
                    config.exclude.push(glob.to_string());
                }
            }
            "pod_spec_paths" => {
                for &item in r.seq(
                    value,
                    "`pod_spec_paths` must be a list of {apiVersion, kind, path}",
                )? {
                    config.pod_spec_paths.push(r.pod_spec_path(item)?);
                }
            }
            "images" => {
                for &item in r.seq(
                    value,
                    "`images` must be a list of {image, writable_paths, run_as_user}",
                )? {
                    config.images.push(r.image(item)?);
                }
            }
            "tmp_volume" => config.tmp_volume = Some(r.tmp_volume(value)?),
            _ => unreachable!("map_entries only yields known keys"),
        }
    }
    Ok(config)
}

struct Reader<'t> {
    tree: &'t Tree,
}

impl<'t> Reader<'t> {
    fn error(&self, node: NodeId, message: impl Into<String>) -> ConfigError {
        let (line, col) = self.tree.position(node);
        ConfigError {
            line,
            col,
            message: message.into(),
        }
    }

    /// The entries of a mapping, keys checked against `known`.
    fn map_entries(
        &self,
        map: NodeId,
        what: &str,
        known: &[&'static str],
    ) -> Result<Vec<(&'static str, NodeId)>, ConfigError> {
        if !self.tree.is_map(map) {
            return Err(self.error(map, format!("{what} must be a mapping of keys to values")));
        }
        let mut out = Vec::new();
        for &(k, v) in self.tree.entries(map) {
            let Some(name) = self.tree.str(k) else {
                return Err(self.error(k, "keys must be plain names"));
            };
            match known.iter().find(|&&n| n == name) {
                Some(&n) => out.push((n, v)),
                None => {
                    let hint = match closest(name, known) {
                        Some(s) => format!(" (did you mean `{s}`?)"),
                        None => format!(" (known keys: {})", known.join(", ")),
                    };
                    return Err(self.error(k, format!("unknown key `{name}` in {what}{hint}")));
                }
            }
        }
        Ok(out)
    }

    fn seq(&self, node: NodeId, message: &str) -> Result<&'t [NodeId], ConfigError> {
        if self.tree.is_seq(node) {
            Ok(self.tree.items(node))
        } else {
            Err(self.error(node, message))
        }
    }

    fn string(&self, node: NodeId, what: &str) -> Result<&'t str, ConfigError> {
        match self.tree.str(node) {
            Some(s) if !self.tree.is_null(node) && !s.is_empty() => Ok(s),
            _ => Err(self.error(node, format!("expected {what} (a non-empty string)"))),
        }
    }

    fn uid(&self, node: NodeId, key: &str) -> Result<i64, ConfigError> {
        match self.tree.as_int(node) {
            Some(n) if (1..=i64::from(i32::MAX)).contains(&n) => Ok(n),
            Some(0) => Err(self.error(
                node,
                format!("`{key}` must not be 0: that is root, which runAsNonRoot refuses"),
            )),
            Some(n) => Err(self.error(
                node,
                format!("`{key}` must be a UID from 1 to 2147483647, not {n}"),
            )),
            None => Err(self.error(node, format!("`{key}` must be an integer UID, e.g. 10001"))),
        }
    }

    fn pod_spec_path(&self, item: NodeId) -> Result<PodSpecPath, ConfigError> {
        let what = "a `pod_spec_paths` entry";
        let mut api_group = String::new();
        let mut kind = None;
        let mut path = None;
        for (key, value) in self.map_entries(item, what, &POD_SPEC_PATH_KEYS)? {
            match key {
                "apiVersion" => api_group = self.string(value, "an API group")?.to_string(),
                "kind" => kind = Some(self.string(value, "a kind")?.to_string()),
                _ => {
                    let text = self.string(value, "a dotted path like spec.template.spec")?;
                    path = Some(parse_path(text).map_err(|m| self.error(value, m))?);
                }
            }
        }
        let kind = kind.ok_or_else(|| self.error(item, format!("{what} needs a `kind`")))?;
        let path = path.ok_or_else(|| self.error(item, format!("{what} needs a `path`")))?;
        Ok(PodSpecPath {
            api_group,
            kind,
            path,
        })
    }

    fn image(&self, item: NodeId) -> Result<ImageSettings, ConfigError> {
        let what = "an `images` entry";
        let mut image = ImageSettings::default();
        let mut named = false;
        for (key, value) in self.map_entries(item, what, &IMAGE_KEYS)? {
            match key {
                "image" => {
                    image.pattern = self.string(value, "an image name")?.to_string();
                    named = true;
                }
                "writable_paths" => {
                    let msg = "`writable_paths` must be a list of absolute paths";
                    for p in self.seq(value, msg)? {
                        let s = self.string(*p, "an absolute path")?;
                        if !s.starts_with('/') {
                            return Err(self.error(*p, format!("`{s}` is not an absolute path")));
                        }
                        image.writable_paths.push(s.to_string());
                    }
                }
                _ => image.run_as_user = Some(self.uid(value, "run_as_user")?),
            }
        }
        if !named {
            return Err(self.error(item, format!("{what} needs an `image`")));
        }
        Ok(image)
    }

    fn tmp_volume(&self, node: NodeId) -> Result<TmpVolume, ConfigError> {
        let mut vol = TmpVolume::default();
        for (key, value) in self.map_entries(node, "`tmp_volume`", &TMP_VOLUME_KEYS)? {
            if self.tree.is_null(value) {
                continue;
            }
            match key {
                "name" => {
                    let name = self.string(value, "a volume name")?;
                    if !is_dns_label(name) {
                        return Err(self.error(
                            value,
                            format!(
                                "`{name}` is not a valid volume name (lowercase letters, digits \
                                 and `-`, at most 63, starting and ending with a letter or digit)"
                            ),
                        ));
                    }
                    vol.name = name.to_string();
                }
                "medium" => {
                    vol.medium = Some(self.string(value, "an emptyDir medium")?.to_string())
                }
                _ => vol.size_limit = Some(self.string(value, "a quantity like 64Mi")?.to_string()),
            }
        }
        Ok(vol)
    }
}

/// `spec.jobs[].template.spec` -> `["spec", "jobs", "[]", "template", "spec"]`.
pub fn parse_path(text: &str) -> Result<Vec<String>, String> {
    let mut out = Vec::new();
    for seg in text.split('.') {
        let (name, items) = match seg.strip_suffix("[]") {
            Some(name) => (name, true),
            None => (seg, false),
        };
        if name.is_empty() || name.contains(['[', ']']) {
            return Err(format!(
                "invalid path `{text}`: use dotted keys, `*` for every value of a mapping and a \
                 `[]` suffix for every item of a list, e.g. spec.jobs[].template.spec"
            ));
        }
        out.push(name.to_string());
        if items {
            out.push("[]".to_string());
        }
    }
    Ok(out)
}

fn is_dns_label(s: &str) -> bool {
    let ok_char = |c: char| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-';
    !s.is_empty()
        && s.len() <= 63
        && s.chars().all(ok_char)
        && !s.starts_with('-')
        && !s.ends_with('-')
}

/// The known name nearest to `name`, if it is close enough to be a typo.
fn closest<'a>(name: &str, known: &[&'a str]) -> Option<&'a str> {
    known
        .iter()
        .map(|k| (edit_distance(&fold(name), &fold(k)), *k))
        .filter(|&(d, k)| d <= 2.max(k.len() / 4))
        .min_by_key(|&(d, _)| d)
        .map(|(_, k)| k)
}

/// Lowercase without `_`/`-`, so `runAsUser` and `run-as-user` find `run_as_user`.
fn fold(s: &str) -> String {
    s.chars()
        .filter(|c| !matches!(c, '_' | '-'))
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            let sub = prev[j] + usize::from(ca != *cb);
            cur[j + 1] = sub.min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(text: &str) -> ConfigError {
        parse_config(text).expect_err("should be rejected")
    }

    #[test]
    fn empty_and_comment_only_files_are_defaults() {
        assert_eq!(parse_config("").unwrap(), Config::default());
        assert_eq!(parse_config("# nothing\n").unwrap(), Config::default());
        assert_eq!(parse_config("skip:\n").unwrap(), Config::default());
    }

    #[test]
    fn every_key_is_read() {
        let text = "\u{feff}skip: [read-only-root-filesystem, run-as-non-root]
run_as_user: 10001
exclude: [\"vendor/\", \"*.generated.yaml\"]
pod_spec_paths:
  - apiVersion: example.com
    kind: Pipeline
    path: spec.tasks[].podTemplate.spec
  - kind: Thing
    path: spec.*.template.spec
images:
  - image: nginx
    writable_paths: [/var/cache/nginx, /var/run]
    run_as_user: 101
  - image: '*/redis'
tmp_volume:
  name: scratch
  medium: Memory
  size_limit: 64Mi
";
        let c = parse_config(text).unwrap();
        assert_eq!(
            c.skip,
            vec![Rule::ReadOnlyRootFilesystem, Rule::RunAsNonRoot]
        );
        assert_eq!(c.run_as_user, Some(10001));
        assert_eq!(c.exclude, vec!["vendor/", "*.generated.yaml"]);
        assert_eq!(
            c.pod_spec_paths,
            vec![
                PodSpecPath {
                    api_group: "example.com".into(),
                    kind: "Pipeline".into(),
                    path: ["spec", "tasks", "[]", "podTemplate", "spec"]
                        .map(String::from)
                        .to_vec(),
                },
                PodSpecPath {
                    api_group: String::new(),
                    kind: "Thing".into(),
                    path: ["spec", "*", "template", "spec"].map(String::from).to_vec(),
                },
            ]
        );
        assert_eq!(c.images.len(), 2);
        assert_eq!(c.images[0].pattern, "nginx");
        assert_eq!(
            c.images[0].writable_paths,
            vec!["/var/cache/nginx", "/var/run"]
        );
        assert_eq!(c.images[0].run_as_user, Some(101));
        assert_eq!(c.images[1].pattern, "*/redis");
        assert_eq!(c.images[1].run_as_user, None);
        assert_eq!(
            c.tmp_volume,
            Some(TmpVolume {
                name: "scratch".into(),
                medium: Some("Memory".into()),
                size_limit: Some("64Mi".into())
            })
        );
    }

    #[test]
    fn unknown_key_has_position_and_suggestion() {
        let e = err("skip: []\nskp: [x]\n");
        assert_eq!((e.line, e.col), (2, 1));
        assert!(e.message.contains("unknown key `skp`"), "{}", e.message);
        assert!(e.message.contains("did you mean `skip`"), "{}", e.message);
        let e = err("whatever: 1\n");
        assert!(
            e.message.contains("known keys: skip, run_as_user"),
            "{}",
            e.message
        );
    }

    #[test]
    fn nested_unknown_key_is_found() {
        let e = err("images:\n  - image: nginx\n    writable_path: [/x]\n");
        assert_eq!((e.line, e.col), (3, 5));
        assert!(
            e.message.contains("did you mean `writable_paths`"),
            "{}",
            e.message
        );
    }

    #[test]
    fn wrong_types_have_positions() {
        let e = err("run_as_user: root\n");
        assert_eq!((e.line, e.col), (1, 14));
        assert!(e.message.contains("integer"), "{}", e.message);
        let e = err("run_as_user: -1\n");
        assert!(e.message.contains("from 1"), "{}", e.message);
        let e = err("images: [{image: x, run_as_user: 0}]\n");
        assert!(e.message.contains("root"), "{}", e.message);
        let e = err("skip: read-only-root-filesystem\n");
        assert_eq!((e.line, e.col), (1, 7));
        assert!(e.message.contains("must be a list"), "{}", e.message);
        let e = err("skip: [no-such-rule]\n");
        assert_eq!((e.line, e.col), (1, 8));
        assert!(
            e.message.contains("unknown rule `no-such-rule`"),
            "{}",
            e.message
        );
        let e = err("- a\n- b\n");
        assert_eq!(e.line, 1);
        assert!(e.message.contains("must be a mapping"), "{}", e.message);
        let e = err("tmp_volume: {name: Tmp_1}\n");
        assert!(
            e.message.contains("not a valid volume name"),
            "{}",
            e.message
        );
        let e = err("images:\n  - writable_paths: [relative/x]\n");
        assert_eq!((e.line, e.col), (2, 22));
        let e = err("images:\n  - run_as_user: 1\n");
        assert!(e.message.contains("needs an `image`"), "{}", e.message);
        let e = err("pod_spec_paths:\n  - kind: X\n    path: spec..x\n");
        assert_eq!((e.line, e.col), (3, 11));
    }

    #[test]
    fn invalid_yaml_and_second_document_are_errors() {
        let e = err("skip: [a\n");
        assert!(e.line >= 1 && e.col >= 1);
        let e = err("skip: []\n---\nskip: []\n");
        assert_eq!(e.line, 3);
        assert!(e.message.contains("more than one"), "{}", e.message);
    }

    #[test]
    fn paths_parse() {
        assert_eq!(
            parse_path("spec.template.spec").unwrap(),
            vec!["spec", "template", "spec"]
        );
        assert_eq!(parse_path("a[].b").unwrap(), vec!["a", "[]", "b"]);
        assert!(parse_path("a.[].b").is_err());
        assert!(parse_path("").is_err());
    }

    #[test]
    fn discover_walks_up_from_the_first_path() {
        let dir = tempfile::tempdir().unwrap();
        let sub = dir.path().join("a/b");
        std::fs::create_dir_all(&sub).unwrap();
        std::fs::write(sub.join("x.yaml"), "").unwrap();
        assert_eq!(
            discover(&sub.join("x.yaml"), dir.path()),
            None::<PathBuf>.or_else(|| {
                // A config above the temp dir would be found too; only assert what we control.
                discover(dir.path(), dir.path())
            })
        );
        std::fs::write(dir.path().join("a").join(FILE_NAME), "").unwrap();
        let want = dir.path().join("a").join(FILE_NAME);
        assert_eq!(
            discover(&sub.join("x.yaml"), dir.path()),
            Some(want.clone())
        );
        assert_eq!(discover(Path::new("a/b"), dir.path()), Some(want.clone()));
        assert_eq!(discover(Path::new("a"), dir.path()), Some(want));
    }

    #[test]
    fn typo_distance() {
        assert_eq!(closest("skp", &KEYS), Some("skip"));
        assert_eq!(closest("runAsUser", &KEYS), Some("run_as_user"));
        assert_eq!(closest("volumes", &KEYS), None);
        assert_eq!(closest("run_as_usr", &KEYS), Some("run_as_user"));
    }
}
