//! Deterministic generator of a synthetic manifest repository, the input of the throughput bench.
//!
//! File `i` of a tree depends only on the seed and `i`, so the N = 2,000 tree is the first 2,000
//! files of the N = 20,000 tree and two runs with the same seed write the same bytes (the
//! fingerprint in [`Summary`] shows it). The content imitates what a platform team's monorepo holds
//! (shapes taken from `../shared/corpus`): Deployments, StatefulSets, CronJobs, DaemonSets, Jobs
//! and Pods next to Services, ConfigMaps, RBAC and kustomization files; license headers and
//! comments, 2- and 4-space indents, indented and indentless sequences (sometimes both in one
//! file), some flow collections, block scalars, multi-document files, partial securityContexts at
//! container and pod level, a few CRLF files, files without a final newline, and a few Helm
//! templates (not valid YAML, like in real repositories).
//!
//! The module lives in `benches/generator/` rather than `benches/gen.rs`: Cargo would build every
//! `benches/*.rs` as a bench target of its own, and `gen` is a reserved word in edition 2024.

use std::fmt::Write as _;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};

/// What to generate.
#[derive(Clone, Copy, Debug)]
pub struct Options {
    pub files: usize,
    pub seed: u64,
}

/// What was generated.
#[derive(Clone, Copy, Debug, Default)]
pub struct Summary {
    pub files: usize,
    pub bytes: u64,
    pub documents: usize,
    pub pod_specs: usize,
    pub containers: usize,
    /// Files holding Helm template actions (not valid YAML).
    pub templates: usize,
    /// FNV-1a over every path and content, in order: equal fingerprints mean equal trees.
    pub fingerprint: u64,
}

/// Write the tree under `root` (created if missing).
pub fn generate(root: &Path, options: &Options) -> io::Result<Summary> {
    let mut summary = Summary {
        fingerprint: FNV_OFFSET,
        ..Summary::default()
    };
    let mut made_dirs = std::collections::HashSet::new();
    for index in 0..options.files {
        let file = render_file(options.seed, index);
        let path = root.join(&file.path);
        if let Some(dir) = path.parent()
            && made_dirs.insert(dir.to_path_buf())
        {
            fs::create_dir_all(dir)?;
        }
        fs::write(&path, &file.content)?;
        summary.files += 1;
        summary.bytes += file.content.len() as u64;
        summary.documents += file.documents;
        summary.pod_specs += file.pod_specs;
        summary.containers += file.containers;
        summary.templates += usize::from(file.template);
        summary.fingerprint = fnv1a(summary.fingerprint, file.path.to_string_lossy().as_bytes());
        summary.fingerprint = fnv1a(summary.fingerprint, file.content.as_bytes());
    }
    Ok(summary)
}

/// One generated file.
pub struct File {
    /// Relative path, `/`-separated.
    pub path: PathBuf,
    pub content: String,
    pub documents: usize,
    pub pod_specs: usize,
    pub containers: usize,
    pub template: bool,
}

const FNV_OFFSET: u64 = 0xcbf2_9ce4_8422_2325;

fn fnv1a(mut hash: u64, bytes: &[u8]) -> u64 {
    for &b in bytes {
        hash ^= u64::from(b);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    hash
}

// ---------------------------------------------------------------------------------------------
// Randomness: xorshift64*, seeded per file through splitmix64.

pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        let mut z = seed.wrapping_add(0x9e37_79b9_7f4a_7c15);
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^= z >> 31;
        Rng(if z == 0 { 0x2545_f491_4f6c_dd1d } else { z })
    }

    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    /// Uniform in `0..n` (n > 0).
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    /// Uniform in `lo..=hi`.
    fn range(&mut self, lo: usize, hi: usize) -> usize {
        lo + self.below(hi - lo + 1)
    }

    /// True with probability `percent` / 100.
    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

// ---------------------------------------------------------------------------------------------
// A tiny YAML value model and its renderer, with the formatting knobs of real files.

enum Node {
    /// A scalar, written as given (the builder quotes it when needed).
    Str(String),
    Map(Vec<Entry>),
    Seq(Vec<Node>),
    /// A literal block scalar (`|`); the text has no final newline.
    Literal(String),
    /// The node written in flow style (`{a: 1}`, `[a, b]`).
    Flow(Box<Node>),
}

struct Entry {
    key: String,
    value: Node,
    /// A comment line written above the entry.
    before: Option<String>,
    /// A comment written after the value on the key's line.
    after: Option<String>,
}

fn s(text: impl Into<String>) -> Node {
    Node::Str(text.into())
}

fn q(text: &str) -> Node {
    Node::Str(format!("\"{text}\""))
}

fn flow(node: Node) -> Node {
    Node::Flow(Box::new(node))
}

fn e(key: &str, value: Node) -> Entry {
    Entry {
        key: key.to_string(),
        value,
        before: None,
        after: None,
    }
}

fn map(entries: Vec<Entry>) -> Node {
    Node::Map(entries)
}

fn seq(items: Vec<Node>) -> Node {
    Node::Seq(items)
}

fn strs(items: &[&str]) -> Node {
    Node::Seq(items.iter().map(|x| s(*x)).collect())
}

impl Entry {
    fn before(mut self, comment: &str) -> Self {
        self.before = Some(comment.to_string());
        self
    }
    fn after(mut self, comment: &str) -> Self {
        self.after = Some(comment.to_string());
        self
    }
}

/// Formatting knobs of one file.
struct Style {
    indent: usize,
    indentless: bool,
    /// Each sequence picks its own style (real files mix them).
    mixed_sequences: bool,
}

struct Renderer<'a> {
    out: String,
    style: &'a Style,
    rng: &'a mut Rng,
}

impl Renderer<'_> {
    fn pad(&mut self, col: usize) {
        for _ in 0..col {
            self.out.push(' ');
        }
    }

    fn comment_line(&mut self, col: usize, text: &str) {
        self.pad(col);
        self.out.push_str("# ");
        self.out.push_str(text);
        self.out.push('\n');
    }

    fn end_line(&mut self, after: &Option<String>) {
        if let Some(c) = after {
            self.out.push_str("  # ");
            self.out.push_str(c);
        }
        self.out.push('\n');
    }

    fn sequence_indentless(&mut self) -> bool {
        if self.style.mixed_sequences {
            self.rng.chance(50)
        } else {
            self.style.indentless
        }
    }

    /// Render a block mapping whose keys sit at `col`. With `inline_first`, the caller already
    /// wrote `- ` and the first key follows it on the same line.
    fn block_map(&mut self, entries: &[Entry], col: usize, inline_first: bool) {
        for (i, entry) in entries.iter().enumerate() {
            let inline = inline_first && i == 0;
            if !inline {
                if let Some(c) = &entry.before {
                    self.comment_line(col, c);
                }
                self.pad(col);
            }
            self.out.push_str(&entry.key);
            self.out.push(':');
            match &entry.value {
                Node::Str(text) => {
                    self.out.push(' ');
                    self.out.push_str(text);
                    self.end_line(&entry.after);
                }
                Node::Flow(node) => {
                    self.out.push(' ');
                    flow_text(&mut self.out, node);
                    self.end_line(&entry.after);
                }
                Node::Map(inner) if inner.is_empty() => {
                    self.out.push_str(" {}");
                    self.end_line(&entry.after);
                }
                Node::Seq(items) if items.is_empty() => {
                    self.out.push_str(" []");
                    self.end_line(&entry.after);
                }
                Node::Map(inner) => {
                    self.end_line(&entry.after);
                    self.block_map(inner, col + self.style.indent, false);
                }
                Node::Seq(items) => {
                    self.end_line(&entry.after);
                    let dash = if self.sequence_indentless() {
                        col
                    } else {
                        col + self.style.indent
                    };
                    self.block_seq(items, dash);
                }
                Node::Literal(text) => {
                    self.out.push_str(" |");
                    self.end_line(&entry.after);
                    for line in text.lines() {
                        if !line.is_empty() {
                            self.pad(col + self.style.indent);
                            self.out.push_str(line);
                        }
                        self.out.push('\n');
                    }
                }
            }
        }
    }

    fn block_seq(&mut self, items: &[Node], dash: usize) {
        for item in items {
            match item {
                Node::Map(entries) if !entries.is_empty() => {
                    if let Some(c) = &entries[0].before {
                        self.comment_line(dash, c);
                    }
                    self.pad(dash);
                    self.out.push_str("- ");
                    self.block_map(entries, dash + 2, true);
                }
                Node::Seq(inner) if !inner.is_empty() => {
                    self.pad(dash);
                    self.out.push_str("-\n");
                    self.block_seq(inner, dash + 2);
                }
                other => {
                    self.pad(dash);
                    self.out.push_str("- ");
                    flow_text(&mut self.out, other);
                    self.out.push('\n');
                }
            }
        }
    }
}

fn flow_text(out: &mut String, node: &Node) {
    match node {
        Node::Str(text) => out.push_str(text),
        Node::Flow(inner) => flow_text(out, inner),
        Node::Map(entries) => {
            out.push('{');
            for (i, entry) in entries.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                out.push_str(&entry.key);
                out.push_str(": ");
                flow_text(out, &entry.value);
            }
            out.push('}');
        }
        Node::Seq(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                flow_text(out, item);
            }
            out.push(']');
        }
        Node::Literal(text) => {
            let _ = write!(out, "{text:?}");
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Vocabulary.

const TEAMS: &[&str] = &[
    "platform",
    "payments",
    "identity",
    "commerce",
    "data",
    "growth",
    "infra",
    "ml",
    "risk",
    "search",
    "media",
    "logistics",
];
const APPS: &[&str] = &[
    "checkout",
    "cart",
    "catalog",
    "orders",
    "shipping",
    "billing",
    "ledger",
    "invoices",
    "auth",
    "sessions",
    "profile",
    "notifier",
    "mailer",
    "search",
    "indexer",
    "recommend",
    "inventory",
    "pricing",
    "reports",
    "audit",
    "gateway",
    "uploads",
    "thumbnails",
    "feeds",
    "metrics",
    "alerts",
    "scheduler",
    "exporter",
    "webhooks",
    "tenants",
];
const COMPONENTS: &[&str] = &["api", "worker", "web", "consumer", "sync", "admin"];
const SLOTS: &[&str] = &[
    "api", "worker", "web", "jobs", "cache", "config", "db", "edge",
];
const REGISTRIES: &[&str] = &[
    "ghcr.io/acme",
    "registry.acme.internal/apps",
    "docker.io/acme",
    "europe-docker.pkg.dev/acme-prod/services",
];
/// Third-party images run as an application's main container.
const MAIN_IMAGES: &[&str] = &[
    "nginx:1.25.4",
    "redis:7.2-alpine",
    "memcached:1.6.23-alpine",
    "rabbitmq:3.13-management",
    "nginxinc/nginx-unprivileged:1.25",
];
/// Images of a StatefulSet's database.
const DB_IMAGES: &[&str] = &[
    "postgres:16.2",
    "redis:7.2-alpine",
    "mysql:8.3",
    "bitnami/postgresql:16.2.0",
];
const SIDECARS: &[&str] = &[
    "envoyproxy/envoy:v1.29.1",
    "prom/statsd-exporter:v0.26.0",
    "fluent/fluent-bit:2.2.2",
    "otel/opentelemetry-collector-contrib:0.96.0",
    "ghcr.io/oauth2-proxy/oauth2-proxy:v7.6.0",
];
const ENV_NAMES: &[&str] = &[
    "LOG_LEVEL",
    "LOG_FORMAT",
    "PORT",
    "GRPC_PORT",
    "DATABASE_HOST",
    "DATABASE_NAME",
    "REDIS_URL",
    "CACHE_TTL",
    "FEATURE_FLAGS",
    "OTEL_EXPORTER_OTLP_ENDPOINT",
    "OTEL_SERVICE_NAME",
    "JAVA_OPTS",
    "GOMAXPROCS",
    "WORKERS",
    "QUEUE_NAME",
    "REGION",
    "TZ",
    "HTTP_TIMEOUT",
    "MAX_CONNECTIONS",
];
const COMMENTS: &[&str] = &[
    "TODO: tune after the next load test",
    "keep in sync with the Service port",
    "managed by the platform team, ask in #platform before changing",
    "see runbook: https://wiki.acme.internal/runbooks/deploys",
    "bumped by renovate",
    "do not remove, required by the sidecar",
    "FIXME: move to a Secret",
    "values from the capacity review",
    "pinned, see INC-2291",
    "NOTE: readiness must stay cheap",
];
const LICENSE: &str = "Copyright 2023 Acme Corp.\n\nLicensed under the Apache License, Version 2.0 (the \"License\");\nyou may not use this file except in compliance with the License.\nYou may obtain a copy of the License at\n\n     http://www.apache.org/licenses/LICENSE-2.0\n\nUnless required by applicable law or agreed to in writing, software\ndistributed under the License is distributed on an \"AS IS\" BASIS,\nWITHOUT WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied.\nSee the License for the specific language governing permissions and\nlimitations under the License.";

// ---------------------------------------------------------------------------------------------
// Builders of Kubernetes objects.

struct Ctx<'a> {
    rng: &'a mut Rng,
    app: String,
    team: &'static str,
    namespace: String,
    comments: bool,
    flow: bool,
    pod_specs: usize,
    containers: usize,
}

impl Ctx<'_> {
    fn maybe_comment(&mut self, entry: Entry, percent: u64) -> Entry {
        if self.comments && self.rng.chance(percent) {
            let c = *self.rng.pick(COMMENTS);
            if self.rng.chance(50) {
                entry.before(c)
            } else {
                entry.after(c)
            }
        } else {
            entry
        }
    }

    /// A collection, written in flow style now and then when the file uses flow style.
    fn maybe_flow(&mut self, node: Node, percent: u64) -> Node {
        if self.flow && self.rng.chance(percent) {
            flow(node)
        } else {
            node
        }
    }

    fn labels(&mut self, component: &str) -> Node {
        let mut entries = vec![
            e("app.kubernetes.io/name", s(self.app.clone())),
            e("app.kubernetes.io/component", s(component)),
        ];
        if self.rng.chance(70) {
            entries.push(e("app.kubernetes.io/part-of", s(self.team)));
        }
        if self.rng.chance(40) {
            let v = format!(
                "\"{}.{}.{}\"",
                self.rng.range(1, 4),
                self.rng.below(20),
                self.rng.below(10)
            );
            entries.push(e("app.kubernetes.io/version", s(v)));
        }
        if self.rng.chance(30) {
            entries.push(e("team", s(self.team)));
        }
        self.maybe_flow(map(entries), 10)
    }

    fn selector_labels(&mut self, component: &str) -> Node {
        map(vec![
            e("app.kubernetes.io/name", s(self.app.clone())),
            e("app.kubernetes.io/component", s(component)),
        ])
    }

    fn metadata(&mut self, name: &str, component: &str) -> Node {
        let mut entries = vec![e("name", s(name))];
        if self.rng.chance(60) {
            entries.push(e("namespace", s(self.namespace.clone())));
        }
        entries.push(e("labels", self.labels(component)));
        if self.rng.chance(25) {
            let mut ann = vec![e("owner", q(&format!("{}@acme.example", self.team)))];
            if self.rng.chance(50) {
                ann.push(e(
                    "argocd.argoproj.io/sync-wave",
                    q(&self.rng.range(0, 5).to_string()),
                ));
            }
            entries.push(e("annotations", map(ann)));
        }
        map(entries)
    }

    fn image(&mut self, component: &str) -> String {
        let registry = *self.rng.pick(REGISTRIES);
        format!(
            "{registry}/{}-{component}:v{}.{}.{}",
            self.app,
            self.rng.range(0, 4),
            self.rng.below(40),
            self.rng.below(15)
        )
    }

    fn resources(&mut self) -> Node {
        let cpu = *self.rng.pick(&["50m", "100m", "250m", "500m", "1", "2"]);
        let mem = *self
            .rng
            .pick(&["64Mi", "128Mi", "256Mi", "512Mi", "1Gi", "2Gi"]);
        let requests = self.maybe_flow(map(vec![e("cpu", s(cpu)), e("memory", s(mem))]), 30);
        let mut entries = vec![e("requests", requests)];
        if self.rng.chance(80) {
            let mut limits = vec![e("memory", s(mem))];
            if self.rng.chance(40) {
                limits.insert(0, e("cpu", s(cpu)));
            }
            let limits = self.maybe_flow(map(limits), 30);
            entries.push(e("limits", limits));
        }
        map(entries)
    }

    fn probe(&mut self, path: &str, port: &str) -> Node {
        let mut entries = vec![e(
            "httpGet",
            map(vec![e("path", s(path)), e("port", s(port))]),
        )];
        if self.rng.chance(70) {
            entries.push(e(
                "initialDelaySeconds",
                s(self.rng.range(0, 30).to_string()),
            ));
        }
        if self.rng.chance(60) {
            entries.push(e(
                "periodSeconds",
                s(self.rng.pick(&["5", "10", "15", "30"]).to_string()),
            ));
        }
        if self.rng.chance(30) {
            entries.push(e("failureThreshold", s(self.rng.range(2, 6).to_string())));
        }
        map(entries)
    }

    fn env(&mut self) -> Node {
        let count = self.rng.range(2, 14);
        let mut items = Vec::new();
        let mut used = Vec::new();
        for _ in 0..count {
            let name = *self.rng.pick(ENV_NAMES);
            if used.contains(&name) {
                continue;
            }
            used.push(name);
            let value = match self.rng.below(10) {
                0 => map(vec![e(
                    "secretKeyRef",
                    map(vec![
                        e("name", s(format!("{}-secrets", self.app))),
                        e("key", s(name.to_lowercase())),
                    ]),
                )]),
                1 => map(vec![e(
                    "fieldRef",
                    map(vec![e("fieldPath", s("metadata.namespace"))]),
                )]),
                _ => map(Vec::new()),
            };
            let item = if let Node::Map(m) = &value
                && m.is_empty()
            {
                let v = match name {
                    "PORT" => q("8080"),
                    "GRPC_PORT" => q("9090"),
                    "LOG_LEVEL" => s(*self.rng.pick(&["info", "debug", "warn"])),
                    "OTEL_EXPORTER_OTLP_ENDPOINT" => s("http://otel-collector.observability:4317"),
                    "OTEL_SERVICE_NAME" => s(self.app.clone()),
                    "JAVA_OPTS" => q("-XX:MaxRAMPercentage=75 -XX:+UseG1GC"),
                    "TZ" => s("UTC"),
                    _ => q(&self.rng.range(1, 500).to_string()),
                };
                self.maybe_flow(map(vec![e("name", s(name)), e("value", v)]), 10)
            } else {
                map(vec![e("name", s(name)), e("valueFrom", value)])
            };
            items.push(item);
        }
        seq(items)
    }

    /// The container's securityContext, often partial, sometimes complete.
    fn container_security_context(&mut self) -> Option<Node> {
        let node = match self.rng.below(100) {
            0..=44 => return None,
            45..=56 => map(vec![e("allowPrivilegeEscalation", s("false"))]),
            57..=64 => flow(map(vec![
                e("runAsUser", s("1000")),
                e("runAsGroup", s("1000")),
            ])),
            65..=69 => map(vec![e("readOnlyRootFilesystem", s("false"))]),
            70..=74 => map(vec![e(
                "capabilities",
                map(vec![e(
                    "add",
                    self.maybe_flow(strs(&["NET_BIND_SERVICE"]), 50),
                )]),
            )]),
            75..=79 => map(vec![
                e("runAsNonRoot", s("true")),
                e(
                    "capabilities",
                    map(vec![e("drop", self.maybe_flow(strs(&["NET_RAW"]), 50))]),
                ),
            ]),
            80..=81 => map(Vec::new()),
            _ => map(vec![
                e("runAsNonRoot", s("true")),
                e("allowPrivilegeEscalation", s("false")),
                e("readOnlyRootFilesystem", s("true")),
                e(
                    "capabilities",
                    map(vec![e("drop", self.maybe_flow(strs(&["ALL"]), 50))]),
                ),
                e("seccompProfile", map(vec![e("type", s("RuntimeDefault"))])),
            ]),
        };
        Some(node)
    }

    fn container(
        &mut self,
        component: &str,
        main: bool,
        config_mount: bool,
        tmp_mount: bool,
    ) -> Node {
        self.containers += 1;
        let image = if main && component == "db" && self.rng.chance(70) {
            self.rng.pick(DB_IMAGES).to_string()
        } else if main && self.rng.chance(8) {
            self.rng.pick(MAIN_IMAGES).to_string()
        } else if !main && self.rng.chance(70) {
            self.rng.pick(SIDECARS).to_string()
        } else if main {
            self.image(component)
        } else {
            self.image(&format!("{component}-sidecar"))
        };
        let name = if main {
            component.to_string()
        } else {
            image
                .split(['/', ':'])
                .rev()
                .nth(1)
                .unwrap_or("sidecar")
                .to_string()
        };
        let mut entries = vec![
            e("name", s(name)),
            self.maybe_comment(e("image", s(image)), 10),
        ];
        let sc = self.container_security_context();
        let sc_first = self.rng.chance(30);
        if self.rng.chance(50) {
            entries.push(e("imagePullPolicy", s("IfNotPresent")));
        }
        if self.rng.chance(35) {
            let args = vec![
                s(format!("--port={}", 8080)),
                s(format!("--log-level={}", self.rng.pick(&["info", "debug"]))),
            ];
            let mut args = args;
            if self.rng.chance(50) {
                args.push(q(&format!("--config=/etc/{}/config.yaml", self.app)));
            }
            let args = self.maybe_flow(seq(args), 50);
            entries.push(e("args", args));
        } else if self.rng.chance(15) {
            entries.push(e(
                "command",
                flow(seq(vec![q("/bin/sh"), q("-c"), q("exec /app/server")])),
            ));
        }
        if main || self.rng.chance(40) {
            let port = if main { "8080" } else { "9102" };
            let ports = seq(vec![map(vec![
                e("name", s(if main { "http" } else { "metrics" })),
                e("containerPort", s(port)),
                e("protocol", s("TCP")),
            ])]);
            let ports = self.maybe_flow(ports, 20);
            entries.push(self.maybe_comment(e("ports", ports), 15));
        }
        if main && self.rng.chance(75) || self.rng.chance(20) {
            let env = self.env();
            entries.push(e("env", env));
        }
        if main && self.rng.chance(20) {
            entries.push(e(
                "envFrom",
                seq(vec![map(vec![e(
                    "configMapRef",
                    map(vec![e("name", s(format!("{}-env", self.app)))]),
                )])]),
            ));
        }
        if self.rng.chance(85) {
            let r = self.resources();
            entries.push(self.maybe_comment(e("resources", r), 20));
        }
        if main && self.rng.chance(65) {
            let l = self.probe("/healthz", "http");
            entries.push(e("livenessProbe", l));
            let r = self.probe("/readyz", "http");
            entries.push(e("readinessProbe", r));
        }
        let mut mounts = Vec::new();
        if config_mount && (main || self.rng.chance(30)) {
            mounts.push(map(vec![
                e("name", s("config")),
                e("mountPath", s(format!("/etc/{}", self.app))),
                e("readOnly", s("true")),
            ]));
        }
        if tmp_mount {
            mounts.push(map(vec![e("name", s("tmp")), e("mountPath", s("/tmp"))]));
        }
        if !mounts.is_empty() {
            entries.push(e("volumeMounts", seq(mounts)));
        }
        if let Some(sc) = sc {
            let entry = self.maybe_comment(e("securityContext", sc), 15);
            if sc_first {
                entries.insert(2, entry)
            } else {
                entries.push(entry)
            }
        }
        map(entries)
    }

    /// A pod spec with its containers, volumes and the usual scheduling fields.
    fn pod_spec(&mut self, component: &str, restart: Option<&str>) -> Node {
        self.pod_specs += 1;
        let mut entries = Vec::new();
        if self.rng.chance(60) {
            entries.push(e(
                "serviceAccountName",
                s(format!("{}-{component}", self.app)),
            ));
        }
        if self.rng.chance(10) {
            entries.push(e("automountServiceAccountToken", s("false")));
        }
        if let Some(policy) = restart {
            entries.push(e("restartPolicy", s(policy)));
        }
        if self.rng.chance(20) {
            entries.push(e(
                "terminationGracePeriodSeconds",
                s(self.rng.pick(&["10", "30", "60"]).to_string()),
            ));
        }
        match self.rng.below(100) {
            0..=19 => entries.push(e(
                "securityContext",
                map(vec![
                    e("runAsNonRoot", s("true")),
                    e("runAsUser", s("10001")),
                    e("fsGroup", s("10001")),
                ]),
            )),
            20..=27 => entries.push(e(
                "securityContext",
                map(vec![e(
                    "seccompProfile",
                    map(vec![e("type", s("RuntimeDefault"))]),
                )]),
            )),
            28..=31 => entries.push(e(
                "securityContext",
                flow(map(vec![e("fsGroup", s("2000"))])),
            )),
            32..=34 => entries.push(e("securityContext", map(Vec::new()))),
            _ => {}
        }
        if self.rng.chance(20) {
            entries.push(e(
                "imagePullSecrets",
                seq(vec![map(vec![e("name", s("acme-registry"))])]),
            ));
        }
        let config = self.rng.chance(55);
        let tmp = self.rng.chance(10);
        if self.rng.chance(15) {
            let init = self.container_init();
            entries.push(e("initContainers", seq(vec![init])));
        }
        let mut containers = vec![self.container(component, true, config, tmp)];
        if self.rng.chance(30) {
            containers.push(self.container(component, false, config, false));
            if self.rng.chance(15) {
                containers.push(self.container(component, false, false, false));
            }
        }
        entries.push(e("containers", seq(containers)));
        let mut volumes = Vec::new();
        if config {
            volumes.push(map(vec![
                e("name", s("config")),
                e(
                    "configMap",
                    map(vec![e("name", s(format!("{}-config", self.app)))]),
                ),
            ]));
        }
        if tmp {
            volumes.push(map(vec![
                e("name", s("tmp")),
                e("emptyDir", map(Vec::new())),
            ]));
        }
        if !volumes.is_empty() {
            entries.push(e("volumes", seq(volumes)));
        }
        if self.rng.chance(20) {
            let ns = map(vec![
                e("kubernetes.io/os", s("linux")),
                e(
                    "node.acme.io/pool",
                    s(*self.rng.pick(&["general", "highmem", "spot"])),
                ),
            ]);
            entries.push(e("nodeSelector", self.maybe_flow(ns, 20)));
        }
        if self.rng.chance(10) {
            entries.push(e(
                "tolerations",
                seq(vec![map(vec![
                    e("key", q("dedicated")),
                    e("operator", q("Equal")),
                    e("value", q(self.team)),
                    e("effect", q("NoSchedule")),
                ])]),
            ));
        }
        if self.rng.chance(10) {
            let term = map(vec![
                e("weight", s("100")),
                e(
                    "podAffinityTerm",
                    map(vec![
                        e("topologyKey", s("kubernetes.io/hostname")),
                        e(
                            "labelSelector",
                            map(vec![e(
                                "matchLabels",
                                map(vec![e("app.kubernetes.io/name", s(self.app.clone()))]),
                            )]),
                        ),
                    ]),
                ),
            ]);
            entries.push(e(
                "affinity",
                map(vec![e(
                    "podAntiAffinity",
                    map(vec![e(
                        "preferredDuringSchedulingIgnoredDuringExecution",
                        seq(vec![term]),
                    )]),
                )]),
            ));
        }
        map(entries)
    }

    fn container_init(&mut self) -> Node {
        self.containers += 1;
        let mut entries = vec![
            e("name", s("wait-for-db")),
            e("image", s("busybox:1.36")),
            e(
                "command",
                self.maybe_flow(
                    seq(vec![
                        q("sh"),
                        q("-c"),
                        q("until nc -z postgres 5432; do echo waiting; sleep 2; done"),
                    ]),
                    50,
                ),
            ),
        ];
        if self.rng.chance(30) {
            entries.push(e("securityContext", map(vec![e("runAsUser", s("1000"))])));
        }
        map(entries)
    }

    fn pod_template(&mut self, component: &str, restart: Option<&str>) -> Node {
        let mut meta = vec![e("labels", self.selector_labels(component))];
        if self.rng.chance(30) {
            meta.push(e(
                "annotations",
                map(vec![
                    e("prometheus.io/scrape", q("true")),
                    e("prometheus.io/port", q("9102")),
                ]),
            ));
        }
        let spec = self.pod_spec(component, restart);
        map(vec![e("metadata", map(meta)), e("spec", spec)])
    }

    fn object(
        &mut self,
        api: &str,
        kind: &str,
        name: &str,
        component: &str,
        spec_key: &str,
        spec: Node,
    ) -> Node {
        let meta = self.metadata(name, component);
        let api_entry = if self.comments && self.rng.chance(5) {
            e("apiVersion", s(api)).after("for clusters before 1.21 use batch/v1beta1")
        } else {
            e("apiVersion", s(api))
        };
        map(vec![
            api_entry,
            e("kind", s(kind)),
            e("metadata", meta),
            e(spec_key, spec),
        ])
    }

    fn deployment(&mut self, component: &str) -> Node {
        let name = format!("{}-{component}", self.app);
        let mut spec = Vec::new();
        if self.rng.chance(80) {
            let replicas = self.rng.range(1, 6).to_string();
            let r = self.maybe_comment(e("replicas", s(replicas)), 20);
            spec.push(r);
        }
        if self.rng.chance(25) {
            spec.push(e("revisionHistoryLimit", s("5")));
        }
        let sel = self.selector_labels(component);
        spec.push(e("selector", map(vec![e("matchLabels", sel)])));
        if self.rng.chance(30) {
            spec.push(e(
                "strategy",
                map(vec![
                    e("type", s("RollingUpdate")),
                    e(
                        "rollingUpdate",
                        self.maybe_flow(
                            map(vec![e("maxSurge", s("25%")), e("maxUnavailable", s("0"))]),
                            40,
                        ),
                    ),
                ]),
            ));
        }
        let template = self.pod_template(component, None);
        spec.push(e("template", template));
        self.object("apps/v1", "Deployment", &name, component, "spec", map(spec))
    }

    fn statefulset(&mut self) -> Node {
        let component = "db";
        let name = format!("{}-{component}", self.app);
        let mut spec = vec![e("serviceName", q(&name))];
        spec.push(e("replicas", s(self.rng.pick(&["1", "3"]).to_string())));
        let sel = self.selector_labels(component);
        spec.push(e("selector", map(vec![e("matchLabels", sel)])));
        let template = self.pod_template(component, None);
        spec.push(e("template", template));
        let access = self.maybe_flow(strs(&["ReadWriteOnce"]), 60);
        spec.push(e(
            "volumeClaimTemplates",
            seq(vec![map(vec![
                e("metadata", map(vec![e("name", s("data"))])),
                e(
                    "spec",
                    map(vec![
                        e("accessModes", access),
                        e("storageClassName", s("standard-rwo")),
                        e(
                            "resources",
                            map(vec![e(
                                "requests",
                                map(vec![e(
                                    "storage",
                                    s(*self.rng.pick(&["1Gi", "10Gi", "50Gi"])),
                                )]),
                            )]),
                        ),
                    ]),
                ),
            ])]),
        ));
        self.object(
            "apps/v1",
            "StatefulSet",
            &name,
            component,
            "spec",
            map(spec),
        )
    }

    fn cronjob(&mut self) -> Node {
        let component = *self.rng.pick(&["cleanup", "report", "backup", "sync"]);
        let name = format!("{}-{component}", self.app);
        let schedule = *self.rng.pick(&[
            "\"*/5 * * * *\"",
            "\"0 3 * * *\"",
            "\"15 */6 * * *\"",
            "'@hourly'",
        ]);
        let restart = *self.rng.pick(&["OnFailure", "Never"]);
        let template = self.pod_template(component, Some(restart));
        let job_spec = map(vec![e("backoffLimit", s("2")), e("template", template)]);
        let spec = map(vec![
            self.maybe_comment(e("schedule", s(schedule)), 30),
            e("concurrencyPolicy", s("Forbid")),
            e("successfulJobsHistoryLimit", s("3")),
            e("failedJobsHistoryLimit", s("1")),
            e("jobTemplate", map(vec![e("spec", job_spec)])),
        ]);
        self.object("batch/v1", "CronJob", &name, component, "spec", spec)
    }

    fn job(&mut self) -> Node {
        let component = "migrate";
        let name = format!("{}-{component}", self.app);
        let template = self.pod_template(component, Some("Never"));
        let spec = map(vec![
            e("backoffLimit", s("1")),
            e("ttlSecondsAfterFinished", s("3600")),
            e("template", template),
        ]);
        self.object("batch/v1", "Job", &name, component, "spec", spec)
    }

    fn daemonset(&mut self) -> Node {
        let component = "agent";
        let name = format!("{}-{component}", self.app);
        let sel = self.selector_labels(component);
        let template = self.pod_template(component, None);
        let spec = map(vec![
            e("selector", map(vec![e("matchLabels", sel)])),
            e("updateStrategy", map(vec![e("type", s("RollingUpdate"))])),
            e("template", template),
        ]);
        self.object("apps/v1", "DaemonSet", &name, component, "spec", spec)
    }

    fn pod(&mut self) -> Node {
        let component = "debug";
        let name = format!("{}-{component}", self.app);
        let spec = self.pod_spec(component, Some("Never"));
        self.object("v1", "Pod", &name, component, "spec", spec)
    }

    fn service(&mut self, component: &str, headless: bool) -> Node {
        let name = format!("{}-{component}", self.app);
        let mut spec = Vec::new();
        if headless {
            spec.push(e("clusterIP", s("None")));
        } else if self.rng.chance(30) {
            spec.push(e(
                "type",
                s(*self.rng.pick(&["ClusterIP", "NodePort", "LoadBalancer"])),
            ));
        }
        let sel = self.selector_labels(component);
        spec.push(e("selector", sel));
        let mut ports = vec![map(vec![
            e("name", s("http")),
            e("port", s("80")),
            e("targetPort", s("http")),
            e("protocol", s("TCP")),
        ])];
        if self.rng.chance(30) {
            ports.push(self.maybe_flow(
                map(vec![
                    e("name", s("metrics")),
                    e("port", s("9102")),
                    e("targetPort", s("9102")),
                ]),
                60,
            ));
        }
        spec.push(self.maybe_comment(e("ports", seq(ports)), 15));
        self.object("v1", "Service", &name, component, "spec", map(spec))
    }

    fn configmap(&mut self) -> Node {
        let name = format!("{}-config", self.app);
        let mut data = Vec::new();
        if self.rng.chance(50) {
            data.push(e("LOG_LEVEL", s(*self.rng.pick(&["info", "debug"]))));
            data.push(e("CACHE_TTL", q(&format!("{}s", self.rng.range(10, 600)))));
            data.push(e(
                "FEATURE_NEW_CHECKOUT",
                q(if self.rng.chance(50) { "true" } else { "false" }),
            ));
        }
        match self.rng.below(4) {
            0 => {
                let mut props = String::new();
                for i in 0..self.rng.range(20, 120) {
                    let _ = writeln!(
                        props,
                        "{}.setting.{i}={}",
                        self.app,
                        self.rng.range(1, 100_000)
                    );
                    if i % 7 == 0 {
                        let _ = writeln!(props, "# section {i}");
                    }
                }
                data.push(e("application.properties", Node::Literal(props)));
            }
            1 => {
                let mut conf = String::from("server {\n    listen 8080;\n    server_name _;\n");
                for i in 0..self.rng.range(3, 16) {
                    let _ = write!(
                        conf,
                        "\n    location /api/v{i}/ {{\n        proxy_pass http://{}-api:80/;\n        proxy_read_timeout {}s;\n        proxy_set_header Host $host;\n    }}\n",
                        self.app,
                        self.rng.range(5, 120)
                    );
                }
                conf.push_str("}\n");
                data.push(e("nginx.conf", Node::Literal(conf)));
            }
            2 => {
                // Embedded YAML: text that looks like manifests but is a string.
                let mut y =
                    String::from("server:\n  port: 8080\n  shutdownTimeout: 30s\ndatabase:\n");
                let _ = writeln!(
                    y,
                    "  host: {}-db\n  pool:\n    max: {}\n    idle: 5",
                    self.app,
                    self.rng.range(5, 50)
                );
                y.push_str("features:\n");
                for i in 0..self.rng.range(5, 40) {
                    let _ = writeln!(
                        y,
                        "  - name: flag-{i}\n    enabled: {}",
                        self.rng.chance(50)
                    );
                }
                data.push(e("config.yaml", Node::Literal(y)));
            }
            _ => {
                for i in 0..self.rng.range(5, 30) {
                    data.push(e(
                        &format!("KEY_{i}"),
                        q(&format!("value-{}", self.rng.range(0, 1_000_000))),
                    ));
                }
            }
        }
        self.object("v1", "ConfigMap", &name, "config", "data", map(data))
    }

    fn service_account(&mut self, component: &str) -> Node {
        let name = format!("{}-{component}", self.app);
        let meta = self.metadata(&name, component);
        map(vec![
            e("apiVersion", s("v1")),
            e("kind", s("ServiceAccount")),
            e("metadata", meta),
        ])
    }

    fn rbac(&mut self, component: &str) -> Vec<Node> {
        let name = format!("{}-{component}", self.app);
        let meta = self.metadata(&name, component);
        let role = map(vec![
            e("apiVersion", s("rbac.authorization.k8s.io/v1")),
            e("kind", s("Role")),
            e("metadata", meta),
            e(
                "rules",
                seq(vec![
                    map(vec![
                        e("apiGroups", flow(strs(&["\"\""]))),
                        e("resources", flow(strs(&["configmaps", "secrets"]))),
                        e("verbs", flow(strs(&["get", "list", "watch"]))),
                    ]),
                    map(vec![
                        e("apiGroups", flow(strs(&["coordination.k8s.io"]))),
                        e("resources", flow(strs(&["leases"]))),
                        e("verbs", flow(strs(&["get", "create", "update"]))),
                    ]),
                ]),
            ),
        ]);
        let meta = self.metadata(&name, component);
        let binding = map(vec![
            e("apiVersion", s("rbac.authorization.k8s.io/v1")),
            e("kind", s("RoleBinding")),
            e("metadata", meta),
            e(
                "roleRef",
                map(vec![
                    e("apiGroup", s("rbac.authorization.k8s.io")),
                    e("kind", s("Role")),
                    e("name", s(name.clone())),
                ]),
            ),
            e(
                "subjects",
                seq(vec![map(vec![
                    e("kind", s("ServiceAccount")),
                    e("name", s(name.clone())),
                    e("namespace", s(self.namespace.clone())),
                ])]),
            ),
        ]);
        vec![self.service_account(component), role, binding]
    }

    fn hpa(&mut self, component: &str) -> Node {
        let name = format!("{}-{component}", self.app);
        let spec = map(vec![
            e(
                "scaleTargetRef",
                map(vec![
                    e("apiVersion", s("apps/v1")),
                    e("kind", s("Deployment")),
                    e("name", s(name.clone())),
                ]),
            ),
            e("minReplicas", s("2")),
            e("maxReplicas", s(self.rng.range(4, 20).to_string())),
            e(
                "metrics",
                seq(vec![map(vec![
                    e("type", s("Resource")),
                    e(
                        "resource",
                        map(vec![
                            e("name", s("cpu")),
                            e(
                                "target",
                                map(vec![
                                    e("type", s("Utilization")),
                                    e("averageUtilization", s("70")),
                                ]),
                            ),
                        ]),
                    ),
                ])]),
            ),
        ]);
        self.object(
            "autoscaling/v2",
            "HorizontalPodAutoscaler",
            &name,
            component,
            "spec",
            spec,
        )
    }

    fn pdb(&mut self, component: &str) -> Node {
        let name = format!("{}-{component}", self.app);
        let sel = self.selector_labels(component);
        let spec = map(vec![
            e("maxUnavailable", s("1")),
            e("selector", map(vec![e("matchLabels", sel)])),
        ]);
        self.object(
            "policy/v1",
            "PodDisruptionBudget",
            &name,
            component,
            "spec",
            spec,
        )
    }

    fn network_policy(&mut self, component: &str) -> Node {
        let name = format!("{}-{component}", self.app);
        let sel = self.selector_labels(component);
        let from = seq(vec![
            map(vec![e(
                "namespaceSelector",
                map(vec![e(
                    "matchLabels",
                    map(vec![e("kubernetes.io/metadata.name", s("ingress-nginx"))]),
                )]),
            )]),
            map(vec![e(
                "podSelector",
                map(vec![e(
                    "matchLabels",
                    map(vec![e("app.kubernetes.io/part-of", s(self.team))]),
                )]),
            )]),
        ]);
        let ports = self.maybe_flow(
            seq(vec![map(vec![
                e("protocol", s("TCP")),
                e("port", s("8080")),
            ])]),
            50,
        );
        let spec = map(vec![
            e("podSelector", map(vec![e("matchLabels", sel)])),
            e("policyTypes", strs(&["Ingress"])),
            e(
                "ingress",
                seq(vec![map(vec![e("from", from), e("ports", ports)])]),
            ),
        ]);
        self.object(
            "networking.k8s.io/v1",
            "NetworkPolicy",
            &name,
            component,
            "spec",
            spec,
        )
    }

    fn kustomization(&mut self, slot: &str) -> Node {
        map(vec![
            e("apiVersion", s("kustomize.config.k8s.io/v1beta1")),
            e("kind", s("Kustomization")),
            e("namespace", s(self.namespace.clone())),
            e(
                "resources",
                seq(vec![
                    s(format!("{slot}-deployment.yaml")),
                    s(format!("{slot}-service.yaml")),
                    s("../../base"),
                ]),
            ),
            e("commonLabels", map(vec![e("team", s(self.team))])),
        ])
    }
}

/// A Helm chart template: not valid YAML until rendered.
fn helm_template(app: &str) -> String {
    format!(
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {{{{ include \"{app}.fullname\" . }}}}\n  labels:\n    {{{{- include \"{app}.labels\" . | nindent 4 }}}}\nspec:\n  {{{{- if not .Values.autoscaling.enabled }}}}\n  replicas: {{{{ .Values.replicaCount }}}}\n  {{{{- end }}}}\n  selector:\n    matchLabels:\n      {{{{- include \"{app}.selectorLabels\" . | nindent 6 }}}}\n  template:\n    spec:\n      containers:\n        - name: {{{{ .Chart.Name }}}}\n          image: \"{{{{ .Values.image.repository }}}}:{{{{ .Values.image.tag | default .Chart.AppVersion }}}}\"\n          securityContext:\n            {{{{- toYaml .Values.securityContext | nindent 12 }}}}\n          resources:\n            {{{{- toYaml .Values.resources | nindent 12 }}}}\n"
    )
}

/// Render file `index` of the tree seeded with `seed`.
pub fn render_file(seed: u64, index: usize) -> File {
    let mut rng = Rng::new(seed ^ (index as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15));
    let group = index / SLOTS.len();
    let slot = SLOTS[index % SLOTS.len()];
    let team = TEAMS[group % TEAMS.len()];
    let app_base = APPS[(group / TEAMS.len()) % APPS.len()];
    let app = format!("{app_base}-{group:05}");
    let dir = PathBuf::from("teams").join(team).join(&app);

    let style = Style {
        indent: if rng.chance(8) { 4 } else { 2 },
        indentless: rng.chance(55),
        mixed_sequences: rng.chance(10),
    };
    let comments = rng.chance(35);
    let flow = rng.chance(30);
    let mut ctx = Ctx {
        rng: &mut rng,
        app: app.clone(),
        team,
        namespace: format!("{team}-prod"),
        comments,
        flow,
        pod_specs: 0,
        containers: 0,
    };

    let roll = ctx.rng.below(1000);
    let (name, docs): (String, Vec<Node>) = match roll {
        // An application bundle: Deployment + Service (+ ConfigMap, HPA) in one file.
        0..=299 => {
            let component = *ctx.rng.pick(COMPONENTS);
            let mut docs = Vec::new();
            if ctx.rng.chance(70) {
                docs.push(ctx.configmap());
            }
            docs.push(ctx.deployment(component));
            docs.push(ctx.service(component, false));
            if ctx.rng.chance(40) {
                // The worker half of the application in the same file.
                docs.push(ctx.deployment("worker"));
            }
            if ctx.rng.chance(40) {
                docs.push(ctx.hpa(component));
            }
            if ctx.rng.chance(30) {
                docs.push(ctx.pdb(component));
            }
            if ctx.rng.chance(20) {
                docs.push(ctx.network_policy(component));
            }
            if ctx.rng.chance(30) {
                docs.push(ctx.service_account(component));
            }
            (format!("{slot}.yaml"), docs)
        }
        300..=489 => {
            let component = *ctx.rng.pick(COMPONENTS);
            (
                format!("{slot}-deployment.yaml"),
                vec![ctx.deployment(component)],
            )
        }
        490..=549 => {
            let mut docs = Vec::new();
            if ctx.rng.chance(50) {
                docs.push(ctx.service("db", true));
            }
            docs.push(ctx.statefulset());
            (format!("{slot}-statefulset.yaml"), docs)
        }
        550..=609 => (format!("{slot}-cronjob.yaml"), vec![ctx.cronjob()]),
        610..=639 => (format!("{slot}-daemonset.yaml"), vec![ctx.daemonset()]),
        640..=659 => (format!("{slot}-job.yaml"), vec![ctx.job()]),
        660..=669 => (format!("{slot}-pod.yaml"), vec![ctx.pod()]),
        // `kustomize build` output committed to the repository: many objects in one file.
        670..=679 => {
            let mut docs = Vec::new();
            for _ in 0..ctx.rng.range(15, 60) {
                let component = *ctx.rng.pick(COMPONENTS);
                match ctx.rng.below(10) {
                    0..=2 => docs.push(ctx.deployment(component)),
                    3..=5 => docs.push(ctx.service(component, false)),
                    6 => docs.push(ctx.configmap()),
                    7 => docs.push(ctx.cronjob()),
                    8 => docs.push(ctx.hpa(component)),
                    _ => docs.extend(ctx.rbac(component)),
                }
            }
            (format!("{slot}-rendered.yaml"), docs)
        }
        680..=799 => {
            let component = *ctx.rng.pick(COMPONENTS);
            (
                format!("{slot}-service.yaml"),
                vec![ctx.service(component, false)],
            )
        }
        800..=919 => (format!("{slot}-configmap.yaml"), vec![ctx.configmap()]),
        920..=949 => {
            let component = *ctx.rng.pick(COMPONENTS);
            (format!("{slot}-rbac.yaml"), ctx.rbac(component))
        }
        950..=989 => (
            format!("{slot}-kustomization.yaml"),
            vec![ctx.kustomization(slot)],
        ),
        _ => {
            let path = dir
                .join("chart")
                .join("templates")
                .join(format!("{slot}-deployment.yaml"));
            return File {
                path,
                content: helm_template(&app),
                documents: 1,
                pod_specs: 0,
                containers: 0,
                template: true,
            };
        }
    };
    let pod_specs = ctx.pod_specs;
    let containers = ctx.containers;

    let mut r = Renderer {
        out: String::new(),
        style: &style,
        rng: &mut rng,
    };
    if comments && r.rng.chance(30) {
        for line in LICENSE.lines() {
            if line.is_empty() {
                r.out.push_str("#\n");
            } else {
                r.out.push_str("# ");
                r.out.push_str(line);
                r.out.push('\n');
            }
        }
        r.out.push('\n');
    }
    let leading_marker = r.rng.chance(25);
    for (i, doc) in docs.iter().enumerate() {
        if i > 0 || leading_marker {
            r.out.push_str("---\n");
        }
        if let Node::Map(entries) = doc {
            r.block_map(entries, 0, false);
        }
    }
    let mut content = r.out;
    if rng.chance(10) {
        while content.ends_with('\n') {
            content.pop();
        }
    }
    if rng.chance(1) {
        content = content.replace('\n', "\r\n");
    }
    let ext = if rng.chance(5) { "yml" } else { "yaml" };
    let name = name.replace(".yaml", &format!(".{ext}"));
    File {
        path: dir.join(name),
        content,
        documents: docs.len(),
        pod_specs,
        containers,
        template: false,
    }
}
