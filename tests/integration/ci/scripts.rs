//! The sticky-comment scripts alone, against the forge stand-in: the first run creates the
//! comment past a page of people's comments (and GitLab system notes carrying the marker), the
//! second edits it in place, the body survives JSON quoting intact, and a refused token fails
//! the script without printing it.

use std::path::Path;
use std::process::Command;

use super::forge::{self, Comment, Flavor, Forge};
use super::{
    GITHUB_TOKEN, GITLAB_TOKEN, MARKER, SEEDED, birdhouse_comments, example, require_shell_tools,
    seeded,
};

/// Runs a comment script (`pr-comment.sh` or `mr-note.sh`) on `body` against `forge`.
fn post(flavor: Flavor, forge: &Forge, token: &str, body: &Path) -> std::process::Output {
    let mut command = Command::new("bash");
    command
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default());
    match flavor {
        Flavor::GitHub => command
            .arg(example("github/pr-comment.sh"))
            .env("GITHUB_TOKEN", token)
            .env("GITHUB_API_URL", forge.url())
            .env("GITHUB_REPOSITORY", forge::GITHUB_REPOSITORY)
            .env("PR_NUMBER", forge::REQUEST_NUMBER.to_string()),
        Flavor::GitLab => command
            .arg(example("gitlab/mr-note.sh"))
            .env("GITLAB_API_TOKEN", token)
            .env("CI_API_V4_URL", format!("{}/api/v4", forge.url()))
            .env("CI_PROJECT_ID", forge::GITLAB_PROJECT_ID)
            .env("CI_MERGE_REQUEST_IID", forge::REQUEST_NUMBER.to_string()),
    };
    command.arg(body).output().expect("run the comment script")
}

#[test]
fn comment_scripts_create_one_comment_then_edit_it() {
    require_shell_tools();
    let dir = tempfile::tempdir().unwrap();
    // Quotes, backslashes, a fence, HTML and non-ASCII: the JSON body must carry them intact.
    let first = "## birdhouse plan\n\n**1 to create**\n\n```diff\n+ group \"ops\\eu\" <b>\n```\nZahnärzte ✓\n";
    let second = "## birdhouse plan\n\n**No changes.**\n";
    std::fs::write(dir.path().join("first.md"), first).unwrap();
    std::fs::write(dir.path().join("second.md"), second).unwrap();
    for (flavor, token, edit) in [
        (Flavor::GitHub, GITHUB_TOKEN, "PATCH"),
        (Flavor::GitLab, GITLAB_TOKEN, "PUT"),
    ] {
        let forge = Forge::start(flavor, token, seeded(flavor));
        let out = post(flavor, &forge, token, &dir.path().join("first.md"));
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success(),
            "{flavor:?}: {stdout}{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(stdout.starts_with("created the birdhouse"), "{stdout}");
        let created = birdhouse_comments(&forge)
            .into_iter()
            .filter(|c| !c.system)
            .collect::<Vec<_>>();
        assert_eq!(created.len(), 1, "{flavor:?}");
        assert_eq!(created[0].body, format!("{MARKER}\n{first}"));
        assert_eq!(created[0].id, SEEDED + 1);

        let out = post(flavor, &forge, token, &dir.path().join("second.md"));
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success(),
            "{flavor:?}: {stdout}{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(stdout.starts_with("updated the birdhouse"), "{stdout}");
        let comments = forge.comments();
        assert_eq!(
            comments.len() as u64,
            SEEDED + 1,
            "{flavor:?}: nothing added"
        );
        let ours: Vec<&Comment> = comments.iter().filter(|c| c.id == SEEDED + 1).collect();
        assert_eq!(ours[0].body, format!("{MARKER}\n{second}"));
        assert!(
            comments
                .iter()
                .filter(|c| c.id <= SEEDED)
                .eq(seeded(flavor).iter()),
            "{flavor:?}: people's comments and system notes are untouched"
        );
        let calls: Vec<(String, u16)> = forge
            .calls()
            .into_iter()
            .map(|c| (c.method, c.status))
            .collect();
        let expected: Vec<(String, u16)> = [
            ("GET", 200),
            ("GET", 200),
            ("POST", 201),
            ("GET", 200),
            ("GET", 200),
            (edit, 200),
        ]
        .into_iter()
        .map(|(m, s)| (m.to_owned(), s))
        .collect();
        assert_eq!(calls, expected, "{flavor:?}: two pages, then one write");

        let wrong = post(
            flavor,
            &forge,
            "not-the-token",
            &dir.path().join("second.md"),
        );
        let stderr = String::from_utf8_lossy(&wrong.stderr);
        assert!(
            !wrong.status.success(),
            "{flavor:?}: a refused token fails the script"
        );
        assert!(stderr.contains("401"), "{flavor:?}: {stderr}");
        assert!(
            !stderr.contains("not-the-token"),
            "{flavor:?}: the token is never printed"
        );
    }
}
