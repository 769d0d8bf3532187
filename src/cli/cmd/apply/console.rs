//! What a person sees while an apply runs: one line per change as it completes (through the
//! progress bar on a terminal), warnings, and the first and second Ctrl-C.

use std::io::{IsTerminal, Write};
use std::sync::{Arc, Mutex};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::apply::{ApplyError, Note, Observer};
use crate::cli::cmd::apply::report::{chain, change_label};
use crate::cli::settings::Verbosity;
use crate::plan::Change;

/// Waits for Ctrl-C or SIGTERM: the first asks every tenant to stop before its next change
/// (so each releases its lock), the second ends the process at once.
pub(super) async fn stop_on_signal(console: Arc<Console>) {
    #[cfg(unix)]
    let mut terminate =
        tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()).ok();
    for press in 0.. {
        #[cfg(unix)]
        let terminated = async {
            match terminate.as_mut() {
                Some(signal) => signal.recv().await,
                None => std::future::pending().await,
            }
        };
        #[cfg(not(unix))]
        let terminated = std::future::pending::<Option<()>>();
        tokio::select! {
            result = tokio::signal::ctrl_c() => if result.is_err() { return },
            _ = terminated => {}
        }
        if press > 0 {
            console.line(
                "interrupted again: stopping now; the tenants' locks stay",
                true,
            );
            std::process::exit(130);
        }
        console
            .stop
            .store(true, std::sync::atomic::Ordering::SeqCst);
        console.line(
            "interrupted: finishing the changes in flight, then releasing the tenants' locks \
             (interrupt again to stop at once)",
            true,
        );
    }
}

/// Prints each change as it completes, through the progress bar when there is one.
pub(super) struct Console {
    bar: Option<ProgressBar>,
    verbosity: Verbosity,
    /// Colour the change lines like the plan's (`--color`, a terminal, no `NO_COLOR`).
    color: bool,
    /// Keeps lines of concurrent tenants whole.
    lock: Mutex<()>,
    /// Set by the first Ctrl-C or SIGTERM.
    stop: std::sync::atomic::AtomicBool,
}

impl Console {
    /// A console for `steps` changes; a progress bar only on a terminal and when there is
    /// something to count (an empty bar would be left behind).
    pub(super) fn new(verbosity: Verbosity, color: bool, steps: usize) -> Self {
        let terminal = std::io::stderr().is_terminal();
        let bar = (verbosity > Verbosity::Quiet && terminal && steps > 0).then(|| {
            let bar =
                ProgressBar::with_draw_target(Some(steps as u64), ProgressDrawTarget::stderr());
            if let Ok(style) =
                ProgressStyle::with_template("{bar:40} {pos}/{len} changes {elapsed}")
            {
                bar.set_style(style);
            }
            bar
        });
        Self {
            bar,
            verbosity,
            color,
            lock: Mutex::new(()),
            stop: std::sync::atomic::AtomicBool::new(false),
        }
    }

    pub(super) fn line(&self, text: &str, always: bool) {
        if !always && self.verbosity == Verbosity::Quiet {
            return;
        }
        let _guard = self
            .lock
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        match &self.bar {
            Some(bar) => bar.println(text),
            None => {
                let _ = writeln!(std::io::stderr().lock(), "{text}");
            }
        }
    }

    fn step(&self) {
        if let Some(bar) = &self.bar {
            bar.inc(1);
        }
    }

    pub(super) fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}

impl Observer for Console {
    fn interrupted(&self) -> bool {
        self.stop.load(std::sync::atomic::Ordering::SeqCst)
    }

    fn tenant_created(&self, tenant: &str, account_id: &str) {
        self.line(
            &format!("{tenant}: + tenant {tenant} (id {account_id})"),
            false,
        );
        self.step();
    }

    fn change(&self, tenant: &str, change: &Change, result: Result<(), &ApplyError>) {
        match result {
            Ok(()) => self.line(
                &format!("{tenant}: {}", change_label(change, self.color)),
                false,
            ),
            Err(error) => self.line(
                &format!(
                    "error: {tenant}: {}: {}",
                    change_label(change, self.color),
                    chain(error)
                ),
                true,
            ),
        }
        self.step();
    }

    fn note(&self, tenant: &str, note: &Note) {
        let warning = matches!(
            note,
            Note::SecretDropped { .. }
                | Note::SecretLost { .. }
                | Note::Recovered { .. }
                | Note::LockLeft { .. }
                | Note::AbandonedLockRemoved { .. }
        );
        if warning {
            // `-q` prints errors only; a warning is not one.
            self.line(&format!("warning: {tenant}: {note}"), false);
        } else {
            self.line(&format!("{tenant}:   {note}"), false);
        }
    }
}
