//! Settings: command-line flags and `.secctx.yaml` resolved into one value that the pipeline reads.

use std::fmt;
use std::str::FromStr;

/// The five hardening rules, in the order they are applied and listed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Rule {
    RunAsNonRoot,
    NoPrivilegeEscalation,
    DropAllCapabilities,
    ReadOnlyRootFilesystem,
    SeccompRuntimeDefault,
}

impl Rule {
    pub const ALL: [Rule; 5] = [
        Rule::RunAsNonRoot,
        Rule::NoPrivilegeEscalation,
        Rule::DropAllCapabilities,
        Rule::ReadOnlyRootFilesystem,
        Rule::SeccompRuntimeDefault,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Rule::RunAsNonRoot => "run-as-non-root",
            Rule::NoPrivilegeEscalation => "no-privilege-escalation",
            Rule::DropAllCapabilities => "drop-all-capabilities",
            Rule::ReadOnlyRootFilesystem => "read-only-root-filesystem",
            Rule::SeccompRuntimeDefault => "seccomp-runtime-default",
        }
    }
}

impl fmt::Display for Rule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Rule {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Rule::ALL
            .into_iter()
            .find(|r| r.name() == s)
            .ok_or_else(|| {
                let names: Vec<_> = Rule::ALL.iter().map(|r| r.name()).collect();
                format!("unknown rule `{s}` (rules: {})", names.join(", "))
            })
    }
}

/// A custom resource kind whose objects hold pod templates (from the built-in table or the config).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PodSpecPath {
    /// `apiVersion` group prefix to match (e.g. `argoproj.io`), or empty for any.
    pub api_group: String,
    pub kind: String,
    /// Path from the document root to a pod spec. Segments: a key, `*` (every value of a mapping),
    /// `[]` (every item of a sequence).
    pub path: Vec<String>,
}

/// What the config says about one image (matched by repository name, e.g. `nginx`,
/// `docker.io/library/nginx`, or a glob like `*/nginx`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ImageSettings {
    pub pattern: String,
    /// Extra writable paths to mount as emptyDir volumes when the root filesystem is read-only.
    pub writable_paths: Vec<String>,
    /// A UID to set as `runAsUser` when the container sets none.
    pub run_as_user: Option<i64>,
}

/// The `/tmp` volume secctx adds.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TmpVolume {
    pub name: String,
    /// `emptyDir.medium` (e.g. `Memory`), none by default.
    pub medium: Option<String>,
    /// `emptyDir.sizeLimit` (e.g. `64Mi`), none by default.
    pub size_limit: Option<String>,
}

impl Default for TmpVolume {
    fn default() -> Self {
        TmpVolume {
            name: "tmp".to_string(),
            medium: None,
            size_limit: None,
        }
    }
}

/// Everything the one-file pipeline needs to know.
#[derive(Clone, Debug)]
pub struct Settings {
    /// Rules to apply (after `--only`/`--skip` and the config's `skip`).
    pub rules: Vec<Rule>,
    /// Also flip explicit insecure values (`readOnlyRootFilesystem: false`, ...).
    pub force: bool,
    /// `runAsUser` to add where none is set.
    pub run_as_user: Option<i64>,
    /// Extra pod-spec locations for custom resources.
    pub extra_pod_spec_paths: Vec<PodSpecPath>,
    /// Per-image settings from the config (checked before the built-in table).
    pub images: Vec<ImageSettings>,
    pub tmp_volume: TmpVolume,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            rules: Rule::ALL.to_vec(),
            force: false,
            run_as_user: None,
            extra_pod_spec_paths: Vec::new(),
            images: Vec::new(),
            tmp_volume: TmpVolume::default(),
        }
    }
}

impl Settings {
    pub fn enabled(&self, rule: Rule) -> bool {
        self.rules.contains(&rule)
    }
}
