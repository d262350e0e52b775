//! The `promcast` binary: flags, logging, then [`promcast_gateway::run`].

use std::io::IsTerminal;
use std::process::ExitCode;
use std::sync::Arc;

use clap::Parser;
use promcast_gateway::cli::{Cli, Command};
use promcast_gateway::clock::SystemClock;
use promcast_gateway::config::{Config, LogFormat};

fn main() -> ExitCode {
    let cli = Cli::parse();
    let cfg = match cli.load() {
        Ok(c) => c,
        Err(e) => {
            eprintln!("promcast: {e}");
            return ExitCode::FAILURE;
        }
    };
    if cli.check_config {
        return check_config(&cfg);
    }
    init_logging(&cfg);
    let rt = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("promcast: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let result = rt.block_on(async {
        match cli.command {
            Some(Command::Demo {
                http_port,
                udp_port,
                interval,
            }) => promcast_gateway::demo::run(cfg, http_port, udp_port, interval).await,
            None => promcast_gateway::run(
                cfg,
                Arc::new(SystemClock::new()),
                promcast_gateway::shutdown_signal(),
            )
            .await
            .map_err(anyhow::Error::from),
        }
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            tracing::error!("{e:#}");
            eprintln!("promcast: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn check_config(cfg: &Config) -> ExitCode {
    match cfg.validate() {
        Ok(kinds) => {
            println!(
                "configuration OK: HTTP {}{}, UDP port {} on {}, groups [{}], {} reading kinds ({})",
                cfg.web.listen_address,
                cfg.web.telemetry_path,
                cfg.udp.port,
                cfg.udp.bind_address,
                cfg.udp
                    .groups
                    .iter()
                    .map(|g| g.to_string())
                    .collect::<Vec<_>>()
                    .join(", "),
                kinds.len(),
                kinds
                    .iter()
                    .map(|k| format!("{} -> {}", k.kind, k.metric))
                    .collect::<Vec<_>>()
                    .join(", "),
            );
            ExitCode::SUCCESS
        }
        Err(errors) => {
            eprintln!("promcast: configuration has {} error(s):", errors.len());
            for e in errors {
                eprintln!("  {e}");
            }
            ExitCode::FAILURE
        }
    }
}

fn init_logging(cfg: &Config) {
    let filter = tracing_subscriber::EnvFilter::try_new(&cfg.log.level)
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal());
    match cfg.log.format {
        LogFormat::Json => builder.json().init(),
        LogFormat::Logfmt => builder.init(),
    }
}
