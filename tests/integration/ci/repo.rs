//! The user's tenants repository, as a temporary git repository laid out the way
//! `examples/ci/README.md` says: `tenants/` from `examples/tenants/`, the workflows and scripts
//! where they are copied to.

use std::path::Path;
use std::process::Command;

use super::example;
use crate::support::repo_root;

/// A git repository laid out as a user's tenants repository: `tenants/` from
/// `examples/tenants/`, the workflows and scripts where the examples say to copy them.
pub(super) struct TenantsRepo {
    pub(super) dir: tempfile::TempDir,
}

impl TenantsRepo {
    pub(super) fn new() -> TenantsRepo {
        let repo = TenantsRepo {
            dir: tempfile::tempdir().unwrap(),
        };
        let copies = [
            (
                "github/birdhouse-plan.yml",
                ".github/workflows/birdhouse-plan.yml",
            ),
            (
                "github/birdhouse-apply.yml",
                ".github/workflows/birdhouse-apply.yml",
            ),
            (
                "github/birdhouse-drift.yml",
                ".github/workflows/birdhouse-drift.yml",
            ),
            ("github/pr-comment.sh", ".github/scripts/pr-comment.sh"),
            ("github/drift-issue.sh", ".github/scripts/drift-issue.sh"),
            (
                "github/reviewed-plan.sh",
                ".github/scripts/reviewed-plan.sh",
            ),
            ("gitlab/.gitlab-ci.yml", ".gitlab-ci.yml"),
            ("gitlab/mr-note.sh", ".gitlab/scripts/mr-note.sh"),
            ("gitlab/drift-issue.sh", ".gitlab/scripts/drift-issue.sh"),
            (
                "gitlab/reviewed-plan.sh",
                ".gitlab/scripts/reviewed-plan.sh",
            ),
        ];
        for (from, to) in copies {
            repo.write(to, &std::fs::read_to_string(example(from)).unwrap());
        }
        for entry in std::fs::read_dir(repo_root().join("examples/tenants")).unwrap() {
            let path = entry.unwrap().path();
            let name = path.file_name().unwrap().to_str().unwrap().to_owned();
            repo.write(
                &format!("tenants/{name}"),
                &std::fs::read_to_string(&path).unwrap(),
            );
        }
        repo.git(&["init", "--quiet", "--initial-branch=main"]);
        repo.git(&["config", "user.email", "ci@northwind.example"]);
        repo.git(&["config", "user.name", "CI"]);
        repo.commit("tenants as code");
        repo
    }

    pub(super) fn path(&self) -> &Path {
        self.dir.path()
    }

    pub(super) fn write(&self, name: &str, text: &str) {
        let path = self.path().join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }

    pub(super) fn read(&self, name: &str) -> String {
        std::fs::read_to_string(self.path().join(name)).unwrap()
    }

    pub(super) fn git(&self, args: &[&str]) -> String {
        let out = Command::new("git")
            .args(args)
            .current_dir(self.path())
            .output()
            .expect("git");
        assert!(
            out.status.success(),
            "git {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).trim().to_owned()
    }

    /// Commits the tracked files (and new files under the copied paths), returns the sha. Job
    /// output (plan.md, plan.json, apply.log) stays out: the jobs write it in the checkout.
    pub(super) fn commit(&self, message: &str) -> String {
        self.git(&["add", "tenants", ".github", ".gitlab", ".gitlab-ci.yml"]);
        self.git(&["commit", "--quiet", "-m", message]);
        self.git(&["rev-parse", "HEAD"])
    }

    /// Rewrites `file` by replacing `from` (which must be there) with `to`, and commits.
    pub(super) fn push(&self, file: &str, from: &str, to: &str, message: &str) -> String {
        let text = self.read(file);
        assert!(text.contains(from), "{file} holds {from:?}");
        self.write(file, &text.replacen(from, to, 1));
        self.commit(message)
    }
}
