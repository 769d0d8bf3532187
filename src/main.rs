//! The `birdhouse` binary: run the CLI, print the error chain once, exit with its code.

/// See Cargo.toml for why not the system allocator.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    birdhouse::cli::main()
}
