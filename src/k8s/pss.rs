//! The Pod Security Standards checks, evaluated on a pod spec in the span tree.
//!
//! A port of Kubernetes' pod-security-admission library (`policy/check_*.go` and the version
//! selection of `policy/registry.go`, Apache-2.0), reading the YAML the way the API server's
//! decoder would: a missing key and a null are the same (a nil pointer), booleans are YAML 1.1
//! words, a quoted `"true"` is not `true`. Each check gives the upstream `reason` and `detail`
//! text for the whole pod, and one [`Offender`] per place that makes it fail, with the detail
//! text Kubernetes would give if that place were the only one.
//!
//! Used by `check` (which turns offenders into findings); knows nothing about files or fixes.

use std::collections::BTreeSet;

use crate::check::Level;
use crate::k8s::find::{Container, containers};
use crate::yaml::tree::{NodeId, Tree};

/// The newest Kubernetes minor version whose checks differ from the previous one
/// (`sysctls` in v1.37). Newer versions evaluate like this one, as upstream clamps them.
pub const LATEST_VERSION: u32 = 37;

/// What a check is about, for `secctx rules`, SARIF rule metadata and help text.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CheckInfo {
    /// The check id (`runAsNonRoot`), or `secctx/...` for secctx's own rules.
    pub id: &'static str,
    /// The PSS level that introduces the check; `None` for secctx's own rules, which are not
    /// part of the Pod Security Standards and never decide the verdict.
    pub level: Option<Level>,
    /// First Kubernetes minor version (1.N) that has the check.
    pub since: u32,
    pub title: &'static str,
    pub description: &'static str,
    /// The `secctx fix` rule that fixes it, if any.
    pub fixed_by: Option<&'static str>,
    pub help_uri: &'static str,
}

const BASELINE_URI: &str =
    "https://kubernetes.io/docs/concepts/security/pod-security-standards/#baseline";
const RESTRICTED_URI: &str =
    "https://kubernetes.io/docs/concepts/security/pod-security-standards/#restricted";

const CHECKS: &[CheckInfo] = &[
    CheckInfo {
        id: "appArmorProfile",
        level: Some(Level::Baseline),
        since: 0,
        title: "AppArmor profile",
        description: "On supported hosts the RuntimeDefault AppArmor profile is applied by default; \
            overriding or disabling it (type Unconfined, or an annotation other than runtime/default \
            or localhost/*) is forbidden.",
        fixed_by: None,
        help_uri: BASELINE_URI,
    },
    CheckInfo {
        id: "capabilities_baseline",
        level: Some(Level::Baseline),
        since: 0,
        title: "Capabilities (baseline)",
        description: "Adding capabilities beyond the default set (AUDIT_WRITE, CHOWN, DAC_OVERRIDE, \
            FOWNER, FSETID, KILL, MKNOD, NET_BIND_SERVICE, SETFCAP, SETGID, SETPCAP, SETUID, \
            SYS_CHROOT) is forbidden.",
        fixed_by: None,
        help_uri: BASELINE_URI,
    },
    CheckInfo {
        id: "hostNamespaces",
        level: Some(Level::Baseline),
        since: 0,
        title: "Host namespaces",
        description: "Sharing the host namespaces (hostNetwork, hostPID, hostIPC) is forbidden.",
        fixed_by: None,
        help_uri: BASELINE_URI,
    },
    CheckInfo {
        id: "hostPathVolumes",
        level: Some(Level::Baseline),
        since: 0,
        title: "HostPath volumes",
        description: "HostPath volumes are forbidden.",
        fixed_by: None,
        help_uri: BASELINE_URI,
    },
    CheckInfo {
        id: "hostPorts",
        level: Some(Level::Baseline),
        since: 0,
        title: "Host ports",
        description: "HostPorts are forbidden (0 or unset is allowed).",
        fixed_by: None,
        help_uri: BASELINE_URI,
    },
    CheckInfo {
        id: "hostProbesAndHostLifecycle",
        level: Some(Level::Baseline),
        since: 34,
        title: "Host probes and lifecycle hooks",
        description: "Probes and lifecycle handlers (httpGet, tcpSocket) must not set a host.",
        fixed_by: None,
        help_uri: BASELINE_URI,
    },
    CheckInfo {
        id: "privileged",
        level: Some(Level::Baseline),
        since: 0,
        title: "Privileged containers",
        description: "Privileged containers (securityContext.privileged: true) are forbidden.",
        fixed_by: None,
        help_uri: BASELINE_URI,
    },
    CheckInfo {
        id: "procMount",
        level: Some(Level::Baseline),
        since: 0,
        title: "/proc mount type",
        description: "The default /proc masks must stay: securityContext.procMount must be unset or \
            Default (from v1.35, baseline allows Unmasked in user-namespace pods, hostUsers: false).",
        fixed_by: None,
        help_uri: BASELINE_URI,
    },
    CheckInfo {
        id: "seLinuxOptions",
        level: Some(Level::Baseline),
        since: 0,
        title: "SELinux",
        description: "Setting a custom SELinux user or role is forbidden, and the type must be \
            unset, container_t, container_init_t, container_kvm_t or (v1.31+) container_engine_t.",
        fixed_by: None,
        help_uri: BASELINE_URI,
    },
    CheckInfo {
        id: "seccompProfile_baseline",
        level: Some(Level::Baseline),
        since: 0,
        title: "Seccomp (baseline)",
        description: "The seccomp profile must not be explicitly set to Unconfined (before v1.19: \
            the seccomp annotations must be runtime/default, docker/default or localhost/*).",
        fixed_by: Some("seccomp-runtime-default"),
        help_uri: BASELINE_URI,
    },
    CheckInfo {
        id: "sysctls",
        level: Some(Level::Baseline),
        since: 0,
        title: "Sysctls",
        description: "Only the safe sysctls of the Kubernetes version may be set.",
        fixed_by: None,
        help_uri: BASELINE_URI,
    },
    CheckInfo {
        id: "windowsHostProcess",
        level: Some(Level::Baseline),
        since: 0,
        title: "HostProcess",
        description: "Windows HostProcess containers (windowsOptions.hostProcess: true) are forbidden.",
        fixed_by: None,
        help_uri: BASELINE_URI,
    },
    CheckInfo {
        id: "allowPrivilegeEscalation",
        level: Some(Level::Restricted),
        since: 8,
        title: "Privilege escalation",
        description: "Every container must set securityContext.allowPrivilegeEscalation: false \
            (Windows pods are exempt from v1.25).",
        fixed_by: Some("no-privilege-escalation"),
        help_uri: RESTRICTED_URI,
    },
    CheckInfo {
        id: "capabilities_restricted",
        level: Some(Level::Restricted),
        since: 22,
        title: "Capabilities (restricted)",
        description: "Every container must drop ALL capabilities and may add back only \
            NET_BIND_SERVICE (Windows pods are exempt from v1.25).",
        fixed_by: Some("drop-all-capabilities"),
        help_uri: RESTRICTED_URI,
    },
    CheckInfo {
        id: "procMount_restricted",
        level: Some(Level::Restricted),
        since: 35,
        title: "/proc mount type (restricted)",
        description: "securityContext.procMount must be unset or Default, also in user-namespace pods.",
        fixed_by: None,
        help_uri: RESTRICTED_URI,
    },
    CheckInfo {
        id: "restrictedVolumes",
        level: Some(Level::Restricted),
        since: 0,
        title: "Volume types",
        description: "Only configMap, csi, downwardAPI, emptyDir, ephemeral, image, \
            persistentVolumeClaim, projected and secret volumes are allowed.",
        fixed_by: None,
        help_uri: RESTRICTED_URI,
    },
    CheckInfo {
        id: "runAsNonRoot",
        level: Some(Level::Restricted),
        since: 0,
        title: "Running as non-root",
        description: "The pod or every container must set securityContext.runAsNonRoot: true, and \
            none may set it to false (user-namespace pods are exempt from v1.35).",
        fixed_by: Some("run-as-non-root"),
        help_uri: RESTRICTED_URI,
    },
    CheckInfo {
        id: "runAsUser",
        level: Some(Level::Restricted),
        since: 23,
        title: "Running as non-root user",
        description: "Neither the pod nor a container may set runAsUser: 0 (user-namespace pods are \
            exempt from v1.35).",
        fixed_by: None,
        help_uri: RESTRICTED_URI,
    },
    CheckInfo {
        id: "seccompProfile_restricted",
        level: Some(Level::Restricted),
        since: 19,
        title: "Seccomp (restricted)",
        description: "The pod or every container must set seccompProfile.type to RuntimeDefault or \
            Localhost, and none may set another type (Windows pods are exempt from v1.25).",
        fixed_by: Some("seccomp-runtime-default"),
        help_uri: RESTRICTED_URI,
    },
    CheckInfo {
        id: "secctx/read-only-root-filesystem",
        level: None,
        since: 0,
        title: "Read-only root filesystem (secctx rule, not a PSS check)",
        description: "secctx hardening: every Linux container should set \
            securityContext.readOnlyRootFilesystem: true. Reported by `secctx check`, never part \
            of the PSS verdict.",
        fixed_by: Some("read-only-root-filesystem"),
        help_uri: "https://kubernetes.io/docs/tasks/configure-pod-container/security-context/",
    },
    CheckInfo {
        id: "secctx/tmp-volume",
        level: None,
        since: 0,
        title: "Writable /tmp (secctx rule, not a PSS check)",
        description: "secctx hardening: a container with a read-only root filesystem should mount \
            a writable emptyDir at /tmp. Reported by `secctx check`, never part of the PSS verdict.",
        fixed_by: Some("read-only-root-filesystem"),
        help_uri: "https://kubernetes.io/docs/concepts/storage/volumes/#emptydir",
    },
];

/// Metadata of every check `secctx check` can report: the PSS checks, then secctx's own rules.
pub fn checks() -> &'static [CheckInfo] {
    CHECKS
}

/// Metadata of one check by id.
pub fn check_info(id: &str) -> Option<&'static CheckInfo> {
    CHECKS.iter().find(|c| c.id == id)
}

/// Restricted checks that replace a baseline check (registry.go `OverrideCheckIDs`).
fn overrides(id: &str) -> Option<&'static str> {
    match id {
        "capabilities_restricted" => Some("capabilities_baseline"),
        "procMount_restricted" => Some("procMount"),
        "restrictedVolumes" => Some("hostPathVolumes"),
        "seccompProfile_restricted" => Some("seccompProfile_baseline"),
        _ => None,
    }
}

/// The Kubernetes minor version to evaluate: `None` = latest; newer ones are clamped.
pub fn effective_version(version: Option<u32>) -> u32 {
    version.map_or(LATEST_VERSION, |v| v.min(LATEST_VERSION))
}

/// The ids of the checks that run for `level` at Kubernetes 1.`version`, in registry order
/// (baseline ids sorted, then restricted ids sorted; restricted drops the baseline checks it
/// overrides).
pub fn active_checks(level: Level, version: u32) -> Vec<&'static str> {
    let active = |lvl: Level| -> Vec<&'static str> {
        let mut ids: Vec<_> = CHECKS
            .iter()
            .filter(|c| c.level == Some(lvl) && c.since <= version)
            .map(|c| c.id)
            .collect();
        ids.sort_unstable();
        ids
    };
    let baseline = active(Level::Baseline);
    match level {
        Level::Baseline => baseline,
        Level::Restricted => {
            let restricted = active(Level::Restricted);
            let overridden: Vec<_> = restricted.iter().filter_map(|id| overrides(id)).collect();
            baseline
                .into_iter()
                .filter(|id| !overridden.contains(id))
                .chain(restricted)
                .collect()
        }
    }
}

/// One place that makes a check fail.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Offender {
    /// Where to point: the key of the offending field, or the container (or annotation, volume,
    /// sysctl) when the required field is missing.
    pub at: NodeId,
    /// The container, or `None` for pod-level settings (pod securityContext, volumes, metadata).
    pub container: Option<NodeId>,
    /// The field is set to a failing value (as opposed to a required value being absent).
    pub explicit: bool,
    /// Kubernetes' reason and detail texts as if this were the only offender.
    pub reason: String,
    pub detail: String,
}

/// A failing check for one pod spec.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Violation {
    pub id: &'static str,
    /// Kubernetes' forbidden reason (`runAsNonRoot != true`) and detail, exactly as upstream
    /// gives them for the whole pod.
    pub reason: String,
    pub detail: String,
    pub offenders: Vec<Offender>,
}

impl Violation {
    /// `reason (detail)`, as in the admission error.
    pub fn message(&self) -> String {
        forbidden(&self.reason, &self.detail)
    }
}

/// `reason (detail)` the way upstream's `ForbiddenDetail` writes one check.
pub fn forbidden(reason: &str, detail: &str) -> String {
    if detail.is_empty() {
        reason.to_string()
    } else {
        format!("{reason} ({detail})")
    }
}

/// Evaluate the checks of `level` at Kubernetes 1.`version` on the pod spec `spec`, whose pods
/// carry the metadata `meta` (the template's, or the Pod's). Violations in registry order.
pub fn evaluate(
    tree: &Tree,
    spec: NodeId,
    meta: Option<NodeId>,
    level: Level,
    version: u32,
) -> Vec<Violation> {
    let pod = Pod::new(tree, spec, meta);
    active_checks(level, version)
        .into_iter()
        .filter_map(|id| {
            let mut v = pod.run(id, version)?;
            v.id = id;
            Some(v)
        })
        .collect()
}

/// Whether the pod spec declares a Windows pod (`os.name: windows`).
pub fn is_windows(tree: &Tree, spec: NodeId) -> bool {
    let pod = Pod::new(tree, spec, None);
    pod.sval(pod.field_path(Some(spec), &["os", "name"])) == "windows"
}

// ------------------------------------------------------------------------------------------
// Text helpers (policy/helpers.go)

fn pluralize<'a>(singular: &'a str, plural: &'a str, count: usize) -> &'a str {
    if count == 1 { singular } else { plural }
}

fn join_quote<S: AsRef<str>>(items: &[S]) -> String {
    if items.is_empty() {
        return String::new();
    }
    let inner: Vec<&str> = items.iter().map(AsRef::as_ref).collect();
    format!("\"{}\"", inner.join("\", \""))
}

/// `container "a"` / `containers "a", "b"`.
fn containers_phrase<S: AsRef<str>>(names: &[S]) -> String {
    format!(
        "{} {}",
        pluralize("container", "containers", names.len()),
        join_quote(names)
    )
}

/// Go's `%q` for a string.
fn go_quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for ch in s.chars() {
        match ch {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            '\u{7}' => out.push_str("\\a"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '\u{b}' => out.push_str("\\v"),
            c if (c as u32) < 0x20 || c == '\u{7f}' => {
                out.push_str(&format!("\\x{:02x}", c as u32))
            }
            c if c.is_control() => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn sorted(set: &BTreeSet<String>) -> Vec<String> {
    set.iter().cloned().collect()
}

// ------------------------------------------------------------------------------------------
// The pod as the decoder sees it

struct Pod<'a> {
    t: &'a Tree,
    spec: NodeId,
    meta: Option<NodeId>,
    containers: Vec<Container>,
}

/// What each check returns: the upstream reason/detail, and the offenders.
type Outcome = Option<Violation>;

fn violation(
    reason: impl Into<String>,
    detail: impl Into<String>,
    offenders: Vec<Offender>,
) -> Outcome {
    Some(Violation {
        id: "",
        reason: reason.into(),
        detail: detail.into(),
        offenders,
    })
}

impl<'a> Pod<'a> {
    fn new(t: &'a Tree, spec: NodeId, meta: Option<NodeId>) -> Self {
        Pod {
            t,
            spec,
            meta,
            containers: containers(t, spec),
        }
    }

    /// The value of `key` in `node`, `None` when missing or null (a nil pointer).
    fn field(&self, node: Option<NodeId>, key: &str) -> Option<NodeId> {
        node.and_then(|n| self.t.get(n, key))
            .filter(|&v| !self.t.is_null(v))
    }

    fn field_path(&self, node: Option<NodeId>, path: &[&str]) -> Option<NodeId> {
        path.iter()
            .try_fold(node, |n, key| Some(self.field(n, key)))
            .flatten()
    }

    /// A Go string field: missing/null = "".
    fn sval(&self, node: Option<NodeId>) -> String {
        match node {
            None => String::new(),
            Some(n) if self.t.is_null(n) => String::new(),
            Some(n) => match self.t.str(n) {
                Some(s) => s.to_string(),
                None if self.t.is_map(n) => "{}".to_string(),
                None => "[]".to_string(),
            },
        }
    }

    fn is_true(&self, node: Option<NodeId>) -> bool {
        node.and_then(|n| self.t.as_bool(n)) == Some(true)
    }

    fn is_false(&self, node: Option<NodeId>) -> bool {
        node.and_then(|n| self.t.as_bool(n)) == Some(false)
    }

    /// Items of a sequence (resolved); nothing for anything else.
    fn list(&self, node: Option<NodeId>) -> Vec<NodeId> {
        node.map(|n| self.t.items(n).iter().map(|&i| self.t.resolve(i)).collect())
            .unwrap_or_default()
    }

    /// Where to point for a present value: its key, or the value itself (a sequence item).
    fn at(&self, value: NodeId) -> NodeId {
        self.t.key_of(value).unwrap_or(value)
    }

    fn psc(&self) -> Option<NodeId> {
        self.field(Some(self.spec), "securityContext")
    }

    fn csc(&self, c: &Container) -> Option<NodeId> {
        self.field(Some(c.node), "securityContext")
    }

    fn cname(c: &Container) -> String {
        c.name.clone().unwrap_or_default()
    }

    fn windows(&self) -> bool {
        self.sval(self.field_path(Some(self.spec), &["os", "name"])) == "windows"
    }

    /// helpers.go relaxPolicyForUserNamespacePod: `hostUsers: false`.
    fn user_namespace(&self) -> bool {
        self.is_false(self.field(Some(self.spec), "hostUsers"))
    }

    /// The annotations (key node, key, value) of the pod metadata.
    fn annotations(&self) -> Vec<(NodeId, String, String)> {
        let Some(anns) = self.field(self.meta, "annotations") else {
            return Vec::new();
        };
        self.t
            .entries(anns)
            .iter()
            .map(|&(k, v)| {
                let value = if self.t.is_null(v) {
                    String::new()
                } else {
                    self.sval(Some(v))
                };
                (k, self.t.str(k).unwrap_or_default().to_string(), value)
            })
            .collect()
    }

    fn run(&self, id: &str, version: u32) -> Outcome {
        match id {
            "appArmorProfile" => self.apparmor(),
            "capabilities_baseline" => self.capabilities_baseline(),
            "hostNamespaces" => self.host_namespaces(),
            "hostPathVolumes" => self.host_path_volumes(),
            "hostPorts" => self.host_ports(),
            "hostProbesAndHostLifecycle" => self.host_probes(),
            "privileged" => self.privileged(),
            "procMount" => {
                if version >= 35 && self.user_namespace() {
                    None
                } else {
                    self.proc_mount()
                }
            }
            "seLinuxOptions" => self.selinux(version),
            "seccompProfile_baseline" => {
                if version >= 19 {
                    self.seccomp_baseline()
                } else {
                    self.seccomp_annotations()
                }
            }
            "sysctls" => self.sysctls(version),
            "windowsHostProcess" => self.windows_host_process(),
            "allowPrivilegeEscalation" => {
                if version >= 25 && self.windows() {
                    None
                } else {
                    self.allow_privilege_escalation()
                }
            }
            "capabilities_restricted" => {
                if version >= 25 && self.windows() {
                    None
                } else {
                    self.capabilities_restricted()
                }
            }
            "procMount_restricted" => self.proc_mount(),
            "restrictedVolumes" => self.restricted_volumes(),
            "runAsNonRoot" => {
                if version >= 35 && self.user_namespace() {
                    None
                } else {
                    self.run_as_non_root()
                }
            }
            "runAsUser" => {
                if version >= 35 && self.user_namespace() {
                    None
                } else {
                    self.run_as_user()
                }
            }
            "seccompProfile_restricted" => {
                if version >= 25 && self.windows() {
                    None
                } else {
                    self.seccomp_restricted()
                }
            }
            _ => None,
        }
    }

    // check_allowPrivilegeEscalation.go
    fn allow_privilege_escalation(&self) -> Outcome {
        let mut bad = Vec::new();
        let mut offenders = Vec::new();
        for c in &self.containers {
            let sc = self.csc(c);
            let ape = self.field(sc, "allowPrivilegeEscalation");
            if sc.is_none() || !self.is_false(ape) {
                let name = Self::cname(c);
                offenders.push(Offender {
                    at: ape.map_or(c.node, |n| self.at(n)),
                    container: Some(c.node),
                    explicit: ape.is_some(),
                    reason: "allowPrivilegeEscalation != false".into(),
                    detail: format!(
                        "{} must set securityContext.allowPrivilegeEscalation=false",
                        containers_phrase(&[&name])
                    ),
                });
                bad.push(name);
            }
        }
        if bad.is_empty() {
            return None;
        }
        violation(
            "allowPrivilegeEscalation != false",
            format!(
                "{} must set securityContext.allowPrivilegeEscalation=false",
                containers_phrase(&bad)
            ),
            offenders,
        )
    }

    // check_appArmorProfile.go
    fn apparmor(&self) -> Outcome {
        let ok_type = |t: &str| t == "RuntimeDefault" || t == "Localhost";
        let mut bad_setters: Vec<String> = Vec::new();
        let mut bad_values: BTreeSet<String> = BTreeSet::new();
        let mut offenders = Vec::new();
        let one = |setter: &str, value: &str| {
            (
                "forbidden AppArmor profile".to_string(),
                format!(
                    "{setter} must not set AppArmor profile type to {}",
                    join_quote(&[value])
                ),
            )
        };
        if let Some(profile) = self.field(self.psc(), "appArmorProfile") {
            let t = self.sval(self.field(Some(profile), "type"));
            if !ok_type(&t) {
                bad_setters.push("pod".into());
                let (reason, detail) = one("pod", &t);
                offenders.push(Offender {
                    at: self
                        .field(Some(profile), "type")
                        .map_or(self.at(profile), |n| self.at(n)),
                    container: None,
                    explicit: true,
                    reason,
                    detail,
                });
                bad_values.insert(t);
            }
        }
        let mut bad_containers = Vec::new();
        for c in &self.containers {
            if let Some(profile) = self.field(self.csc(c), "appArmorProfile") {
                let t = self.sval(self.field(Some(profile), "type"));
                if !ok_type(&t) {
                    let name = Self::cname(c);
                    let (reason, detail) = one(&containers_phrase(&[&name]), &t);
                    offenders.push(Offender {
                        at: self
                            .field(Some(profile), "type")
                            .map_or(self.at(profile), |n| self.at(n)),
                        container: Some(c.node),
                        explicit: true,
                        reason,
                        detail,
                    });
                    bad_containers.push(name);
                    bad_values.insert(t);
                }
            }
        }
        if !bad_containers.is_empty() {
            bad_setters.push(containers_phrase(&bad_containers));
        }
        let mut forbidden_annotations = Vec::new();
        for (key_node, key, value) in self.annotations() {
            if key.starts_with("container.apparmor.security.beta.kubernetes.io/")
                && !(value.is_empty()
                    || value == "runtime/default"
                    || value.starts_with("localhost/"))
            {
                let text = format!("{key}={}", go_quote(&value));
                let (reason, detail) = one("annotation", &text);
                offenders.push(Offender {
                    at: key_node,
                    container: None,
                    explicit: true,
                    reason,
                    detail,
                });
                forbidden_annotations.push(text);
            }
        }
        let mut bad_value_list = sorted(&bad_values);
        if !forbidden_annotations.is_empty() {
            forbidden_annotations.sort();
            bad_setters.push(
                pluralize("annotation", "annotations", forbidden_annotations.len()).to_string(),
            );
            bad_value_list.extend(forbidden_annotations);
        }
        if bad_setters.is_empty() {
            return None;
        }
        violation(
            pluralize(
                "forbidden AppArmor profile",
                "forbidden AppArmor profiles",
                bad_value_list.len(),
            ),
            format!(
                "{} must not set AppArmor profile type to {}",
                bad_setters.join(" and "),
                join_quote(&bad_value_list)
            ),
            offenders,
        )
    }

    // check_capabilities_baseline.go
    fn capabilities_baseline(&self) -> Outcome {
        const ALLOWED: &[&str] = &[
            "AUDIT_WRITE",
            "CHOWN",
            "DAC_OVERRIDE",
            "FOWNER",
            "FSETID",
            "KILL",
            "MKNOD",
            "NET_BIND_SERVICE",
            "SETFCAP",
            "SETGID",
            "SETPCAP",
            "SETUID",
            "SYS_CHROOT",
        ];
        let mut bad = Vec::new();
        let mut non_default = BTreeSet::new();
        let mut offenders = Vec::new();
        for c in &self.containers {
            let Some(caps) = self.field(self.csc(c), "capabilities") else {
                continue;
            };
            let mut own = BTreeSet::new();
            let mut first = None;
            for cap in self.list(self.field(Some(caps), "add")) {
                let name = self.sval(Some(cap));
                if !ALLOWED.contains(&name.as_str()) {
                    first.get_or_insert(cap);
                    own.insert(name);
                }
            }
            if let Some(first) = first {
                let name = Self::cname(c);
                offenders.push(Offender {
                    at: first,
                    container: Some(c.node),
                    explicit: true,
                    reason: "non-default capabilities".into(),
                    detail: format!(
                        "{} must not include {} in securityContext.capabilities.add",
                        containers_phrase(&[&name]),
                        join_quote(&sorted(&own))
                    ),
                });
                bad.push(name);
                non_default.extend(own);
            }
        }
        if bad.is_empty() {
            return None;
        }
        violation(
            "non-default capabilities",
            format!(
                "{} must not include {} in securityContext.capabilities.add",
                containers_phrase(&bad),
                join_quote(&sorted(&non_default))
            ),
            offenders,
        )
    }

    // check_capabilities_restricted.go
    fn capabilities_restricted(&self) -> Outcome {
        let mut missing_drop_all = Vec::new();
        let mut adding_forbidden = Vec::new();
        let mut forbidden_caps = BTreeSet::new();
        let mut offenders = Vec::new();
        let reason = "unrestricted capabilities";
        let drop_detail = |names: &[String]| {
            format!(
                "{} must set securityContext.capabilities.drop=[\"ALL\"]",
                containers_phrase(names)
            )
        };
        let add_detail = |names: &[String], caps: &BTreeSet<String>| {
            format!(
                "{} must not include {} in securityContext.capabilities.add",
                containers_phrase(names),
                join_quote(&sorted(caps))
            )
        };
        for c in &self.containers {
            let name = Self::cname(c);
            let Some(caps) = self.field(self.csc(c), "capabilities") else {
                offenders.push(Offender {
                    at: c.node,
                    container: Some(c.node),
                    explicit: false,
                    reason: reason.into(),
                    detail: drop_detail(std::slice::from_ref(&name)),
                });
                missing_drop_all.push(name);
                continue;
            };
            let drop = self.field(Some(caps), "drop");
            if !self
                .list(drop)
                .into_iter()
                .any(|d| self.sval(Some(d)) == "ALL")
            {
                offenders.push(Offender {
                    at: drop.map_or(self.at(caps), |d| self.at(d)),
                    container: Some(c.node),
                    explicit: false,
                    reason: reason.into(),
                    detail: drop_detail(std::slice::from_ref(&name)),
                });
                missing_drop_all.push(name.clone());
            }
            let mut own = BTreeSet::new();
            let mut first = None;
            for cap in self.list(self.field(Some(caps), "add")) {
                let cap_name = self.sval(Some(cap));
                if cap_name != "NET_BIND_SERVICE" {
                    first.get_or_insert(cap);
                    own.insert(cap_name);
                }
            }
            if let Some(first) = first {
                offenders.push(Offender {
                    at: first,
                    container: Some(c.node),
                    explicit: true,
                    reason: reason.into(),
                    detail: add_detail(std::slice::from_ref(&name), &own),
                });
                adding_forbidden.push(name);
                forbidden_caps.extend(own);
            }
        }
        let mut details = Vec::new();
        if !missing_drop_all.is_empty() {
            details.push(drop_detail(&missing_drop_all));
        }
        if !adding_forbidden.is_empty() {
            details.push(add_detail(&adding_forbidden, &forbidden_caps));
        }
        if details.is_empty() {
            return None;
        }
        violation(reason, details.join("; "), offenders)
    }

    // check_hostNamespaces.go
    fn host_namespaces(&self) -> Outcome {
        let mut set = Vec::new();
        let mut offenders = Vec::new();
        for key in ["hostNetwork", "hostPID", "hostIPC"] {
            let value = self.field(Some(self.spec), key);
            if self.is_true(value) {
                let text = format!("{key}=true");
                offenders.push(Offender {
                    at: value.map_or(self.spec, |v| self.at(v)),
                    container: None,
                    explicit: true,
                    reason: "host namespaces".into(),
                    detail: text.clone(),
                });
                set.push(text);
            }
        }
        if set.is_empty() {
            return None;
        }
        violation("host namespaces", set.join(", "), offenders)
    }

    // check_hostPathVolumes.go
    fn host_path_volumes(&self) -> Outcome {
        let mut bad = Vec::new();
        let mut offenders = Vec::new();
        for v in self.list(self.field(Some(self.spec), "volumes")) {
            if !self.t.is_map(v) {
                continue;
            }
            if let Some(host_path) = self.field(Some(v), "hostPath") {
                let name = self.sval(self.field(Some(v), "name"));
                offenders.push(Offender {
                    at: self.at(host_path),
                    container: None,
                    explicit: true,
                    reason: "hostPath volumes".into(),
                    detail: format!("volume {}", join_quote(&[&name])),
                });
                bad.push(name);
            }
        }
        if bad.is_empty() {
            return None;
        }
        violation(
            "hostPath volumes",
            format!(
                "{} {}",
                pluralize("volume", "volumes", bad.len()),
                join_quote(&bad)
            ),
            offenders,
        )
    }

    // check_hostPorts.go
    fn host_ports(&self) -> Outcome {
        let phrase = |names: &[String], ports: &BTreeSet<String>| {
            format!(
                "{} {} {} {}",
                containers_phrase(names),
                pluralize("uses", "use", names.len()),
                pluralize("hostPort", "hostPorts", ports.len()),
                sorted(ports).join(", ")
            )
        };
        let mut bad = Vec::new();
        let mut ports = BTreeSet::new();
        let mut offenders = Vec::new();
        for c in &self.containers {
            let mut own = BTreeSet::new();
            let mut first = None;
            for p in self.list(self.field(Some(c.node), "ports")) {
                let Some(hp) = self.field(Some(p), "hostPort") else {
                    continue;
                };
                if self.t.as_bool(hp).is_some() || self.t.as_int(hp) == Some(0) {
                    continue;
                }
                let text = self
                    .t
                    .as_int(hp)
                    .map_or_else(|| self.sval(Some(hp)), |n| n.to_string());
                first.get_or_insert(hp);
                own.insert(text);
            }
            if let Some(first) = first {
                let name = Self::cname(c);
                offenders.push(Offender {
                    at: self.at(first),
                    container: Some(c.node),
                    explicit: true,
                    reason: "hostPort".into(),
                    detail: phrase(std::slice::from_ref(&name), &own),
                });
                bad.push(name);
                ports.extend(own);
            }
        }
        if bad.is_empty() {
            return None;
        }
        violation("hostPort", phrase(&bad, &ports), offenders)
    }

    /// The hosts set by a probe or lifecycle handler (`httpGet.host`, `tcpSocket.host`).
    fn handler_hosts(&self, handler: Option<NodeId>) -> Vec<(NodeId, String)> {
        let mut out = Vec::new();
        for key in ["httpGet", "tcpSocket"] {
            let host = self.field_path(handler, &[key, "host"]);
            let text = self.sval(host);
            if let Some(host) = host
                && !text.is_empty()
            {
                out.push((host, text));
            }
        }
        out
    }

    // check_hostProbesAndhostLifecycle.go
    fn host_probes(&self) -> Outcome {
        let phrase = |names: &BTreeSet<String>, hosts: &BTreeSet<String>| {
            format!(
                "{} {} {} {}",
                containers_phrase(&sorted(names)),
                pluralize("uses", "use", names.len()),
                pluralize(
                    "probe or lifecycle host",
                    "probe or lifecycle hosts",
                    hosts.len()
                ),
                join_quote(&sorted(hosts))
            )
        };
        let mut bad = BTreeSet::new();
        let mut forbidden_hosts = BTreeSet::new();
        let mut offenders = Vec::new();
        for c in &self.containers {
            let mut found = Vec::new();
            for probe in ["livenessProbe", "readinessProbe", "startupProbe"] {
                found.extend(self.handler_hosts(self.field(Some(c.node), probe)));
            }
            let lifecycle = self.field(Some(c.node), "lifecycle");
            for hook in ["postStart", "preStop"] {
                found.extend(self.handler_hosts(self.field(lifecycle, hook)));
            }
            if let Some(&(first, _)) = found.first() {
                let name = Self::cname(c);
                let own: BTreeSet<String> = found.into_iter().map(|(_, h)| h).collect();
                offenders.push(Offender {
                    at: self.at(first),
                    container: Some(c.node),
                    explicit: true,
                    reason: "probe or lifecycle host".into(),
                    detail: phrase(&BTreeSet::from([name.clone()]), &own),
                });
                bad.insert(name);
                forbidden_hosts.extend(own);
            }
        }
        if bad.is_empty() {
            return None;
        }
        violation(
            "probe or lifecycle host",
            phrase(&bad, &forbidden_hosts),
            offenders,
        )
    }

    // check_privileged.go
    fn privileged(&self) -> Outcome {
        let mut bad = Vec::new();
        let mut offenders = Vec::new();
        for c in &self.containers {
            let value = self.field(self.csc(c), "privileged");
            if self.is_true(value) {
                let name = Self::cname(c);
                offenders.push(Offender {
                    at: value.map_or(c.node, |v| self.at(v)),
                    container: Some(c.node),
                    explicit: true,
                    reason: "privileged".into(),
                    detail: format!(
                        "{} must not set securityContext.privileged=true",
                        containers_phrase(&[&name])
                    ),
                });
                bad.push(name);
            }
        }
        if bad.is_empty() {
            return None;
        }
        violation(
            "privileged",
            format!(
                "{} must not set securityContext.privileged=true",
                containers_phrase(&bad)
            ),
            offenders,
        )
    }

    // check_procMount.go (baseline and restricted share the test)
    fn proc_mount(&self) -> Outcome {
        let mut bad = Vec::new();
        let mut types = BTreeSet::new();
        let mut offenders = Vec::new();
        for c in &self.containers {
            let Some(pm) = self.field(self.csc(c), "procMount") else {
                continue;
            };
            let value = self.sval(Some(pm));
            if value != "Default" {
                let name = Self::cname(c);
                offenders.push(Offender {
                    at: self.at(pm),
                    container: Some(c.node),
                    explicit: true,
                    reason: "procMount".into(),
                    detail: format!(
                        "{} must not set securityContext.procMount to {}",
                        containers_phrase(&[&name]),
                        join_quote(&[&value])
                    ),
                });
                bad.push(name);
                types.insert(value);
            }
        }
        if bad.is_empty() {
            return None;
        }
        violation(
            "procMount",
            format!(
                "{} must not set securityContext.procMount to {}",
                containers_phrase(&bad),
                join_quote(&sorted(&types))
            ),
            offenders,
        )
    }

    // check_restrictedVolumes.go
    fn restricted_volumes(&self) -> Outcome {
        const ALLOWED: &[&str] = &[
            "configMap",
            "csi",
            "downwardAPI",
            "emptyDir",
            "ephemeral",
            "image",
            "persistentVolumeClaim",
            "projected",
            "secret",
        ];
        const RESTRICTED: &[&str] = &[
            "hostPath",
            "gcePersistentDisk",
            "awsElasticBlockStore",
            "gitRepo",
            "nfs",
            "iscsi",
            "glusterfs",
            "rbd",
            "flexVolume",
            "cinder",
            "cephfs",
            "flocker",
            "fc",
            "azureFile",
            "vsphereVolume",
            "quobyte",
            "azureDisk",
            "photonPersistentDisk",
            "portworxVolume",
            "scaleIO",
            "storageos",
        ];
        let phrase = |names: &[String], types: &BTreeSet<String>| {
            format!(
                "{} {} {} {} {}",
                pluralize("volume", "volumes", names.len()),
                join_quote(names),
                pluralize("uses", "use", names.len()),
                pluralize(
                    "restricted volume type",
                    "restricted volume types",
                    types.len()
                ),
                join_quote(&sorted(types))
            )
        };
        let mut bad = Vec::new();
        let mut types = BTreeSet::new();
        let mut offenders = Vec::new();
        for v in self.list(self.field(Some(self.spec), "volumes")) {
            if !self.t.is_map(v) {
                continue;
            }
            // An allowed source, or none at all: the API server defaults a volume without a
            // source to emptyDir (SetDefaults_Volume), so upstream sees an emptyDir.
            if ALLOWED.iter().any(|k| self.field(Some(v), k).is_some()) {
                continue;
            }
            let Some((kind, node)) = RESTRICTED
                .iter()
                .find_map(|k| self.field(Some(v), k).map(|n| (*k, n)))
            else {
                continue;
            };
            let name = self.sval(self.field(Some(v), "name"));
            let own = BTreeSet::from([kind.to_string()]);
            offenders.push(Offender {
                at: self.at(node),
                container: None,
                explicit: true,
                reason: "restricted volume types".into(),
                detail: phrase(std::slice::from_ref(&name), &own),
            });
            bad.push(name);
            types.insert(kind.to_string());
        }
        if bad.is_empty() {
            return None;
        }
        violation("restricted volume types", phrase(&bad, &types), offenders)
    }

    // check_runAsNonRoot.go
    fn run_as_non_root(&self) -> Outcome {
        let reason = "runAsNonRoot != true";
        let explicit_detail =
            |setters: &str| format!("{setters} must not set securityContext.runAsNonRoot=false");
        let implicit_detail = |names: &[String]| {
            format!(
                "pod or {} must set securityContext.runAsNonRoot=true",
                containers_phrase(names)
            )
        };
        let mut bad_setters = Vec::new();
        let mut explicit_offenders = Vec::new();
        let mut pod_ok = false;
        if let Some(value) = self.field(self.psc(), "runAsNonRoot") {
            if self.is_true(Some(value)) {
                pod_ok = true;
            } else {
                bad_setters.push("pod".to_string());
                explicit_offenders.push(Offender {
                    at: self.at(value),
                    container: None,
                    explicit: true,
                    reason: reason.into(),
                    detail: explicit_detail("pod"),
                });
            }
        }
        let mut explicit_bad = Vec::new();
        let mut implicit_bad = Vec::new();
        let mut implicit_offenders = Vec::new();
        for c in &self.containers {
            let name = Self::cname(c);
            match self.field(self.csc(c), "runAsNonRoot") {
                Some(value) if !self.is_true(Some(value)) => {
                    explicit_offenders.push(Offender {
                        at: self.at(value),
                        container: Some(c.node),
                        explicit: true,
                        reason: reason.into(),
                        detail: explicit_detail(&containers_phrase(&[&name])),
                    });
                    explicit_bad.push(name);
                }
                Some(_) => {}
                None if !pod_ok => {
                    implicit_offenders.push(Offender {
                        at: c.node,
                        container: Some(c.node),
                        explicit: false,
                        reason: reason.into(),
                        detail: implicit_detail(std::slice::from_ref(&name)),
                    });
                    implicit_bad.push(name);
                }
                None => {}
            }
        }
        if !explicit_bad.is_empty() {
            bad_setters.push(containers_phrase(&explicit_bad));
        }
        if !bad_setters.is_empty() {
            return violation(
                reason,
                explicit_detail(&bad_setters.join(" and ")),
                explicit_offenders,
            );
        }
        if !implicit_bad.is_empty() {
            return violation(reason, implicit_detail(&implicit_bad), implicit_offenders);
        }
        None
    }

    // check_runAsUser.go
    fn run_as_user(&self) -> Outcome {
        let detail = |setters: &str| format!("{setters} must not set runAsUser=0");
        let mut bad_setters = Vec::new();
        let mut offenders = Vec::new();
        if let Some(value) = self.field(self.psc(), "runAsUser")
            && self.t.as_int(value) == Some(0)
        {
            bad_setters.push("pod".to_string());
            offenders.push(Offender {
                at: self.at(value),
                container: None,
                explicit: true,
                reason: "runAsUser=0".into(),
                detail: detail("pod"),
            });
        }
        let mut bad = Vec::new();
        for c in &self.containers {
            if let Some(value) = self.field(self.csc(c), "runAsUser")
                && self.t.as_int(value) == Some(0)
            {
                let name = Self::cname(c);
                offenders.push(Offender {
                    at: self.at(value),
                    container: Some(c.node),
                    explicit: true,
                    reason: "runAsUser=0".into(),
                    detail: detail(&containers_phrase(&[&name])),
                });
                bad.push(name);
            }
        }
        if !bad.is_empty() {
            bad_setters.push(containers_phrase(&bad));
        }
        if bad_setters.is_empty() {
            return None;
        }
        violation("runAsUser=0", detail(&bad_setters.join(" and ")), offenders)
    }

    // check_seLinuxOptions.go
    fn selinux(&self, version: u32) -> Outcome {
        let mut allowed_types = vec!["", "container_t", "container_init_t", "container_kvm_t"];
        if version >= 31 {
            allowed_types.push("container_engine_t");
        }
        struct Bad {
            types: BTreeSet<String>,
            user: bool,
            role: bool,
            at: NodeId,
        }
        let judge = |opts: NodeId| -> Option<Bad> {
            let mut bad = Bad {
                types: BTreeSet::new(),
                user: false,
                role: false,
                at: self.at(opts),
            };
            let t_node = self.field(Some(opts), "type");
            let t = self.sval(t_node);
            let mut first = None;
            if !allowed_types.contains(&t.as_str()) {
                first = first.or(t_node);
                bad.types.insert(t);
            }
            let user = self.field(Some(opts), "user");
            if !self.sval(user).is_empty() {
                first = first.or(user);
                bad.user = true;
            }
            let role = self.field(Some(opts), "role");
            if !self.sval(role).is_empty() {
                first = first.or(role);
                bad.role = true;
            }
            if let Some(first) = first {
                bad.at = self.at(first);
            }
            (!bad.types.is_empty() || bad.user || bad.role).then_some(bad)
        };
        let data = |types: &BTreeSet<String>, user: bool, role: bool| {
            let mut parts = Vec::new();
            if !types.is_empty() {
                parts.push(format!(
                    "{} {}",
                    pluralize("type", "types", types.len()),
                    join_quote(&sorted(types))
                ));
            }
            if user {
                parts.push("user may not be set".to_string());
            }
            if role {
                parts.push("role may not be set".to_string());
            }
            parts.join("; ")
        };
        let detail = |setters: &str, data: &str| {
            format!("{setters} set forbidden securityContext.seLinuxOptions: {data}")
        };
        let mut bad_setters = Vec::new();
        let (mut all_types, mut any_user, mut any_role) = (BTreeSet::new(), false, false);
        let mut offenders = Vec::new();
        let mut record =
            |bad: Bad, setter: String, container: Option<NodeId>, offenders: &mut Vec<Offender>| {
                offenders.push(Offender {
                    at: bad.at,
                    container,
                    explicit: true,
                    reason: "seLinuxOptions".into(),
                    detail: detail(&setter, &data(&bad.types, bad.user, bad.role)),
                });
                all_types.extend(bad.types);
                any_user |= bad.user;
                any_role |= bad.role;
            };
        if let Some(opts) = self.field(self.psc(), "seLinuxOptions")
            && let Some(bad) = judge(opts)
        {
            bad_setters.push("pod".to_string());
            record(bad, "pod".to_string(), None, &mut offenders);
        }
        let mut bad_containers = Vec::new();
        for c in &self.containers {
            if let Some(opts) = self.field(self.csc(c), "seLinuxOptions")
                && let Some(bad) = judge(opts)
            {
                let name = Self::cname(c);
                record(
                    bad,
                    containers_phrase(&[&name]),
                    Some(c.node),
                    &mut offenders,
                );
                bad_containers.push(name);
            }
        }
        if !bad_containers.is_empty() {
            bad_setters.push(containers_phrase(&bad_containers));
        }
        if bad_setters.is_empty() {
            return None;
        }
        violation(
            "seLinuxOptions",
            detail(
                &bad_setters.join(" and "),
                &data(&all_types, any_user, any_role),
            ),
            offenders,
        )
    }

    // check_seccompProfile_baseline.go, before v1.19: the annotations.
    fn seccomp_annotations(&self) -> Outcome {
        const POD: &str = "seccomp.security.alpha.kubernetes.io/pod";
        const CONTAINER: &str = "container.seccomp.security.alpha.kubernetes.io/";
        let valid = |v: &str| {
            v == "runtime/default" || v == "docker/default" || v.starts_with("localhost/")
        };
        let annotations = self.annotations();
        let mut forbidden_set = BTreeSet::new();
        let mut offenders = Vec::new();
        let mut judge = |key: &str| {
            if let Some((node, key, value)) = annotations.iter().find(|(_, k, _)| k == key)
                && !valid(value)
            {
                let text = format!("{key}={}", go_quote(value));
                if forbidden_set.insert(text.clone()) {
                    offenders.push(Offender {
                        at: *node,
                        container: None,
                        explicit: true,
                        reason: "seccompProfile".into(),
                        detail: format!("forbidden annotation {text}"),
                    });
                }
            }
        };
        judge(POD);
        for c in &self.containers {
            judge(&format!("{CONTAINER}{}", Self::cname(c)));
        }
        if forbidden_set.is_empty() {
            return None;
        }
        violation(
            "seccompProfile",
            format!(
                "forbidden {} {}",
                pluralize("annotation", "annotations", forbidden_set.len()),
                sorted(&forbidden_set).join(", ")
            ),
            offenders,
        )
    }

    /// The seccomp profile (node, type) set at pod level and on each container.
    fn seccomp_type(&self, sc: Option<NodeId>) -> Option<(NodeId, Option<NodeId>, String)> {
        let profile = self.field(sc, "seccompProfile")?;
        let t = self.field(Some(profile), "type");
        Some((profile, t, self.sval(t)))
    }

    fn seccomp_fields(&self, restricted: bool) -> Outcome {
        let valid = |t: &str| t == "Localhost" || t == "RuntimeDefault";
        let explicit_detail = |setters: &str, values: &[String]| {
            format!(
                "{setters} must not set securityContext.seccompProfile.type to {}",
                join_quote(values)
            )
        };
        let implicit_detail = |names: &[String]| {
            format!(
                "pod or {} must set securityContext.seccompProfile.type to \"RuntimeDefault\" or \"Localhost\"",
                containers_phrase(names)
            )
        };
        let mut bad_setters = Vec::new();
        let mut bad_values = BTreeSet::new();
        let mut explicit_offenders = Vec::new();
        let mut pod_set = false;
        let at = |profile: NodeId, t: Option<NodeId>| t.map_or(self.at(profile), |t| self.at(t));
        if let Some((profile, t_node, t)) = self.seccomp_type(self.psc()) {
            if valid(&t) {
                pod_set = true;
            } else {
                bad_setters.push("pod".to_string());
                explicit_offenders.push(Offender {
                    at: at(profile, t_node),
                    container: None,
                    explicit: true,
                    reason: "seccompProfile".into(),
                    detail: explicit_detail("pod", std::slice::from_ref(&t)),
                });
                bad_values.insert(t);
            }
        }
        let mut explicit_bad = Vec::new();
        let mut implicit_bad = Vec::new();
        let mut implicit_offenders = Vec::new();
        for c in &self.containers {
            let name = Self::cname(c);
            match self.seccomp_type(self.csc(c)) {
                Some((profile, t_node, t)) if !valid(&t) => {
                    explicit_offenders.push(Offender {
                        at: at(profile, t_node),
                        container: Some(c.node),
                        explicit: true,
                        reason: "seccompProfile".into(),
                        detail: explicit_detail(
                            &containers_phrase(&[&name]),
                            std::slice::from_ref(&t),
                        ),
                    });
                    explicit_bad.push(name);
                    bad_values.insert(t);
                }
                Some(_) => {}
                None if restricted && !pod_set => {
                    implicit_offenders.push(Offender {
                        at: c.node,
                        container: Some(c.node),
                        explicit: false,
                        reason: "seccompProfile".into(),
                        detail: implicit_detail(std::slice::from_ref(&name)),
                    });
                    implicit_bad.push(name);
                }
                None => {}
            }
        }
        if !explicit_bad.is_empty() {
            bad_setters.push(containers_phrase(&explicit_bad));
        }
        if !bad_setters.is_empty() {
            return violation(
                "seccompProfile",
                explicit_detail(&bad_setters.join(" and "), &sorted(&bad_values)),
                explicit_offenders,
            );
        }
        if !implicit_bad.is_empty() {
            return violation(
                "seccompProfile",
                implicit_detail(&implicit_bad),
                implicit_offenders,
            );
        }
        None
    }

    // check_seccompProfile_baseline.go, v1.19+
    fn seccomp_baseline(&self) -> Outcome {
        self.seccomp_fields(false)
    }

    // check_seccompProfile_restricted.go
    fn seccomp_restricted(&self) -> Outcome {
        self.seccomp_fields(true)
    }

    // check_sysctls.go
    fn sysctls(&self, version: u32) -> Outcome {
        let mut allowed = vec![
            "kernel.shm_rmid_forced",
            "net.ipv4.ip_local_port_range",
            "net.ipv4.tcp_syncookies",
            "net.ipv4.ping_group_range",
            "net.ipv4.ip_unprivileged_port_start",
        ];
        if version >= 27 {
            allowed.push("net.ipv4.ip_local_reserved_ports");
        }
        if version >= 29 {
            allowed.extend([
                "net.ipv4.tcp_keepalive_time",
                "net.ipv4.tcp_fin_timeout",
                "net.ipv4.tcp_keepalive_intvl",
                "net.ipv4.tcp_keepalive_probes",
            ]);
        }
        if version >= 32 {
            allowed.extend(["net.ipv4.tcp_rmem", "net.ipv4.tcp_wmem"]);
        }
        if version >= 37 {
            allowed.extend([
                "net.ipv4.tcp_slow_start_after_idle",
                "net.ipv4.tcp_notsent_lowat",
            ]);
        }
        let mut bad = Vec::new();
        let mut offenders = Vec::new();
        for s in self.list(self.field(self.psc(), "sysctls")) {
            let name_node = self.field(Some(s), "name");
            let name = self.sval(name_node);
            if !allowed.contains(&name.as_str()) {
                offenders.push(Offender {
                    at: name_node.map_or(s, |n| self.at(n)),
                    container: None,
                    explicit: true,
                    reason: "forbidden sysctls".into(),
                    detail: name.clone(),
                });
                bad.push(name);
            }
        }
        if bad.is_empty() {
            return None;
        }
        violation("forbidden sysctls", bad.join(", "), offenders)
    }

    // check_windowsHostProcess.go
    fn windows_host_process(&self) -> Outcome {
        let detail = |setters: &str| {
            format!("{setters} must not set securityContext.windowsOptions.hostProcess=true")
        };
        let mut offenders = Vec::new();
        let mut bad = Vec::new();
        for c in &self.containers {
            let value = self.field_path(self.csc(c), &["windowsOptions", "hostProcess"]);
            if self.is_true(value) {
                let name = Self::cname(c);
                offenders.push(Offender {
                    at: value.map_or(c.node, |v| self.at(v)),
                    container: Some(c.node),
                    explicit: true,
                    reason: "hostProcess".into(),
                    detail: detail(&containers_phrase(&[&name])),
                });
                bad.push(name);
            }
        }
        let mut setters = Vec::new();
        let pod_value = self.field_path(self.psc(), &["windowsOptions", "hostProcess"]);
        if self.is_true(pod_value) {
            setters.push("pod".to_string());
            offenders.insert(
                0,
                Offender {
                    at: pod_value.map_or(self.spec, |v| self.at(v)),
                    container: None,
                    explicit: true,
                    reason: "hostProcess".into(),
                    detail: detail("pod"),
                },
            );
        }
        if !bad.is_empty() {
            setters.push(containers_phrase(&bad));
        }
        if setters.is_empty() {
            return None;
        }
        violation("hostProcess", detail(&setters.join(" and ")), offenders)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn restricted_overrides_baseline_checks_by_version() {
        let v18 = active_checks(Level::Restricted, 18);
        assert!(v18.contains(&"seccompProfile_baseline"));
        assert!(!v18.contains(&"seccompProfile_restricted"));
        assert!(v18.contains(&"capabilities_baseline"));
        let latest = active_checks(Level::Restricted, LATEST_VERSION);
        for gone in [
            "capabilities_baseline",
            "procMount",
            "hostPathVolumes",
            "seccompProfile_baseline",
        ] {
            assert!(!latest.contains(&gone), "{gone} is overridden");
        }
        assert!(latest.contains(&"runAsUser"));
        assert!(!active_checks(Level::Restricted, 22).contains(&"runAsUser"));
        assert!(!active_checks(Level::Baseline, 33).contains(&"hostProbesAndHostLifecycle"));
        assert_eq!(active_checks(Level::Baseline, LATEST_VERSION).len(), 12);
        assert_eq!(active_checks(Level::Restricted, LATEST_VERSION).len(), 15);
    }

    #[test]
    fn texts_follow_upstream_helpers() {
        assert_eq!(join_quote(&["a", "b"]), "\"a\", \"b\"");
        assert_eq!(join_quote::<&str>(&[]), "");
        assert_eq!(containers_phrase(&["a"]), "container \"a\"");
        assert_eq!(go_quote("un\"conf\x01"), "\"un\\\"conf\\x01\"");
        assert_eq!(forbidden("privileged", ""), "privileged");
        assert_eq!(effective_version(Some(99)), LATEST_VERSION);
        assert_eq!(effective_version(Some(20)), 20);
    }

    #[test]
    fn check_table_covers_every_active_check() {
        for id in active_checks(Level::Restricted, LATEST_VERSION)
            .into_iter()
            .chain(active_checks(Level::Baseline, LATEST_VERSION))
        {
            assert!(check_info(id).is_some(), "{id}");
        }
        assert!(
            checks()
                .iter()
                .any(|c| c.id == "secctx/tmp-volume" && c.level.is_none())
        );
    }
}
