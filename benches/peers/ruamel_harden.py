#!/usr/bin/env python3
"""The peer of the throughput bench: what a user would write instead of secctx.

A ruamel.yaml round-trip script (the usual choice in Python for editing YAML while keeping
comments) that walks a tree and applies secctx's five rules to every container of every pod spec,
writing changed files in place:

  run-as-non-root            runAsNonRoot: true  (unless the pod has it, or runAsUser: 0)
  no-privilege-escalation    allowPrivilegeEscalation: false  (unless privileged / CAP_SYS_ADMIN)
  drop-all-capabilities      capabilities.drop contains ALL
  read-only-root-filesystem  readOnlyRootFilesystem: true, plus a /tmp emptyDir mount and volume
  seccomp-runtime-default    seccompProfile.type: RuntimeDefault  (unless container or pod sets one)

Explicit values are kept (as secctx does without --force); Windows pods are left alone. Files that
do not parse (Helm templates, invalid YAML) are skipped and counted.

Usage: ruamel_harden.py DIR      (rewrites DIR in place: run it on a copy)
Needs: pip install ruamel.yaml
"""

import os
import sys
import time

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq

POD_SPEC_PATHS = {
    "Pod": ("spec",),
    "Deployment": ("spec", "template", "spec"),
    "ReplicaSet": ("spec", "template", "spec"),
    "StatefulSet": ("spec", "template", "spec"),
    "DaemonSet": ("spec", "template", "spec"),
    "Job": ("spec", "template", "spec"),
    "ReplicationController": ("spec", "template", "spec"),
    "CronJob": ("spec", "jobTemplate", "spec", "template", "spec"),
    "PodTemplate": ("template", "spec"),
}
SECCOMP_OK = ("RuntimeDefault", "Localhost")


def make_yaml():
    yaml = YAML(typ="rt")
    yaml.preserve_quotes = True
    yaml.width = 4096
    yaml.indent(mapping=2, sequence=4, offset=2)
    return yaml


def get_path(node, path):
    for key in path:
        if not isinstance(node, dict):
            return None
        node = node.get(key)
    return node if isinstance(node, dict) else None


def ensure_map(parent, key):
    value = parent.get(key)
    if not isinstance(value, dict):
        value = CommentedMap()
        parent[key] = value
    return value


def harden_container(container, pod_sc):
    """Apply the rules to one container; returns the number of fields changed."""
    changes = 0
    sc = ensure_map(container, "securityContext")
    caps = sc.get("capabilities") if isinstance(sc.get("capabilities"), dict) else {}
    added = [str(c).upper().removeprefix("CAP_") for c in (caps.get("add") or [])]

    run_as_user = sc.get("runAsUser", pod_sc.get("runAsUser"))
    if "runAsNonRoot" not in sc and pod_sc.get("runAsNonRoot") is not True and run_as_user != 0:
        sc["runAsNonRoot"] = True
        changes += 1
    if "allowPrivilegeEscalation" not in sc and sc.get("privileged") is not True and "SYS_ADMIN" not in added:
        sc["allowPrivilegeEscalation"] = False
        changes += 1
    caps = ensure_map(sc, "capabilities")
    drop = caps.get("drop")
    if not isinstance(drop, list):
        caps["drop"] = CommentedSeq(["ALL"])
        changes += 1
    elif "ALL" not in drop:
        drop.append("ALL")
        changes += 1
    if "readOnlyRootFilesystem" not in sc:
        sc["readOnlyRootFilesystem"] = True
        changes += 1
    pod_seccomp = (pod_sc.get("seccompProfile") or {}).get("type")
    if "seccompProfile" not in sc and pod_seccomp not in SECCOMP_OK:
        profile = CommentedMap()
        profile["type"] = "RuntimeDefault"
        sc["seccompProfile"] = profile
        changes += 1
    return changes, sc.get("readOnlyRootFilesystem") is True


def tmp_volume_name(pod):
    """The emptyDir volume to mount at /tmp: an existing `tmp` emptyDir, or a free name."""
    volumes = pod.get("volumes") or []
    names = {v.get("name"): v for v in volumes if isinstance(v, dict)}
    name, n = "tmp", 0
    while name in names and "emptyDir" not in names[name]:
        n += 1
        name = f"tmp-{n}"
    return name, name in names


def harden_pod(pod):
    if (pod.get("os") or {}).get("name") == "windows":
        return 0, 0
    pod_sc = pod.get("securityContext") if isinstance(pod.get("securityContext"), dict) else {}
    changes = hardened = 0
    tmp_needed = False
    name = None
    for key in ("initContainers", "containers"):
        for container in pod.get(key) or []:
            if not isinstance(container, dict):
                continue
            n, read_only = harden_container(container, pod_sc)
            if read_only:
                mounts = container.get("volumeMounts")
                if not any(isinstance(m, dict) and m.get("mountPath") == "/tmp" for m in mounts or []):
                    if name is None:
                        name, _ = tmp_volume_name(pod)
                    if not isinstance(mounts, list):
                        mounts = CommentedSeq()
                        container["volumeMounts"] = mounts
                    mount = CommentedMap()
                    mount["name"] = name
                    mount["mountPath"] = "/tmp"
                    mounts.append(mount)
                    tmp_needed = True
                    n += 1
            changes += n
            hardened += 1 if n else 0
    if tmp_needed:
        name, exists = tmp_volume_name(pod)
        if not exists:
            volumes = pod.get("volumes")
            if not isinstance(volumes, list):
                volumes = CommentedSeq()
                pod["volumes"] = volumes
            volume = CommentedMap()
            volume["name"] = name
            volume["emptyDir"] = CommentedMap()
            volumes.append(volume)
            changes += 1
    return changes, hardened


def pod_specs(doc):
    if not isinstance(doc, dict):
        return
    kind = doc.get("kind")
    if kind == "List" or (isinstance(kind, str) and kind.endswith("List")):
        for item in doc.get("items") or []:
            yield from pod_specs(item)
        return
    path = POD_SPEC_PATHS.get(kind)
    if path and "apiVersion" in doc:
        spec = get_path(doc, path)
        if spec is not None:
            yield spec


def yaml_files(root):
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        for name in sorted(filenames):
            if not name.startswith(".") and name.lower().endswith((".yaml", ".yml")):
                yield os.path.join(dirpath, name)


def main(argv):
    if len(argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    start = time.perf_counter()
    yaml = make_yaml()
    files = changed = skipped = containers = 0
    for path in yaml_files(argv[1]):
        files += 1
        try:
            with open(path, encoding="utf-8-sig") as f:
                docs = list(yaml.load_all(f))
        except Exception:  # noqa: BLE001 - templates, invalid YAML, duplicate keys, non-UTF-8
            skipped += 1
            continue
        changes = 0
        for doc in docs:
            for pod in pod_specs(doc):
                n, hardened = harden_pod(pod)
                changes += n
                containers += hardened
        if changes:
            with open(path, "w", encoding="utf-8") as f:
                yaml.dump_all(docs, f)
            changed += 1
    elapsed = time.perf_counter() - start
    print(
        f"ruamel.yaml peer: hardened {containers} containers in {changed} files; "
        f"{files} files, {skipped} skipped (unparseable), in {elapsed:.2f}s",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
