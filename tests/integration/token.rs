//! The run's token on real NetBird servers: a plan warns when the token in use expires within
//! two weeks (and the Markdown plan notes it), and `token rotate` replaces the token: the new
//! one is proven and written to a new 0600 file before the old one stops working, and neither
//! is ever printed. Run against a tenant's own server (a plain NetBird server, its owner's
//! PAT), not through the MSP front, whose token is the lab's own.

use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::time::Duration;

use birdhouse_lab::{Lab, LabOptions, ServerRecord};
use serde_json::{Value, json};

use crate::support::Output;

fn run(server: &ServerRecord, token: &str, dir: &Path, args: &[&str]) -> Output {
    let output = assert_cmd::Command::cargo_bin("birdhouse")
        .unwrap()
        .current_dir(dir)
        .args(args)
        .env_remove("NETBIRD_HOST")
        .env("NETBIRD_API_URL", &server.url)
        .env("NETBIRD_API_TOKEN", token)
        .timeout(Duration::from_mins(2))
        .output()
        .unwrap();
    Output {
        code: output.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

/// `GET path` with `token`: the status and the body.
fn get(server: &ServerRecord, token: &str, path: &str) -> (u16, Value) {
    let mut record = server.clone();
    token.clone_into(&mut record.pat);
    std::thread::scope(|scope| {
        scope
            .spawn(|| {
                tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .unwrap()
                    .block_on(birdhouse_lab::probe::Probe::new(&record).get_raw(path))
                    .unwrap()
            })
            .join()
            .unwrap()
    })
}

fn owner_id(server: &ServerRecord) -> String {
    get(server, &server.pat, "/api/users/current").1["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

/// A token of the owner made by a raw call, the way the dashboard makes one.
fn token_expiring_in(server: &ServerRecord, days: u32, name: &str) -> String {
    let owner = owner_id(server);
    let made = crate::e2e::write(
        server,
        "POST",
        &format!("/api/users/{owner}/tokens"),
        &json!({"name": name, "expires_in": days}),
    );
    made["plain_token"].as_str().unwrap().to_owned()
}

fn assert_no_secret(out: &Output, secrets: &[&str]) {
    for secret in secrets {
        assert!(
            !out.stdout.contains(secret) && !out.stderr.contains(secret),
            "a token was printed:\n{}\n{}",
            out.stdout,
            out.stderr
        );
    }
}

#[test]
#[ignore = "needs NetBird lab"]
fn a_token_expiring_soon_is_warned_about_and_rotation_replaces_it_without_printing_it() {
    let lab = Lab::start(LabOptions {
        spares: 0,
        ..LabOptions::with_tenants(1)
    })
    .expect("the lab starts");
    let server = lab.tenant("tenant-1").unwrap();
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    std::fs::write(
        root.join("own.yaml"),
        "version: 1\ntenants:\n  - name: own\n    self: true\n    groups: [{name: ops}]\n",
    )
    .unwrap();

    // The lab's own token lives a year: no warning.
    let out = run(&server, &server.pat, root, &["plan", "-f", "own.yaml"]);
    assert_eq!(out.code, 0, "{}\n{}", out.stdout, out.stderr);
    assert!(!out.stderr.contains("expires"), "{}", out.stderr);

    // A token made for a week is warned about, on stderr and in the Markdown plan.
    let short = token_expiring_in(&server, 7, "ci-short");
    // The owner's other token was used a moment ago (to make this one): two uses this close
    // cannot tell which token a run carries, so birdhouse would rightly say nothing.
    std::thread::sleep(Duration::from_millis(2500));
    let out = run(&server, &short, root, &["plan", "-f", "own.yaml"]);
    assert_eq!(out.code, 0, "{}\n{}", out.stdout, out.stderr);
    assert!(
        out.stderr
            .contains("warning: the API token \"ci-short\" of user")
            && out.stderr.contains("expires in 6 days"),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr.contains("birdhouse token rotate"),
        "{}",
        out.stderr
    );
    let markdown = run(
        &server,
        &short,
        root,
        &["plan", "-f", "own.yaml", "--format", "markdown"],
    );
    assert!(
        markdown
            .stdout
            .contains("> **Note:** The API token \"ci-short\" expires in 6 days"),
        "{}",
        markdown.stdout
    );
    assert_no_secret(&markdown, &[&short]);

    // Rotation: a new token, proven and written, then the old one deleted.
    let out = run(
        &server,
        &short,
        root,
        &[
            "token",
            "rotate",
            "--user",
            "current",
            "--expires-in",
            "30d",
            "--out",
            "new.pat",
            "--name",
            "ci-rotated",
        ],
    );
    assert_eq!(out.code, 0, "{}\n{}", out.stdout, out.stderr);
    let file = root.join("new.pat");
    let mode = std::fs::metadata(&file).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);
    let new = std::fs::read_to_string(&file).unwrap().trim().to_owned();
    assert!(new.starts_with("nbp_"), "the file holds no PAT");
    assert_no_secret(&out, &[&short, &new]);
    assert!(
        out.stderr.contains("created token \"ci-rotated\""),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr.contains("deleted the old token \"ci-short\""),
        "{}",
        out.stderr
    );
    assert_eq!(
        get(&server, &new, "/api/users/current").0,
        200,
        "the new token works"
    );
    let (status, body) = get(&server, &short, "/api/users/current");
    assert_ne!(status, 200, "the old token still works: {body}");
    let owner = owner_id(&server);
    let tokens = get(&server, &server.pat, &format!("/api/users/{owner}/tokens")).1;
    let rotated = tokens
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["name"] == "ci-rotated")
        .unwrap_or_else(|| panic!("{tokens}"));
    let expires =
        humantime::parse_rfc3339_weak(rotated["expiration_date"].as_str().unwrap()).unwrap();
    let days = expires
        .duration_since(std::time::SystemTime::now())
        .unwrap()
        .as_secs()
        / 86_400;
    assert_eq!(days, 29, "30 days from now, rounded down: {rotated}");

    // The file must be new: nothing is created when it exists.
    let count = || {
        get(&server, &server.pat, &format!("/api/users/{owner}/tokens"))
            .1
            .as_array()
            .unwrap()
            .len()
    };
    let before = count();
    let out = run(
        &server,
        &new,
        root,
        &["token", "rotate", "--expires-in", "30d", "--out", "new.pat"],
    );
    assert_eq!(out.code, 64, "{}", out.stderr);
    assert!(
        out.stderr.contains("--out new.pat already exists"),
        "{}",
        out.stderr
    );
    assert_eq!(count(), before, "a refused rotation creates no token");

    // --keep-old: both work afterwards.
    let out = run(
        &server,
        &new,
        root,
        &[
            "token",
            "rotate",
            "--expires-in",
            "90d",
            "--out",
            "newer.pat",
            "--keep-old",
        ],
    );
    assert_eq!(out.code, 0, "{}\n{}", out.stdout, out.stderr);
    let newer = std::fs::read_to_string(root.join("newer.pat"))
        .unwrap()
        .trim()
        .to_owned();
    assert_no_secret(&out, &[&new, &newer]);
    assert!(out.stderr.contains("kept the old token"), "{}", out.stderr);
    assert_eq!(get(&server, &new, "/api/users/current").0, 200);
    assert_eq!(get(&server, &newer, "/api/users/current").0, 200);
    assert_eq!(count(), before + 1);

    // A service user's token, rotated with the owner's token: NetBird lets no service user
    // read its own user, so the new token is proven by reading its account.
    let service = crate::e2e::write(
        &server,
        "POST",
        "/api/users",
        &json!({"name": "ci-bot", "role": "admin", "is_service_user": true, "auto_groups": []}),
    );
    let service_id = service["id"].as_str().unwrap().to_owned();
    let bot_old = crate::e2e::write(
        &server,
        "POST",
        &format!("/api/users/{service_id}/tokens"),
        &json!({"name": "bot-old", "expires_in": 30}),
    )["plain_token"]
        .as_str()
        .unwrap()
        .to_owned();
    let out = run(
        &server,
        &server.pat,
        root,
        &["token", "rotate", "--user", &service_id, "--out", "bot.pat"],
    );
    assert_eq!(out.code, 0, "{}\n{}", out.stdout, out.stderr);
    let bot_new = std::fs::read_to_string(root.join("bot.pat"))
        .unwrap()
        .trim()
        .to_owned();
    assert_no_secret(&out, &[&bot_old, &bot_new]);
    assert!(
        out.stderr.contains("deleted the old token \"bot-old\""),
        "{}",
        out.stderr
    );
    assert_eq!(
        get(&server, &bot_new, "/api/groups").0,
        200,
        "the bot's new token works"
    );
    assert_ne!(
        get(&server, &bot_old, "/api/groups").0,
        200,
        "its old one does not"
    );
    // With the bot's own token, `--user current` cannot work: it says what to do instead.
    let out = run(
        &server,
        &bot_new,
        root,
        &["token", "rotate", "--out", "bot2.pat"],
    );
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert!(
        out.stderr.contains("--user <the service user's id>"),
        "{}",
        out.stderr
    );
    assert!(!root.join("bot2.pat").exists());
}
