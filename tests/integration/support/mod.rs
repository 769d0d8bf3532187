//! A builder over assert_cmd: write YAML files into a temp dir, run `birdhouse`, assert the
//! exit code, stdout and stderr separately.

use std::path::{Path, PathBuf};

use assert_cmd::Command;

/// A scratch directory of desired-state files and a `birdhouse` command to run against it.
pub(crate) struct Test {
    dir: tempfile::TempDir,
    args: Vec<String>,
    env: Vec<(String, String)>,
}

/// What a run printed and how it ended.
pub(crate) struct Output {
    pub(crate) code: i32,
    pub(crate) stdout: String,
    pub(crate) stderr: String,
}

impl Test {
    pub(crate) fn new() -> Self {
        Self {
            dir: tempfile::tempdir().expect("temp dir"),
            args: Vec::new(),
            env: Vec::new(),
        }
    }

    /// Writes a file (relative to the scratch dir), creating parent directories.
    pub(crate) fn file(self, name: &str, text: &str) -> Self {
        let path = self.dir.path().join(name);
        std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
        std::fs::write(path, text).expect("write");
        self
    }

    /// Writes a file only its owner can read (mode 0600), as a secret should be kept.
    pub(crate) fn secret_file(self, name: &str, text: &str) -> Self {
        use std::os::unix::fs::PermissionsExt;
        let written = self.file(name, text);
        let path = written.dir.path().join(name);
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600)).expect("chmod");
        written
    }

    pub(crate) fn args(mut self, args: &[&str]) -> Self {
        self.args.extend(args.iter().map(|a| (*a).to_owned()));
        self
    }

    pub(crate) fn env(mut self, key: &str, value: &str) -> Self {
        self.env.push((key.to_owned(), value.to_owned()));
        self
    }

    pub(crate) fn path(&self) -> &Path {
        self.dir.path()
    }

    /// Runs `birdhouse` with the scratch dir as working directory.
    pub(crate) fn run(&self) -> Output {
        let mut command = Command::cargo_bin("birdhouse").expect("binary");
        command.current_dir(self.dir.path()).args(&self.args);
        command
            .env_remove("NETBIRD_API_TOKEN")
            .env_remove("NETBIRD_API_URL")
            .env_remove("NETBIRD_HOST")
            .env_remove("NETBIRD_CA_CERT");
        for (key, value) in &self.env {
            command.env(key, value);
        }
        let output = command
            .timeout(std::time::Duration::from_mins(1))
            .output()
            .expect("run birdhouse");
        Output {
            code: output.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        }
    }
}

/// The repository root, for examples and the checked-in schema.
pub(crate) fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A lab with what `examples/tenants/` expects the MSP to have, as `scripts/demo` starts it:
/// Acme Dental (with its two enrolled peers) and Globex Logistics; Initech (`create: true`)
/// is made from the lab's spare; Northwind (`self: true`) is the MSP's own server, which holds
/// the support group Acme Dental's `msp_access` names.
pub(crate) fn examples_lab() -> birdhouse_lab::Lab {
    let spec = |name: &str, domain: &str| birdhouse_lab::TenantSpec {
        name: name.to_owned(),
        domain: domain.to_owned(),
    };
    let peer = |hostname: &str| birdhouse_lab::PeerSpec {
        tenant: "Acme Dental".to_owned(),
        hostname: hostname.to_owned(),
    };
    birdhouse_lab::Lab::start(birdhouse_lab::LabOptions {
        tenants: vec![
            spec("Acme Dental", "acme-dental.example"),
            spec("Globex Logistics", "globex-logistics.example"),
        ],
        peers: vec![peer("imaging-gw"), peer("pms-01")],
        msp_groups: vec!["northwind-support".to_owned()],
        ..birdhouse_lab::LabOptions::default()
    })
    .expect("the lab starts (see lab.log for the server output)")
}

/// What a saved plan (its JSON) says its apply costs, as docs/plan-format.md defines it: the
/// `api_calls` of each tenant with changes, the token check's two calls when
/// `reads_own_all_group` and some tenant changes, and one read of the token's own account's
/// `All` group when one of them is an MSP tenant.
pub(crate) fn planned_calls(saved: &serde_json::Value) -> u64 {
    let changing: Vec<&serde_json::Value> = saved["tenants"]
        .as_array()
        .expect("a plan lists its tenants")
        .iter()
        .filter(|t| {
            t["create_tenant"] == true
                || t.get("msp_record").is_some()
                || t["changes"].as_array().is_some_and(|c| !c.is_empty())
        })
        .collect();
    // The own account's `All` group is read for a tenant whose identity its groups prove: not
    // the own account, and not one whose re-read asks for the account answer.
    let own_all = saved["reads_own_all_group"] == true
        && changing
            .iter()
            .any(|t| t["self_account"] != true && t["rereads_account"] != true);
    let token_check = if saved["reads_own_all_group"] == true && !changing.is_empty() {
        birdhouse::plan::TOKEN_CHECK_CALLS
    } else {
        0
    };
    u64::from(own_all)
        + token_check
        + changing
            .iter()
            .map(|t| t["api_calls"].as_u64().expect("api_calls"))
            .sum::<u64>()
}
