//! Start and stop the lab: `birdhouse-lab build|up|down|status` (see `birdhouse_lab::cli`).

fn main() -> std::process::ExitCode {
    birdhouse_lab::cli::run()
}
