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
  e2e: {
    unreadable: "Diese Nachricht konnte nicht entschlüsselt werden",
    /** Why, after the notice. */
    reasons: {
      tampered: "Sie wurde unterwegs verändert oder gehört nicht in diesen Chat.",
      replayed: "Sie wurde ein zweites Mal oder in falscher Reihenfolge zugestellt.",
      bad_key: "Ihr Schlüssel ist ungültig.",
      too_long: "Sie ist zu lang.",
      no_key: "Der Schlüssel dafür fehlt hier.",
    },
    safetyCode: "Sicherheitscode",
    showSafetyCode: "Sicherheitscode",
    hideSafetyCode: "Sicherheitscode ausblenden",
    safetyCodeLoading: "Der Sicherheitscode wird berechnet…",
    /** The server's codes of the end-to-end encryption. */
    errors: {
      sealed_invalid:
        "Die Nachricht war nicht richtig verschlüsselt und wurde nicht gesendet. Bitte versuchen Sie es noch einmal.",
      key_invalid: "Ein Schlüssel war ungültig. Bitte laden Sie die Seite neu.",
      devices_changed:
        "Ihre Geräte haben sich gerade geändert. Bitte versuchen Sie es noch einmal.",
      unknown_device:
        "Dieses Gerät wurde aus „Meine Geräte“ entfernt. Bitte melden Sie sich neu an.",
      too_many_devices:
        "Sie haben schon die höchste Zahl an Geräten. Bitte entfernen Sie zuerst eines unter „Meine Geräte“.",
      device_name_invalid: "Der Name des Geräts ist ungültig.",
      no_key:
        "Der Schlüssel dieses Chats fehlt hier: Nachrichten können hier weder gelesen noch gesendet werden.",
      key_outdated:
        "Ein anderes Gerät hat den Schlüssel dieses Chats gerade erneuert. Bitte versuchen Sie es noch einmal.",
    },
  },
};
