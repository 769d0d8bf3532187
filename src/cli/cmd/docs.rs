//! `birdhouse completions` and `birdhouse man`: generated from the same clap definitions the
//! parser uses, so they cannot drift from the real command line.

use std::io::Write;

use crate::cli::args::{CompletionsArgs, command as cli_command};
use crate::cli::exit::Exit;

pub(crate) fn completions(args: &CompletionsArgs) -> anyhow::Result<Exit> {
    let mut command = cli_command();
    let mut stdout = std::io::stdout().lock();
    clap_complete::generate(args.shell, &mut command, "birdhouse", &mut stdout);
    stdout.flush()?;
    Ok(Exit::Success)
}

/// The man page: clap's sections, then COMMANDS (in this page: there is no page per command),
/// EXIT STATUS and ENVIRONMENT.
pub(crate) fn man() -> anyhow::Result<Exit> {
    let command = cli_command();
    let man = clap_mangen::Man::new(command.clone());
    let mut page: Vec<u8> = Vec::new();
    man.render_title(&mut page)?;
    man.render_name_section(&mut page)?;
    man.render_synopsis_section(&mut page)?;
    man.render_description_section(&mut page)?;
    man.render_options_section(&mut page)?;
    page.extend_from_slice(b".SH COMMANDS\n");
    for sub in command.get_subcommands() {
        let about = sub.get_about().map(ToString::to_string).unwrap_or_default();
        page.extend_from_slice(
            format!(
                ".TP\n\\fBbirdhouse {}\\fR\n{}\n",
                sub.get_name(),
                roff_text(&about)
            )
            .as_bytes(),
        );
    }
    page.extend_from_slice(b".PP\nEach command's options: \\fBbirdhouse COMMAND --help\\fR.\n");
    page.extend_from_slice(EXIT_STATUS.as_bytes());
    page.extend_from_slice(ENVIRONMENT.as_bytes());
    man.render_version_section(&mut page)?;
    let mut stdout = std::io::stdout().lock();
    stdout.write_all(&page)?;
    stdout.flush()?;
    Ok(Exit::Success)
}

/// Text as a roff line: a leading `.` or `'` would be read as a request.
fn roff_text(text: &str) -> String {
    let escaped = text.replace('\\', "\\\\").replace('-', "\\-");
    if escaped.starts_with(['.', '\'']) {
        format!("\\&{escaped}")
    } else {
        escaped
    }
}

const EXIT_STATUS: &str = r".SH EXIT STATUS
.TP
\fB0\fR
success (with \-\-detailed\-exitcode: no changes)
.TP
\fB1\fR
error: invalid input, an API failure, a plan with a blocked tenant
.TP
\fB2\fR
changes present (plan \-\-detailed\-exitcode)
.TP
\fB3\fR
a tenant was refused whole and nothing written to it: it changed since it was planned, or
another apply holds its lock
.TP
\fB4\fR
apply finished, but some tenants failed part\-way or were skipped as blocked
.TP
\fB64\fR
usage error (bad command line)
";

const ENVIRONMENT: &str = r".SH ENVIRONMENT
.TP
\fBNETBIRD_API_TOKEN\fR
the personal access token (or \-\-token\-file); there is no \-\-token flag
.TP
\fBNETBIRD_API_URL\fR
the management API (default https://api.netbird.io); \-\-api\-url overrides it
.TP
\fBNETBIRD_HOST\fR
host[:port] of the management API, read as NetBird's Python client reads it, when
NETBIRD_API_URL is unset
.TP
\fBNETBIRD_CA_CERT\fR
a PEM certificate or bundle to trust besides the system's roots (\-\-ca\-cert)
.TP
\fBSSL_CERT_FILE\fR, \fBSSL_CERT_DIR\fR
replace the system's trusted roots
.TP
\fBNO_COLOR\fR
no colour when \-\-color is auto
.TP
\fBRUST_LOG\fR
replaces the log filter, as in every tracing program
";
