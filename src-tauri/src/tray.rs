//! The tray icon and its menu. What it shows is the owner's [`TrayView`]; a click is an
//! input for the owner. On Linux the menu is exported over D-Bus (`com.canonical.dbusmenu`)
//! by libayatana-appindicator, so it works while there is no window.

use std::sync::Mutex;

use tauri::image::Image;
use tauri::menu::{CheckMenuItem, Menu, MenuItem, PredefinedMenuItem};
use tauri::tray::{MouseButton, MouseButtonState, TrayIcon, TrayIconBuilder, TrayIconEvent};
use tauri::{AppHandle, Manager, Runtime};

use pforte_shell_core::decisions::{TrayLook, TrayView};
use pforte_shell_core::machine::{Input, TrayItem};

use crate::shell;

pub const TRAY_ID: &str = "pforte";
pub const ID_STATUS: &str = "status";
pub const ID_TOGGLE: &str = "availability";
pub const ID_OPEN: &str = "open";
pub const ID_LOGOUT: &str = "logout";
pub const ID_QUIT: &str = "quit";

const ICON_AVAILABLE: &[u8] = include_bytes!("../../icons/tray-available.png");
const ICON_UNAVAILABLE: &[u8] = include_bytes!("../../icons/tray-unavailable.png");
const ICON_WAITING: &[u8] = include_bytes!("../../icons/tray-waiting.png");

/// The tray's parts, managed as state.
pub struct Tray<R: Runtime> {
    icon: TrayIcon<R>,
    status: MenuItem<R>,
    toggle: CheckMenuItem<R>,
    logout: MenuItem<R>,
    shown: Mutex<Option<TrayView>>,
}

fn image(look: TrayLook) -> tauri::Result<Image<'static>> {
    Image::from_bytes(match look {
        TrayLook::Available => ICON_AVAILABLE,
        TrayLook::Unavailable => ICON_UNAVAILABLE,
        TrayLook::Waiting => ICON_WAITING,
    })
}

pub fn create<R: Runtime>(app: &AppHandle<R>) -> tauri::Result<()> {
    let view = shell::shell(app).status().tray;
    let status = MenuItem::with_id(app, ID_STATUS, &view.status_line, false, None::<&str>)?;
    let toggle = CheckMenuItem::with_id(
        app,
        ID_TOGGLE,
        "Live-Chat verfügbar",
        view.toggle_enabled,
        view.checked,
        None::<&str>,
    )?;
    let open = MenuItem::with_id(app, ID_OPEN, "Dashboard öffnen", true, None::<&str>)?;
    let logout = MenuItem::with_id(
        app,
        ID_LOGOUT,
        "Abmelden",
        view.logout_enabled,
        None::<&str>,
    )?;
    let quit = MenuItem::with_id(app, ID_QUIT, "Beenden", true, None::<&str>)?;
    let menu = Menu::with_items(
        app,
        &[
            &status,
            &PredefinedMenuItem::separator(app)?,
            &toggle,
            &open,
            &PredefinedMenuItem::separator(app)?,
            &logout,
            &quit,
        ],
    )?;
    let icon = TrayIconBuilder::with_id(TRAY_ID)
        .icon(image(view.look)?)
        .tooltip(&view.tooltip)
        .menu(&menu)
        .show_menu_on_left_click(false)
        .on_menu_event(|app, event| on_menu(app, event.id().as_ref()))
        .on_tray_icon_event(|tray, event| {
            if let TrayIconEvent::Click {
                button: MouseButton::Left,
                button_state: MouseButtonState::Up,
                ..
            } = event
            {
                shell::shell(tray.app_handle()).send(Input::OpenWindow);
            }
        })
        .build(app)?;
    app.manage(Tray {
        icon,
        status,
        toggle,
        logout,
        shown: Mutex::new(Some(view)),
    });
    Ok(())
}

fn on_menu<R: Runtime>(app: &AppHandle<R>, id: &str) {
    let item = match id {
        ID_TOGGLE => TrayItem::Toggle,
        ID_OPEN => TrayItem::Open,
        ID_LOGOUT => TrayItem::Logout,
        ID_QUIT => TrayItem::Quit,
        _ => return,
    };
    shell::shell(app).send(Input::Tray(item));
}

/// Show `view` on the main thread, where the tray lives. Nothing waits for it.
pub fn show_later<R: Runtime>(app: &AppHandle<R>, view: TrayView) {
    let handle = app.clone();
    if let Err(e) = app.run_on_main_thread(move || show(&handle, &view)) {
        tracing::debug!(%e, "tray not updated");
    }
}

/// Show `view` (only what changed; the check state always, since a click toggles it natively).
/// Main thread only.
fn show<R: Runtime>(app: &AppHandle<R>, view: &TrayView) {
    let Some(tray) = app.try_state::<Tray<R>>() else {
        return;
    };
    let Ok(mut shown) = tray.shown.lock() else {
        return;
    };
    let before = shown.replace(view.clone());
    let changed = |f: fn(&TrayView) -> bool| before.as_ref().is_none_or(|b| f(b) != f(view));
    if before.as_ref().is_none_or(|b| b.look != view.look) {
        if let Ok(icon) = image(view.look) {
            let _ = tray.icon.set_icon(Some(icon));
        }
    }
    if before.as_ref().is_none_or(|b| b.tooltip != view.tooltip) {
        let _ = tray.icon.set_tooltip(Some(&view.tooltip));
        let _ = tray.status.set_text(&view.status_line);
    }
    let _ = tray.toggle.set_checked(view.checked);
    if changed(|v| v.toggle_enabled) {
        let _ = tray.toggle.set_enabled(view.toggle_enabled);
    }
    if changed(|v| v.logout_enabled) {
        let _ = tray.logout.set_enabled(view.logout_enabled);
    }
}
