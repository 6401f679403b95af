//! The light tray process (`pforte-tray`) on a private D-Bus session bus: when it starts and
//! when it refuses, its menu as a desktop's tray host reads it, and the handover with the
//! window process (second starts, `HandOver`). Needs `dbus-daemon` and `dbus-send` (Debian's
//! `dbus`, which `scripts/test` installs).
#![cfg(all(unix, not(target_os = "macos")))]

use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use pforte_shell::handover::{
    READY, SINGLE_INSTANCE_INTERFACE, SINGLE_INSTANCE_NAME, SINGLE_INSTANCE_PATH, TRAY_INTERFACE,
    TRAY_NAME, TRAY_PATH,
};

const TRAY: &str = env!("CARGO_BIN_EXE_pforte-tray");

/// A session bus of our own, gone with the test.
struct Bus {
    daemon: Child,
    address: String,
    home: tempfile::TempDir,
}

impl Bus {
    fn new() -> Self {
        let home = tempfile::tempdir().unwrap();
        let mut daemon = Command::new("dbus-daemon")
            .args(["--session", "--nofork", "--print-address=1"])
            .arg(format!("--address=unix:path={}/bus", home.path().display()))
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("dbus-daemon (Debian package dbus) runs");
        let mut line = String::new();
        BufReader::new(daemon.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        Self {
            daemon,
            address: line.trim().to_owned(),
            home,
        }
    }

    async fn connect(&self) -> zbus::Connection {
        zbus::connection::Builder::address(self.address.as_str())
            .unwrap()
            .build()
            .await
            .unwrap()
    }

    /// A tray host's watcher, as KDE Plasma or GNOME's AppIndicator extension run it.
    async fn watcher(&self) -> zbus::Connection {
        zbus::connection::Builder::address(self.address.as_str())
            .unwrap()
            .name("org.kde.StatusNotifierWatcher")
            .unwrap()
            .serve_at("/StatusNotifierWatcher", Watcher)
            .unwrap()
            .build()
            .await
            .unwrap()
    }

    fn tray(&self, opens_with: Option<&Path>) -> Tray {
        let mut command = Command::new(TRAY);
        command
            .env("DBUS_SESSION_BUS_ADDRESS", &self.address)
            // No system bus, no secret store: the tray says so and goes on.
            .env("DBUS_SYSTEM_BUS_ADDRESS", "unix:path=/nonexistent")
            .env("HOME", self.home.path())
            .env("XDG_CONFIG_HOME", self.home.path().join(".config"))
            .env_remove("PFORTE_DESKTOP_SERVER")
            .env_remove("PFORTE_DESKTOP_TOKEN")
            .env("PFORTE_DESKTOP_LOG", "info")
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        if let Some(program) = opens_with {
            command.env("PFORTE_TRAY_OPENS_WITH", program);
        }
        let mut child = command.spawn().unwrap();
        let (lines, said) = mpsc::channel();
        let stdout = child.stdout.take().unwrap();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                let _ = lines.send(line);
            }
        });
        Tray { child, said }
    }

    fn send(&self, dest: &str, path: &str, method: &str, args: &[&str]) -> String {
        let output = Command::new("dbus-send")
            .env("DBUS_SESSION_BUS_ADDRESS", &self.address)
            .args(["--session", "--print-reply", "--reply-timeout=2000"])
            .arg(format!("--dest={dest}"))
            .arg(path)
            .arg(method)
            .args(args)
            .output()
            .expect("dbus-send (Debian package dbus) runs");
        String::from_utf8_lossy(&output.stdout).into_owned()
            + &String::from_utf8_lossy(&output.stderr)
    }
}

impl Drop for Bus {
    fn drop(&mut self) {
        let _ = self.daemon.kill();
        let _ = self.daemon.wait();
    }
}

struct Watcher;

#[zbus::interface(name = "org.kde.StatusNotifierWatcher")]
impl Watcher {
    fn register_status_notifier_item(&self, _service: String) {}

    fn register_status_notifier_host(&self, _service: String) {}

    #[zbus(property)]
    fn is_status_notifier_host_registered(&self) -> bool {
        true
    }

    #[zbus(property)]
    fn registered_status_notifier_items(&self) -> Vec<String> {
        Vec::new()
    }

    #[zbus(property)]
    fn protocol_version(&self) -> i32 {
        0
    }
}

struct Tray {
    child: Child,
    said: mpsc::Receiver<String>,
}

impl Tray {
    fn ready(&self) {
        let line = self
            .said
            .recv_timeout(Duration::from_secs(10))
            .expect("the tray says it is ready");
        assert_eq!(line, READY);
    }

    /// Its exit code, if it ends within `within`.
    fn ends_within(&mut self, within: Duration) -> Option<i32> {
        let end = Instant::now() + within;
        while Instant::now() < end {
            if let Some(status) = self.child.try_wait().unwrap() {
                return Some(status.code().unwrap_or(-1));
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        None
    }

    fn stderr(&mut self) -> String {
        let mut text = String::new();
        if let Some(mut err) = self.child.stderr.take() {
            let _ = err.read_to_string(&mut text);
        }
        text
    }
}

impl Drop for Tray {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Worker threads keep serving the watcher between the test's steps.
fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
}

async fn owner(bus: &zbus::Connection, name: &str) -> Option<u32> {
    let reply = bus
        .call_method(
            Some("org.freedesktop.DBus"),
            "/org/freedesktop/DBus",
            Some("org.freedesktop.DBus"),
            "GetConnectionUnixProcessID",
            &(name,),
        )
        .await
        .ok()?;
    reply.body().deserialize::<u32>().ok()
}

async fn wait_for_owner(bus: &zbus::Connection, name: &str, pid: u32) {
    let end = Instant::now() + Duration::from_secs(5);
    while owner(bus, name).await != Some(pid) {
        assert!(Instant::now() < end, "{name} is not the tray's");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[test]
fn without_a_statusnotifieritem_host_the_light_tray_refuses_to_start_and_says_why() {
    let bus = Bus::new();
    let mut tray = bus.tray(None);
    let code = tray.ends_within(Duration::from_secs(10));
    assert_eq!(
        code,
        Some(1),
        "it ends, unsuccessfully: the window process stays"
    );
    assert!(tray.said.try_recv().is_err(), "it never said it was ready");
    let stderr = tray.stderr();
    assert!(
        stderr.contains("no StatusNotifierItem host: no light tray"),
        "{stderr}"
    );
    assert!(!stderr.contains("panicked"), "{stderr}");
}

#[test]
fn with_a_host_the_light_tray_shows_its_menu_and_goes_quietly_when_the_window_process_takes_over() {
    let rt = runtime();
    let bus = Bus::new();
    let _watcher = rt.block_on(bus.watcher());
    let mut tray = bus.tray(None);
    tray.ready();
    let connection = rt.block_on(bus.connect());
    rt.block_on(wait_for_owner(&connection, TRAY_NAME, tray.child.id()));
    let item = format!("org.kde.StatusNotifierItem-{}-1", tray.child.id());
    let layout = bus.send(
        &item,
        "/MenuBar",
        "com.canonical.dbusmenu.GetLayout",
        &["int32:0", "int32:-1", "array:string:"],
    );
    for label in [
        "Nicht angemeldet",
        "Live-Chat verfügbar",
        "Dashboard öffnen",
        "Abmelden",
        "Beenden",
    ] {
        assert!(layout.contains(label), "{label} in {layout}");
    }
    let status = bus.send(
        &item,
        "/StatusNotifierItem",
        "org.freedesktop.DBus.Properties.Get",
        &["string:org.kde.StatusNotifierItem", "string:Status"],
    );
    assert!(status.contains("Active"), "{status}");

    // A second tray does not start beside it.
    let mut second = bus.tray(None);
    assert_eq!(second.ends_within(Duration::from_secs(10)), Some(1));
    assert!(second.stderr().contains("another Pforte tray runs already"));

    let answer = bus.send(
        TRAY_NAME,
        TRAY_PATH,
        &format!("{TRAY_INTERFACE}.HandOver"),
        &[],
    );
    assert!(answer.contains("method return"), "{answer}");
    assert_eq!(
        tray.ends_within(Duration::from_secs(5)),
        Some(0),
        "the tray goes once the window process has taken over"
    );
    let stderr = tray.stderr();
    assert!(stderr.contains("the window process took over"), "{stderr}");
    assert!(
        !stderr.contains("offline signalled"),
        "a handover is not going offline: {stderr}"
    );
}

#[test]
fn a_second_start_reaches_the_light_tray_which_opens_the_window_on_the_request_and_takes_its_name_back_if_the_window_fails(
) {
    let rt = runtime();
    let bus = Bus::new();
    let _watcher = rt.block_on(bus.watcher());
    let folder = tempfile::tempdir().unwrap();
    let said = folder.path().join("args");
    let window: PathBuf = folder.path().join("window");
    // Stands in for pforte-desktop: notes its arguments and ends without taking over.
    std::fs::write(
        &window,
        format!("#!/bin/sh\necho \"$@\" > {}\n", said.display()),
    )
    .unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&window, std::fs::Permissions::from_mode(0o755)).unwrap();

    let mut tray = bus.tray(Some(&window));
    tray.ready();
    let connection = rt.block_on(bus.connect());
    let pid = tray.child.id();
    rt.block_on(wait_for_owner(&connection, SINGLE_INSTANCE_NAME, pid));

    // What tauri-plugin-single-instance does in a second `pforte-desktop --open-request …`.
    let request = uuid::Uuid::new_v4();
    let answer = bus.send(
        SINGLE_INSTANCE_NAME,
        SINGLE_INSTANCE_PATH,
        &format!("{SINGLE_INSTANCE_INTERFACE}.ExecuteCallback"),
        &[
            &format!("array:string:pforte-desktop,--open-request,{request}"),
            "string:/",
        ],
    );
    assert!(answer.contains("method return"), "{answer}");
    let end = Instant::now() + Duration::from_secs(5);
    while !said.exists() {
        assert!(Instant::now() < end, "the tray did not open the window");
        std::thread::sleep(Duration::from_millis(20));
    }
    std::thread::sleep(Duration::from_millis(100));
    let args = std::fs::read_to_string(&said).unwrap();
    assert_eq!(args.trim(), format!("--open-request {request}"));
    // The window process never took over: the tray stays, and second starts find it again.
    rt.block_on(wait_for_owner(&connection, SINGLE_INSTANCE_NAME, pid));
    assert_eq!(
        tray.ends_within(Duration::from_millis(300)),
        None,
        "the tray stays"
    );
}
