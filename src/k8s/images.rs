//! What secctx knows about well-known images: paths they write outside `/tmp` (mounted as
//! emptyDir volumes when the root filesystem becomes read-only) and whether they run as root by
//! default (then `runAsNonRoot: true` alone makes the kubelet refuse to start them).
//!
//! Sources: the official images' Dockerfiles and documentation on Docker Hub. nginx writes its
//! temp files under `/var/cache/nginx` and its pid to `/var/run` (the image's docs, "Running nginx
//! as a non-root user"; the user `nginx` is uid 101); httpd writes its pid and logs under
//! `/usr/local/apache2/logs`; postgres writes its socket to `/var/run/postgresql` (uid 999);
//! redis, mysql, mariadb and mongo run their entrypoint as root and switch user (uid 999);
//! busybox, alpine, debian and ubuntu run as root.

use globset::Glob;

use crate::settings::{ImageSettings, Settings};

/// A built-in image fact.
pub struct KnownImage {
    /// Normalised repository (`nginx`, `bitnami/redis`, ...): see `normalize`.
    pub repository: &'static str,
    pub writable_paths: &'static [&'static str],
    /// Runs as root unless told otherwise.
    pub runs_as_root: bool,
    /// The image's own unprivileged user, to suggest with `--run-as-user`.
    pub suggested_uid: Option<i64>,
}

pub const KNOWN_IMAGES: &[KnownImage] = &[
    KnownImage {
        repository: "nginx",
        writable_paths: &["/var/cache/nginx", "/var/run"],
        runs_as_root: true,
        suggested_uid: Some(101),
    },
    KnownImage {
        repository: "httpd",
        writable_paths: &["/usr/local/apache2/logs"],
        runs_as_root: true,
        suggested_uid: None,
    },
    KnownImage {
        repository: "postgres",
        writable_paths: &["/var/run/postgresql"],
        runs_as_root: true,
        suggested_uid: Some(999),
    },
    KnownImage {
        repository: "redis",
        writable_paths: &[],
        runs_as_root: true,
        suggested_uid: Some(999),
    },
    KnownImage {
        repository: "mysql",
        writable_paths: &["/var/run/mysqld"],
        runs_as_root: true,
        suggested_uid: Some(999),
    },
    KnownImage {
        repository: "mariadb",
        writable_paths: &["/run/mysqld"],
        runs_as_root: true,
        suggested_uid: Some(999),
    },
    KnownImage {
        repository: "mongo",
        writable_paths: &[],
        runs_as_root: true,
        suggested_uid: Some(999),
    },
    KnownImage {
        repository: "busybox",
        writable_paths: &[],
        runs_as_root: true,
        suggested_uid: Some(65534),
    },
    KnownImage {
        repository: "alpine",
        writable_paths: &[],
        runs_as_root: true,
        suggested_uid: Some(65534),
    },
    KnownImage {
        repository: "debian",
        writable_paths: &[],
        runs_as_root: true,
        suggested_uid: Some(65534),
    },
    KnownImage {
        repository: "ubuntu",
        writable_paths: &[],
        runs_as_root: true,
        suggested_uid: Some(65534),
    },
];

/// `docker.io/library/nginx:1.25@sha256:..` -> `nginx`; `ghcr.io/org/app:v1` -> `ghcr.io/org/app`.
pub fn normalize(image: &str) -> String {
    let no_digest = image.split('@').next().unwrap_or(image);
    // A tag is a `:` after the last `/` (a `:` before it is a registry port).
    let name = match no_digest.rfind(':') {
        Some(i) if !no_digest[i..].contains('/') => &no_digest[..i],
        _ => no_digest,
    };
    let name = name
        .strip_prefix("docker.io/")
        .or_else(|| name.strip_prefix("index.docker.io/"))
        .unwrap_or(name);
    name.strip_prefix("library/").unwrap_or(name).to_string()
}

/// What applies to one image: config entries first (first match wins), then the built-in table.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ImageFacts {
    pub writable_paths: Vec<String>,
    pub run_as_user: Option<i64>,
    pub runs_as_root: bool,
    pub suggested_uid: Option<i64>,
}

fn config_matches(entry: &ImageSettings, image: &str, normalized: &str) -> bool {
    if entry.pattern == normalized || entry.pattern == image {
        return true;
    }
    Glob::new(&entry.pattern)
        .map(|g| {
            let m = g.compile_matcher();
            m.is_match(normalized) || m.is_match(image)
        })
        .unwrap_or(false)
}

pub fn facts(image: &str, settings: &Settings) -> ImageFacts {
    let normalized = normalize(image);
    let mut facts = ImageFacts::default();
    if let Some(known) = KNOWN_IMAGES.iter().find(|k| k.repository == normalized) {
        facts.writable_paths = known.writable_paths.iter().map(|p| p.to_string()).collect();
        facts.runs_as_root = known.runs_as_root;
        facts.suggested_uid = known.suggested_uid;
    }
    if let Some(entry) = settings
        .images
        .iter()
        .find(|e| config_matches(e, image, &normalized))
    {
        for p in &entry.writable_paths {
            if !facts.writable_paths.contains(p) {
                facts.writable_paths.push(p.clone());
            }
        }
        facts.run_as_user = entry.run_as_user;
    }
    facts
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalizes_image_references() {
        assert_eq!(normalize("nginx"), "nginx");
        assert_eq!(normalize("nginx:1.25-alpine"), "nginx");
        assert_eq!(
            normalize("docker.io/library/nginx:1.25@sha256:abc"),
            "nginx"
        );
        assert_eq!(
            normalize("registry:5000/team/app:v1"),
            "registry:5000/team/app"
        );
        assert_eq!(normalize("bitnami/nginx:latest"), "bitnami/nginx");
    }

    #[test]
    fn built_in_and_configured_facts() {
        let s = Settings::default();
        assert!(facts("nginx:1.25", &s).runs_as_root);
        assert!(!facts("bitnami/nginx", &s).runs_as_root);
        let mut s = Settings::default();
        s.images.push(ImageSettings {
            pattern: "ghcr.io/acme/*".into(),
            writable_paths: vec!["/cache".into()],
            run_as_user: Some(1000),
        });
        let f = facts("ghcr.io/acme/api:2", &s);
        assert_eq!(
            (f.writable_paths, f.run_as_user),
            (vec!["/cache".to_string()], Some(1000))
        );
    }
}
