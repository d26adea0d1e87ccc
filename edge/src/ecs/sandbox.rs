//! The filesystem a task's container sees, built with bubblewrap: the machine's root stands for the image's base
//! layers, the image's directory is mounted at the image's `WORKDIR`, and what the container may write follows the
//! task definition. With `readonlyRootFilesystem` ("the container is given read-only access to its root file
//! system", Amazon ECS task definition parameters) everything is read-only except a fresh tmpfs at exactly each
//! declared tmpfs mount (`linuxParameters.tmpfs`) and each mount point of a declared volume (a Fargate task's
//! volume without a host path is task-local scratch space, empty at start); a write anywhere else fails with EROFS.
//! Without it the image's directory is writable (the container's writable layer) and `/tmp` is a fresh tmpfs; the
//! machine's own directories stay read-only, so a task never changes the machine it runs on.

use std::path::{Path, PathBuf};

/// Debian's bubblewrap.
pub const BWRAP: &str = "/usr/bin/bwrap";

/// Where one container's files are and what it may write.
#[derive(Debug, Clone)]
pub struct Layout {
    /// The image's directory on this machine.
    pub directory: PathBuf,
    /// The image's WORKDIR, where `directory` is mounted (None: the directory is used where it is).
    pub workdir: Option<String>,
    pub readonly_root: bool,
    /// Container paths given a fresh tmpfs.
    pub writable: Vec<String>,
    /// The process's working directory (a container path).
    pub cwd: String,
    /// A hosts file mounted at /etc/hosts (the `--endpoint-map` names; see `endpoints.rs`).
    pub hosts: Option<PathBuf>,
}

impl Layout {
    /// The host path a container path lies at inside the image's directory, if it does.
    fn in_image(&self, container_path: &str) -> Option<PathBuf> {
        let base = self
            .workdir
            .clone()
            .unwrap_or_else(|| self.directory.display().to_string());
        let rest = container_path.strip_prefix(base.trim_end_matches('/'))?;
        if !rest.is_empty() && !rest.starts_with('/') {
            return None;
        }
        Some(self.directory.join(rest.trim_start_matches('/')))
    }

    /// Creates the mount points that lie inside the image's directory (the image would carry them, or the container
    /// runtime would create them in the container's layer); bubblewrap cannot create them under a read-only bind.
    pub fn prepare(&self) -> Result<(), String> {
        for path in &self.writable {
            if let Some(host) = self.in_image(path) {
                std::fs::create_dir_all(&host)
                    .map_err(|e| format!("creating the mount point {path} at {}: {e}", host.display()))?;
            }
        }
        Ok(())
    }

    /// bubblewrap's arguments (the program and its arguments follow them).
    pub fn bwrap_args(&self) -> Result<Vec<String>, String> {
        let mut args: Vec<String> = ["--die-with-parent", "--unshare-pid"].map(String::from).to_vec();
        // The root is bubblewrap's own empty tmpfs; the machine's top-level directories are bound into it read-only
        // (binding "/" itself would leave no place to mount the image's WORKDIR, which the machine does not have).
        let mut entries: Vec<_> = std::fs::read_dir("/")
            .map_err(|e| format!("reading /: {e}"))?
            .filter_map(Result::ok)
            .collect();
        entries.sort_by_key(|e| e.file_name());
        for entry in entries {
            let name = entry.file_name().to_string_lossy().to_string();
            if name == "proc" || name == "dev" {
                continue;
            }
            let path = format!("/{name}");
            match std::fs::read_link(&path) {
                Ok(target) => args.extend(["--symlink".into(), target.display().to_string(), path]),
                Err(_) => args.extend(["--ro-bind".into(), path.clone(), path]),
            }
        }
        args.extend(["--dev", "/dev", "--proc", "/proc"].map(String::from));
        if let Some(hosts) = &self.hosts {
            args.extend(["--ro-bind".into(), hosts.display().to_string(), "/etc/hosts".into()]);
        }
        if let Some(workdir) = &self.workdir {
            let bind = if self.readonly_root { "--ro-bind" } else { "--bind" };
            args.extend([bind.into(), self.directory.display().to_string(), workdir.clone()]);
        } else if !self.readonly_root {
            let path = self.directory.display().to_string();
            args.extend(["--bind".into(), path.clone(), path]);
        }
        let mut writable = self.writable.clone();
        if !self.readonly_root && !writable.iter().any(|p| p == "/tmp") {
            writable.push("/tmp".into());
        }
        // Parents before the paths inside them.
        writable.sort_by_key(|p| Path::new(p).components().count());
        writable.dedup();
        for path in writable {
            args.extend(["--tmpfs".into(), path]);
        }
        if self.readonly_root {
            args.extend(["--remount-ro".into(), "/".into()]);
        }
        args.extend(["--chdir".into(), self.cwd.clone()]);
        Ok(args)
    }
}

/// bubblewrap, or an error saying how to get it: a task is never run without the sandbox its definition asks for.
pub fn check() -> Result<(), String> {
    match std::fs::metadata(BWRAP) {
        Ok(m) if m.is_file() => Ok(()),
        _ => Err(format!(
            "{BWRAP} is missing: nextstack-edge runs ECS tasks under bubblewrap (apt-get install bubblewrap), which \
             enforces their task definitions' read-only root filesystems and writable mounts"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn layout(readonly_root: bool) -> Layout {
        Layout {
            directory: PathBuf::from("/srv/build"),
            workdir: Some("/app".into()),
            readonly_root,
            writable: vec!["/app/.next/cache".into(), "/tmp".into()],
            cwd: "/app".into(),
            hosts: None,
        }
    }

    fn after<'a>(args: &'a [String], flag: &str) -> Vec<&'a str> {
        args.windows(2)
            .filter(|w| w[0] == flag)
            .map(|w| w[1].as_str())
            .collect()
    }

    #[test]
    fn a_read_only_root_with_tmpfs_at_exactly_the_declared_paths() {
        let args = layout(true).bwrap_args().unwrap();
        assert_eq!(after(&args, "--tmpfs"), ["/tmp", "/app/.next/cache"]);
        assert!(after(&args, "--bind").is_empty(), "{args:?}");
        assert!(args.windows(3).any(|w| w == ["--ro-bind", "/srv/build", "/app"]));
        assert!(args
            .windows(2)
            .any(|w| w == ["--ro-bind", "/usr"] || w[0] == "--symlink"));
        assert_eq!(after(&args, "--remount-ro"), ["/"]);
        assert_eq!(after(&args, "--chdir"), ["/app"]);
    }

    #[test]
    fn a_writable_root_has_a_writable_image_and_tmp() {
        let mut l = layout(false);
        l.writable.clear();
        let args = l.bwrap_args().unwrap();
        assert!(args.windows(3).any(|w| w == ["--bind", "/srv/build", "/app"]));
        assert_eq!(after(&args, "--tmpfs"), ["/tmp"]);
        assert!(after(&args, "--remount-ro").is_empty());
    }

    #[test]
    fn mount_points_inside_the_image_map_to_its_directory() {
        let l = layout(true);
        assert_eq!(
            l.in_image("/app/.next/cache"),
            Some(PathBuf::from("/srv/build/.next/cache"))
        );
        assert_eq!(l.in_image("/application"), None);
        assert_eq!(l.in_image("/tmp"), None);
    }
}
