//! What secctx knows about well-known images: paths they write outside `/tmp` (mounted as
//! emptyDir volumes when secctx makes the root filesystem read-only) and whether they run as root
//! by default (then `runAsNonRoot: true` alone makes the kubelet refuse to start them). Read by
//! `harden`; the config (`images:` in `.secctx.yaml`) adds paths and users per image.
//!
//! Sources, checked against the images' Dockerfiles and their Docker Hub documentation
//! (github.com/docker-library/docs, `<image>/content.md`):
//! - `nginx`: "Running nginx in read-only mode" needs `/var/cache/nginx` and `/var/run` writable;
//!   the master process runs as root, the workers as `nginx`, uid 101 in the Debian and Alpine
//!   variants alike ("User and group id"). As uid 101 it still listens on port 80 unless its
//!   configuration changes; `nginxinc/nginx-unprivileged` is the variant built for that.
//! - `httpd`: `PidFile` is `/usr/local/apache2/logs/httpd.pid`; runs as root to bind port 80 and
//!   drops to `www-data` (33 on Debian, 82 on Alpine) in its workers: no single UID to suggest.
//! - `postgres`: the Dockerfile creates `/var/run/postgresql` (socket, mode 3777); the entrypoint
//!   starts as root and steps down to `postgres`, uid 999 (Debian) or 70 (Alpine); `initdb` needs
//!   the UID to exist in `/etc/passwd` ("Arbitrary --user Notes"), so the image's own UID is the
//!   one to suggest. The data directory is a `VOLUME`, not listed: it needs a real volume.
//! - `mysql`: `/var/run/mysqld` (socket and pid, mode 1777); steps down to `mysql`, uid 999.
//! - `mariadb`: `/run/mysqld` (mode 1777); steps down to `mysql` (999).
//! - `redis`: steps down to `redis`, uid 999 in both variants; writes only to `/data` (a VOLUME).
//! - `mongo`: steps down to `mongodb`, uid 999; writes its socket to `/tmp`, data to VOLUMEs.
//! - `node`: no `USER` (root), ships the user `node`, uid 1000.
//! - `busybox`, `alpine`, `debian`, `ubuntu`: root, no service user; `nobody` (65534) is the
//!   usual choice.
//!
//! Image references are normalised before lookup (`docker.io/library/nginx:1.25@sha256:..` ->
//! `nginx`), including the common mirrors of Docker Hub's official images
//! (`public.ecr.aws/docker/library/`, `mirror.gcr.io/library/`).

use globset::Glob;

use crate::settings::{ImageSettings, Settings};

/// A built-in image fact.
pub struct KnownImage {
    /// Normalised repository (`nginx`, `bitnami/redis`, ...): see `normalize`.
    pub repository: &'static str,
    pub writable_paths: &'static [&'static str],
    /// Runs as root unless told otherwise.
    pub runs_as_root: bool,
    /// An unprivileged user of the image, to suggest with `--run-as-user`, and its name.
    pub suggested_uid: Option<i64>,
    pub user_name: Option<&'static str>,
    /// The uid for the `-alpine` tags, where it differs.
    pub alpine_uid: Option<i64>,
    /// What else running it as non-root takes, for the warning.
    pub note: Option<&'static str>,
}

const fn root(
    repository: &'static str,
    writable_paths: &'static [&'static str],
    user: Option<(&'static str, i64)>,
) -> KnownImage {
    KnownImage {
        repository,
        writable_paths,
        runs_as_root: true,
        suggested_uid: match user {
            Some((_, uid)) => Some(uid),
            None => None,
        },
        user_name: match user {
            Some((name, _)) => Some(name),
            None => None,
        },
        alpine_uid: None,
        note: None,
    }
}

pub const KNOWN_IMAGES: &[KnownImage] = &[
    KnownImage {
        note: Some(
            "as uid 101 nginx must listen on a port >= 1024 (or use nginxinc/nginx-unprivileged)",
        ),
        ..root(
            "nginx",
            &["/var/cache/nginx", "/var/run"],
            Some(("nginx", 101)),
        )
    },
    KnownImage {
        note: Some("httpd must then listen on a port >= 1024"),
        ..root("httpd", &["/usr/local/apache2/logs"], None)
    },
    KnownImage {
        alpine_uid: Some(70),
        ..root(
            "postgres",
            &["/var/run/postgresql"],
            Some(("postgres", 999)),
        )
    },
    root("mysql", &["/var/run/mysqld"], Some(("mysql", 999))),
    root("mariadb", &["/run/mysqld"], Some(("mysql", 999))),
    root("redis", &[], Some(("redis", 999))),
    root("mongo", &[], Some(("mongodb", 999))),
    root("node", &[], Some(("node", 1000))),
    root("busybox", &[], Some(("nobody", 65534))),
    root("alpine", &[], Some(("nobody", 65534))),
    root("debian", &[], Some(("nobody", 65534))),
    root("ubuntu", &[], Some(("nobody", 65534))),
];

/// Prefixes under which registries mirror Docker Hub's official images.
const OFFICIAL_MIRRORS: &[&str] = &[
    "docker.io/library/",
    "index.docker.io/library/",
    "registry-1.docker.io/library/",
    "public.ecr.aws/docker/library/",
    "mirror.gcr.io/library/",
];

/// Splits `name[:tag][@digest]` into the name and the tag.
fn split_reference(image: &str) -> (&str, Option<&str>) {
    let no_digest = image.split('@').next().unwrap_or(image);
    // A tag is a `:` after the last `/` (a `:` before it is a registry port).
    match no_digest.rfind(':') {
        Some(i) if !no_digest[i..].contains('/') => (&no_digest[..i], Some(&no_digest[i + 1..])),
        _ => (no_digest, None),
    }
}

/// `docker.io/library/nginx:1.25@sha256:..` -> `nginx`; `ghcr.io/org/app:v1` -> `ghcr.io/org/app`.
pub fn normalize(image: &str) -> String {
    let (name, _) = split_reference(image.trim());
    let name = name.to_ascii_lowercase();
    for prefix in OFFICIAL_MIRRORS {
        if let Some(rest) = name.strip_prefix(prefix) {
            return rest.to_string();
        }
    }
    let name = name
        .strip_prefix("docker.io/")
        .or_else(|| name.strip_prefix("index.docker.io/"))
        .unwrap_or(&name);
    name.strip_prefix("library/").unwrap_or(name).to_string()
}

/// What applies to one image: the built-in table, then the first config entry that matches
/// (its paths are added, its user wins).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ImageFacts {
    pub writable_paths: Vec<String>,
    /// A UID from the config, to add as `runAsUser`.
    pub run_as_user: Option<i64>,
    pub runs_as_root: bool,
    pub suggested_uid: Option<i64>,
    /// The name of that user in the image.
    pub user_name: Option<&'static str>,
    pub note: Option<&'static str>,
}

fn config_matches(entry: &ImageSettings, image: &str, normalized: &str) -> bool {
    if entry.pattern == normalized || entry.pattern == image {
        return true;
    }
    let (name, _) = split_reference(image);
    Glob::new(&entry.pattern)
        .map(|g| {
            let m = g.compile_matcher();
            m.is_match(normalized) || m.is_match(image) || m.is_match(name)
        })
        .unwrap_or(false)
}

pub fn facts(image: &str, settings: &Settings) -> ImageFacts {
    let normalized = normalize(image);
    let mut facts = ImageFacts::default();
    if let Some(known) = KNOWN_IMAGES.iter().find(|k| k.repository == normalized) {
        facts.writable_paths = known.writable_paths.iter().map(|p| p.to_string()).collect();
        facts.runs_as_root = known.runs_as_root;
        let alpine = split_reference(image)
            .1
            .is_some_and(|tag| tag.contains("alpine"));
        facts.suggested_uid = match known.alpine_uid {
            Some(uid) if alpine => Some(uid),
            _ => known.suggested_uid,
        };
        facts.user_name = known.user_name;
        facts.note = known.note;
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
        assert_eq!(normalize("docker.io/nginx"), "nginx");
        assert_eq!(normalize("library/redis:7"), "redis");
        assert_eq!(
            normalize("public.ecr.aws/docker/library/postgres:16"),
            "postgres"
        );
        assert_eq!(normalize("mirror.gcr.io/library/busybox"), "busybox");
        assert_eq!(
            normalize("registry:5000/team/app:v1"),
            "registry:5000/team/app"
        );
        assert_eq!(
            normalize("registry:5000/team/app"),
            "registry:5000/team/app"
        );
        assert_eq!(normalize("bitnami/nginx:latest"), "bitnami/nginx");
        assert_eq!(normalize("nginx@sha256:0123"), "nginx");
        assert_eq!(normalize(""), "");
    }

    #[test]
    fn built_in_facts() {
        let s = Settings::default();
        let nginx = facts("nginx:1.25", &s);
        assert!(nginx.runs_as_root);
        assert_eq!(nginx.writable_paths, vec!["/var/cache/nginx", "/var/run"]);
        assert_eq!(nginx.suggested_uid, Some(101));
        assert!(nginx.note.is_some());
        // Look-alikes that run as non-root are not matched.
        assert!(!facts("bitnami/nginx", &s).runs_as_root);
        assert!(!facts("nginxinc/nginx-unprivileged:1.25", &s).runs_as_root);
        assert!(!facts("ghcr.io/acme/nginx", &s).runs_as_root);
        // The Alpine variant of postgres has another uid.
        assert_eq!(facts("postgres:16", &s).suggested_uid, Some(999));
        assert_eq!(facts("postgres:16-alpine3.20", &s).suggested_uid, Some(70));
        assert_eq!(
            facts("docker.io/library/postgres:16-alpine@sha256:ff", &s).suggested_uid,
            Some(70)
        );
        assert_eq!(facts("httpd:2.4", &s).suggested_uid, None);
        assert_eq!(facts("", &s), ImageFacts::default());
    }

    #[test]
    fn configured_facts_add_to_the_table() {
        let mut s = Settings::default();
        s.images.push(ImageSettings {
            pattern: "ghcr.io/acme/*".into(),
            writable_paths: vec!["/cache".into()],
            run_as_user: Some(1000),
        });
        s.images.push(ImageSettings {
            pattern: "nginx".into(),
            writable_paths: vec!["/var/run".into(), "/srv/upload".into()],
            run_as_user: Some(101),
        });
        let f = facts("ghcr.io/acme/api:2", &s);
        assert_eq!(
            (f.writable_paths, f.run_as_user, f.runs_as_root),
            (vec!["/cache".to_string()], Some(1000), false)
        );
        let f = facts("docker.io/library/nginx:1.27", &s);
        assert_eq!(
            f.writable_paths,
            vec!["/var/cache/nginx", "/var/run", "/srv/upload"]
        );
        assert_eq!(f.run_as_user, Some(101));
        // First match wins.
        s.images.insert(
            0,
            ImageSettings {
                pattern: "*".into(),
                writable_paths: vec![],
                run_as_user: Some(7),
            },
        );
        assert_eq!(facts("nginx", &s).run_as_user, Some(7));
    }
}
