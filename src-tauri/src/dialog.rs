//! Native yes/no dialogs for the tray's confirmations. The answer is an input for the owner;
//! closing the dialog counts as "no".
//!
//! - **Linux**: a GTK message dialog, deliberately *not* modal. A modal GTK window holds a
//!   grab, and while it does GTK drops the `WM_DELETE_WINDOW` of every other window of the
//!   app: the dashboard's close would go unheard (no "going offline") for as long as the
//!   question stays open. tauri-plugin-dialog (rfd) makes its GTK dialogs modal, so it is not
//!   used here.
//! - **Windows, macOS**: tauri-plugin-dialog (Rust side only).

use pforte_shell_core::machine::Question;
use tauri::{AppHandle, Runtime};

use crate::shell;

#[cfg(all(unix, not(target_os = "macos")))]
mod gtk_dialog {
    use std::cell::{Cell, RefCell};
    use std::rc::Rc;
    use std::sync::Arc;

    use gtk::prelude::*;
    use pforte_shell_core::machine::{Input, Question};

    use crate::shell::Shell;

    /// The one question window, kept and reused (hidden between questions), and the id of
    /// the question it shows. Main thread only.
    struct Asking {
        window: gtk::MessageDialog,
        yes: gtk::Widget,
        no: gtk::Widget,
        current: Rc<Cell<Option<u64>>>,
    }

    thread_local! {
        static ASKING: RefCell<Option<Asking>> = const { RefCell::new(None) };
    }

    /// The question's window and its two buttons (yes, no), still empty.
    fn question_window() -> (gtk::MessageDialog, gtk::Widget, gtk::Widget) {
        let window = gtk::MessageDialog::new(
            None::<&gtk::Window>,
            gtk::DialogFlags::empty(),
            gtk::MessageType::Warning,
            gtk::ButtonsType::None,
            "",
        );
        window.set_keep_above(true);
        // Mnemonics (Alt+…) on both; Enter and Escape keep the switch.
        let no = window.add_button("", gtk::ResponseType::Cancel);
        let yes = window.add_button("", gtk::ResponseType::Ok);
        window.set_default_response(gtk::ResponseType::Cancel);
        (window, yes, no)
    }

    /// Put `question` into the window and bring it up.
    fn ask(window: &gtk::MessageDialog, yes: &gtk::Widget, no: &gtk::Widget, question: &Question) {
        window.set_title(&question.title);
        window.set_text(Some(&question.title));
        window.set_secondary_text(Some(&question.body));
        label(yes, &question.yes);
        label(no, &question.no);
        window.show_all();
        window.present();
    }

    fn build(shell: Arc<Shell>) -> Asking {
        let (window, yes, no) = question_window();
        let current: Rc<Cell<Option<u64>>> = Rc::default();
        let answer = {
            let current = Rc::clone(&current);
            move |window: &gtk::MessageDialog, yes: bool| {
                window.hide();
                if let Some(dialog) = current.take() {
                    shell.send(Input::Confirmed { dialog, yes });
                }
            }
        };
        let on_response = answer.clone();
        window.connect_response(move |window, response| {
            on_response(window, response == gtk::ResponseType::Ok);
        });
        // Closing the window is "no", and keeps the window for the next question.
        window.connect_delete_event(move |window, _| {
            answer(window, false);
            gtk::glib::Propagation::Stop
        });
        Asking {
            window,
            yes,
            no,
            current,
        }
    }

    fn label(button: &gtk::Widget, text: &str) {
        if let Some(button) = button.downcast_ref::<gtk::Button>() {
            button.set_label(&format!("_{text}"));
            button.set_use_underline(true);
        }
    }

    /// Ask one question in a process of its own (the light tray's): GTK only for as long as
    /// the dialog is up. `true` for yes; closing it is "no".
    pub fn ask_alone(question: &Question) -> bool {
        if let Err(e) = gtk::init() {
            tracing::error!(%e, "no display for the question");
            return false;
        }
        let (window, yes, no) = question_window();
        ask(&window, &yes, &no, question);
        let answer = window.run() == gtk::ResponseType::Ok;
        window.close();
        answer
    }

    pub fn show(shell: Arc<Shell>, dialog: u64, question: Question) {
        ASKING.with(|asking| {
            let mut asking = asking.borrow_mut();
            let asking = asking.get_or_insert_with(|| build(shell));
            asking.current.set(Some(dialog));
            ask(&asking.window, &asking.yes, &asking.no, &question);
        });
    }
}

/// The light tray's question (`pforte-desktop --question <json>`): `true` for yes.
#[cfg(all(unix, not(target_os = "macos")))]
pub fn ask_alone(json: &str) -> bool {
    match serde_json::from_str::<Question>(json) {
        Ok(question) => gtk_dialog::ask_alone(&question),
        Err(e) => {
            tracing::error!(%e, "not a question");
            false
        }
    }
}

#[cfg(all(unix, not(target_os = "macos")))]
pub fn confirm<R: Runtime>(app: &AppHandle<R>, dialog: u64, question: Question) {
    let shell = shell::shell(app);
    if let Err(e) = app.run_on_main_thread(move || gtk_dialog::show(shell, dialog, question)) {
        tracing::warn!(%e, "the question could not be shown");
    }
}

#[cfg(not(all(unix, not(target_os = "macos"))))]
pub fn confirm<R: Runtime>(app: &AppHandle<R>, dialog: u64, question: Question) {
    use pforte_shell_core::machine::Input;
    use tauri_plugin_dialog::{DialogExt, MessageDialogButtons, MessageDialogKind};
    let shell = shell::shell(app);
    app.dialog()
        .message(question.body)
        .title(question.title)
        .kind(MessageDialogKind::Warning)
        .buttons(MessageDialogButtons::OkCancelCustom(
            question.yes,
            question.no,
        ))
        .show(move |yes| shell.send(Input::Confirmed { dialog, yes }));
}
