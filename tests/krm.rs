//! secctx as a kpt exec function: a `ResourceList` on stdin comes back hardened, with the
//! findings in `results`; and the real `kpt fn eval --exec` round trip, when kpt is installed.

use std::process::Command;

mod common;

const RESOURCE_LIST: &str = "\
apiVersion: config.kubernetes.io/v1
kind: ResourceList
items:
- apiVersion: apps/v1
  kind: Deployment
  metadata:
    name: web
    namespace: shop
    annotations:
      config.kubernetes.io/path: 'web.yaml'
      internal.config.kubernetes.io/path: 'web.yaml'
  spec:
    template:
      spec:
        containers:
        - name: nginx # the storefront
          image: nginx:1.27
- apiVersion: v1
  kind: Service
  metadata:
    name: web
  spec:
    ports:
    - port: 80
";

fn run_stdin(input: &str) -> (i32, String, String) {
    let (code, out, err) = common::run_stdin(&["fix", "-", "--color", "never"], input.as_bytes());
    (code, String::from_utf8(out).expect("utf-8"), err)
}

#[test]
fn resource_list_items_are_hardened_and_findings_become_results() {
    let (code, out, err) = run_stdin(RESOURCE_LIST);
    assert_eq!(code, 0, "stderr: {err}");
    // The items are hardened in place, comments kept.
    assert!(
        out.contains("        - name: nginx # the storefront\n"),
        "{out}"
    );
    assert!(out.contains("allowPrivilegeEscalation: false"), "{out}");
    assert!(out.contains("mountPath: /var/cache/nginx"), "{out}");
    // nginx runs as root by default: a finding, reported as a KRM result on that resource.
    let docs = yaml_rust2::YamlLoader::load_from_str(&out).expect("output parses");
    let results = docs[0]["results"].as_vec().expect("results list");
    assert_eq!(results.len(), 1, "{out}");
    let r = &results[0];
    assert_eq!(r["severity"].as_str(), Some("warning"));
    assert_eq!(r["tags"]["rule"].as_str(), Some("run-as-non-root"));
    assert_eq!(r["resourceRef"]["kind"].as_str(), Some("Deployment"));
    assert_eq!(r["resourceRef"]["name"].as_str(), Some("web"));
    assert_eq!(r["resourceRef"]["namespace"].as_str(), Some("shop"));
    assert_eq!(r["file"]["path"].as_str(), Some("web.yaml"));
    assert!(
        r["message"]
            .as_str()
            .unwrap_or("")
            .contains("--run-as-user 101")
    );
    // Everything before the results is the input plus the hardening only.
    let before = yaml_rust2::YamlLoader::load_from_str(RESOURCE_LIST).expect("input parses");
    assert_eq!(
        docs[0]["items"][1], before[0]["items"][1],
        "the Service is untouched"
    );
}

#[test]
fn resource_list_without_findings_gets_no_results_key() {
    let input = RESOURCE_LIST.replace("nginx:1.27", "registry.example.com/web:2");
    let (code, out, err) = run_stdin(&input);
    assert_eq!(code, 0, "stderr: {err}");
    assert!(!out.contains("results:"), "{out}");
    assert!(out.contains("runAsNonRoot: true"), "{out}");
}

#[test]
fn kpt_fn_eval_exec_round_trip() {
    let probe = Command::new("kpt").arg("version").output();
    if !probe.is_ok_and(|o| o.status.success()) {
        eprintln!("skipped: kpt is not installed");
        return;
    }
    let dir = tempfile::tempdir().expect("temp dir");
    let file = dir.path().join("deploy.yaml");
    let manifest = "\
# The API server.
apiVersion: apps/v1
kind: Deployment
metadata:
  name: api
spec:
  template:
    spec:
      containers:
        - name: api # main container
          image: ghcr.io/acme/api:1.4
";
    std::fs::write(&file, manifest).expect("write");
    let exec = format!("{} fix -", env!("CARGO_BIN_EXE_secctx"));
    let out = Command::new("kpt")
        .args(["fn", "eval"])
        .arg(dir.path())
        .args(["--exec", &exec])
        .output()
        .expect("run kpt");
    assert!(
        out.status.success(),
        "kpt failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let after = std::fs::read_to_string(&file).expect("read");
    assert!(after.starts_with("# The API server.\n"), "{after}");
    assert!(after.contains("- name: api # main container"), "{after}");
    for field in [
        "runAsNonRoot: true",
        "allowPrivilegeEscalation: false",
        "readOnlyRootFilesystem: true",
        "type: RuntimeDefault",
        "mountPath: /tmp",
    ] {
        assert!(after.contains(field), "missing {field}: {after}");
    }
}
