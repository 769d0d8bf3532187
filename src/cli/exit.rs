//! The documented exit codes and nothing else (mirrored by the README table).

/// How a run ended, as the shell sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    /// Success; with `--detailed-exitcode`, also "no changes".
    Success,
    /// An error: invalid input, API failure, refusal.
    Error,
    /// Changes are present (`plan --detailed-exitcode`).
    ChangesPresent,
    /// A saved plan is stale for at least one tenant.
    StalePlan,
    /// Apply finished, but some tenants failed.
    TenantsFailed,
    /// The command line was wrong. clap's own usage code (2) is remapped here so that 2 always
    /// means "changes present".
    Usage,
}

impl Exit {
    /// The process exit code.
    pub fn code(self) -> u8 {
        match self {
            Exit::Success => 0,
            Exit::Error => 1,
            Exit::ChangesPresent => 2,
            Exit::StalePlan => 3,
            Exit::TenantsFailed => 4,
            Exit::Usage => 64,
        }
    }
}

impl From<Exit> for std::process::ExitCode {
    fn from(exit: Exit) -> Self {
        std::process::ExitCode::from(exit.code())
    }
}
