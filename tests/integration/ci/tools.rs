//! The tools a CI job finds on its PATH in the tests: the freshly built birdhouse and a Vault
//! CLI stand-in that records what it was handed, so the tests can check that every one-time
//! secret reached the store on stdin while its file was mode 0600.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use birdhouse_lab::Lab;

/// Where the test keeps its tools (birdhouse, the Vault stand-in) and what they recorded.
pub(super) struct Tools {
    pub(super) dir: tempfile::TempDir,
}

/// A stand-in for the Vault CLI: records its arguments, the value it got on stdin, and the
/// mode of every birdhouse secrets file it can see at that moment, one directory per call.
pub(super) const VAULT_STUB: &str = r#"#!/usr/bin/env bash
set -euo pipefail
n=$(find "$STUB_LOG_DIR" -mindepth 1 -maxdepth 1 -name 'call-*' | wc -l)
call="$STUB_LOG_DIR/call-$(printf %03d "$n")"
mkdir "$call"
printf '%s\n' "$@" >"$call/args"
cat >"$call/stdin"
find "$STUB_SECRETS_DIR" -name birdhouse-secrets.jsonl -exec stat -c %a {} + >"$call/modes"
"#;

/// One call of the Vault stand-in.
#[derive(Debug)]
pub(super) struct VaultCall {
    pub(super) args: Vec<String>,
    pub(super) secret: String,
    pub(super) modes: Vec<String>,
}

impl Tools {
    pub(super) fn new() -> Tools {
        let tools = Tools {
            dir: tempfile::tempdir().unwrap(),
        };
        let bin = tools.bin();
        std::fs::create_dir_all(&bin).unwrap();
        std::fs::create_dir_all(tools.dir.path().join("vault-calls")).unwrap();
        std::os::unix::fs::symlink(
            assert_cmd::cargo::cargo_bin!("birdhouse"),
            bin.join("birdhouse"),
        )
        .unwrap();
        let vault = bin.join("vault");
        std::fs::write(&vault, VAULT_STUB).unwrap();
        std::fs::set_permissions(&vault, std::os::unix::fs::PermissionsExt::from_mode(0o755))
            .unwrap();
        tools
    }

    pub(super) fn bin(&self) -> PathBuf {
        self.dir.path().join("bin")
    }

    pub(super) fn scratch(&self, name: &str) -> PathBuf {
        let path = self.dir.path().join(name);
        std::fs::create_dir_all(&path).unwrap();
        path
    }

    pub(super) fn vault_calls(&self) -> Vec<VaultCall> {
        let mut dirs: Vec<PathBuf> = std::fs::read_dir(self.dir.path().join("vault-calls"))
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        dirs.sort();
        dirs.iter()
            .map(|d| {
                let read = |f: &str| std::fs::read_to_string(d.join(f)).unwrap();
                VaultCall {
                    args: read("args").lines().map(str::to_owned).collect(),
                    secret: read("stdin"),
                    modes: read("modes")
                        .split_whitespace()
                        .map(str::to_owned)
                        .collect(),
                }
            })
            .collect()
    }

    /// The environment a CI runner starts a job with: the tools first on PATH, the lab's
    /// URL (NetBird Cloud would need none), and what the Vault stand-in needs.
    pub(super) fn base_env(&self, lab: &Lab, secrets_dir: &Path) -> BTreeMap<String, String> {
        let path = format!(
            "{}:{}",
            self.bin().display(),
            std::env::var("PATH").unwrap_or_default()
        );
        BTreeMap::from([
            ("PATH".to_owned(), path),
            (
                "HOME".to_owned(),
                self.scratch("home").display().to_string(),
            ),
            ("CI".to_owned(), "true".to_owned()),
            ("NETBIRD_API_URL".to_owned(), lab.base_url().to_owned()),
            (
                "STUB_LOG_DIR".to_owned(),
                self.dir.path().join("vault-calls").display().to_string(),
            ),
            (
                "STUB_SECRETS_DIR".to_owned(),
                secrets_dir.display().to_string(),
            ),
        ])
    }
}
