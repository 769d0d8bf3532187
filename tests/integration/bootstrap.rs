//! `birdhouse bootstrap` against fresh real NetBird servers (built and started by the lab).

use std::os::unix::fs::PermissionsExt;

use birdhouse_lab::instance::Instance;

use crate::support::Test;

/// A fresh server (no owner yet), stopped when dropped.
struct Fresh {
    instance: Option<Instance>,
    runtime: tokio::runtime::Runtime,
    _dir: tempfile::TempDir,
}

impl Fresh {
    fn start(setup_pat_enabled: bool) -> Self {
        let runtime = tokio::runtime::Runtime::new().unwrap();
        let binary = birdhouse_lab::server_binary::ensure_built(&|line| eprintln!("{line}"))
            .expect("the NetBird server builds");
        let dir = tempfile::tempdir().unwrap();
        let http = reqwest::Client::new();
        let instance = runtime
            .block_on(Instance::launch_fresh(
                &binary,
                dir.path().join("server"),
                &http,
                setup_pat_enabled,
            ))
            .expect("a fresh NetBird server starts");
        Self {
            instance: Some(instance),
            runtime,
            _dir: dir,
        }
    }

    fn url(&self) -> String {
        self.instance.as_ref().unwrap().record.url.clone()
    }
}

impl Drop for Fresh {
    fn drop(&mut self) {
        if let Some(instance) = self.instance.take() {
            let _ = self.runtime.block_on(instance.stop());
        }
    }
}

/// Runs bootstrap in the test's scratch dir; returns the test too, so the dir outlives the run.
fn bootstrap(test: Test, url: &str, pat_out: &str) -> (crate::support::Output, Test) {
    let test = test.args(&[
        "bootstrap",
        "--url",
        url,
        "--email",
        "owner@msp.example",
        "--name",
        "MSP Owner",
        "--password-file",
        "password.txt",
        "--pat-out",
        pat_out,
        "-vv",
    ]);
    (test.run(), test)
}

#[test]
#[ignore = "needs NetBird lab"]
fn bootstrap_writes_a_working_pat_to_a_0600_file_and_never_prints_it() {
    let server = Fresh::start(true);
    let (out, test) = bootstrap(
        Test::new().file("password.txt", "correct horse battery\n"),
        &server.url(),
        "pat.txt",
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    let pat_path = test.path().join("pat.txt");
    let mode = std::fs::metadata(&pat_path).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);
    let pat = std::fs::read_to_string(&pat_path)
        .unwrap()
        .trim()
        .to_owned();
    assert!(pat.starts_with("nbp_") && pat.len() == 40, "not a PAT");
    assert!(
        !out.stdout.contains(&pat) && !out.stderr.contains(&pat),
        "the PAT was printed"
    );
    assert!(
        out.stderr.contains("created owner owner@msp.example"),
        "{}",
        out.stderr
    );

    // The PAT works: the owner can list users.
    let users: serde_json::Value = server.runtime.block_on(async {
        reqwest::Client::new()
            .get(format!("{}/api/users", server.url()))
            .header("Authorization", format!("Token {pat}"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap()
    });
    assert_eq!(users[0]["email"], "owner@msp.example");

    // Setup is one-shot: a second run is refused with an explanation, and nothing is written.
    let (again, test) = bootstrap(
        Test::new().file("password.txt", "correct horse battery\n"),
        &server.url(),
        "pat.txt",
    );
    assert_eq!(again.code, 1);
    assert!(
        again
            .stderr
            .contains("setup was already done on this server"),
        "{}",
        again.stderr
    );
    assert!(!test.path().join("pat.txt").exists());
}

#[test]
#[ignore = "needs NetBird lab"]
fn bootstrap_explains_a_server_without_setup_pats() {
    let server = Fresh::start(false);
    let (out, test) = bootstrap(
        Test::new().file("password.txt", "correct horse battery\n"),
        &server.url(),
        "pat.txt",
    );
    assert_eq!(out.code, 1);
    assert!(
        out.stderr
            .contains("returned no PAT: it runs without NB_SETUP_PAT_ENABLED=true"),
        "{}",
        out.stderr
    );
    assert!(!test.path().join("pat.txt").exists());
}

/// `bootstrap` against an address nothing listens on, so any contact would fail loudly, with a
/// 0600 password file and `--pat-out pat.txt`.
fn offline_bootstrap(password: &str, extra: &[&str]) -> crate::support::Output {
    offline_bootstrap_in(
        Test::new().secret_file("password.txt", password),
        "pat.txt",
        extra,
    )
}

/// Bootstrap against nothing, in a prepared scratch dir holding password.txt.
fn offline_bootstrap_in(test: Test, pat_out: &str, extra: &[&str]) -> crate::support::Output {
    let mut args = vec![
        "bootstrap",
        "--url",
        "http://127.0.0.1:9",
        "--email",
        "a@b.example",
        "--name",
        "A",
        "--password-file",
        "password.txt",
        "--pat-out",
        pat_out,
    ];
    args.extend_from_slice(extra);
    test.args(&args).run()
}

#[test]
fn bootstrap_checks_its_inputs_before_contacting_anything() {
    let out = offline_bootstrap("short\n", &[]);
    assert_eq!(out.code, 64);
    assert_eq!(
        out.stderr,
        "error: the password in password.txt must be 8 to 72 bytes long\n"
    );
    let out = offline_bootstrap("long enough password\n", &["--pat-expire-in", "400"]);
    assert_eq!(out.code, 64);
    assert_eq!(
        out.stderr,
        "error: --pat-expire-in 400 is out of range (expected 1 to 365 days)\n"
    );
}

#[test]
fn a_pat_out_that_cannot_be_created_is_refused_before_contacting_anything() {
    let password = "long enough password\n";
    let out = offline_bootstrap_in(
        Test::new().secret_file("password.txt", password),
        "no-such-dir/pat.txt",
        &[],
    );
    assert_eq!(out.code, 64, "{}", out.stderr);
    assert_eq!(
        out.stderr,
        "error: --pat-out no-such-dir/pat.txt: the directory no-such-dir does not exist; create it first\n"
    );

    let taken = Test::new()
        .secret_file("password.txt", password)
        .file("pat.txt", "old\n");
    let out = offline_bootstrap_in(taken, "pat.txt", &[]);
    assert_eq!(out.code, 64, "{}", out.stderr);
    assert!(
        out.stderr.contains("--pat-out pat.txt already exists"),
        "{}",
        out.stderr
    );

    // A dangling symlink is refused too: following it would write the PAT somewhere else.
    let linked = Test::new().secret_file("password.txt", password);
    std::os::unix::fs::symlink("/tmp/elsewhere-pat", linked.path().join("link.txt")).unwrap();
    let out = offline_bootstrap_in(linked, "link.txt", &[]);
    assert_eq!(out.code, 64, "{}", out.stderr);
    assert!(
        out.stderr.contains("follows a symlink") || out.stderr.contains("follow a symlink"),
        "{}",
        out.stderr
    );
}

#[test]
fn a_password_file_others_can_read_gets_a_warning() {
    let out = offline_bootstrap_in(Test::new().file("password.txt", "short\n"), "pat.txt", &[]);
    assert_eq!(out.code, 64);
    assert!(
        out.stderr.starts_with(
            "warning: --password-file password.txt is readable by every user (mode 0644)"
        ),
        "{}",
        out.stderr
    );
}

#[test]
#[ignore = "needs NetBird lab"]
fn a_bad_pat_out_does_not_spend_the_one_time_setup() {
    let server = Fresh::start(true);
    let (out, _test) = bootstrap(
        Test::new().secret_file("password.txt", "correct horse battery\n"),
        &server.url(),
        "missing/pat.txt",
    );
    assert_eq!(out.code, 64, "{}", out.stderr);
    // The server is still fresh: a run with a good path creates the owner and its PAT.
    let (out, test) = bootstrap(
        Test::new().secret_file("password.txt", "correct horse battery\n"),
        &server.url(),
        "pat.txt",
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(test.path().join("pat.txt").exists());
}
