//! `pforte-tray`: Pforte's light tray (Linux). Started by the desktop app when its window
//! closes; see `pforte_shell::handover`.

#[cfg(all(unix, not(target_os = "macos")))]
#[tokio::main]
async fn main() -> std::process::ExitCode {
    pforte_shell::init_logging();
    pforte_shell::light::run().await
}

#[cfg(not(all(unix, not(target_os = "macos"))))]
fn main() -> std::process::ExitCode {
    eprintln!("pforte-tray exists on Linux only; elsewhere the app keeps its own tray");
    std::process::ExitCode::FAILURE
}
