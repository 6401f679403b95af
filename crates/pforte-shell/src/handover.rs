//! How the window process and the light tray take turns (Linux, where the desktop hosts
//! StatusNotifierItems: KDE Plasma, GNOME with the AppIndicator extension, Xfce, Cinnamon,
//! MATE, Budgie, LXQt).
//!
//! While the dashboard is on screen, `pforte-desktop` (Tauri, WebKit) runs alone. When its
//! window closes — availability is switched off first, as always — it starts `pforte-tray`
//! beside it, waits until the tray says [`READY`] on its standard output, and exits: WebKit,
//! GTK and the window process are gone, and the tray keeps the icon, the server connection
//! and the notifications.
//!
//! "Dashboard öffnen", a click on a notification or a second start of the app make the tray
//! start `pforte-desktop` again (with [`OPEN_REQUEST_ARG`] and the request, if one was
//! clicked). The new window process connects to the server and then calls
//! [`TRAY_INTERFACE`]`.HandOver` on [`TRAY_NAME`]: the tray withdraws its notifications and
//! exits without going offline. Both connections overlap, so a counselor who switched on in the
//! tray stays available through the handover.
//!
//! A second start finds the app by the D-Bus name of `tauri-plugin-single-instance`
//! ([`SINGLE_INSTANCE_NAME`]); the tray answers on it as the window process does, and lets go
//! of it just before it starts the window process, which takes it.
//!
//! Where no StatusNotifierWatcher runs (an XEmbed-only tray), or with
//! [`ENV_LIGHT_TRAY`]`=off`, the window process stays in the tray itself as before (its window
//! and webview destroyed, GTK kept).

use std::path::PathBuf;
use std::process::Stdio;
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, BufReader};
use uuid::Uuid;

/// The light tray's bus name and object, and the method the window process calls once it is
/// connected.
pub const TRAY_NAME: &str = "org.pforte.desktop.Tray";
pub const TRAY_PATH: &str = "/org/pforte/desktop/Tray";
pub const TRAY_INTERFACE: &str = "org.pforte.desktop.Tray";
/// `tauri-plugin-single-instance`'s name for the identifier `org.pforte.desktop`, its object
/// and interface: a second start calls `ExecuteCallback(argv, cwd)` there.
pub const SINGLE_INSTANCE_NAME: &str = "org.pforte.desktop.SingleInstance";
pub const SINGLE_INSTANCE_PATH: &str = "/org/pforte/desktop/SingleInstance";
pub const SINGLE_INSTANCE_INTERFACE: &str = "org.SingleInstance.DBus";
/// The desktop's tray host, if it speaks StatusNotifierItem.
pub const WATCHER: &str = "org.kde.StatusNotifierWatcher";
/// `off`: the window process never hands over to the light tray.
pub const ENV_LIGHT_TRAY: &str = "PFORTE_DESKTOP_LIGHT_TRAY";
/// Test hook: the program the tray runs to open the window, instead of `pforte-desktop`
/// beside it (same arguments). The end-to-end tests start the window under WebDriver instead.
pub const ENV_OPENS_WITH: &str = "PFORTE_TRAY_OPENS_WITH";
/// `pforte-desktop --open-request <id>`: start with that request shown.
pub const OPEN_REQUEST_ARG: &str = "--open-request";
/// What the tray prints once its icon, its names and its objects are up.
pub const READY: &str = "pforte-tray ready";
/// How long the window process waits for the tray to be ready before it stays itself.
const READY_WITHIN: Duration = Duration::from_secs(5);
/// The longest a D-Bus call of the handover may take.
const CALL_TIMEOUT: Duration = Duration::from_secs(2);

/// A program installed beside this one (the bundles put both in the same folder).
pub fn sibling(name: &str) -> Option<PathBuf> {
    let path = std::env::current_exe().ok()?.parent()?.join(name);
    path.is_file().then_some(path)
}

/// The request to open, from the window process's arguments.
pub fn open_request(args: &[String]) -> Option<Uuid> {
    let at = args.iter().position(|a| a == OPEN_REQUEST_ARG)?;
    args.get(at + 1)?.parse().ok()
}

/// The arguments that start the window process, on `open`.
pub fn window_args(open: Option<Uuid>) -> Vec<String> {
    match open {
        Some(request) => vec![OPEN_REQUEST_ARG.to_owned(), request.to_string()],
        None => Vec::new(),
    }
}

async fn bounded<T>(call: impl std::future::Future<Output = zbus::Result<T>>) -> Result<T, String> {
    match tokio::time::timeout(CALL_TIMEOUT, call).await {
        Ok(Ok(value)) => Ok(value),
        Ok(Err(e)) => Err(e.to_string()),
        Err(_) => Err("the bus did not answer in time".to_owned()),
    }
}

/// Whether `name` has an owner on the bus.
pub async fn has_owner(bus: &zbus::Connection, name: &str) -> bool {
    let reply = bounded(bus.call_method(
        Some("org.freedesktop.DBus"),
        "/org/freedesktop/DBus",
        Some("org.freedesktop.DBus"),
        "NameHasOwner",
        &(name,),
    ))
    .await;
    reply
        .ok()
        .and_then(|reply| reply.body().deserialize::<bool>().ok())
        .unwrap_or(false)
}

/// Ask for a bus name: `queue` waits in line behind its owner (and gets it when the owner
/// goes); without it, a taken name is refused. `true` if this connection owns it now.
pub async fn request_name(bus: &zbus::Connection, name: &str, queue: bool) -> Result<bool, String> {
    const DO_NOT_QUEUE: u32 = 0x4;
    let flags = if queue { 0u32 } else { DO_NOT_QUEUE };
    let reply = bounded(bus.call_method(
        Some("org.freedesktop.DBus"),
        "/org/freedesktop/DBus",
        Some("org.freedesktop.DBus"),
        "RequestName",
        &(name, flags),
    ))
    .await?;
    let code: u32 = reply.body().deserialize().map_err(|e| e.to_string())?;
    // 1: primary owner, 2: in the queue, 3: exists, 4: already the owner.
    match code {
        1 | 4 => Ok(true),
        2 => Ok(false),
        _ => Err(format!("{name} is taken")),
    }
}

/// Let go of a bus name (and of a place in its queue).
pub async fn release_name(bus: &zbus::Connection, name: &str) {
    let released = bounded(bus.call_method(
        Some("org.freedesktop.DBus"),
        "/org/freedesktop/DBus",
        Some("org.freedesktop.DBus"),
        "ReleaseName",
        &(name,),
    ))
    .await;
    if let Err(e) = released {
        tracing::warn!(%e, name, "could not release the name");
    }
}

/// Whether the window process may hand over to the light tray: on, the tray installed beside
/// it, and a StatusNotifierItem host on the session bus.
pub async fn light_tray_possible() -> Option<PathBuf> {
    if std::env::var(ENV_LIGHT_TRAY).is_ok_and(|v| v == "off") {
        return None;
    }
    let tray = sibling("pforte-tray")?;
    let bus = bounded(zbus::Connection::session()).await.ok()?;
    has_owner(&bus, WATCHER).await.then_some(tray)
}

/// Start the light tray and wait until it is ready. `Err`: it is not (then it is stopped
/// again, and the window process stays).
pub async fn start_tray(tray: PathBuf) -> Result<(), String> {
    let mut command = tokio::process::Command::new(&tray);
    command
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        // Its own process group: what stops the window process's group leaves it alone.
        .process_group(0);
    let mut child = command
        .spawn()
        .map_err(|e| format!("{}: {e}", tray.display()))?;
    let Some(stdout) = child.stdout.take() else {
        return Err("no output of the tray".to_owned());
    };
    let mut lines = BufReader::new(stdout).lines();
    let ready = tokio::time::timeout(READY_WITHIN, async {
        while let Ok(Some(line)) = lines.next_line().await {
            if line.trim() == READY {
                return true;
            }
        }
        false
    })
    .await;
    if ready == Ok(true) {
        // It runs on its own from here; nobody waits for it.
        drop(child);
        return Ok(());
    }
    let _ = child.start_kill();
    Err(match ready {
        Ok(_) => "the tray ended before it was ready".to_owned(),
        Err(_) => "the tray was not ready in time".to_owned(),
    })
}

/// Tell a light tray that this window process has taken over (nothing happens when none
/// runs).
pub async fn retire_tray() {
    let Ok(bus) = bounded(zbus::Connection::session()).await else {
        return;
    };
    if !has_owner(&bus, TRAY_NAME).await {
        return;
    }
    match bounded(bus.call_method(
        Some(TRAY_NAME),
        TRAY_PATH,
        Some(TRAY_INTERFACE),
        "HandOver",
        &(),
    ))
    .await
    {
        Ok(_) => tracing::info!("the light tray handed over"),
        Err(e) => tracing::warn!(%e, "the light tray did not answer the handover"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_window_process_starts_on_the_request_it_is_given() {
        let id = Uuid::new_v4();
        let mut args = vec!["pforte-desktop".to_owned()];
        args.extend(window_args(Some(id)));
        assert_eq!(open_request(&args), Some(id));
        assert_eq!(open_request(&["pforte-desktop".to_owned()]), None);
        let broken = ["pforte-desktop".to_owned(), OPEN_REQUEST_ARG.to_owned()];
        assert_eq!(open_request(&broken), None, "no id: nothing to open");
        let garbage = [OPEN_REQUEST_ARG.to_owned(), "not-an-id".to_owned()];
        assert_eq!(open_request(&garbage), None);
    }

    #[test]
    fn the_single_instance_name_is_the_plugins_for_our_identifier() {
        assert_eq!(
            SINGLE_INSTANCE_NAME,
            format!("{}.SingleInstance", crate::IDENTIFIER)
        );
        assert_eq!(
            SINGLE_INSTANCE_PATH,
            format!("/{}", SINGLE_INSTANCE_NAME.replace('.', "/"))
        );
    }
}
