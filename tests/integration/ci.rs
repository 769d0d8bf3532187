//! The example CI pipelines of `examples/ci/`, run for real: the sticky-comment scripts against
//! a stand-in of GitHub's and GitLab's REST APIs (one comment, created once and then edited,
//! found past the first page, never a person's comment or a system note), the GitLab pipeline's
//! shape, the README's quotes of the examples, and (with the NetBird lab) whole pipelines: the
//! default-branch apply with its secrets handed to a stand-in Vault CLI, and four pushes to a
//! pull request / merge request (a change, another change, a refused plan, invalid files)
//! through the plan job of both services, in a temporary git repository; and the scheduled
//! drift check of both, which keeps one issue open while a tenant drifts and closes it.
//!
//! The GitHub workflow's `run:` steps and the GitLab jobs' `script:` run from the YAML files
//! themselves (`ci/runner.rs`), so what is tested is what users copy.

mod forge;
mod pipelines;
mod repo;
mod runner;
mod scripts;
mod services;
mod shape;
mod tools;

use std::path::PathBuf;

use crate::support::repo_root;
use forge::{Comment, Flavor, Forge};

/// The hidden first line that marks the birdhouse comment.
const MARKER: &str = "<!-- birdhouse-plan -->";
const GITHUB_TOKEN: &str = "ghs_StandInGitHubTokenThatMustNotLeak01";
const GITLAB_TOKEN: &str = "glpat-StandInGitLabTokenMustNotLeak02";
/// People's comments already on the request: more than the 100 of a page.
const SEEDED: u64 = 120;

/// Fails with a clear message when a tool the pipelines' shell needs is missing (all are on
/// GitHub's and GitLab's runner images and on this project's machines).
fn require_shell_tools() {
    for tool in ["bash", "curl", "jq", "git"] {
        let found = std::process::Command::new("sh")
            .args(["-c", &format!("command -v {tool}")])
            .output()
            .is_ok_and(|out| out.status.success());
        assert!(
            found,
            "{tool} is needed to run the example pipelines' shell steps"
        );
    }
}

fn example(path: &str) -> PathBuf {
    repo_root().join("examples/ci").join(path)
}

/// The birdhouse comments on the request (the ones whose body starts with the marker).
fn birdhouse_comments(forge: &Forge) -> Vec<Comment> {
    forge
        .comments()
        .into_iter()
        .filter(|c| c.body.starts_with(MARKER))
        .collect()
}

/// The seeded comments; GitLab's also hold system notes, one of them starting with the marker
/// (which the script must not take for its own: only user notes are birdhouse's).
fn seeded(flavor: Flavor) -> Vec<Comment> {
    let mut comments = forge::people_comments(SEEDED, MARKER);
    if flavor == Flavor::GitLab {
        for comment in comments.iter_mut().filter(|c| c.id % 10 == 0) {
            comment.system = true;
            comment.body = format!("{MARKER}\nadded 1 commit");
        }
    }
    comments
}
