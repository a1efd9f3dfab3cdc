//! The sandboxed decoder on its own, for this crate's tests. The server runs the same code as
//! `portrait __libjpeg-decode`, so that it stays one binary.
//!
//! `portrait-libjpeg open-after-shut-in PATH` shuts itself in and then opens PATH, which the
//! sandbox must answer by killing the process (the tests' check that it is shut in at all).
use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if let [command, path] = args.as_slice() {
        if command == "open-after-shut-in" {
            if portrait_libjpeg::shut_in().is_err() {
                return ExitCode::from(2);
            }
            return match std::fs::File::open(path) {
                Ok(_) => ExitCode::SUCCESS,
                Err(_) => ExitCode::from(1),
            };
        }
    }
    portrait_libjpeg::child_main()
}
