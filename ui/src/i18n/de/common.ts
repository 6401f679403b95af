import { plural } from "../plural";

export const deCommon = {
  locale: "de-DE",
  appName: "Pforte",
  language: {
    label: "Sprache",
    /** The name of the other language, on the switch. */
    other: "English",
    otherCode: "en",
  },
  connection: {
    connecting: "Verbindung wird aufgebaut…",
    connected: "verbunden",
    reconnecting: "Verbindung wird wiederhergestellt…",
    closed: "nicht verbunden",
    label: "Verbindung",
  },
  errors: {
    network:
      "Der Server ist gerade nicht erreichbar. Bitte prüfen Sie Ihre Verbindung und versuchen Sie es gleich noch einmal.",
    protocol: "Der Server hat unerwartet geantwortet. Bitte versuchen Sie es noch einmal.",
    unavailable:
      "Der Dienst startet gerade neu. Bitte versuchen Sie es in einem Moment noch einmal.",
    rate_limited: "Zu viele Versuche in kurzer Zeit. Bitte warten Sie eine Minute.",
    generic: "Das hat nicht geklappt. Bitte versuchen Sie es noch einmal.",
  },
  dialog: {
    cancel: "Abbrechen",
  },
  chat: {
    logLabel: "Nachrichten",
    you: "Sie",
    messageLabel: "Ihre Nachricht",
    send: "Senden",
    sending: "Wird gesendet…",
    sendHint: "Enter sendet, Umschalt + Enter beginnt eine neue Zeile.",
    charsLeft: (n: number) => `Noch ${n} ${plural(n, "Zeichen", "Zeichen")}`,
    tooLong: (max: number, over: number) =>
      `Die Nachricht ist ${over} ${plural(over, "Zeichen", "Zeichen")} zu lang (höchstens ${max}).`,
    empty: "Bitte schreiben Sie zuerst eine Nachricht.",
    notSent:
      "Die Nachricht wurde nicht gesendet. Ihr Text ist noch da – bitte senden Sie ihn noch einmal.",
    ended: "Dieser Chat ist beendet. Sie können ihn nur noch lesen.",
    none: "Noch keine Nachrichten.",
    loading: "Nachrichten werden geladen…",
    at: (time: string) => `um ${time} Uhr`,
    from: (name: string) => `${name} schreibt`,
  },
};
