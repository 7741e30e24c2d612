#![forbid(unsafe_code)]

use std::process::ExitCode;

fn main() -> ExitCode {
    anwei::cli::main()
}
