//! The app's own commands are declared here, so each must be granted by name in a
//! capability (`capabilities/main-window.json`); nothing is allowed by default.

const COMMANDS: &[&str] = &[
    "session_get",
    "session_store",
    "session_clear",
    "logout",
    "secret_store_available",
    "autostart_get",
    "autostart_set",
    "reminder_get",
    "reminder_set",
    "shell_status",
    "api_request",
    "api_download",
    "sound_get",
    "sound_set",
    "server_hint",
    "alerts_get",
    "alerts_set",
    "open_request_take",
    "live_open",
    "live_send",
    "live_close",
    "device_key_get",
    "device_key_set",
];

fn main() {
    tauri_build::try_build(
        tauri_build::Attributes::new()
            .app_manifest(tauri_build::AppManifest::new().commands(COMMANDS)),
    )
    .expect("tauri-build failed");
}
