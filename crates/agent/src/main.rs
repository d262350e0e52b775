//! The `promcast-agent` binary: flags, logging, the fleet entry, then [`Agent::start`] until
//! SIGTERM or Ctrl-C.

use std::io::IsTerminal;
use std::net::TcpListener;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context;
use clap::Parser;
use promcast_agent::Agent;
use promcast_agent::cli::{Cli, LogFormat};
use promcast_agent::clock::{Clock, SystemClock, Wake};
use promcast_agent::identity::{Identity, find_device, mac_for};
use promcast_fleet::Fleet;
use signal_hook::consts::{SIGINT, SIGTERM};
use signal_hook::iterator::Signals;

fn main() -> ExitCode {
    let cli = Cli::parse();
    init_logging(&cli);
    match run(&cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            // stderr is the log too (logging writes there): one copy is enough.
            eprintln!("promcast-agent: {}", describe(&e));
            ExitCode::FAILURE
        }
    }
}

fn run(cli: &Cli) -> anyhow::Result<()> {
    let fleet = Fleet::load(&cli.fleet_file)?;
    let me = Identity::read(&cli.machine_id_file, &cli.net_root);
    let device = find_device(&fleet, cli.device.as_deref(), &me)?;
    let addr = cli.listen_address(device);
    if cli.check_config {
        println!(
            "configuration OK: device {} ({}), {} pins, {} probes, HTTP {addr}, push {}",
            device.name,
            device.id,
            device.pins.len(),
            device.probes.len(),
            match cli.push_target.as_deref() {
                Some(t) => t.to_owned(),
                None => device
                    .push
                    .as_ref()
                    .map_or_else(|| "none".to_owned(), |p| p.to_string()),
            }
        );
        return Ok(());
    }
    // Signals are registered before anything starts, so none is missed.
    let mut signals = Signals::new([SIGTERM, SIGINT]).context("cannot install signal handlers")?;
    let clock: Arc<dyn Clock> = Arc::new(SystemClock::new());
    let wake = Wake::new();
    let backends = cli.backends(device, clock.clone(), wake.clone())?;
    let mut options = cli.options(wake)?;
    options.mac = mac_for(device, &me, cli.interface.as_deref());
    let listener =
        TcpListener::bind(addr).with_context(|| format!("cannot listen for HTTP on {addr}"))?;
    let agent = Agent::start(device, backends, listener, options, clock)?;
    if let Some(sig) = signals.forever().next() {
        tracing::info!(signal = sig, "shutting down");
    }
    agent.stop();
    Ok(())
}

/// The error and its causes, each cause left out when the message already says it.
fn describe(e: &anyhow::Error) -> String {
    let mut text = e.to_string();
    for cause in e.chain().skip(1) {
        let c = cause.to_string();
        if !text.contains(&c) {
            text.push_str(": ");
            text.push_str(&c);
        }
    }
    text
}

fn init_logging(cli: &Cli) {
    let filter = tracing_subscriber::EnvFilter::try_new(&cli.log_level)
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal());
    match cli.log_format {
        LogFormat::Json => builder.json().init(),
        LogFormat::Logfmt => builder.init(),
    }
}
