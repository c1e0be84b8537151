use clap::Parser;

fn main() -> std::process::ExitCode {
    let cli = ecoenforce::Cli::parse();
    ecoenforce::run(cli)
}
