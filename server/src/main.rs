//! `karte-server`: serve, or run one of the operator's commands. See `karte-server --help`.

// No unwrap or expect outside tests: a panic in a request or in the browser is a defect.
#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::expect_used))]

use clap::Parser;

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let cli = karte_server::cli::Cli::parse();
    karte_server::telemetry::init(cli.log_format);
    match karte_server::cli::run(cli).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(err) => {
            // Operator-facing: the full chain helps; it never contains passwords.
            eprintln!("error: {err:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
