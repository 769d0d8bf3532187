//! The first-run guide, `docs/getting-started.md`, run the way a reader runs it, against the lab.
//!
//! Every `sh` block of the guide runs, in order, in one bash session (`bash -euo pipefail`), as
//! in a reader's terminal: in a scratch directory, with the freshly built birdhouse first on
//! PATH, a HOME of its own (git's identity in `~/.gitconfig`), NetBird Cloud's address
//! (`https://api.netbird.io`) replaced by the lab front's, and the lab's MSP token typed at the
//! guide's `read` prompt (on stdin). An HTML comment right before a block marks the exceptions:
//!
//! - `<!-- test: skip (why) -->`: a step that needs the network or GitHub (installing, cloning,
//!   pushing, opening and merging the pull request); not run.
//! - `<!-- test: edit (…) -->`: the YAML the reader adds in an editor; the session's `$EDITOR`
//!   appends it to the file it is given.
//! - `<!-- test: self-hosted (…) -->`: the self-hosted section, run in a session of its own
//!   against the lab's MSP server (a plain NetBird server), with `https://netbird.example.com`
//!   replaced by its address and its owner's PAT typed at the prompt.
//!
//! Then the test checks what the reader would see: the tenant list, the exported files, the
//! empty first plan, the change in the plan and in the pull-request comment, the objects on the
//! live tenant after the apply (read from its own server, past birdhouse and the front), the
//! one-time secret only in its 0600 file, the empty last plan, and that each example output the
//! guide shows is what the commands printed (ids aside).
//!
//! What cannot run against the lab, and what stands in for it:
//! - The automation user and its first token are made in NetBird Cloud's dashboard (a real
//!   user's first token comes from its own login): the session is given the lab's MSP token.
//! - The token the guide makes with curl for the CI apply job is a real PAT, made through the
//!   front on the MSP's own server (as NetBird Cloud makes it in the MSP account); the test
//!   proves it by authenticating with it there. The rest of the guide cannot use it: the lab
//!   front accepts only its one MSP token, as it stands in for one automation user. The
//!   self-hosted section's tokens are used: its export and plan run with the tokens its curl
//!   calls made.
//! - The GitHub steps are skipped; the plan comment and the apply on merge run as the CLI
//!   commands the guide gives for them (`ci.rs` runs the workflows' own steps).
//!
//! Run with `cargo test --test integration getting_started -- --include-ignored`; `make test`
//! includes it.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::fs::File;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use birdhouse_lab::probe::Probe;
use birdhouse_lab::{Lab, LabOptions, ServerRecord, TenantSpec};
use serde_json::{Value, json};

use crate::e2e::write;
use crate::support::repo_root;

/// The guide, relative to the repository root.
const GUIDE: &str = "docs/getting-started.md";
/// NetBird Cloud's address in the guide; the reader's session gets the lab front's instead.
const CLOUD_URL: &str = "https://api.netbird.io";
/// The self-hosted server's address in the guide; the lab's MSP server's instead.
const SELF_HOSTED_URL: &str = "https://netbird.example.com";
/// The directory the guide makes and keeps the tenants repository in.
const REPO: &str = "netbird-tenants";
/// What `ls tenants/` shows after the export.
const EXPORTED_FILES: [&str; 3] = [
    "acme-dental.yaml",
    "birdhouse.schema.json",
    "globex-logistics.yaml",
];
/// The tenant ids and the version in the guide's example outputs.
const SHOWN_ACME_ID: &str = "d2c8k0bl0ubs73c5c8pg";
const SHOWN_GLOBEX_ID: &str = "d2c8k1jl0ubs73c5c8q0";
const SHOWN_VERSION: &str = "birdhouse 0.1.0";
/// Printed before each block, on stdout and on stderr, so each block's output can be told apart.
const MARK: &str = "@@guide-block ";
/// How long one session may take: a dozen birdhouse runs against a local lab.
const DEADLINE: Duration = Duration::from_mins(10);
/// The reader's git identity.
const GITCONFIG: &str = concat!(
    "[user]\n\tname = MSP Engineer\n\temail = engineer@msp.example\n",
    "[init]\n\tdefaultBranch = main\n"
);

/// What the test does with a code block, as the comment before it says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Treatment {
    /// No comment: an `sh` block runs in the reader's session; any other block is only shown.
    Run,
    /// `skip (why)`: needs the network or GitHub.
    Skip,
    /// `edit`: the lines the reader's editor adds.
    Edit,
    /// `self-hosted`: runs in the self-hosted session.
    SelfHosted,
}

/// One fenced code block of the guide.
#[derive(Debug)]
struct Block {
    /// The line of its opening fence (1-based).
    line: usize,
    /// The fence's info string: `sh`, `yaml`, `text`, ….
    lang: String,
    /// What the test does with it.
    treatment: Treatment,
    /// Its lines, each ending in a newline.
    text: String,
}

/// The treatment a `<!-- test: … -->` comment at `line` asks for.
fn treatment_of(line: usize, comment: &str) -> Treatment {
    let named = |word: &str| comment == word || comment.starts_with(&format!("{word} ("));
    if comment.starts_with("skip (") && comment.ends_with(')') {
        Treatment::Skip
    } else if named("edit") {
        Treatment::Edit
    } else if named("self-hosted") {
        Treatment::SelfHosted
    } else {
        panic!(
            "{GUIDE}:{line}: unknown test comment {comment:?} (expected `skip (why)`, `edit` or \
             `self-hosted`)"
        )
    }
}

/// Every fenced code block of `markdown`, with the treatment its comment asks for.
fn blocks(markdown: &str) -> Vec<Block> {
    let mut found = Vec::new();
    let mut pending: Option<(usize, String)> = None;
    let mut lines = markdown.lines().enumerate().map(|(i, l)| (i + 1, l));
    while let Some((number, line)) = lines.next() {
        if let Some(rest) = line.strip_prefix("<!-- test:") {
            let Some(comment) = rest.strip_suffix("-->") else {
                panic!("{GUIDE}:{number}: a test comment ends with `-->` on its own line");
            };
            assert!(
                pending.is_none(),
                "{GUIDE}:{number}: a second test comment for one block"
            );
            pending = Some((number, comment.trim().to_owned()));
            continue;
        }
        let ticks = line.len() - line.trim_start_matches('`').len();
        if ticks < 3 {
            assert!(
                !line.trim_start().starts_with("```"),
                "{GUIDE}:{number}: an indented code block; the test reads only fences that start \
                 their line"
            );
            assert!(
                line.trim().is_empty() || pending.is_none(),
                "{GUIDE}:{}: a test comment must come right before its code block",
                pending.as_ref().map_or(0, |(at, _)| *at)
            );
            continue;
        }
        let fence = &line[..ticks];
        let lang = line[ticks..].trim().to_owned();
        let mut text = String::new();
        let mut closed = false;
        for (_, inner) in lines.by_ref() {
            if inner.trim_end() == fence {
                closed = true;
                break;
            }
            text.push_str(inner);
            text.push('\n');
        }
        assert!(closed, "{GUIDE}:{number}: the code block is never closed");
        let treatment = pending
            .take()
            .map_or(Treatment::Run, |(at, comment)| treatment_of(at, &comment));
        found.push(Block {
            line: number,
            lang,
            treatment,
            text,
        });
    }
    assert!(
        pending.is_none(),
        "{GUIDE}: a test comment at the end, before no block"
    );
    found
}

/// The blocks as one bash script, `from` replaced by `to`, each block after a marker line.
fn script(blocks: &[&Block], from: &str, to: &str) -> String {
    let mut script = String::new();
    for (n, block) in blocks.iter().enumerate() {
        let _ = writeln!(
            script,
            "printf '\\n{MARK}%d@@\\n' {n}; printf '\\n{MARK}%d@@\\n' {n} >&2"
        );
        script.push_str(&block.text.replace(from, to));
    }
    script
}

/// The index, among `blocks`, of the `nth` block (from 0) that has a line reading `command`.
fn nth_with(blocks: &[&Block], command: &str, nth: usize) -> usize {
    blocks
        .iter()
        .enumerate()
        .filter(|(_, block)| block.text.lines().any(|line| line.trim() == command))
        .map(|(index, _)| index)
        .nth(nth)
        .unwrap_or_else(|| panic!("{GUIDE} has no block {} that runs `{command}`", nth + 1))
}

/// The guide's example blocks of `lang` that start with `start`.
fn shown_all<'a>(blocks: &'a [Block], lang: &str, start: &str) -> Vec<&'a str> {
    blocks
        .iter()
        .filter(|block| block.lang == lang && block.text.starts_with(start))
        .map(|block| block.text.as_str())
        .collect()
}

/// The one example block of `lang` that starts with `start`.
fn shown<'a>(blocks: &'a [Block], lang: &str, start: &str) -> &'a str {
    let found = shown_all(blocks, lang, start);
    let [text] = found.as_slice() else {
        panic!(
            "{GUIDE}: expected one `{lang}` block starting with {start:?}, found {}",
            found.len()
        );
    };
    text
}

/// What one bash session printed and how it ended.
struct Session {
    code: i32,
    stdout: String,
    stderr: String,
}

impl Session {
    /// What block `n` of the session printed on stdout.
    fn stdout(&self, n: usize) -> String {
        section(&self.stdout, n)
    }

    /// What block `n` of the session printed on stderr.
    fn stderr(&self, n: usize) -> String {
        section(&self.stderr, n)
    }
}

/// The part of `text` between the marker of block `n` and the next marker.
fn section(text: &str, n: usize) -> String {
    let start = format!("\n{MARK}{n}@@\n");
    let Some(at) = text.find(&start) else {
        return String::new();
    };
    let rest = &text[at + start.len()..];
    let end = rest.find(&format!("\n{MARK}")).unwrap_or(rest.len());
    rest[..end].to_owned()
}

/// Runs `script` under `bash -euo pipefail` in `dir` with exactly `env`, `typed` on stdin,
/// stdout and stderr to files in `scratch` (a chatty command cannot block on a full pipe).
fn run_session(
    name: &str,
    script: &str,
    dir: &Path,
    env: &BTreeMap<String, String>,
    typed: &str,
    scratch: &Path,
) -> Session {
    let file = |ext: &str| scratch.join(format!("{name}.{ext}"));
    std::fs::write(file("sh"), script).expect("write the session's script");
    std::fs::write(file("stdin"), typed).expect("write what the session is typed");
    let mut child = Command::new("bash")
        .args(["-euo", "pipefail"])
        .arg(file("sh"))
        .current_dir(dir)
        .env_clear()
        .envs(env)
        .stdin(File::open(file("stdin")).expect("open the session's stdin"))
        .stdout(File::create(file("stdout")).expect("create the session's stdout"))
        .stderr(File::create(file("stderr")).expect("create the session's stderr"))
        .spawn()
        .expect("start bash");
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait for bash") {
            break status;
        }
        if started.elapsed() > DEADLINE {
            let _ = child.kill();
            panic!("the {name} session ran longer than {DEADLINE:?}");
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    let read = |ext: &str| std::fs::read_to_string(file(ext)).expect("the session's output");
    Session {
        code: status.code().unwrap_or(-1),
        stdout: read("stdout"),
        stderr: read("stderr"),
    }
}

/// Fails, naming the block that failed and showing what the session printed (secrets hidden),
/// unless the session ran to its end.
fn assert_succeeded(name: &str, session: &Session, blocks: &[&Block], hide: &[&str]) {
    let last = (0..blocks.len())
        .rev()
        .find(|n| session.stdout.contains(&format!("\n{MARK}{n}@@\n")));
    let line = last.map_or(0, |n| blocks[n].line);
    let redact = |text: &str| {
        hide.iter()
            .filter(|secret| !secret.is_empty())
            .fold(text.to_owned(), |acc, secret| {
                acc.replace(secret, "<secret>")
            })
    };
    assert_eq!(
        session.code,
        0,
        "the {name} session failed in the block at {GUIDE}:{line}\nstdout:\n{}\nstderr:\n{}",
        redact(&session.stdout),
        redact(&session.stderr)
    );
}

/// Permission bits of `path`.
fn mode(path: &Path) -> u32 {
    std::fs::metadata(path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .permissions()
        .mode()
        & 0o777
}

/// Lines as their words, so tables compare whatever their column widths.
fn words(text: &str) -> Vec<String> {
    text.lines()
        .map(|line| line.split_whitespace().collect::<Vec<_>>().join(" "))
        .collect()
}

/// Fails unless `text` contains `expected`, showing both.
fn assert_has(text: &str, expected: &str) {
    assert!(text.contains(expected), "missing {expected:?} in:\n{text}");
}

/// `GET path` on `server` itself, past birdhouse and the front: a list.
fn list(server: &ServerRecord, path: &str) -> Vec<Value> {
    Probe::new(server)
        .get_blocking(path)
        .unwrap_or_else(|e| panic!("GET {path} on {}: {e:#}", server.name))
        .as_array()
        .cloned()
        .unwrap_or_else(|| panic!("GET {path} on {} is not a list", server.name))
}

/// The object of `objects` named `name`.
fn named(objects: &[Value], name: &str) -> Option<Value> {
    objects.iter().find(|o| o["name"] == name).cloned()
}

/// Fails unless `users` holds a service user `name` with the role `role`.
fn assert_service_user(users: &[Value], name: &str, role: &str) {
    let user = named(users, name).unwrap_or_else(|| panic!("no user {name}: {users:?}"));
    assert_eq!(user["is_service_user"], json!(true), "{user}");
    assert_eq!(user["role"], role, "{user}");
}

/// The lab the guide's examples name: Acme Dental and Globex Logistics.
fn guide_lab() -> Lab {
    let spec = |name: &str, domain: &str| TenantSpec {
        name: name.to_owned(),
        domain: domain.to_owned(),
    };
    Lab::start(LabOptions {
        tenants: vec![
            spec("Acme Dental", "acme-dental.example"),
            spec("Globex Logistics", "globex-logistics.example"),
        ],
        spares: 0,
        ..LabOptions::default()
    })
    .expect("the lab starts")
}

#[test]
#[ignore = "needs NetBird lab"]
fn the_getting_started_guide_runs_as_written() {
    let guide = std::fs::read_to_string(repo_root().join(GUIDE)).expect("read the guide");
    let blocks = blocks(&guide);
    for block in &blocks {
        assert!(
            !["bash", "shell", "console"].contains(&block.lang.as_str()),
            "{GUIDE}:{}: commands go in `sh` blocks, the ones the test runs",
            block.line
        );
        let expected = match block.treatment {
            Treatment::Run => continue,
            Treatment::Skip | Treatment::SelfHosted => "sh",
            Treatment::Edit => "yaml",
        };
        assert_eq!(
            block.lang, expected,
            "{GUIDE}:{}: a block so marked is a `{expected}` block",
            block.line
        );
    }
    let reader: Vec<&Block> = blocks
        .iter()
        .filter(|b| b.lang == "sh" && b.treatment == Treatment::Run)
        .collect();
    let hosted: Vec<&Block> = blocks
        .iter()
        .filter(|b| b.treatment == Treatment::SelfHosted)
        .collect();
    let edit_blocks: Vec<&Block> = blocks
        .iter()
        .filter(|b| b.treatment == Treatment::Edit)
        .collect();
    let [edit] = edit_blocks.as_slice() else {
        panic!(
            "{GUIDE}: expected one `<!-- test: edit -->` block, found {}",
            edit_blocks.len()
        );
    };
    assert!(
        reader.iter().any(|b| b.text.contains(CLOUD_URL)),
        "{GUIDE}: no block the test runs names {CLOUD_URL}, which it points at the lab"
    );
    assert!(
        hosted.iter().any(|b| b.text.contains(SELF_HOSTED_URL)),
        "{GUIDE}: no self-hosted block names {SELF_HOSTED_URL}, which the test points at the lab"
    );

    // The lab, with a little in each tenant, as a dashboard user left it.
    let lab = guide_lab();
    let acme = lab.tenant("Acme Dental").expect("Acme Dental");
    let globex = lab.tenant("Globex Logistics").expect("Globex Logistics");
    let msp = lab.msp().clone();
    write(
        &acme,
        "POST",
        "/api/users",
        &json!({"email": "dr.chen@acme-dental.example", "name": "Dr Chen", "role": "admin",
                "auto_groups": [], "is_service_user": false}),
    );
    write(&globex, "POST", "/api/groups", &json!({"name": "drivers"}));

    // The reader's machine: birdhouse and an editor on PATH, a HOME, a place to work.
    let root = tempfile::tempdir().expect("temp dir");
    let dir = |name: &str| {
        let path = root.path().join(name);
        std::fs::create_dir_all(&path).expect("create a scratch directory");
        path
    };
    let bin = dir("bin");
    let scratch = dir("scratch");
    let home = dir("home");
    let work = dir("work");
    std::os::unix::fs::symlink(
        assert_cmd::cargo::cargo_bin!("birdhouse"),
        bin.join("birdhouse"),
    )
    .expect("put birdhouse on PATH");
    let edit_file = scratch.join("edit.yaml");
    std::fs::write(&edit_file, &edit.text).expect("write the guide's edit");
    let editor = bin.join("guide-editor");
    std::fs::write(
        &editor,
        format!(
            "#!/usr/bin/env bash\n# The reader's edit: the guide's lines, added at the end of the \
             file.\nset -euo pipefail\ncat '{}' >>\"$1\"\n",
            edit_file.display()
        ),
    )
    .expect("write the editor");
    std::fs::set_permissions(&editor, std::fs::Permissions::from_mode(0o755))
        .expect("make the editor executable");
    std::fs::write(home.join(".gitconfig"), GITCONFIG).expect("write ~/.gitconfig");
    // The guide's (skipped) `git clone … ~/birdhouse`: this checkout stands in for it.
    std::os::unix::fs::symlink(repo_root(), home.join("birdhouse")).expect("link ~/birdhouse");
    let path = format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let env_with_home = |home: &Path| {
        BTreeMap::from([
            ("PATH".to_owned(), path.clone()),
            ("HOME".to_owned(), home.display().to_string()),
            ("EDITOR".to_owned(), editor.display().to_string()),
            ("GIT_CONFIG_NOSYSTEM".to_owned(), "1".to_owned()),
        ])
    };

    // The reader's session, from `birdhouse --version` to the last plan.
    let token = lab.token().expose().to_owned();
    let reader_script = script(&reader, CLOUD_URL, lab.base_url());
    assert!(
        !reader_script.contains("https://"),
        "a block the test runs would reach the network:\n{reader_script}"
    );
    let session = run_session(
        "reader",
        &reader_script,
        &work,
        &env_with_home(&home),
        &format!("{token}\n"),
        &scratch,
    );
    assert_succeeded("reader", &session, &reader, &[token.as_str()]);
    let out = |command: &str, nth: usize| session.stdout(nth_with(&reader, command, nth));
    let err = |command: &str, nth: usize| session.stderr(nth_with(&reader, command, nth));
    let repo = work.join(REPO);

    let version = out("birdhouse --version", 0);
    assert!(
        version.starts_with(&format!("birdhouse {} ", env!("CARGO_PKG_VERSION"))),
        "{version}"
    );

    // `birdhouse tenants` lists the lab's tenants.
    let listed = out("birdhouse tenants", 0);
    assert!(listed.starts_with("ID "), "{listed}");
    for tenant in [&acme, &globex] {
        let row = listed
            .lines()
            .find(|line| line.starts_with(&tenant.account_id))
            .unwrap_or_else(|| panic!("{} is not listed:\n{listed}", tenant.name));
        assert_has(row, &tenant.name);
        assert_has(row, &tenant.domain);
        assert!(row.ends_with(" active"), "{row}");
    }

    // The export: one file per tenant, what was there, planned right away: no changes.
    assert_has(
        &err("birdhouse export -o tenants/", 0),
        "exported 2 tenants to tenants/",
    );
    let listing = out("ls tenants/", 0);
    let listed_files: Vec<&str> = listing.split_whitespace().collect();
    assert_eq!(listed_files, EXPORTED_FILES);
    let acme_file = std::fs::read_to_string(repo.join("tenants/acme-dental.yaml"))
        .expect("export wrote tenants/acme-dental.yaml");
    assert_has(&acme_file, &format!("id: {}", acme.account_id));
    assert_has(&acme_file, "domain: acme-dental.example");
    assert_has(&acme_file, "email: dr.chen@acme-dental.example");
    assert_has(&acme_file, "- name: backup-servers");
    let globex_file = std::fs::read_to_string(repo.join("tenants/globex-logistics.yaml"))
        .expect("export wrote tenants/globex-logistics.yaml");
    assert_has(&globex_file, "- name: drivers");
    let first_plan = out("birdhouse plan -f tenants/", 0);
    assert!(first_plan.starts_with("No changes"), "{first_plan}");

    // The edit: valid, and planned as two creates in Acme Dental, Globex unchanged.
    let validated = err("birdhouse validate -f tenants/", 0);
    assert_has(&validated, "valid: 2 files, 2 tenants");
    let change = out("birdhouse plan -f tenants/", 1);
    assert_has(&change, "  + group backup-servers\n");
    assert_has(
        &change,
        "  + setup key backup-servers: reusable, expires in 30d, auto_groups [backup-servers]\n",
    );
    assert_has(&change, "No changes in 1 tenant: Globex Logistics.");

    // The pull-request comment: Markdown, only the tenant the branch changed.
    let comment = out(
        "birdhouse plan -f tenants/ --changed-since main --format markdown",
        0,
    );
    assert!(comment.starts_with("## birdhouse plan\n"), "{comment}");
    assert_has(&comment, "+ group backup-servers\n");
    assert!(!comment.contains("Globex"), "{comment}");

    // The apply on merge: the objects are on the live tenant, read from its own server.
    let applied = err(
        "birdhouse apply -f tenants/ --yes --secrets-out ~/birdhouse-secrets.jsonl",
        0,
    );
    assert_has(&applied, "Acme Dental: + group backup-servers");
    assert_has(&applied, "Acme Dental: 2 changes made");
    let acme_groups = list(&acme, "/api/groups");
    let backup_group = named(&acme_groups, "backup-servers").expect("group backup-servers");
    let acme_keys = list(&acme, "/api/setup-keys");
    let backup_key = named(&acme_keys, "backup-servers").expect("setup key backup-servers");
    let wanted_groups = json!([backup_group["id"]]);
    assert_eq!(backup_key["type"], "reusable", "{backup_key}");
    assert_eq!(backup_key["auto_groups"], wanted_groups, "{backup_key}");
    assert!(
        named(&list(&globex, "/api/groups"), "backup-servers").is_none(),
        "Globex Logistics got Acme Dental's group"
    );
    let secrets_path = home.join("birdhouse-secrets.jsonl");
    let secret_lines: Vec<Value> = std::fs::read_to_string(&secrets_path)
        .expect("read the secrets file")
        .lines()
        .map(|line| serde_json::from_str(line).expect("a JSON line"))
        .collect();
    assert_eq!(mode(&secrets_path), 0o600);
    let [secret_line] = secret_lines.as_slice() else {
        panic!("one secret expected, {} written", secret_lines.len());
    };
    assert_eq!(secret_line["kind"], "setup_key");
    assert_eq!(secret_line["name"], "backup-servers");
    let key_secret = secret_line["secret"].as_str().expect("key").to_owned();

    // The last plan: nothing left (`--detailed-exitcode` exited 0, or the session had stopped).
    let last_plan = out("birdhouse plan -f tenants/ --detailed-exitcode", 0);
    assert!(last_plan.starts_with("No changes"), "{last_plan}");

    // The CI apply token the guide made with curl: a real PAT of the same user as the token the
    // session was given (on the lab, the MSP server's owner, where the front sends the call).
    let ci_token_path = home.join("birdhouse-apply.token");
    let ci_token = std::fs::read_to_string(&ci_token_path)
        .expect("read the CI token")
        .trim()
        .to_owned();
    assert_eq!(mode(&ci_token_path), 0o600);
    assert!(ci_token.starts_with("nbp_"), "the CI token is not a PAT");
    assert!(ci_token != token, "the CI token is the session's own");
    let mut as_ci = msp.clone();
    as_ci.pat.clone_from(&ci_token);
    let ci_user = Probe::new(&as_ci)
        .get_blocking("/api/users/current")
        .expect("the CI token authenticates on the MSP's own server");
    let owner = Probe::new(&msp)
        .get_blocking("/api/users/current")
        .expect("the MSP server's owner");
    assert_eq!(ci_user["id"], owner["id"]);

    // The repository: three commits on main, the tenants and the workflows in them, nothing
    // left uncommitted.
    let git = |args: &[&str]| {
        let output = Command::new("git")
            .args(args)
            .current_dir(repo.as_path())
            .env("HOME", home.as_os_str())
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .output()
            .expect("run git");
        assert!(
            output.status.success(),
            "git {args:?}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8_lossy(&output.stdout).into_owned()
    };
    assert_eq!(git(&["branch", "--show-current"]).trim(), "main");
    assert_eq!(git(&["rev-list", "--count", "main"]).trim(), "3");
    assert_eq!(git(&["status", "--porcelain"]), "");
    let tracked = git(&["ls-files"]);
    assert_has(&tracked, ".github/scripts/pr-comment.sh\n");
    assert_has(&tracked, ".github/workflows/birdhouse-apply.yml\n");
    assert_has(&tracked, ".github/workflows/birdhouse-plan.yml\n");
    assert_has(&tracked, "tenants/acme-dental.yaml\n");
    assert_has(&tracked, "tenants/globex-logistics.yaml\n");

    // No secret was printed: not the token typed, not the one made, not the new key.
    for secret in [token.as_str(), ci_token.as_str(), key_secret.as_str()] {
        assert!(
            !session.stdout.contains(secret) && !session.stderr.contains(secret),
            "a secret was printed"
        );
    }

    // The self-hosted section, in a session of its own against a plain NetBird server.
    let hosted_home = dir("home-self-hosted");
    let hosted_work = dir("work-self-hosted");
    let hosted_script = script(&hosted, SELF_HOSTED_URL, &msp.url);
    assert!(
        !hosted_script.contains("https://"),
        "a self-hosted block would reach the network:\n{hosted_script}"
    );
    let hosted_session = run_session(
        "self-hosted",
        &hosted_script,
        &hosted_work,
        &env_with_home(&hosted_home),
        &format!("{}\n", msp.pat),
        &scratch,
    );
    assert_succeeded(
        "self-hosted",
        &hosted_session,
        &hosted,
        &[msp.pat.as_str(), token.as_str()],
    );
    let msp_users = list(&msp, "/api/users");
    assert_service_user(&msp_users, "birdhouse-apply", "admin");
    assert_service_user(&msp_users, "birdhouse-plan", "auditor");
    let mut hosted_secrets = vec![msp.pat.clone()];
    for file in ["birdhouse-apply.token", "birdhouse-plan.token"] {
        let token_path = hosted_home.join(file);
        let made = std::fs::read_to_string(&token_path)
            .expect("read a self-hosted token")
            .trim()
            .to_owned();
        assert_eq!(mode(&token_path), 0o600, "{file}");
        assert!(made.starts_with("nbp_"), "{file} is not a PAT");
        hosted_secrets.push(made);
    }
    let own_files: Vec<String> = std::fs::read_dir(hosted_work.join(REPO).join("tenants"))
        .expect("the self-hosted export")
        .map(|entry| entry.expect("a directory entry").path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "yaml"))
        .map(|path| std::fs::read_to_string(path).expect("read the exported file"))
        .collect();
    let [own_file] = own_files.as_slice() else {
        panic!("one exported file expected, found {}", own_files.len());
    };
    assert_has(own_file, "self: true");
    assert_has(own_file, &format!("id: {}", msp.account_id));
    assert_has(own_file, "service: birdhouse-plan");
    let export_block = nth_with(&hosted, "birdhouse export --self -o tenants/", 0);
    let own_plan = hosted_session.stdout(export_block);
    assert!(own_plan.starts_with("No changes"), "{own_plan}");
    for secret in &hosted_secrets {
        assert!(
            !hosted_session.stdout.contains(secret) && !hosted_session.stderr.contains(secret),
            "a self-hosted secret was printed"
        );
    }

    // Last, the guide's example outputs are what the commands printed (ids and version aside).
    let version_now = format!("birdhouse {}", env!("CARGO_PKG_VERSION"));
    let example = |lang: &str, start: &str| {
        shown(&blocks, lang, start)
            .replace(SHOWN_ACME_ID, &acme.account_id)
            .replace(SHOWN_GLOBEX_ID, &globex.account_id)
            .replace(SHOWN_VERSION, &version_now)
    };
    assert_eq!(version, example("text", "birdhouse "), "--version");
    let shown_list = words(&example("text", "ID "));
    assert_eq!(words(&listed), shown_list, "the tenant list");
    let shown_file = example("yaml", "# yaml-language-server") + &edit.text;
    assert_eq!(
        acme_file, shown_file,
        "tenants/acme-dental.yaml: the export the guide shows, then the guide's edit"
    );
    for empty in shown_all(&blocks, "text", "No changes.") {
        assert_eq!(first_plan, empty, "the first plan");
        assert_eq!(last_plan, empty, "the last plan");
    }
    let shown_valid = example("text", "tenants/ valid:");
    assert_eq!(validated, shown_valid, "validate's line");
    assert_has(&change, &example("text", "Tenant Acme Dental"));
    let shown_comment = example("markdown", "## birdhouse plan");
    let (head, tail) = shown_comment
        .split_once("\n…\n")
        .expect("the guide's comment elides its middle with a line `…`");
    assert!(
        comment.starts_with(head),
        "the comment does not start as the guide shows:\n{head}\ncomment:\n{comment}"
    );
    assert_has(&comment, tail.trim_start());
}
