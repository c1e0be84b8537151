use clap::Parser;

/// jemalloc: memory freed (each sign-in's argon2id block) goes back to the system after a short
/// decay instead of staying in glibc's per-thread arenas (`bench/signin-rss.sh`).
#[cfg(all(unix, not(target_env = "musl")))]
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

fn main() -> std::process::ExitCode {
    let cli = ecoenforce::Cli::parse();
    ecoenforce::run(cli)
}
