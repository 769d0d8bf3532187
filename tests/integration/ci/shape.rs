//! Checks of the example files that need no service: the GitLab pipeline's shape (an offline
//! stand-in for GitLab's CI lint, beside yamllint in `scripts/lint`) and the README's quotes of
//! the examples.

use serde_json::Value;

use super::example;
use super::runner::load_yaml;
use crate::support::repo_root;

/// GitLab's top-level keywords (everything else at the top is a job).
const GITLAB_GLOBAL_KEYWORDS: [&str; 10] = [
    "default",
    "include",
    "stages",
    "variables",
    "workflow",
    "image",
    "services",
    "cache",
    "before_script",
    "after_script",
];

/// GitLab's job keywords (docs.gitlab.com/ci/yaml).
const GITLAB_JOB_KEYWORDS: [&str; 31] = [
    "after_script",
    "allow_failure",
    "artifacts",
    "before_script",
    "cache",
    "coverage",
    "dependencies",
    "environment",
    "extends",
    "hooks",
    "id_tokens",
    "identity",
    "image",
    "inherit",
    "interruptible",
    "manual_confirmation",
    "needs",
    "pages",
    "parallel",
    "release",
    "resource_group",
    "retry",
    "rules",
    "script",
    "secrets",
    "services",
    "stage",
    "tags",
    "timeout",
    "trigger",
    "variables",
];

fn keys(value: &Value) -> Vec<&str> {
    value
        .as_object()
        .map(|map| map.keys().map(String::as_str).collect())
        .unwrap_or_default()
}

/// An offline stand-in for GitLab's CI lint: known keywords only, every visible job has a
/// script of strings and a declared stage, `extends` names a template, rules, artifacts and
/// cache use their own keywords, variables are strings.
#[test]
fn gitlab_pipeline_has_the_shape_gitlab_expects() {
    let doc = load_yaml(&example("gitlab/.gitlab-ci.yml"));
    let stages: Vec<&str> = doc["stages"]
        .as_array()
        .expect("stages")
        .iter()
        .map(|s| s.as_str().expect("stage names"))
        .collect();
    for (name, value) in doc["variables"].as_object().expect("variables") {
        assert!(value.is_string(), "variable {name} must be a string");
    }
    let mut visible = Vec::new();
    for key in keys(&doc) {
        if GITLAB_GLOBAL_KEYWORDS.contains(&key) {
            continue;
        }
        let job = &doc[key];
        for keyword in keys(job) {
            assert!(
                GITLAB_JOB_KEYWORDS.contains(&keyword),
                "{key}: unknown keyword {keyword}"
            );
        }
        if key.starts_with('.') {
            continue;
        }
        visible.push(key);
        if let Some(template) = job["extends"].as_str() {
            assert!(
                doc[template].is_object(),
                "{key} extends a missing {template}"
            );
        }
        let script = job["script"]
            .as_array()
            .unwrap_or_else(|| panic!("{key}: no script"));
        assert!(
            !script.is_empty() && script.iter().all(Value::is_string),
            "{key}: script"
        );
        let stage = job["stage"].as_str().unwrap_or("test");
        assert!(
            stages.contains(&stage),
            "{key}: stage {stage} is not declared"
        );
        for rule in job["rules"].as_array().into_iter().flatten() {
            for keyword in keys(rule) {
                assert!(
                    [
                        "if",
                        "changes",
                        "exists",
                        "when",
                        "allow_failure",
                        "variables",
                        "needs"
                    ]
                    .contains(&keyword),
                    "{key}: unknown rules keyword {keyword}"
                );
            }
        }
        let artifacts = &job["artifacts"];
        for keyword in keys(artifacts) {
            assert!(
                [
                    "paths",
                    "when",
                    "expire_in",
                    "reports",
                    "name",
                    "untracked",
                    "exclude",
                    "expose_as",
                    "public",
                    "access"
                ]
                .contains(&keyword),
                "{key}: unknown artifacts keyword {keyword}"
            );
        }
        if let Some(when) = artifacts["when"].as_str() {
            assert!(
                ["always", "on_success", "on_failure"].contains(&when),
                "{key}: {when}"
            );
        }
        for (name, value) in job["variables"].as_object().into_iter().flatten() {
            assert!(value.is_string(), "{key}: variable {name} must be a string");
        }
    }
    for template in keys(&doc).into_iter().filter(|k| k.starts_with('.')) {
        for keyword in keys(&doc[template]["cache"]) {
            assert!(
                [
                    "key",
                    "paths",
                    "policy",
                    "untracked",
                    "when",
                    "fallback_keys",
                    "unprotect"
                ]
                .contains(&keyword),
                "{template}: unknown cache keyword {keyword}"
            );
        }
    }
    visible.sort_unstable();
    assert_eq!(
        visible,
        ["birdhouse-apply", "birdhouse-drift", "birdhouse-plan"]
    );
}

/// Every fenced block of the README's CI section is a verbatim excerpt of an example, so the
/// README cannot drift from what the tests run.
#[test]
fn readme_quotes_the_ci_examples() {
    let readme = std::fs::read_to_string(repo_root().join("README.md")).unwrap();
    let start = readme
        .find("## Using birdhouse in CI")
        .expect("the README has a CI section");
    let section = &readme[start..];
    let section = &section[..section[3..].find("\n## ").map_or(section.len(), |i| i + 3)];
    let examples: Vec<String> = [
        "github/birdhouse-plan.yml",
        "github/birdhouse-apply.yml",
        "github/pr-comment.sh",
        "gitlab/.gitlab-ci.yml",
        "gitlab/mr-note.sh",
    ]
    .iter()
    .map(|p| std::fs::read_to_string(example(p)).unwrap())
    .collect();
    let mut quoted = 0;
    for block in section.split("```yaml\n").skip(1) {
        let block = &block[..block.find("```").expect("the fence closes")];
        // An excerpt may skip lines, marked by a `# …` line: each run between skips must
        // appear verbatim in one example.
        let mut run = String::new();
        for line in block.lines().chain(std::iter::once("# …")) {
            if line.trim() == "# …" {
                assert!(
                    run.is_empty() || examples.iter().any(|e| e.contains(&run)),
                    "README quotes lines that are in no example:\n{run}"
                );
                quoted += run.lines().count();
                run.clear();
            } else {
                run.push_str(line);
                run.push('\n');
            }
        }
    }
    assert!(quoted > 10, "the section quotes the examples");
}
