//! The `netshim` command: run a program with the connect logger preloaded, and summarise a
//! JSON log. A std program of its own; it never runs inside the programs it watches.
//! One job per module: `cli` (the flags, parsing, --help), `run` (preload or trace, exit
//! status), `trace` (the tracer's loop), `filter` (its seccomp program), `event` (log lines),
//! `dns` (answers the traced programs read), `report`, `elf`, and `sys` (the raw calls).

// The library's shared modules (tz, resolve::numeric's tests) name `alloc`, as a no_std
// crate does.
extern crate alloc;

mod attach;
mod cli;
mod dns;
mod elf;
mod event;
mod filter;
mod html;
mod man;
mod report;
mod resolve;
mod run;
mod sys;
mod trace;

use std::process::ExitCode;

fn main() -> ExitCode {
    match cli::parse(std::env::args_os().skip(1)) {
        Ok(cli::Parsed::Run(args)) => run::run(args),
        Ok(cli::Parsed::Report(args)) => report::report(&args),
        Ok(cli::Parsed::Help) => {
            print!("{}", cli::help());
            ExitCode::SUCCESS
        }
        Ok(cli::Parsed::Man) => {
            print!("{}", man::page());
            ExitCode::SUCCESS
        }
        Ok(cli::Parsed::Version) => {
            println!("netshim {}", env!("CARGO_PKG_VERSION"));
            ExitCode::SUCCESS
        }
        Err(cli::UsageError(msg)) => {
            eprintln!("netshim: {msg}\n{}", cli::help());
            ExitCode::from(2)
        }
    }
}
