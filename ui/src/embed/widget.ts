// The button and its dialog: the one element embed.js adds to the host page, with everything
// else in its Shadow DOM. The iframe of the asker page is made on the first click only, so a
// visitor who never clicks loads nothing of the chat.
import type { EmbedMessages } from "../i18n/types";
import { buttonLabel, type EmbedConfig } from "./config";
import type { Gate, GiveUp } from "./follow";
import { STYLES } from "./styles";

/** Below this width the chat opens in a tab of its own instead of a dialog. */
export const PHONE_QUERY = "(max-width: 640px)";

export interface Widget {
  element: HTMLElement;
  show(gate: Gate): void;
  hide(why: GiveUp): void;
}

function styleRoot(root: ShadowRoot, doc: Document) {
  // A constructed sheet is not an inline style, so a host page's strict CSP (style-src without
  // 'unsafe-inline') does not block it; older browsers get a <style> element.
  try {
    const sheet = new CSSStyleSheet();
    sheet.replaceSync(STYLES);
    root.adoptedStyleSheets = [sheet];
  } catch {
    const style = doc.createElement("style");
    style.textContent = STYLES;
    root.append(style);
  }
}

export function createWidget(config: EmbedConfig, texts: EmbedMessages, doc: Document): Widget {
  const make = <K extends keyof HTMLElementTagNameMap>(tag: K, className?: string) => {
    const element = doc.createElement(tag);
    if (className) element.className = className;
    return element;
  };
  const element = doc.createElement("pforte-chat");
  element.dataset.state = "loading";
  const root = element.attachShadow({ mode: "open" });
  styleRoot(root, doc);

  const button = make("button", "b");
  button.type = "button";
  button.hidden = true;
  button.lang = config.lang;
  const dot = make("span", "dot");
  dot.setAttribute("aria-hidden", "true");
  const label = make("span");
  button.append(dot, label);

  const dialog = make("dialog", "d");
  dialog.lang = config.lang;
  dialog.setAttribute("aria-labelledby", "pforte-title");
  const bar = make("div", "bar");
  const heading = make("div");
  const title = make("h2", "h");
  title.id = "pforte-title";
  const keeps = make("p", "k");
  keeps.textContent = texts.keepsRunning;
  heading.append(title, keeps);
  const close = make("button", "x");
  close.type = "button";
  close.textContent = texts.close;
  bar.append(heading, close);
  dialog.append(bar);
  root.append(button, dialog);

  let name = "";
  let frame: HTMLIFrameElement | null = null;

  button.addEventListener("click", () => {
    if (doc.defaultView?.matchMedia(PHONE_QUERY).matches) {
      doc.defaultView.open(config.pageUrl, "_blank", "noopener,noreferrer");
      return;
    }
    if (!frame) {
      frame = make("iframe", "f");
      frame.title = texts.frameTitle(name);
      frame.referrerPolicy = "no-referrer";
      frame.src = config.frameUrl;
      dialog.append(frame);
    }
    dialog.showModal();
    // Straight into the chat: it puts the focus on the heading of its step.
    frame.focus();
  });
  close.addEventListener("click", () => dialog.close());
  // Escape inside the asker page: it asks its parent to close (keys stay in their frame).
  doc.defaultView?.addEventListener("message", (event) => {
    if (
      frame &&
      event.source === frame.contentWindow &&
      event.origin === config.origin &&
      (event.data as { pforte?: unknown } | null)?.pforte === "close"
    ) {
      dialog.close();
    }
  });
  dialog.addEventListener("close", () => button.focus());

  return {
    element,
    show(gate) {
      name = gate.name;
      title.textContent = texts.dialogTitle(gate.name);
      label.textContent = buttonLabel(texts, gate.open, gate.hours);
      button.classList.toggle("o", gate.open);
      button.hidden = false;
      element.dataset.state = gate.open ? "open" : "closed";
    },
    hide(why) {
      element.dataset.state = why;
      // A chat begun in the dialog goes on (it may still be running): keep the way back to it.
      if (!frame) button.hidden = true;
    },
  };
}
