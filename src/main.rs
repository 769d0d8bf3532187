//! The `birdhouse` binary: run the CLI, print the error chain once, exit with its code.

fn main() -> std::process::ExitCode {
    birdhouse::cli::main()
}
