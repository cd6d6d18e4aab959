//! Rendered manifests through a pipe: `kubectl kustomize DIR | secctx fix -` with the real
//! kubectl (skipped with a message when it is not installed), and a Helm-style post-renderer
//! stream with comments and several documents.

use std::process::Command;

mod common;

use yaml_rust2::{Yaml, YamlLoader};

fn fix_stdin(input: &[u8]) -> (i32, Vec<u8>, String) {
    common::run_stdin(&["fix", "-"], input)
}

/// Every container of every Deployment in the stream carries the five settings.
fn assert_hardened(docs: &[Yaml]) -> usize {
    let mut n = 0;
    for d in docs {
        if d["kind"].as_str() != Some("Deployment") {
            continue;
        }
        for c in d["spec"]["template"]["spec"]["containers"]
            .as_vec()
            .expect("containers")
        {
            let sc = &c["securityContext"];
            assert_eq!(sc["runAsNonRoot"].as_bool(), Some(true), "{c:?}");
            assert_eq!(sc["allowPrivilegeEscalation"].as_bool(), Some(false));
            assert_eq!(sc["readOnlyRootFilesystem"].as_bool(), Some(true));
            assert_eq!(
                sc["seccompProfile"]["type"].as_str(),
                Some("RuntimeDefault")
            );
            assert!(
                sc["capabilities"]["drop"]
                    .as_vec()
                    .is_some_and(|d| d.iter().any(|x| x.as_str() == Some("ALL")))
            );
            n += 1;
        }
    }
    n
}

#[test]
fn kubectl_kustomize_piped_through_fix() {
    let dir = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/examples/legacy-app/kustomize/overlays/prod"
    );
    let rendered = match Command::new("kubectl").args(["kustomize", dir]).output() {
        Ok(o) if o.status.success() => o.stdout,
        _ => {
            eprintln!("skipped: `kubectl kustomize` is not available");
            return;
        }
    };
    let (code, out, err) = fix_stdin(&rendered);
    assert_eq!(code, 0, "{err}");
    let before = YamlLoader::load_from_str(std::str::from_utf8(&rendered).expect("utf-8"))
        .expect("kustomize output parses");
    let after = YamlLoader::load_from_str(std::str::from_utf8(&out).expect("utf-8"))
        .expect("secctx output parses");
    // The stream keeps its documents, in order, and only the Deployment changes.
    assert_eq!(before.len(), after.len());
    for (b, a) in before.iter().zip(&after) {
        assert_eq!(b["kind"], a["kind"]);
        assert_eq!(b["metadata"]["name"], a["metadata"]["name"]);
        if b["kind"].as_str() != Some("Deployment") {
            assert_eq!(b, a, "non-workload documents are untouched");
        }
    }
    assert!(assert_hardened(&after) >= 1);
    // Every line kustomize printed is still there, in order.
    let rendered = String::from_utf8(rendered).expect("utf-8");
    let out = String::from_utf8(out).expect("utf-8");
    let mut rest = out.as_str();
    for line in rendered.lines() {
        let at = rest
            .find(line)
            .unwrap_or_else(|| panic!("line {line:?} lost or moved"));
        rest = &rest[at + line.len()..];
    }
}

#[test]
fn post_renderer_stream_keeps_comments_and_order() {
    let stream = "\
---
# Source: web/templates/service.yaml
apiVersion: v1
kind: Service
metadata:
  name: web
spec:
  ports:
    - port: 80
---
# Source: web/templates/deployment.yaml
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  template:
    spec:
      containers:
        - name: web # the app
          image: \"registry.example.com/web:1.0\"
";
    let (code, out, err) = fix_stdin(stream.as_bytes());
    assert_eq!(code, 0, "{err}");
    let out = String::from_utf8(out).expect("utf-8");
    assert!(
        out.starts_with(&stream[..stream.find("        - name: web").expect("line")]),
        "{out}"
    );
    assert!(out.contains("        - name: web # the app\n"));
    let docs = YamlLoader::load_from_str(&out).expect("parses");
    assert_eq!(docs.len(), 2);
    assert_eq!(assert_hardened(&docs), 1);
}
