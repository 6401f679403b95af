//! Native yes/no dialogs (tauri-plugin-dialog, Rust side only; on Linux a GTK message
//! dialog). The answer is an input for the owner.

use pforte_shell_core::machine::{Input, Question};
use tauri::{AppHandle, Runtime};
use tauri_plugin_dialog::{DialogExt, MessageDialogButtons, MessageDialogKind};

use crate::shell;

/// Ask `question`; the counselor's answer goes to the owner as [`Input::Confirmed`]. Closing
/// the dialog counts as "no".
pub fn confirm<R: Runtime>(app: &AppHandle<R>, dialog: u64, question: Question) {
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
