//! Service users' tokens on a real NetBird server (the lab): made when missing, left alone
//! while fresh, and made anew (the old one deleted) once the live one expires within the
//! file's `rotate_before` window, with every new secret in the secrets file only.

use birdhouse_lab::probe::Probe;
use serde_json::{Value, json};

use crate::e2e::{assert_plans_empty, birdhouse, delete, find_by, kind_lab, live_list, write};

const FILES: &str = r"version: 1
tenants:
  - name: Acme Dental
    domain: acme-dental.example
    users:
      - service: backup-agent
        role: user
        token: {name: deploy, expires_in: 30d, rotate_before: 7d}
";

fn tokens(probe: &Probe, user_id: &str) -> Vec<Value> {
    live_list(probe, &format!("/api/users/{user_id}/tokens"))
}

fn secret_lines(dir: &std::path::Path) -> Vec<String> {
    std::fs::read_to_string(dir.join("secrets.jsonl"))
        .unwrap_or_default()
        .lines()
        .map(str::to_owned)
        .collect()
}

#[test]
#[ignore = "needs NetBird lab"]
fn a_token_is_made_kept_while_fresh_and_rotated_inside_its_window() {
    let (lab, server, probe, dir) = kind_lab(FILES);
    let run = |args: &[&str]| birdhouse(&lab, dir.path(), args);
    let apply = || {
        run(&[
            "apply",
            "-f",
            "tenants.yaml",
            "--yes",
            "--secrets-out",
            "secrets.jsonl",
        ])
    };

    let out = apply();
    assert_eq!(out.code, 0, "{}\n{}", out.stdout, out.stderr);
    let users = live_list(&probe, "/api/users");
    let user_id = find_by(&users, "name", "backup-agent")["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let made = tokens(&probe, &user_id);
    assert_eq!(made.len(), 1, "{made:?}");
    assert_eq!(secret_lines(dir.path()).len(), 1);
    assert_plans_empty(&lab, dir.path(), "tenants.yaml", "a fresh token is kept");

    // The token replaced behind birdhouse's back by one that expires tomorrow: inside the
    // window, so the plan makes a new one.
    let old_id = made[0]["id"].as_str().unwrap().to_owned();
    delete(&server, &format!("/api/users/{user_id}/tokens/{old_id}"));
    write(
        &server,
        "POST",
        &format!("/api/users/{user_id}/tokens"),
        &json!({"name": "deploy", "expires_in": 1}),
    );
    let out = run(&["plan", "-f", "tenants.yaml", "--detailed-exitcode"]);
    assert_eq!(out.code, 2, "{}\n{}", out.stdout, out.stderr);
    assert!(
        out.stdout.contains("~ service user backup-agent")
            && out
                .stdout
                .contains("within rotate_before: a new one replaces it"),
        "{}",
        out.stdout
    );
    let short_lived = tokens(&probe, &user_id)[0]["id"].clone();
    let out = apply();
    assert_eq!(out.code, 0, "{}\n{}", out.stdout, out.stderr);
    let now = tokens(&probe, &user_id);
    assert_eq!(now.len(), 1, "the old token is gone: {now:?}");
    assert_ne!(now[0]["id"], short_lived);
    assert_eq!(
        secret_lines(dir.path()).len(),
        2,
        "the new secret went to the file"
    );
    for line in secret_lines(dir.path()) {
        let secret = serde_json::from_str::<Value>(&line).unwrap();
        let text = secret.to_string();
        let token = text
            .split('"')
            .find(|part| part.starts_with("nbp_"))
            .expect("a token secret");
        assert!(!out.stdout.contains(token) && !out.stderr.contains(token));
    }
    assert_plans_empty(&lab, dir.path(), "tenants.yaml", "after the rotation");
}
