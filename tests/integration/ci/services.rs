//! What each CI service hands a job: GitHub Actions' variables and expression contexts,
//! GitLab CI's predefined and project variables for a merge-request or a default-branch
//! pipeline.

use std::collections::BTreeMap;
use std::path::PathBuf;

use birdhouse_lab::Lab;

use super::forge::{self, Forge};
use super::repo::TenantsRepo;
use super::runner::{JobRun, Runner};
use super::tools::Tools;
use super::{GITHUB_TOKEN, GITLAB_TOKEN};

/// What GitHub Actions gives a job: its variables, and the values of the expressions the
/// workflows use.
pub(super) struct GitHub {
    pub(super) runner: Runner,
    pub(super) contexts: BTreeMap<&'static str, String>,
    pub(super) temp: PathBuf,
}

impl GitHub {
    pub(super) fn new(repo: &TenantsRepo, tools: &Tools, lab: &Lab, forge: &Forge) -> GitHub {
        let temp = tools.scratch("runner-temp");
        let mut env = tools.base_env(lab, &temp);
        env.extend([
            ("GITHUB_ACTIONS".to_owned(), "true".to_owned()),
            ("GITHUB_API_URL".to_owned(), forge.url().to_owned()),
            (
                "GITHUB_REPOSITORY".to_owned(),
                forge::GITHUB_REPOSITORY.to_owned(),
            ),
            ("RUNNER_TEMP".to_owned(), temp.display().to_string()),
        ]);
        let contexts = BTreeMap::from([
            // The lab has one MSP token; the recipes read it as two secrets.
            (
                "secrets.NETBIRD_PLAN_TOKEN",
                lab.token().expose().to_owned(),
            ),
            (
                "secrets.NETBIRD_APPLY_TOKEN",
                lab.token().expose().to_owned(),
            ),
            ("github.token", GITHUB_TOKEN.to_owned()),
            ("github.server_url", "https://github.example".to_owned()),
            ("github.repository", forge::GITHUB_REPOSITORY.to_owned()),
            ("github.run_id", "4242".to_owned()),
            ("github.base_ref", "main".to_owned()),
            (
                "github.event.pull_request.number",
                forge::REQUEST_NUMBER.to_string(),
            ),
            (
                "vars.VAULT_ADDR",
                "https://vault.northwind.example".to_owned(),
            ),
            ("secrets.VAULT_TOKEN", "hvs.StandInVaultToken".to_owned()),
        ]);
        GitHub {
            runner: Runner {
                workdir: repo.path().to_owned(),
                scratch: tools.scratch("github-steps"),
                env,
            },
            contexts,
            temp,
        }
    }

    pub(super) fn run(&self, workflow: &str, job: &str) -> JobRun {
        let path = self.runner.workdir.join(".github/workflows").join(workflow);
        self.runner.github(&path, job, &self.contexts, &[])
    }

    /// The job run by hand (Run workflow).
    pub(super) fn dispatch(&self, workflow: &str, job: &str) -> JobRun {
        let mut contexts = self.contexts.clone();
        contexts.insert("github.event_name", "workflow_dispatch".to_owned());
        let path = self.runner.workdir.join(".github/workflows").join(workflow);
        self.runner.github(&path, job, &contexts, &[])
    }

    /// The job of a push of `sha` to the default branch.
    pub(super) fn push(&self, workflow: &str, job: &str, sha: &str) -> JobRun {
        let mut contexts = self.contexts.clone();
        contexts.insert("github.event_name", "push".to_owned());
        let mut runner = self.runner.clone();
        runner.env.insert("GITHUB_SHA".to_owned(), sha.to_owned());
        let path = runner.workdir.join(".github/workflows").join(workflow);
        runner.github(&path, job, &contexts, &[])
    }
}

/// What GitLab CI gives a job in a merge-request or a default-branch pipeline.
pub(super) struct GitLab {
    pub(super) runner: Runner,
    pub(super) project: BTreeMap<&'static str, String>,
}

impl GitLab {
    pub(super) fn new(repo: &TenantsRepo, tools: &Tools, lab: &Lab, forge: &Forge) -> GitLab {
        let tmp = tools.scratch("gitlab-tmp");
        let mut env = tools.base_env(lab, &tmp);
        env.insert("TMPDIR".to_owned(), tmp.display().to_string());
        env.insert("GITLAB_CI".to_owned(), "true".to_owned());
        let project = BTreeMap::from([
            ("CI_API_V4_URL", format!("{}/api/v4", forge.url())),
            ("CI_PROJECT_ID", forge::GITLAB_PROJECT_ID.to_owned()),
            ("CI_DEFAULT_BRANCH", "main".to_owned()),
            ("NETBIRD_PLAN_TOKEN", lab.token().expose().to_owned()),
            ("NETBIRD_APPLY_TOKEN", lab.token().expose().to_owned()),
            ("GITLAB_API_TOKEN", GITLAB_TOKEN.to_owned()),
            ("VAULT_ADDR", "https://vault.northwind.example".to_owned()),
            ("VAULT_TOKEN", "hvs.StandInVaultToken".to_owned()),
        ]);
        GitLab {
            runner: Runner {
                workdir: repo.path().to_owned(),
                scratch: tools.scratch("gitlab-jobs"),
                env,
            },
            project,
        }
    }

    pub(super) fn merge_request(&self, base: &str) -> BTreeMap<&'static str, String> {
        let mut vars = self.project.clone();
        vars.insert("CI_PIPELINE_SOURCE", "merge_request_event".to_owned());
        vars.insert("CI_MERGE_REQUEST_IID", forge::REQUEST_NUMBER.to_string());
        vars.insert("CI_MERGE_REQUEST_DIFF_BASE_SHA", base.to_owned());
        vars
    }

    pub(super) fn push_to_main(&self) -> BTreeMap<&'static str, String> {
        let mut vars = self.project.clone();
        vars.insert("CI_PIPELINE_SOURCE", "push".to_owned());
        vars.insert("CI_COMMIT_BRANCH", "main".to_owned());
        vars
    }

    /// A push of `sha` to the default branch.
    pub(super) fn push_of(&self, sha: &str) -> BTreeMap<&'static str, String> {
        let mut vars = self.push_to_main();
        vars.insert("CI_COMMIT_SHA", sha.to_owned());
        vars
    }

    /// A scheduled pipeline (Build > Pipeline schedules) on the default branch.
    pub(super) fn schedule(&self) -> BTreeMap<&'static str, String> {
        let mut vars = self.project.clone();
        vars.insert("CI_PIPELINE_SOURCE", "schedule".to_owned());
        vars.insert("CI_COMMIT_BRANCH", "main".to_owned());
        vars.insert(
            "CI_PIPELINE_URL",
            "https://gitlab.example/northwind/tenants/-/pipelines/77".to_owned(),
        );
        vars
    }

    pub(super) fn run(&self, job: &str, vars: &BTreeMap<&'static str, String>) -> Option<JobRun> {
        self.runner
            .gitlab(&self.runner.workdir.join(".gitlab-ci.yml"), job, vars)
    }
}
