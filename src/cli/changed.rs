//! `--changed-since GIT_REF`: the tenants whose resolved definition differs from the one at
//! that git revision, so a baseline change selects every tenant that uses it and a comment
//! edit selects none.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, bail};

use crate::desired::DesiredTenant;

/// Names of the tenants (among `tenants`) whose definition changed since `reference`.
pub(crate) fn changed_tenants(
    path: &Path,
    reference: &str,
    tenants: &[DesiredTenant],
) -> anyhow::Result<BTreeSet<String>> {
    let before = definitions_at(path, reference)?;
    Ok(tenants
        .iter()
        .filter(|tenant| {
            before
                .iter()
                .find(|old| old.name == tenant.name)
                .is_none_or(|old| {
                    old.objects != tenant.objects
                        || old.target != tenant.target
                        || old.prune != tenant.prune
                        || old.create != tenant.create
                })
        })
        .map(|tenant| tenant.name.clone())
        .collect())
}

/// The tenants the files under `path` defined at `reference`; none when the path did not exist.
fn definitions_at(path: &Path, reference: &str) -> anyhow::Result<Vec<DesiredTenant>> {
    let absolute = std::fs::canonicalize(path).with_context(|| format!("{}", path.display()))?;
    let dir = if absolute.is_dir() {
        absolute.clone()
    } else {
        absolute.parent().map(Path::to_path_buf).unwrap_or_default()
    };
    let top = git(&dir, &["rev-parse", "--show-toplevel"])?;
    let top = PathBuf::from(top.trim());
    let relative = absolute.strip_prefix(&top).with_context(|| {
        format!(
            "{} is not inside the git repository {}",
            path.display(),
            top.display()
        )
    })?;
    if git(
        &top,
        &[
            "rev-parse",
            "--verify",
            "--quiet",
            &format!("{reference}^{{commit}}"),
        ],
    )
    .is_err()
    {
        bail!("--changed-since {reference:?}: not a commit in this repository");
    }
    let listing = git(
        &top,
        &[
            "ls-tree",
            "-r",
            "--name-only",
            reference,
            "--",
            &relative.display().to_string(),
        ],
    )?;
    let mut files = Vec::new();
    let is_yaml = |name: &&str| {
        Path::new(name)
            .extension()
            .is_some_and(|ext| ext.eq_ignore_ascii_case("yaml") || ext.eq_ignore_ascii_case("yml"))
    };
    for name in listing.lines().filter(is_yaml) {
        let text = git(&top, &["show", &format!("{reference}:{name}")])?;
        files.push((top.join(name), text.into_bytes()));
    }
    let loaded = crate::desired::load_contents(files);
    // Files that did not validate at the reference count as "everything changed".
    Ok(loaded.state.map(|state| state.tenants).unwrap_or_default())
}

fn git(dir: &Path, args: &[&str]) -> anyhow::Result<String> {
    let output = Command::new("git")
        .current_dir(dir)
        .args(args)
        .output()
        .context("running git for --changed-since")?;
    if !output.status.success() {
        bail!(
            "git {}: {}",
            args.join(" "),
            String::from_utf8_lossy(&output.stderr).trim()
        );
    }
    Ok(String::from_utf8_lossy(&output.stdout).into_owned())
}
