//! The light tray, `pforte-tray`: what runs while the dashboard's window is closed (Linux).
//!
//! The same owner and machine as the window process ([`crate::shell`]), with a StatusNotifierItem
//! and its `com.canonical.dbusmenu` menu (ksni) instead of Tauri's tray, and no WebKit or GTK
//! in the process. What needs a window — the dashboard, the "last one" question — is another
//! process: the dashboard is `pforte-desktop` (see [`crate::handover`]); the question is
//! `pforte-desktop --question`, a GTK dialog alone, for as long as it is asked.

use std::path::PathBuf;
use std::process::{ExitCode, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use ksni::menu::{CheckmarkItem, StandardItem};
use ksni::{MenuItem, TrayMethods};
use pforte_shell_core::decisions::{TrayLook, TrayView};
use pforte_shell_core::machine::{Emission, Input, Question, TrayItem};
use tokio::sync::{watch, Notify};
use uuid::Uuid;

use crate::handover::{self, SINGLE_INSTANCE_NAME, SINGLE_INSTANCE_PATH, TRAY_NAME, TRAY_PATH};
use crate::notifications::Notifier;
use crate::session::{Keyring, Vault};
use crate::shell::{Shell, Surface};

/// `pforte-desktop --question <json>`: ask one question in a dialog, exit 0 for yes.
pub const QUESTION_ARG: &str = "--question";

const ICON_AVAILABLE: &[u8] = include_bytes!("../../../icons/tray-available.png");
const ICON_UNAVAILABLE: &[u8] = include_bytes!("../../../icons/tray-unavailable.png");
const ICON_WAITING: &[u8] = include_bytes!("../../../icons/tray-waiting.png");

/// A PNG as the ARGB32 pixmap (network byte order) StatusNotifierItem wants.
pub fn pixmap(png_bytes: &[u8]) -> Result<ksni::Icon, String> {
    let mut decoder = png::Decoder::new(std::io::Cursor::new(png_bytes));
    decoder.set_transformations(png::Transformations::normalize_to_color8());
    let mut reader = decoder.read_info().map_err(|e| e.to_string())?;
    let size = reader.output_buffer_size().ok_or("the icon is too large")?;
    let mut buffer = vec![0; size];
    let info = reader.next_frame(&mut buffer).map_err(|e| e.to_string())?;
    let channels = match info.color_type {
        png::ColorType::Rgba => 4,
        png::ColorType::Rgb => 3,
        other => return Err(format!("an icon in {other:?}")),
    };
    let mut data = Vec::with_capacity((info.width * info.height * 4) as usize);
    for pixel in buffer[..info.buffer_size()].chunks_exact(channels) {
        let alpha = if channels == 4 { pixel[3] } else { 255 };
        data.extend_from_slice(&[alpha, pixel[0], pixel[1], pixel[2]]);
    }
    Ok(ksni::Icon {
        width: i32::try_from(info.width).map_err(|e| e.to_string())?,
        height: i32::try_from(info.height).map_err(|e| e.to_string())?,
        data,
    })
}

struct Icons {
    available: ksni::Icon,
    unavailable: ksni::Icon,
    waiting: ksni::Icon,
}

impl Icons {
    fn load() -> Result<Self, String> {
        Ok(Self {
            available: pixmap(ICON_AVAILABLE)?,
            unavailable: pixmap(ICON_UNAVAILABLE)?,
            waiting: pixmap(ICON_WAITING)?,
        })
    }

    fn of(&self, look: TrayLook) -> &ksni::Icon {
        match look {
            TrayLook::Available => &self.available,
            TrayLook::Unavailable => &self.unavailable,
            TrayLook::Waiting => &self.waiting,
        }
    }
}

/// The tray icon and menu: the owner's [`TrayView`]; clicks are inputs for the owner. The
/// labels are the window process's tray's.
pub struct LightTray {
    view: TrayView,
    icons: Icons,
    send: Arc<dyn Fn(Input) + Send + Sync>,
}

impl LightTray {
    fn item(&self, label: &str, enabled: bool, input: Input) -> MenuItem<Self> {
        StandardItem {
            label: label.to_owned(),
            enabled,
            activate: Box::new(move |tray: &mut Self| (tray.send)(input.clone())),
            ..Default::default()
        }
        .into()
    }
}

impl ksni::Tray for LightTray {
    fn id(&self) -> String {
        "pforte".to_owned()
    }

    fn title(&self) -> String {
        "Pforte".to_owned()
    }

    fn category(&self) -> ksni::Category {
        ksni::Category::Communications
    }

    fn status(&self) -> ksni::Status {
        match self.view.look {
            TrayLook::Waiting => ksni::Status::NeedsAttention,
            _ => ksni::Status::Active,
        }
    }

    fn icon_pixmap(&self) -> Vec<ksni::Icon> {
        vec![self.icons.of(self.view.look).clone()]
    }

    fn attention_icon_pixmap(&self) -> Vec<ksni::Icon> {
        vec![self.icons.waiting.clone()]
    }

    fn tool_tip(&self) -> ksni::ToolTip {
        ksni::ToolTip {
            title: "Pforte".to_owned(),
            description: self.view.status_line.clone(),
            ..Default::default()
        }
    }

    fn activate(&mut self, _x: i32, _y: i32) {
        (self.send)(Input::OpenWindow);
    }

    fn menu(&self) -> Vec<MenuItem<Self>> {
        let view = &self.view;
        vec![
            StandardItem {
                label: view.status_line.clone(),
                enabled: false,
                ..Default::default()
            }
            .into(),
            MenuItem::Separator,
            CheckmarkItem {
                label: "Live-Chat verfügbar".to_owned(),
                enabled: view.toggle_enabled,
                checked: view.checked,
                activate: Box::new(|tray: &mut Self| (tray.send)(Input::Tray(TrayItem::Toggle))),
                ..Default::default()
            }
            .into(),
            self.item("Dashboard öffnen", true, Input::Tray(TrayItem::Open)),
            MenuItem::Separator,
            self.item(
                "Abmelden",
                view.logout_enabled,
                Input::Tray(TrayItem::Logout),
            ),
            self.item("Beenden", true, Input::Tray(TrayItem::Quit)),
        ]
    }

    fn watcher_offline(&self, reason: ksni::OfflineReason) -> bool {
        // The desktop's tray went away (a shell restart, say); keep the item for its return.
        tracing::warn!(?reason, "the desktop's tray host went away");
        true
    }
}

/// The light tray's part of the owner's effects.
struct LightSurface {
    shell: Arc<Shell>,
    bus: zbus::Connection,
    views: watch::Sender<TrayView>,
    /// A window process is being started (its handover is awaited).
    opening: Arc<AtomicBool>,
}

impl Surface for LightSurface {
    fn tray(&self, view: TrayView) {
        self.views.send_replace(view);
    }

    fn emit(&self, _emission: Emission) {}

    fn show_window(&self, open: Option<Uuid>) {
        if self.opening.swap(true, Ordering::SeqCst) {
            return;
        }
        let shell = Arc::clone(&self.shell);
        let bus = self.bus.clone();
        let opening = Arc::clone(&self.opening);
        tokio::spawn(async move {
            open_window(&bus, open).await;
            // Still here: the window process ended (or never started) without taking over.
            if let Err(e) = handover::request_name(&bus, SINGLE_INSTANCE_NAME, true).await {
                tracing::warn!(%e, "second starts will not find the tray");
            }
            shell.send(Input::WindowGone);
            opening.store(false, Ordering::SeqCst);
        });
    }

    fn close_window(&self) {}

    fn attention(&self, _on: bool) {}

    fn confirm(&self, dialog: u64, question: Question) {
        let shell = Arc::clone(&self.shell);
        tokio::spawn(async move {
            let yes = ask(&question).await;
            shell.send(Input::Confirmed { dialog, yes });
        });
    }

    fn exit(&self) {
        std::process::exit(0);
    }
}

/// Start the window process and wait for it: returns only if it ended without taking over
/// (once it takes over, this process exits).
async fn open_window(bus: &zbus::Connection, open: Option<Uuid>) {
    let program = match std::env::var_os(handover::ENV_OPENS_WITH) {
        Some(program) => PathBuf::from(program),
        None => match handover::sibling("pforte-desktop") {
            Some(program) => program,
            None => return tracing::error!("pforte-desktop is not installed beside the tray"),
        },
    };
    // The window process takes the single-instance name; a second start then finds it.
    handover::release_name(bus, SINGLE_INSTANCE_NAME).await;
    let mut command = tokio::process::Command::new(&program);
    command
        .args(handover::window_args(open))
        .stdin(Stdio::null())
        .process_group(0);
    tracing::info!(program = %program.display(), ?open, "opening the window");
    match command.spawn() {
        Ok(mut child) => match child.wait().await {
            Ok(status) => tracing::warn!(%status, "the window process ended before it took over"),
            Err(e) => tracing::warn!(%e, "lost the window process"),
        },
        Err(e) => tracing::error!(%e, "the window process could not be started"),
    }
}

/// Ask `question` in `pforte-desktop --question`; no answer (or no dialog) is "no".
async fn ask(question: &Question) -> bool {
    let Some(program) = handover::sibling("pforte-desktop") else {
        tracing::error!("pforte-desktop is not installed beside the tray: no question asked");
        return false;
    };
    let Ok(json) = serde_json::to_string(question) else {
        return false;
    };
    let status = tokio::process::Command::new(program)
        .arg(QUESTION_ARG)
        .arg(json)
        .stdin(Stdio::null())
        .status()
        .await;
    match status {
        Ok(status) => status.success(),
        Err(e) => {
            tracing::warn!(%e, "the question could not be asked");
            false
        }
    }
}

/// The handover's D-Bus object: the window process calls `HandOver` once it is connected.
struct TrayObject {
    handed_over: Arc<Notify>,
}

#[zbus::interface(name = "org.pforte.desktop.Tray")]
impl TrayObject {
    fn hand_over(&self) {
        self.handed_over.notify_one();
    }
}

/// `tauri-plugin-single-instance`'s object: a second start of the app calls it.
struct SecondStart {
    send: Arc<dyn Fn(Input) + Send + Sync>,
}

#[zbus::interface(name = "org.SingleInstance.DBus")]
impl SecondStart {
    fn execute_callback(&self, argv: Vec<String>, _cwd: String) {
        match handover::open_request(&argv) {
            Some(request) => (self.send)(Input::NotificationClicked(request)),
            None => (self.send)(Input::OpenWindow),
        }
    }
}

/// Where the app keeps its settings: Tauri's `app_config_dir` on Linux.
fn settings_file() -> Option<PathBuf> {
    let config = std::env::var_os("XDG_CONFIG_HOME")
        .map(PathBuf::from)
        .filter(|p| p.is_absolute())
        .or_else(|| std::env::var_os("HOME").map(|home| PathBuf::from(home).join(".config")))?;
    Some(config.join(crate::IDENTIFIER).join("settings.json"))
}

/// The light tray's life: up, ready, owner running, until it quits or hands over.
pub async fn run() -> ExitCode {
    let bus = match zbus::Connection::session().await {
        Ok(bus) => bus,
        Err(e) => {
            tracing::error!(%e, "no session bus: no tray");
            return ExitCode::FAILURE;
        }
    };
    match handover::request_name(&bus, TRAY_NAME, false).await {
        Ok(true) => {}
        Ok(false) | Err(_) => {
            tracing::error!("another Pforte tray runs already");
            return ExitCode::FAILURE;
        }
    }
    let shell = Arc::new(Shell::new(
        Vault::new(Arc::new(Keyring::session())),
        Notifier::default(),
    ));
    if let Some(file) = settings_file() {
        shell.load_settings(file);
    }
    let send: Arc<dyn Fn(Input) + Send + Sync> = {
        let shell = Arc::clone(&shell);
        Arc::new(move |input| shell.send(input))
    };
    let icons = match Icons::load() {
        Ok(icons) => icons,
        Err(e) => {
            tracing::error!(%e, "the tray icons are broken");
            return ExitCode::FAILURE;
        }
    };
    let first = shell.status().tray;
    let tray = LightTray {
        view: first.clone(),
        icons,
        send: Arc::clone(&send),
    };
    let handle = match tray.spawn().await {
        Ok(handle) => handle,
        Err(e) => {
            tracing::error!(%e, "no StatusNotifierItem host: no light tray");
            return ExitCode::FAILURE;
        }
    };
    let (views, mut shown) = watch::channel(first);
    tokio::spawn(async move {
        while shown.changed().await.is_ok() {
            let view = shown.borrow_and_update().clone();
            if handle.update(|tray| tray.view = view).await.is_none() {
                return;
            }
        }
    });
    let handed_over = Arc::new(Notify::new());
    let objects = bus.object_server();
    let served = async {
        objects
            .at(
                TRAY_PATH,
                TrayObject {
                    handed_over: Arc::clone(&handed_over),
                },
            )
            .await?;
        objects
            .at(
                SINGLE_INSTANCE_PATH,
                SecondStart {
                    send: Arc::clone(&send),
                },
            )
            .await
    };
    if let Err(e) = served.await {
        tracing::error!(%e, "the tray's objects could not be served");
        return ExitCode::FAILURE;
    }
    // In line behind the window process that started us; ours once it has gone.
    if let Err(e) = handover::request_name(&bus, SINGLE_INSTANCE_NAME, true).await {
        tracing::warn!(%e, "second starts will not find the tray");
    }

    let surface = Arc::new(LightSurface {
        shell: Arc::clone(&shell),
        bus: bus.clone(),
        views,
        opening: Arc::default(),
    });
    {
        let clicked = Arc::clone(&send);
        shell
            .notifier
            .on_click(move |request| clicked(Input::NotificationClicked(request)));
        let switch_on = Arc::clone(&send);
        shell
            .notifier
            .on_switch_on(move || switch_on(Input::NotificationSwitchOn));
    }
    tokio::spawn(Arc::clone(&shell).own(surface));
    shell.send(Input::Started { hidden: true });
    tokio::spawn(Arc::clone(&shell).listen());
    tokio::spawn(Arc::clone(&shell).start_session());
    {
        use std::io::Write;
        let mut out = std::io::stdout();
        // The one line on standard output: the window process reads it, then goes.
        let _ = writeln!(out, "{}", handover::READY);
        let _ = out.flush();
    }
    tracing::info!("light tray ready");

    handed_over.notified().await;
    tracing::info!("the window process took over");
    shell.notifier.withdraw_all();
    // Let the withdrawals reach the notification daemon.
    tokio::time::sleep(Duration::from_millis(300)).await;
    ExitCode::SUCCESS
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_tray_icons_become_argb_pixmaps_of_their_size() {
        for png in [ICON_AVAILABLE, ICON_UNAVAILABLE, ICON_WAITING] {
            let icon = pixmap(png).unwrap();
            assert_eq!((icon.width, icon.height), (64, 64));
            assert_eq!(icon.data.len(), 64 * 64 * 4);
            assert!(
                icon.data.chunks(4).any(|p| p[0] == 255),
                "opaque pixels keep their alpha in front"
            );
            assert!(
                icon.data.chunks(4).any(|p| p[0] == 0),
                "and the corners stay clear"
            );
        }
    }

    fn tray(view: TrayView) -> (LightTray, Arc<std::sync::Mutex<Vec<Input>>>) {
        let sent = Arc::new(std::sync::Mutex::new(Vec::new()));
        let log = Arc::clone(&sent);
        let tray = LightTray {
            view,
            icons: Icons::load().unwrap(),
            send: Arc::new(move |input| log.lock().unwrap().push(input)),
        };
        (tray, sent)
    }

    fn view(look: TrayLook, checked: bool) -> TrayView {
        TrayView {
            look,
            tooltip: "Pforte – Live-Chat verfügbar · 1 Anfrage wartet".to_owned(),
            status_line: "Live-Chat verfügbar · 1 Anfrage wartet".to_owned(),
            checked,
            toggle_enabled: true,
            logout_enabled: true,
        }
    }

    #[test]
    fn the_light_trays_menu_has_the_window_trays_items_and_clicks_become_inputs() {
        use ksni::Tray;
        let (mut tray, sent) = tray(view(TrayLook::Waiting, true));
        let menu = tray.menu();
        let labels: Vec<String> = menu
            .iter()
            .map(|item| match item {
                MenuItem::Standard(i) => i.label.clone(),
                MenuItem::Checkmark(i) => {
                    format!("[{}] {}", if i.checked { "x" } else { " " }, i.label)
                }
                MenuItem::Separator => "---".to_owned(),
                _ => "?".to_owned(),
            })
            .collect();
        assert_eq!(
            labels,
            [
                "Live-Chat verfügbar · 1 Anfrage wartet",
                "---",
                "[x] Live-Chat verfügbar",
                "Dashboard öffnen",
                "---",
                "Abmelden",
                "Beenden"
            ]
        );
        assert_eq!(
            tray.status(),
            ksni::Status::NeedsAttention,
            "a request waits"
        );
        for item in &menu {
            match item {
                MenuItem::Standard(i) if i.enabled => (i.activate)(&mut tray),
                MenuItem::Checkmark(i) => (i.activate)(&mut tray),
                _ => {}
            }
        }
        tray.activate(0, 0);
        let sent: Vec<String> = sent
            .lock()
            .unwrap()
            .iter()
            .map(|i| format!("{i:?}"))
            .collect();
        assert_eq!(
            sent,
            [
                "Tray(Toggle)",
                "Tray(Open)",
                "Tray(Logout)",
                "Tray(Quit)",
                "OpenWindow"
            ]
        );
    }

    #[test]
    fn without_a_waiting_request_the_tray_is_calm_and_says_so_in_its_tooltip() {
        use ksni::Tray;
        let (tray, _) = tray(view(TrayLook::Available, true));
        assert_eq!(tray.status(), ksni::Status::Active);
        assert_eq!(
            tray.tool_tip().description,
            "Live-Chat verfügbar · 1 Anfrage wartet"
        );
    }
}
