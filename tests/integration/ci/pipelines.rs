//! Whole pipelines against the NetBird lab: the default-branch apply (GitHub), four pushes to a
//! pull request / merge request through both plan jobs (a change, another change, a refused
//! plan, invalid files), then a merge applied by GitLab's job.

use std::path::{Path, PathBuf};
use std::process::Command;

use birdhouse_lab::Lab;
use serde_json::Value;

use crate::support::examples_lab;

use super::forge::{Comment, Flavor, Forge};
use super::repo::TenantsRepo;
use super::runner::JobRun;
use super::services::{GitHub, GitLab};
use super::tools::Tools;
use super::{
    GITHUB_TOKEN, GITLAB_TOKEN, MARKER, SEEDED, birdhouse_comments, require_shell_tools, seeded,
};

/// `birdhouse plan --detailed-exitcode` on the checkout: 0 when the tenants match the files.
fn plan_exit_code(repo: &TenantsRepo, lab: &Lab) -> i32 {
    let out = Command::new(assert_cmd::cargo::cargo_bin!("birdhouse"))
        .args(["plan", "-f", "tenants", "--detailed-exitcode"])
        .current_dir(repo.path())
        .env("NETBIRD_API_URL", lab.base_url())
        .env("NETBIRD_API_TOKEN", lab.token().expose())
        .output()
        .unwrap();
    if out.status.code() != Some(0) {
        eprintln!("{}", String::from_utf8_lossy(&out.stdout));
    }
    out.status.code().unwrap_or(-1)
}

/// `birdhouse plan --detailed-exitcode --tenant NAME` on the checkout.
fn plan_exit_code_of(repo: &TenantsRepo, lab: &Lab, tenant: &str) -> i32 {
    let out = Command::new(assert_cmd::cargo::cargo_bin!("birdhouse"))
        .args([
            "plan",
            "-f",
            "tenants",
            "--detailed-exitcode",
            "--tenant",
            tenant,
        ])
        .current_dir(repo.path())
        .env("NETBIRD_API_URL", lab.base_url())
        .env("NETBIRD_API_TOKEN", lab.token().expose())
        .output()
        .unwrap();
    out.status.code().unwrap_or(-1)
}

/// Whether the tenant's server has a setup key of that name.
fn has_key(server: &birdhouse_lab::ServerRecord, name: &str) -> bool {
    birdhouse_lab::probe::Probe::new(server)
        .get_blocking("/api/setup-keys")
        .unwrap()
        .as_array()
        .unwrap()
        .iter()
        .any(|k| k["name"] == name)
}

/// Asserts that no secret, token or password of the run is anywhere a person could read it.
fn assert_never_printed(secrets: &[String], places: &[(&str, &str)]) {
    for secret in secrets.iter().filter(|s| s.len() >= 8) {
        for (place, text) in places {
            assert!(
                !text.contains(secret.as_str()),
                "a one-time secret is in {place}"
            );
        }
    }
    for token in [GITHUB_TOKEN, GITLAB_TOKEN, "hvs.StandInVaultToken"] {
        for (place, text) in places {
            assert!(!text.contains(token), "a token is in {place}");
        }
    }
}

/// Checks the Vault stand-in's calls since `from`: each got one secret on stdin under a
/// `netbird/<tenant>/<kind>/<name>` path while the secrets file was mode 0600, and the job log
/// names each path once. Returns the secrets.
fn stored_secrets(tools: &Tools, from: usize, log: &str) -> Vec<String> {
    let calls = tools.vault_calls();
    let calls = &calls[from..];
    for call in calls {
        assert_eq!(&call.args[..3], ["kv", "put", "-mount=secret"], "{call:?}");
        assert_eq!(
            call.args[4], "value=-",
            "the value comes on stdin: {call:?}"
        );
        assert!(call.args[3].starts_with("netbird/"), "{call:?}");
        assert!(
            !call.secret.is_empty() && !call.secret.ends_with('\n'),
            "{call:?}"
        );
        assert_eq!(
            call.modes,
            ["600"],
            "the secrets file is mode 0600 while in use"
        );
        assert!(log.contains(&format!("stored {}", call.args[3])), "{log}");
    }
    assert!(
        log.contains(&format!("stored {} one-time secrets in Vault", calls.len())),
        "{log}"
    );
    calls.iter().map(|c| c.secret.clone()).collect()
}

fn no_secrets_file_left(dir: &Path) {
    let left: Vec<_> = walk(dir)
        .into_iter()
        .filter(|p| {
            p.file_name()
                .is_some_and(|n| n == "birdhouse-secrets.jsonl")
        })
        .collect();
    assert!(left.is_empty(), "secrets files left behind: {left:?}");
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            out.extend(walk(&path));
        } else {
            out.push(path);
        }
    }
    out
}

/// The one birdhouse comment of a forge; fails when there is none or more than one.
fn the_comment(forge: &Forge) -> Comment {
    let mut ours: Vec<Comment> = birdhouse_comments(forge)
        .into_iter()
        .filter(|c| !c.system)
        .collect();
    assert_eq!(ours.len(), 1, "exactly one birdhouse comment: {ours:#?}");
    ours.remove(0)
}

#[test]
#[ignore = "needs NetBird lab"]
fn pipelines_plan_in_review_and_apply_on_merge() {
    require_shell_tools();
    let lab = examples_lab();
    let repo = TenantsRepo::new();
    let tools = Tools::new();
    let github_api = Forge::start(Flavor::GitHub, GITHUB_TOKEN, seeded(Flavor::GitHub));
    let gitlab_api = Forge::start(Flavor::GitLab, GITLAB_TOKEN, seeded(Flavor::GitLab));
    let github = GitHub::new(&repo, &tools, &lab, &github_api);
    let gitlab = GitLab::new(&repo, &tools, &lab, &gitlab_api);

    // The default branch's first apply (GitHub): every example tenant is configured, and the
    // new setup keys', tokens' and passwords' secrets reach the store and nothing else.
    let applied = github.dispatch("birdhouse-apply.yml", "apply");
    assert!(applied.success, "{}", applied.log());
    assert!(
        applied
            .summary
            .starts_with("## birdhouse apply of the files as they are (run by hand) (exit 0)"),
        "{}",
        applied.summary
    );
    let mut secrets = stored_secrets(&tools, 0, &applied.log());
    assert!(
        !secrets.is_empty(),
        "the examples create setup keys and service users"
    );
    no_secrets_file_left(&github.temp);
    assert_never_printed(
        &secrets,
        &[
            ("the apply log", &applied.log()),
            ("the step summary", &applied.summary),
        ],
    );
    assert_eq!(plan_exit_code(&repo, &lab), 0, "the apply converged");

    // The merge request / pull request, one push at a time; the base is main's tip.
    let base = repo.git(&["rev-parse", "HEAD"]);
    repo.git(&["update-ref", "refs/remotes/origin/main", &base]);
    repo.git(&["checkout", "--quiet", "-b", "feature"]);
    let review = |expect_success: bool| -> (JobRun, JobRun, Comment, Comment) {
        let on_github = github.run("birdhouse-plan.yml", "plan");
        let on_gitlab = gitlab
            .run("birdhouse-plan", &gitlab.merge_request(&base))
            .expect("the plan job runs in merge-request pipelines");
        assert!(
            gitlab
                .run("birdhouse-apply", &gitlab.merge_request(&base))
                .is_none(),
            "apply never runs in a merge request"
        );
        assert_eq!(on_github.success, expect_success, "{}", on_github.log());
        assert_eq!(on_gitlab.success, expect_success, "{}", on_gitlab.log());
        (
            on_github,
            on_gitlab,
            the_comment(&github_api),
            the_comment(&gitlab_api),
        )
    };

    // Push 1: a port more for the dentists. Changes present (exit 2) pass the check.
    repo.push(
        "tenants/acme-dental.yaml",
        "ports: [443, 5432]",
        "ports: [443, 5432, 8443]",
        "dentists reach the practice server's admin port",
    );
    let (on_github, _, first_comment, first_note) = review(true);
    assert!(
        !on_github.step("plan").output.contains("## birdhouse plan"),
        "the plan goes to the comment and the summary, not the log"
    );
    assert!(
        on_github.summary.starts_with("## birdhouse plan"),
        "{}",
        on_github.summary
    );
    for comment in [&first_comment, &first_note] {
        assert!(
            comment
                .body
                .starts_with(&format!("{MARKER}\n## birdhouse plan")),
            "{}",
            comment.body
        );
        assert!(
            comment.body.contains("policy dentists-to-practice-server"),
            "{}",
            comment.body
        );
        assert!(
            comment.body.contains("```mermaid\nflowchart LR"),
            "{}",
            comment.body
        );
        assert!(
            comment
                .body
                .contains("tcp 443, 5432, 8443 (was tcp 443, 5432)"),
            "{}",
            comment.body
        );
        assert!(
            !comment.body.contains("Globex"),
            "only the changed tenant is planned"
        );
    }
    let saved: Value =
        serde_json::from_str(&repo.read("plan.json")).expect("the JSON plan artifact");
    assert_eq!(
        saved["format_version"],
        birdhouse::plan::PLAN_FORMAT_VERSION
    );

    // Push 2: a new setup key. The same comment is edited, none is added.
    let merged_later = repo.push(
        "tenants/acme-dental.yaml",
        "    setup_keys:\n",
        "    setup_keys:\n      - name: front-desk-tablets\n        type: reusable\n        expires_in: 30d\n        auto_groups: [clinic-staff]\n",
        "tablets for the front desk",
    );
    let (_, _, second_comment, second_note) = review(true);
    // The plan jobs keep their saved plan as the artifact of this commit.
    gitlab_api.keep_plan(&merged_later, &repo.read("plan.json"));
    for (first, second, forge, edit) in [
        (&first_comment, &second_comment, &github_api, "PATCH"),
        (&first_note, &second_note, &gitlab_api, "PUT"),
    ] {
        assert_eq!(first.id, second.id, "the comment is edited in place");
        assert_ne!(first.body, second.body);
        assert!(
            second.body.contains("setup key front-desk-tablets"),
            "{}",
            second.body
        );
        assert_eq!(
            forge.comments().len() as u64,
            SEEDED + 1,
            "no comment added"
        );
        assert!(
            forge
                .calls()
                .iter()
                .any(|c| c.method == edit && c.status == 200)
        );
    }

    // Push 3: the tenant file emptied to its name: most of it would be deleted, the plan is
    // refused, the check fails, and the comment says why.
    let acme = repo.read("tenants/acme-dental.yaml");
    let header_end = acme.find("    baselines:").unwrap();
    repo.write(
        "tenants/acme-dental.yaml",
        &format!(
            "{}    prune: [groups, setup_keys, policies]\n",
            &acme[..header_end]
        ),
    );
    repo.commit("start Acme Dental over");
    let (on_github, on_gitlab, refused_comment, refused_note) = review(false);
    assert_eq!(
        on_github.steps.last().unwrap().id,
        "Fail on invalid files or a refused plan"
    );
    assert!(
        on_github
            .log()
            .contains("::error title=birdhouse plan::exit 1"),
        "{}",
        on_github.log()
    );
    assert!(
        on_gitlab.log().contains("birdhouse plan failed (exit 1)"),
        "{}",
        on_gitlab.log()
    );
    for comment in [&refused_comment, &refused_note] {
        assert!(comment.body.contains("refused"), "{}", comment.body);
    }

    // Push 4: a typo in a group reference: nothing is planned, the comment shows the error.
    repo.write(
        "tenants/acme-dental.yaml",
        &acme.replacen("sources: [dentists]", "sources: [dentist]", 1),
    );
    repo.commit("a typo");
    let (_, _, invalid_comment, invalid_note) = review(false);
    for comment in [&invalid_comment, &invalid_note] {
        assert!(
            comment
                .body
                .contains("birdhouse plan failed (exit 1); nothing was planned"),
            "{}",
            comment.body
        );
        assert!(
            comment.body.contains("unknown group \"dentist\""),
            "{}",
            comment.body
        );
    }
    assert_eq!(invalid_comment.id, first_comment.id);
    assert_eq!(invalid_note.id, first_note.id);

    // Meanwhile someone deletes a setup key in another tenant's dashboard.
    let globex = lab.tenant("Globex Logistics").unwrap();
    delete_key_by_hand(&globex, "scanners");

    // Merge push 2 and apply on the default branch (GitLab this time): the plan reviewed for
    // that commit is applied, and nothing else. The new key is made, its secret goes to the
    // store, and Acme Dental matches the files again; Globex, outside the reviewed scope, is
    // not written to: its key stays deleted.
    repo.git(&["checkout", "--quiet", "main"]);
    repo.git(&[
        "merge",
        "--quiet",
        "--no-ff",
        "-m",
        "merge the tablets",
        &merged_later,
    ]);
    let merge = repo.git(&["rev-parse", "HEAD"]);
    let push = gitlab.push_of(&merge);
    // A push that merged no merge request applies nothing.
    let unreviewed = gitlab
        .run("birdhouse-apply", &push)
        .expect("apply runs on the default branch");
    assert!(!unreviewed.success, "{}", unreviewed.log());
    assert!(
        unreviewed.log().contains("merged no merge request"),
        "{}",
        unreviewed.log()
    );
    gitlab_api.merged(&merge, &merged_later);
    assert!(
        gitlab.run("birdhouse-plan", &push).is_none(),
        "no plan job on the default branch"
    );
    let before = tools.vault_calls().len();
    let applied = gitlab
        .run("birdhouse-apply", &push)
        .expect("apply runs on the default branch");
    assert!(applied.success, "{}", applied.log());
    assert!(
        applied
            .log()
            .contains("applying the plan reviewed in https://gitlab.example/"),
        "{}",
        applied.log()
    );
    let new_secrets = stored_secrets(&tools, before, &applied.log());
    assert_eq!(new_secrets.len(), 1, "one new setup key: {}", applied.log());
    assert!(
        applied
            .log()
            .contains("stored netbird/acme-dental/setup_key/front-desk-tablets")
    );
    no_secrets_file_left(&tools.scratch("gitlab-tmp"));
    assert_eq!(
        plan_exit_code_of(&repo, &lab, "Acme Dental"),
        0,
        "the merged change converged"
    );
    assert!(
        !has_key(&globex, "scanners"),
        "nothing outside the review was written"
    );
    assert_eq!(
        plan_exit_code_of(&repo, &lab, "Globex Logistics"),
        2,
        "Globex's drift is still there for its own review"
    );

    secrets.extend(new_secrets);
    let comments: Vec<String> = github_api
        .comments()
        .into_iter()
        .chain(gitlab_api.comments())
        .map(|c| c.body)
        .collect();
    let checkout: Vec<(String, String)> = ["plan.md", "plan.json", "plan.log", "apply.log"]
        .iter()
        .filter(|f| repo.path().join(f).exists())
        .map(|f| ((*f).to_owned(), repo.read(f)))
        .collect();
    let gitlab_log = applied.log();
    let mut places: Vec<(&str, &str)> = vec![("the GitLab apply log", &gitlab_log)];
    for body in &comments {
        places.push(("a comment", body));
    }
    for (name, text) in &checkout {
        places.push((name, text));
    }
    assert_never_printed(&secrets, &places);
}

/// Deletes a live setup key by hand, as someone in the dashboard would.
fn delete_key_by_hand(server: &birdhouse_lab::ServerRecord, name: &str) {
    let keys = birdhouse_lab::probe::Probe::new(server)
        .get_blocking("/api/setup-keys")
        .unwrap();
    let id = keys
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["name"] == name)
        .unwrap_or_else(|| panic!("no setup key {name}: {keys}"))["id"]
        .as_str()
        .unwrap()
        .to_owned();
    crate::e2e::write(
        server,
        "DELETE",
        &format!("/api/setup-keys/{id}"),
        &Value::Null,
    );
}

#[test]
#[ignore = "needs NetBird lab"]
fn the_scheduled_drift_check_keeps_one_issue_open_while_tenants_drift_and_closes_it() {
    require_shell_tools();
    let lab = examples_lab();
    let repo = TenantsRepo::new();
    let tools = Tools::new();
    let github_api = Forge::start(Flavor::GitHub, GITHUB_TOKEN, Vec::new());
    let gitlab_api = Forge::start(Flavor::GitLab, GITLAB_TOKEN, Vec::new());
    let github = GitHub::new(&repo, &tools, &lab, &github_api);
    let gitlab = GitLab::new(&repo, &tools, &lab, &gitlab_api);
    let converge = || {
        let out = Command::new(assert_cmd::cargo::cargo_bin!("birdhouse"))
            .args(["apply", "-f", "tenants", "--yes", "--discard-secrets"])
            .current_dir(repo.path())
            .env("NETBIRD_API_URL", lab.base_url())
            .env("NETBIRD_API_TOKEN", lab.token().expose())
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert_eq!(
            plan_exit_code(&repo, &lab),
            0,
            "the tenants match the files"
        );
    };
    let check = || {
        let on_github = github.run("birdhouse-drift.yml", "drift");
        let schedule = gitlab.schedule();
        for job in ["birdhouse-plan", "birdhouse-apply"] {
            assert!(
                gitlab.run(job, &schedule).is_none(),
                "{job} never runs in a scheduled pipeline"
            );
        }
        let on_gitlab = gitlab
            .run("birdhouse-drift", &schedule)
            .expect("the drift job runs in scheduled pipelines");
        assert!(on_github.success, "{}", on_github.log());
        assert!(on_gitlab.success, "{}", on_gitlab.log());
        (on_github, on_gitlab)
    };
    assert!(
        gitlab
            .run("birdhouse-drift", &gitlab.push_to_main())
            .is_none(),
        "the drift job runs only in scheduled pipelines"
    );
    converge();

    // No drift: no issue.
    check();
    assert!(github_api.issues().is_empty() && gitlab_api.issues().is_empty());

    // Someone deletes a setup key in Acme Dental's dashboard: one issue each, with the plan.
    let acme = lab.tenant("Acme Dental").unwrap();
    delete_key_by_hand(&acme, "clinic-workstations");
    let (on_github, _) = check();
    assert!(
        on_github.summary.contains("setup key clinic-workstations"),
        "{}",
        on_github.summary
    );
    let opened = |forge: &Forge| {
        let issues = forge.issues();
        assert_eq!(issues.len(), 1, "one drift issue: {issues:#?}");
        let issue = issues[0].clone();
        assert!(issue.open);
        assert_eq!(issue.labels, ["birdhouse-drift"]);
        assert!(
            issue
                .body
                .starts_with("<!-- birdhouse-drift -->\nLive tenants differ"),
            "{}",
            issue.body
        );
        assert!(issue.body.contains("## birdhouse plan"), "{}", issue.body);
        assert!(
            issue.body.contains("+ setup key clinic-workstations"),
            "{}",
            issue.body
        );
        issue
    };
    let first = [opened(&github_api), opened(&gitlab_api)];
    assert!(
        first[0].body.contains("actions/runs/4242"),
        "{}",
        first[0].body
    );
    assert!(
        first[1].body.contains("/-/pipelines/77"),
        "{}",
        first[1].body
    );

    // Still drifting, and more: the same issue is updated, no second one opened.
    delete_key_by_hand(&acme, "imaging-bootstrap");
    check();
    let second = [opened(&github_api), opened(&gitlab_api)];
    for (before, after) in first.iter().zip(&second) {
        assert_eq!(before.number, after.number, "the same issue");
        assert!(
            after.body.contains("+ setup key imaging-bootstrap"),
            "{}",
            after.body
        );
    }

    // The tenants are made to match the files again: the next check closes the issue.
    converge();
    check();
    for forge in [&github_api, &gitlab_api] {
        let issues = forge.issues();
        assert_eq!(issues.len(), 1, "{issues:#?}");
        assert!(!issues[0].open, "closed once no drift is left");
        assert!(
            issues[0]
                .comments
                .last()
                .is_some_and(|c| c.starts_with("No drift any more")),
            "{:#?}",
            issues[0]
        );
    }
    // And stays closed, with no new issue, while nothing drifts.
    check();
    assert_eq!(github_api.issues().len(), 1);
    assert_eq!(gitlab_api.issues().len(), 1);
}

#[test]
#[ignore = "needs NetBird lab"]
fn github_applies_on_merge_the_plan_its_pull_request_reviewed_and_nothing_else() {
    require_shell_tools();
    let lab = examples_lab();
    let repo = TenantsRepo::new();
    let tools = Tools::new();
    let forge = Forge::start(Flavor::GitHub, GITHUB_TOKEN, Vec::new());
    let github = GitHub::new(&repo, &tools, &lab, &forge);
    let converged = github.dispatch("birdhouse-apply.yml", "apply");
    assert!(converged.success, "{}", converged.log());
    let globex = lab.tenant("Globex Logistics").unwrap();

    // The pull request: one more port for the dentists, planned and reviewed.
    let base = repo.git(&["rev-parse", "HEAD"]);
    repo.git(&["update-ref", "refs/remotes/origin/main", &base]);
    repo.git(&["checkout", "--quiet", "-b", "feature"]);
    let head = repo.push(
        "tenants/acme-dental.yaml",
        "ports: [443, 5432]",
        "ports: [443, 5432, 8443]",
        "dentists reach the practice server's admin port",
    );
    let planned = github.run("birdhouse-plan.yml", "plan");
    assert!(planned.success, "{}", planned.log());
    forge.keep_plan(&head, &repo.read("plan.json"));

    // Meanwhile, in Globex's dashboard, someone deletes a setup key.
    delete_key_by_hand(&globex, "scanners");

    // A push of main that merged no pull request applies nothing.
    repo.git(&["checkout", "--quiet", "main"]);
    lab.reset_stats();
    let unreviewed = github.push("birdhouse-apply.yml", "apply", &base);
    assert!(!unreviewed.success, "{}", unreviewed.log());
    assert!(
        unreviewed.summary.contains("merged no pull request"),
        "{}",
        unreviewed.summary
    );
    assert_eq!(lab.stats().requests, 0, "nothing was even read");

    // A merge whose files are not the reviewed ones (main had moved on) applies nothing.
    repo.git(&["merge", "--quiet", "--no-ff", "-m", "merge", &head]);
    let text = repo.read("tenants/customers.yaml");
    repo.write(
        "tenants/customers.yaml",
        &text.replacen(
            "      - name: dispatch\n",
            "      - name: dispatch\n      - name: night-shift\n",
            1,
        ),
    );
    let moved = repo.commit("an unreviewed group on main");
    forge.merged(&moved, &head);
    let stale_files = github.push("birdhouse-apply.yml", "apply", &moved);
    assert!(!stale_files.success, "{}", stale_files.log());
    assert!(
        stale_files
            .summary
            .contains("differ from those of #7's last commit"),
        "{}",
        stale_files.summary
    );
    assert_eq!(lab.stats().requests, 0, "nothing was read or written");
    repo.git(&["reset", "--quiet", "--hard", "HEAD~1"]);

    // The merge of the reviewed commit: its plan is applied, Acme Dental gets its port, and
    // Globex, which the pull request never touched, is not written to.
    let merge = repo.git(&["rev-parse", "HEAD"]);
    forge.merged(&merge, &head);
    let applied = github.push("birdhouse-apply.yml", "apply", &merge);
    assert!(applied.success, "{}", applied.log());
    assert!(
        applied.summary.starts_with(&format!(
            "## birdhouse apply of the plan reviewed in https://github.example/{}/pull/7 (exit 0)",
            super::forge::GITHUB_REPOSITORY
        )),
        "{}",
        applied.summary
    );
    assert_eq!(plan_exit_code_of(&repo, &lab, "Acme Dental"), 0);
    assert!(
        !has_key(&globex, "scanners"),
        "nothing outside the review was written"
    );
    let writes: Vec<String> = lab
        .stats()
        .calls
        .keys()
        .filter(|call| !call.starts_with("GET "))
        .cloned()
        .collect();
    assert!(
        !writes.iter().any(|w| w.contains("setup-keys")),
        "no setup key was written anywhere: {writes:?}"
    );

    // Applying the same reviewed plan again is refused: the tenant moved since it was made.
    let again = github.push("birdhouse-apply.yml", "apply", &merge);
    assert!(!again.success, "{}", again.log());
    assert!(
        again
            .log()
            .contains("a tenant changed since its plan was reviewed"),
        "{}",
        again.log()
    );
}
