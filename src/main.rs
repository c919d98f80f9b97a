//! The `pledge` binary: a thin shell around `pledge::cli`.

fn main() -> std::process::ExitCode {
    pledge::cli::main()
}
