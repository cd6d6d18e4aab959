//! Where pod specs live: which documents are Kubernetes objects, and where inside each object the
//! pod specs (`containers`, `initContainers`, ...) are. Shared by `fix` and `check`.
//!
//! The built-in kinds (DESIGN §2): `Pod` → `spec`; `Deployment`, `ReplicaSet`, `StatefulSet`,
//! `DaemonSet`, `Job`, `ReplicationController` → `spec.template.spec`; `CronJob` →
//! `spec.jobTemplate.spec.template.spec`; `PodTemplate` → `template.spec`; `List`/`*List` → every
//! item of `items` (a sequence), recursively. The core kinds match only in the built-in API
//! groups (core, `apps`, `extensions`, `batch`), so a custom `kind: Job` elsewhere (Volcano's,
//! say) is read from its own table entry, not mistaken for a batch Job.
//!
//! Custom resources with pod templates are matched on (API group, kind) from [`CRD_PATHS`], a
//! table checked against the projects' API types (and against `../shared/pss/pss_check.py`), and
//! from `Settings::extra_pod_spec_paths`.
//!
//! Not modelled, because their pods are not a `PodSpec` mapping in the file: Argo
//! `Workflow`/`WorkflowTemplate`/`ClusterWorkflowTemplate`/`CronWorkflow` (a template has one
//! `container`/`script` plus `sidecars`, and the pod is assembled by the controller), Tekton
//! `Task`/`TaskRun`/`Pipeline`/`PipelineRun` (steps), and Spark operator `SparkApplication`
//! (`driver`/`executor` are `SparkPodSpec`s). Their containers are neither hardened nor audited.

use crate::settings::{PodSpecPath, Settings};
use crate::yaml::tree::{NodeId, Tree};

/// One pod spec found in a document.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PodSpec {
    /// The pod spec mapping (holds `containers`, `initContainers`, ...).
    pub spec: NodeId,
    /// The Kubernetes object that holds it (a document root, or an item of a `List`).
    pub object: NodeId,
    /// The pod template's `metadata` mapping. `None` for a pod spec that sits directly in the
    /// object (a `Pod`: use the object's metadata), and for a template without `metadata`
    /// (tell them apart with `template`).
    pub template_metadata: Option<NodeId>,
    /// The pod template mapping (`{metadata, spec}`) that holds `spec`; `None` when the pod spec
    /// sits directly under the object (`Pod`, Knative `Revision`, ...).
    pub template: Option<NodeId>,
    /// The object's `kind`.
    pub kind: String,
    /// The object's `metadata.name`.
    pub name: Option<String>,
}

impl PodSpec {
    /// The metadata that labels and annotates the pods: the template's, or the object's when the
    /// pod spec sits directly in the object. `None` when there is none.
    pub fn pod_metadata(&self, tree: &Tree) -> Option<NodeId> {
        match self.template {
            Some(_) => self.template_metadata,
            None => tree.get(self.object, "metadata"),
        }
    }
}

/// Which list of the pod spec a container is in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ContainerList {
    Containers,
    InitContainers,
    EphemeralContainers,
}

impl ContainerList {
    /// The pod spec key.
    pub fn key(self) -> &'static str {
        match self {
            ContainerList::Containers => "containers",
            ContainerList::InitContainers => "initContainers",
            ContainerList::EphemeralContainers => "ephemeralContainers",
        }
    }
}

/// One container of a pod spec.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Container {
    /// The container mapping.
    pub node: NodeId,
    pub list: ContainerList,
    /// The container's `name`, when it is a scalar.
    pub name: Option<String>,
}

/// A mapping with `apiVersion` and `kind` (both scalars).
pub fn is_kubernetes_object(tree: &Tree, node: NodeId) -> bool {
    tree.is_map(node)
        && tree
            .get(node, "apiVersion")
            .and_then(|n| tree.str(n))
            .is_some()
        && tree.get(node, "kind").and_then(|n| tree.str(n)).is_some()
}

/// The API group of an `apiVersion` (`apps/v1` → `apps`, `v1` → ``).
pub fn api_group(api_version: &str) -> &str {
    api_version.split_once('/').map_or("", |(group, _)| group)
}

/// Core kinds and where their pod spec is; they match in the groups of [`CORE_GROUPS`].
const CORE_PATHS: &[(&str, &[&str])] = &[
    ("Pod", &["spec"]),
    ("PodTemplate", &["template", "spec"]),
    ("ReplicationController", &["spec", "template", "spec"]),
    ("Deployment", &["spec", "template", "spec"]),
    ("ReplicaSet", &["spec", "template", "spec"]),
    ("StatefulSet", &["spec", "template", "spec"]),
    ("DaemonSet", &["spec", "template", "spec"]),
    ("Job", &["spec", "template", "spec"]),
    (
        "CronJob",
        &["spec", "jobTemplate", "spec", "template", "spec"],
    ),
];

/// API groups of the built-in workload kinds (`v1`, `apps/v1`, `extensions/v1beta1`, `batch/v1`).
const CORE_GROUPS: &[&str] = &["", "apps", "extensions", "batch"];

/// Custom resources with pod specs: (API group, kind, path to a pod spec). One kind may have
/// several paths. Segments: a key, `*` (every value of a mapping), `[]` (every item).
pub const CRD_PATHS: &[(&str, &str, &[&str])] = &[
    // Argo Rollouts (argoproj.io/v1alpha1). Workflows are not PodSpecs: see the module docs.
    ("argoproj.io", "Rollout", &["spec", "template", "spec"]),
    (
        "argoproj.io",
        "Experiment",
        &["spec", "templates", "[]", "template", "spec"],
    ),
    (
        "argoproj.io",
        "AnalysisTemplate",
        &[
            "spec", "metrics", "[]", "provider", "job", "spec", "template", "spec",
        ],
    ),
    (
        "argoproj.io",
        "ClusterAnalysisTemplate",
        &[
            "spec", "metrics", "[]", "provider", "job", "spec", "template", "spec",
        ],
    ),
    (
        "argoproj.io",
        "AnalysisRun",
        &[
            "spec", "metrics", "[]", "provider", "job", "spec", "template", "spec",
        ],
    ),
    // Knative Serving: a RevisionSpec inlines the PodSpec.
    (
        "serving.knative.dev",
        "Service",
        &["spec", "template", "spec"],
    ),
    (
        "serving.knative.dev",
        "Configuration",
        &["spec", "template", "spec"],
    ),
    ("serving.knative.dev", "Revision", &["spec"]),
    // KEDA
    (
        "keda.sh",
        "ScaledJob",
        &["spec", "jobTargetRef", "template", "spec"],
    ),
    // OpenKruise
    ("apps.kruise.io", "CloneSet", &["spec", "template", "spec"]),
    (
        "apps.kruise.io",
        "StatefulSet",
        &["spec", "template", "spec"],
    ),
    ("apps.kruise.io", "DaemonSet", &["spec", "template", "spec"]),
    (
        "apps.kruise.io",
        "BroadcastJob",
        &["spec", "template", "spec"],
    ),
    (
        "apps.kruise.io",
        "AdvancedCronJob",
        &[
            "spec",
            "template",
            "jobTemplate",
            "spec",
            "template",
            "spec",
        ],
    ),
    (
        "apps.kruise.io",
        "AdvancedCronJob",
        &[
            "spec",
            "template",
            "broadcastJobTemplate",
            "spec",
            "template",
            "spec",
        ],
    ),
    (
        "apps.kruise.io",
        "UnitedDeployment",
        &[
            "spec",
            "template",
            "statefulSetTemplate",
            "spec",
            "template",
            "spec",
        ],
    ),
    (
        "apps.kruise.io",
        "UnitedDeployment",
        &[
            "spec",
            "template",
            "advancedStatefulSetTemplate",
            "spec",
            "template",
            "spec",
        ],
    ),
    (
        "apps.kruise.io",
        "UnitedDeployment",
        &[
            "spec",
            "template",
            "cloneSetTemplate",
            "spec",
            "template",
            "spec",
        ],
    ),
    (
        "apps.kruise.io",
        "UnitedDeployment",
        &[
            "spec",
            "template",
            "deploymentTemplate",
            "spec",
            "template",
            "spec",
        ],
    ),
    // A SidecarSet's spec holds containers, initContainers and volumes that are injected into
    // other pods: it has the shape of a pod spec without the pod-level fields.
    ("apps.kruise.io", "SidecarSet", &["spec"]),
    // Kubeflow training operator v1 (and MPI operator v2beta1): spec.<x>ReplicaSpecs.<role>.template
    (
        "kubeflow.org",
        "TFJob",
        &["spec", "tfReplicaSpecs", "*", "template", "spec"],
    ),
    (
        "kubeflow.org",
        "PyTorchJob",
        &["spec", "pytorchReplicaSpecs", "*", "template", "spec"],
    ),
    (
        "kubeflow.org",
        "MPIJob",
        &["spec", "mpiReplicaSpecs", "*", "template", "spec"],
    ),
    (
        "kubeflow.org",
        "XGBoostJob",
        &["spec", "xgbReplicaSpecs", "*", "template", "spec"],
    ),
    (
        "kubeflow.org",
        "PaddleJob",
        &["spec", "paddleReplicaSpecs", "*", "template", "spec"],
    ),
    (
        "kubeflow.org",
        "MXJob",
        &["spec", "mxReplicaSpecs", "*", "template", "spec"],
    ),
    (
        "kubeflow.org",
        "JAXJob",
        &["spec", "jaxReplicaSpecs", "*", "template", "spec"],
    ),
    ("kubeflow.org", "Notebook", &["spec", "template", "spec"]),
    // Kubeflow Trainer v2, JobSet, LeaderWorkerSet
    (
        "trainer.kubeflow.org",
        "TrainingRuntime",
        &[
            "spec",
            "template",
            "spec",
            "replicatedJobs",
            "[]",
            "template",
            "spec",
            "template",
            "spec",
        ],
    ),
    (
        "trainer.kubeflow.org",
        "ClusterTrainingRuntime",
        &[
            "spec",
            "template",
            "spec",
            "replicatedJobs",
            "[]",
            "template",
            "spec",
            "template",
            "spec",
        ],
    ),
    (
        "jobset.x-k8s.io",
        "JobSet",
        &[
            "spec",
            "replicatedJobs",
            "[]",
            "template",
            "spec",
            "template",
            "spec",
        ],
    ),
    (
        "leaderworkerset.x-k8s.io",
        "LeaderWorkerSet",
        &["spec", "leaderWorkerTemplate", "leaderTemplate", "spec"],
    ),
    (
        "leaderworkerset.x-k8s.io",
        "LeaderWorkerSet",
        &["spec", "leaderWorkerTemplate", "workerTemplate", "spec"],
    ),
    // Volcano
    (
        "batch.volcano.sh",
        "Job",
        &["spec", "tasks", "[]", "template", "spec"],
    ),
    // Ray
    (
        "ray.io",
        "RayCluster",
        &["spec", "headGroupSpec", "template", "spec"],
    ),
    (
        "ray.io",
        "RayCluster",
        &["spec", "workerGroupSpecs", "[]", "template", "spec"],
    ),
    (
        "ray.io",
        "RayJob",
        &[
            "spec",
            "rayClusterSpec",
            "headGroupSpec",
            "template",
            "spec",
        ],
    ),
    (
        "ray.io",
        "RayJob",
        &[
            "spec",
            "rayClusterSpec",
            "workerGroupSpecs",
            "[]",
            "template",
            "spec",
        ],
    ),
    (
        "ray.io",
        "RayJob",
        &["spec", "submitterPodTemplate", "spec"],
    ),
    (
        "ray.io",
        "RayService",
        &[
            "spec",
            "rayClusterConfig",
            "headGroupSpec",
            "template",
            "spec",
        ],
    ),
    (
        "ray.io",
        "RayService",
        &[
            "spec",
            "rayClusterConfig",
            "workerGroupSpecs",
            "[]",
            "template",
            "spec",
        ],
    ),
    // OpenShift
    (
        "apps.openshift.io",
        "DeploymentConfig",
        &["spec", "template", "spec"],
    ),
];

/// Nesting limit for `List`s inside `List`s (a guard, not a Kubernetes rule).
const MAX_LIST_DEPTH: usize = 16;

/// Every pod spec in the document (or node) `root`, in document order of the objects and table
/// order within an object. Each pod spec mapping is reported once.
pub fn find_pod_specs(tree: &Tree, root: NodeId, settings: &Settings) -> Vec<PodSpec> {
    let mut out = Vec::new();
    visit_object(tree, root, settings, 0, &mut Seen::default(), &mut out);
    out
}

/// Objects visited and pod specs found so far: an object reached again through an alias is not
/// walked again (a `List` of aliases of `List`s of aliases is a YAML bomb: 9 items a level make
/// 9^16 visits at the depth limit).
#[derive(Default)]
struct Seen {
    objects: std::collections::HashSet<NodeId>,
    specs: std::collections::HashSet<NodeId>,
}

fn visit_object(
    tree: &Tree,
    node: NodeId,
    settings: &Settings,
    depth: usize,
    seen: &mut Seen,
    out: &mut Vec<PodSpec>,
) {
    if !is_kubernetes_object(tree, node) {
        return;
    }
    let node = tree.resolve(node);
    if !seen.objects.insert(node) {
        return;
    }
    let kind = tree
        .get(node, "kind")
        .and_then(|n| tree.str(n))
        .unwrap_or_default();
    let api_version = tree
        .get(node, "apiVersion")
        .and_then(|n| tree.str(n))
        .unwrap_or_default();
    let group = api_group(api_version);

    // `List`, `v1/List`, kpt's `ResourceList`, `PodList`, ...: when `items` is a sequence (a
    // custom kind that merely ends in `List` is matched like any other kind).
    let items = tree.get(node, "items").filter(|&i| tree.is_seq(i));
    if let Some(items) = items.filter(|_| kind.ends_with("List")) {
        if depth < MAX_LIST_DEPTH {
            for &item in tree.items(items) {
                visit_object(tree, item, settings, depth + 1, seen, out);
            }
        }
        return;
    }

    let mut paths: Vec<&[&str]> = Vec::new();
    if CORE_GROUPS.contains(&group) {
        paths.extend(
            CORE_PATHS
                .iter()
                .filter(|(k, _)| *k == kind)
                .map(|(_, p)| *p),
        );
    }
    paths.extend(
        CRD_PATHS
            .iter()
            .filter(|(g, k, _)| *g == group && *k == kind)
            .map(|(_, _, p)| *p),
    );
    let extra: Vec<Vec<&str>> = settings
        .extra_pod_spec_paths
        .iter()
        .filter(|p| extra_matches(p, api_version, kind))
        .map(|p| p.path.iter().map(String::as_str).collect())
        .collect();
    paths.extend(extra.iter().map(Vec::as_slice));

    let name = tree
        .get_path(node, &["metadata", "name"])
        .filter(|&n| !tree.is_null(n))
        .and_then(|n| tree.str(n))
        .map(str::to_string);
    for path in paths {
        let mut found = Vec::new();
        walk_path(tree, node, path, &mut found);
        for spec in found {
            if !tree.is_map(spec) || !seen.specs.insert(spec) {
                continue;
            }
            let parent = tree.node(spec).parent.map(|p| tree.resolve(p));
            let template = parent.filter(|&p| p != node && tree.is_map(p));
            out.push(PodSpec {
                spec,
                object: node,
                template_metadata: template.and_then(|t| tree.get(t, "metadata")),
                template,
                kind: kind.to_string(),
                name: name.clone(),
            });
        }
    }
}

/// Whether a configured path applies to an object: same kind, and the group (or the
/// `apiVersion`) equals the configured `api_group`, or none is configured.
fn extra_matches(p: &PodSpecPath, api_version: &str, kind: &str) -> bool {
    p.kind == kind
        && (p.api_group.is_empty()
            || api_group(api_version) == p.api_group
            || api_version == p.api_group
            || api_version.starts_with(&format!("{}/", p.api_group)))
}

/// Follows `path` from `node`; pushes every node reached (resolved).
fn walk_path(tree: &Tree, node: NodeId, path: &[&str], out: &mut Vec<NodeId>) {
    let node = tree.resolve(node);
    let Some((head, rest)) = path.split_first() else {
        out.push(node);
        return;
    };
    match *head {
        "*" => {
            for &(_, value) in tree.entries(node) {
                walk_path(tree, value, rest, out);
            }
        }
        "[]" => {
            for &item in tree.items(node) {
                walk_path(tree, item, rest, out);
            }
        }
        key => {
            if let Some(child) = tree.get(node, key) {
                walk_path(tree, child, rest, out);
            }
        }
    }
}

/// The containers of a pod spec in the order Kubernetes' pod-security visitor sees them:
/// `initContainers`, `containers`, `ephemeralContainers`. Items that are not mappings are skipped.
pub fn containers(tree: &Tree, spec: NodeId) -> Vec<Container> {
    let mut out = Vec::new();
    for list in [
        ContainerList::InitContainers,
        ContainerList::Containers,
        ContainerList::EphemeralContainers,
    ] {
        let Some(seq) = tree.get(spec, list.key()) else {
            continue;
        };
        for &item in tree.items(seq) {
            let node = tree.resolve(item);
            if !tree.is_map(node) {
                continue;
            }
            let name = tree
                .get(node, "name")
                .filter(|&n| !tree.is_null(n))
                .and_then(|n| tree.str(n))
                .map(str::to_string);
            out.push(Container { node, list, name });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::yaml::parse;

    fn specs(text: &str) -> (Tree, Vec<PodSpec>) {
        specs_with(text, &Settings::default())
    }

    fn specs_with(text: &str, settings: &Settings) -> (Tree, Vec<PodSpec>) {
        let tree = parse(text).expect("test input parses");
        let mut all = Vec::new();
        for doc in &tree.docs {
            all.extend(find_pod_specs(&tree, doc.root, settings));
        }
        (tree, all)
    }

    /// The names of the containers of each pod spec found.
    fn names(text: &str) -> Vec<Vec<String>> {
        let (tree, found) = specs(text);
        found
            .iter()
            .map(|p| {
                containers(&tree, p.spec)
                    .into_iter()
                    .map(|c| c.name.unwrap_or_default())
                    .collect()
            })
            .collect()
    }

    #[test]
    fn pod_spec_is_under_spec_and_uses_object_metadata() {
        let (tree, found) = specs(
            "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containers:\n  - name: a\n",
        );
        assert_eq!(found.len(), 1);
        let p = &found[0];
        assert_eq!(p.kind, "Pod");
        assert_eq!(p.name.as_deref(), Some("p"));
        assert_eq!(p.template, None);
        assert_eq!(p.template_metadata, None);
        assert_eq!(p.pod_metadata(&tree), tree.get(p.object, "metadata"));
        assert_eq!(Some(p.spec), tree.get(p.object, "spec"));
    }

    #[test]
    fn workloads_use_the_template_and_its_metadata() {
        let text = "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d}\nspec:\n  template:\n    metadata:\n      annotations: {a: b}\n    spec:\n      containers: [{name: web}]\n";
        let (tree, found) = specs(text);
        assert_eq!(found.len(), 1);
        let md = found[0].template_metadata.expect("template metadata");
        assert_eq!(
            tree.get_path(md, &["annotations", "a"])
                .and_then(|n| tree.str(n)),
            Some("b")
        );
        assert_eq!(found[0].pod_metadata(&tree), Some(md));
        assert_eq!(names(text), vec![vec!["web"]]);
    }

    #[test]
    fn template_without_metadata_has_no_pod_metadata() {
        let (tree, found) = specs(
            "apiVersion: batch/v1\nkind: Job\nmetadata: {name: j}\nspec:\n  template:\n    spec:\n      containers: [{name: c}]\n",
        );
        assert_eq!(found.len(), 1);
        assert!(found[0].template.is_some());
        assert_eq!(found[0].pod_metadata(&tree), None);
    }

    #[test]
    fn cronjob_and_podtemplate_paths() {
        let text = "apiVersion: batch/v1\nkind: CronJob\nmetadata: {name: c}\nspec:\n  jobTemplate:\n    spec:\n      template:\n        spec:\n          containers: [{name: cj}]\n---\napiVersion: v1\nkind: PodTemplate\ntemplate:\n  spec:\n    containers: [{name: pt}]\n";
        assert_eq!(names(text), vec![vec!["cj"], vec!["pt"]]);
    }

    #[test]
    fn lists_are_walked_recursively() {
        let text = "apiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: Pod\n  spec: {containers: [{name: a}]}\n- apiVersion: config.kubernetes.io/v1\n  kind: ResourceList\n  items:\n  - apiVersion: apps/v1\n    kind: DaemonSet\n    spec: {template: {spec: {containers: [{name: b}]}}}\n";
        assert_eq!(names(text), vec![vec!["a"], vec!["b"]]);
        let (tree, found) = specs(text);
        assert_eq!(
            tree.get(found[1].object, "kind").and_then(|n| tree.str(n)),
            Some("DaemonSet")
        );
    }

    #[test]
    fn a_kind_ending_in_list_without_items_is_an_ordinary_kind() {
        let mut settings = Settings::default();
        settings.extra_pod_spec_paths.push(PodSpecPath {
            api_group: "example.com".into(),
            kind: "WorkList".into(),
            path: vec!["spec".into()],
        });
        let text = "apiVersion: example.com/v1\nkind: WorkList\nspec: {containers: [{name: w}]}\n";
        assert_eq!(specs_with(text, &settings).1.len(), 1);
    }

    #[test]
    fn non_objects_and_non_mapping_specs_are_ignored() {
        assert!(names("kind: Pod\nspec: {containers: [{name: a}]}\n").is_empty());
        assert!(names("apiVersion: v1\nkind: Pod\nspec: [1, 2]\n").is_empty());
        assert!(names("apiVersion: v1\nkind: ConfigMap\ndata: {a: b}\n").is_empty());
        assert!(names("- apiVersion: v1\n  kind: Pod\n").is_empty());
        assert!(
            names("apiVersion: apps/v1\nkind: Deployment\nspec:\n  template:\n    spec:\n")
                .is_empty()
        );
    }

    #[test]
    fn core_kinds_only_match_in_core_groups() {
        // Volcano's Job has its pods under spec.tasks[].template.
        let text = "apiVersion: batch.volcano.sh/v1alpha1\nkind: Job\nspec:\n  template: {spec: {containers: [{name: wrong}]}}\n  tasks:\n  - template: {spec: {containers: [{name: t1}]}}\n  - template: {spec: {containers: [{name: t2}]}}\n";
        assert_eq!(names(text), vec![vec!["t1"], vec!["t2"]]);
        assert!(
            names("apiVersion: example.com/v1\nkind: Pod\nspec: {containers: [{name: a}]}\n")
                .is_empty()
        );
        assert_eq!(
            names(
                "apiVersion: extensions/v1beta1\nkind: Deployment\nspec: {template: {spec: {containers: [{name: e}]}}}\n"
            ),
            vec![vec!["e"]]
        );
    }

    #[test]
    fn crd_paths_with_wildcards() {
        let text = "apiVersion: kubeflow.org/v1\nkind: PyTorchJob\nspec:\n  pytorchReplicaSpecs:\n    Master: {template: {spec: {containers: [{name: m}]}}}\n    Worker: {template: {spec: {containers: [{name: w}]}}}\n---\napiVersion: ray.io/v1\nkind: RayCluster\nspec:\n  headGroupSpec: {template: {spec: {containers: [{name: head}]}}}\n  workerGroupSpecs:\n  - template: {spec: {containers: [{name: w1}]}}\n---\napiVersion: jobset.x-k8s.io/v1alpha2\nkind: JobSet\nspec:\n  replicatedJobs:\n  - template: {spec: {template: {spec: {containers: [{name: js}]}}}}\n---\napiVersion: keda.sh/v1alpha1\nkind: ScaledJob\nspec: {jobTargetRef: {template: {spec: {containers: [{name: k}]}}}}\n---\napiVersion: serving.knative.dev/v1\nkind: Revision\nspec: {containers: [{name: kn}]}\n---\napiVersion: argoproj.io/v1alpha1\nkind: Rollout\nspec: {template: {spec: {containers: [{name: ro}]}}}\n---\napiVersion: apps.kruise.io/v1alpha1\nkind: AdvancedCronJob\nspec: {template: {jobTemplate: {spec: {template: {spec: {containers: [{name: acj}]}}}}}}\n";
        assert_eq!(
            names(text),
            vec![
                vec!["m"],
                vec!["w"],
                vec!["head"],
                vec!["w1"],
                vec!["js"],
                vec!["k"],
                vec!["kn"],
                vec!["ro"],
                vec!["acj"]
            ]
        );
    }

    /// `check` skips files without the word `spec` (its prefilter): it holds while every
    /// built-in location ends in a `spec` key.
    #[test]
    fn every_built_in_pod_spec_is_under_a_spec_key() {
        for (_, path) in CORE_PATHS {
            assert_eq!(path.last(), Some(&"spec"), "{path:?}");
        }
        for (_, _, path) in CRD_PATHS {
            assert_eq!(path.last(), Some(&"spec"), "{path:?}");
        }
    }

    #[test]
    fn argo_workflows_are_not_pod_specs() {
        let text = "apiVersion: argoproj.io/v1alpha1\nkind: Workflow\nspec:\n  templates:\n  - name: a\n    container: {image: alpine}\n";
        assert!(names(text).is_empty());
    }

    #[test]
    fn extra_paths_from_settings() {
        let mut settings = Settings::default();
        settings.extra_pod_spec_paths.push(PodSpecPath {
            api_group: "example.com".into(),
            kind: "Thing".into(),
            path: vec!["spec".into(), "pods".into(), "[]".into(), "spec".into()],
        });
        // Same path as the built-in table: reported once.
        settings.extra_pod_spec_paths.push(PodSpecPath {
            api_group: String::new(),
            kind: "Deployment".into(),
            path: vec!["spec".into(), "template".into(), "spec".into()],
        });
        let text = "apiVersion: example.com/v1\nkind: Thing\nspec:\n  pods:\n  - metadata: {labels: {a: b}}\n    spec: {containers: [{name: x}]}\n---\napiVersion: other.com/v1\nkind: Thing\nspec: {pods: [{spec: {containers: [{name: no}]}}]}\n---\napiVersion: apps/v1\nkind: Deployment\nspec: {template: {spec: {containers: [{name: d}]}}}\n";
        let (tree, found) = specs_with(text, &settings);
        assert_eq!(found.len(), 2);
        assert!(found[0].template_metadata.is_some());
        let first = containers(&tree, found[0].spec);
        assert_eq!(first[0].name.as_deref(), Some("x"));
        assert_eq!(found[1].kind, "Deployment");
    }

    #[test]
    fn containers_in_visitor_order() {
        let text = "apiVersion: v1\nkind: Pod\nspec:\n  ephemeralContainers: [{name: e}]\n  containers: [{name: c1}, 7, {image: x}]\n  initContainers: [{name: i}]\n";
        let (tree, found) = specs(text);
        let cs = containers(&tree, found[0].spec);
        let got: Vec<_> = cs.iter().map(|c| (c.list, c.name.clone())).collect();
        assert_eq!(
            got,
            vec![
                (ContainerList::InitContainers, Some("i".to_string())),
                (ContainerList::Containers, Some("c1".to_string())),
                (ContainerList::Containers, None),
                (ContainerList::EphemeralContainers, Some("e".to_string())),
            ]
        );
    }

    #[test]
    fn aliases_are_followed() {
        let text = "apiVersion: apps/v1\nkind: Deployment\nspec:\n  template:\n    spec: &pod\n      containers: [{name: a}]\n---\napiVersion: v1\nkind: Pod\nspec: {containers: [{name: b}]}\n";
        assert_eq!(names(text), vec![vec!["a"], vec!["b"]]);
    }
}
