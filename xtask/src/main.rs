//! `cargo xtask`: see the library's documentation.

use std::process::ExitCode;

use xtask::args::{self, Command, USAGE};
use xtask::firmware;

fn main() -> ExitCode {
    let command = match args::parse(std::env::args().skip(1)) {
        Ok(command) => command,
        Err(e) => {
            eprintln!("xtask: {e}\n\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    let result = match command {
        Command::Help => Ok(USAGE.to_owned() + "\n"),
        Command::List { fleet } => firmware::list(fleet.as_deref()),
        Command::Firmware(args) => firmware::build(&args),
    };
    match result {
        Ok(text) => {
            print!("{text}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("xtask: {e}");
            ExitCode::FAILURE
        }
    }
}
