import { plural } from "../plural";
import { deAdmin } from "./admin";

export const deDashboard = {
  pageTitle: "Pforte – Live-Chat",
  skipToContent: "Zum Inhalt springen",
  login: {
    title: "Anmelden",
    intro: "Live-Chat für Berater_innen",
    server: "Serveradresse",
    serverHint: "Zum Beispiel https://beratung.example.org",
    name: "Benutzername",
    password: "Passwort",
    submit: "Anmelden",
    submitting: "Anmeldung läuft…",
    invalidCredentials: "Benutzername oder Passwort stimmt nicht.",
    missingServer: "Bitte geben Sie die Serveradresse an.",
    invalidServer: "Bitte geben Sie eine Adresse an, die mit http:// oder https:// beginnt.",
    missingName: "Bitte geben Sie Ihren Benutzernamen an.",
    missingPassword: "Bitte geben Sie Ihr Passwort an.",
    insecureServer:
      "Die App verbindet sich nur über https:// (http:// nur mit einem Server auf diesem Rechner).",
    note: "Nach der Anmeldung ist Ihre Live-Chat Verfügbarkeit ausgeschaltet. Sie schalten sie selbst ein.",
    sessionEnded: {
      logged_out: "Sie wurden abgemeldet.",
      expired: "Ihre Sitzung ist abgelaufen. Bitte melden Sie sich neu an.",
      deactivated: "Ihr Zugang wurde von der Administration deaktiviert.",
    },
    errorSummary: "Bitte prüfen Sie Ihre Angaben.",
  },
  nav: {
    label: "Hauptnavigation",
    firstRequests: "Erstanfragen",
    liveChatRequests: "Live-Chat Anfragen",
    conversations: "Meine Beratungen",
    profile: "Profil",
    activities: "Meine Aktivitäten",
    logout: "Abmelden",
    signedInAs: (name: string) => `Angemeldet als ${name}`,
    available: "Verfügbar",
    notAvailable: "Nicht verfügbar",
    unreadBadge: (n: number) => plural(n, "1 ungelesene Nachricht", `${n} ungelesene Nachrichten`),
    waitingBadge: (n: number) => plural(n, "1 wartende Anfrage", `${n} wartende Anfragen`),
  },
  requests: {
    title: "Live-Chat Anfragen",
    listLabel: "Wartende Anfragen, die älteste zuerst",
    unavailableTitle: "Ihre Live-Chat Verfügbarkeit ist ausgeschaltet",
    notConnectedTitle: "Sie sind gerade ohne Verbindung",
    absentTitle: "Sie sind als abwesend eingetragen",
    unavailableBody:
      "Anfragen sehen nur Berater_innen, die ihre Live-Chat Verfügbarkeit eingeschaltet haben. Erst dann öffnet sich auch der Warteraum für Ratsuchende Ihrer Themen.",
    activate: "Verfügbarkeit aktivieren",
    activating: "Wird aktiviert…",
    absentBody:
      "Sie sind als abwesend eingetragen. Beenden Sie zuerst Ihre Abwesenheit unter Profil > Meine Aktivitäten.",
    toActivities: "Zu Meine Aktivitäten",
    notConnected:
      "Ihre Verfügbarkeit ist eingeschaltet, aber die Verbindung fehlt. Sobald sie wieder steht, sind Sie verfügbar.",
    empty: "Gerade wartet niemand. Neue Anfragen erscheinen hier sofort.",
    loading: "Anfragen werden geladen…",
    count: (n: number) => plural(n, "1 Anfrage wartet", `${n} Anfragen warten`),
    waitingFor: (minutes: number) =>
      minutes < 1
        ? "wartet seit weniger als einer Minute"
        : `wartet seit ${minutes} ${plural(minutes, "Minute", "Minuten")}`,
    since: (time: string) => `seit ${time} Uhr`,
    accept: "Chat starten",
    accepting: "Wird gestartet…",
    fromNotification: "Aus Ihrer Benachrichtigung",
    notificationGone:
      "Die Anfrage aus Ihrer Benachrichtigung wartet nicht mehr: Sie wurde schon angenommen oder zurückgezogen.",
    problems: {
      already_taken: "Ein_e Kolleg_in war schneller und hat diese Anfrage schon angenommen.",
      request_gone: "Diese Anfrage besteht nicht mehr: Die Person hat den Warteraum verlassen.",
      not_available:
        "Sie sind nicht mehr verfügbar. Schalten Sie Ihre Verfügbarkeit wieder ein, um Anfragen anzunehmen.",
      not_your_topic: "Diese Anfrage gehört zu einem Thema, das Sie nicht betreuen.",
      no_free_seat:
        "Alle Ihre Plätze sind belegt: Beenden Sie zuerst einen laufenden Chat, dann können Sie diesen starten.",
      no_key:
        "Dieses Gerät hat keine Schlüssel für die Verschlüsselung: Hier können Sie keinen Chat starten.",
      key_invalid:
        "Der Schlüssel der ratsuchenden Person ist ungültig: Der Chat kann nicht verschlüsselt werden.",
    },
    noFreeSeat: "Alle Ihre Plätze sind belegt",
    seats: (free: number, limit: number) =>
      `${plural(free, "1 freier Platz", `${free} freie Plätze`)} von ${limit}`,
  },
  coverage: {
    title: "Wer ist gerade da?",
    topic: "Thema",
    available: "Verfügbar",
    waiting: "Wartend",
    none: "Keine Themen mit Live-Chat.",
    lastOne: "Nur Sie",
    freeSeats: "Freie Plätze",
    unlimited: "unbegrenzt",
  },
  shifts: {
    title: "Meine Chatzeiten",
    intro:
      "Markieren Sie die Zeiten, die Sie abdecken. Beginnt eine davon und Sie sind noch nicht verfügbar, werden Sie erinnert.",
    none: "Für Ihre Themen sind keine Chatzeiten eingetragen.",
    loading: "Chatzeiten werden geladen…",
    slot: (day: string, start: string, end: string) => `${day} ${start}–${end} Uhr`,
    atEnd: "Am Ende meiner Chatzeit",
    remind: "an das Ausschalten erinnern",
    autoOff: "automatisch ausschalten",
    save: "Chatzeiten speichern",
    saving: "Wird gespeichert…",
    saved: "Ihre Chatzeiten sind gespeichert.",
    failed: "Die Chatzeiten konnten nicht gespeichert werden.",
    unknownSlot: "Diese Chatzeit gibt es nicht mehr. Bitte laden Sie die Seite neu.",
    days: {
      monday: "Mo",
      tuesday: "Di",
      wednesday: "Mi",
      thursday: "Do",
      friday: "Fr",
      saturday: "Sa",
      sunday: "So",
    },
    dayNames: {
      monday: "Montag",
      tuesday: "Dienstag",
      wednesday: "Mittwoch",
      thursday: "Donnerstag",
      friday: "Freitag",
      saturday: "Samstag",
      sunday: "Sonntag",
    },
  },
  plan: {
    title: (topic: string) => `Wochenplan: ${topic}`,
    week: (monday: string) => `Woche ab ${String(monday).split("-").reverse().join(".")}`,
    gaps: (n: number) =>
      n === 0
        ? "Alle Chatzeiten sind abgedeckt."
        : plural(n, "1 Chatzeit ist nicht abgedeckt", `${n} Chatzeiten sind nicht abgedeckt`),
    nobody: "Niemand – nicht abgedeckt",
    extra: "Zusätzliche Zeit",
    noHours: "Keine Chatzeiten in dieser Woche.",
    loading: "Wochenplan wird geladen…",
    failed: "Der Wochenplan konnte nicht geladen werden.",
  },
  reminder: {
    started: (topic: string, start: string, end: string) =>
      `Ihre Chatzeit beginnt – Sie sind noch nicht verfügbar (${topic}, ${start}–${end} Uhr).`,
    ended: (topic: string) =>
      `Ihre Chatzeit für ${topic} ist zu Ende. Denken Sie daran, Ihre Verfügbarkeit auszuschalten.`,
    switchedOff: (topic: string) =>
      `Ihre Chatzeit für ${topic} ist zu Ende: Ihre Verfügbarkeit wurde automatisch ausgeschaltet.`,
    switchOn: "Jetzt verfügbar schalten",
    switchOff: "Verfügbarkeit ausschalten",
    dismiss: "Ausblenden",
  },
  alert: {
    title: "Neue Live-Chat Anfrage",
    body: (topic: string, time: string) => `${topic}, seit ${time} Uhr`,
    more: (n: number) => plural(n, "und 1 weitere", `und ${n} weitere`),
    show: "Anfragen anzeigen",
    dismiss: "Ausblenden",
  },
  conversations: {
    title: "Meine Beratungen",
    running: "Laufende Chats",
    ended: "Beendete Chats",
    noneRunning: "Gerade keine laufenden Chats.",
    noneEnded: "Noch keine beendeten Chats.",
    loading: "Beratungen werden geladen…",
    unread: (n: number) => plural(n, "1 ungelesen", `${n} ungelesen`),
    startedAt: (when: string) => `begonnen ${when}`,
    endedAt: (when: string) => `beendet ${when}`,
    askerOnline: "ist da",
    askerAway: "Seite geschlossen",
    pick: "Wählen Sie links einen Chat aus.",
    back: "Zurück zur Liste",
    notFound: "Diesen Chat gibt es nicht (mehr).",
  },
  chat: {
    title: (pseudonym: string) => `Chat mit ${pseudonym}`,
    topic: (topic: string) => `Thema: ${topic}`,
    askerOnline: "Die ratsuchende Person ist da.",
    askerAway:
      "Die ratsuchende Person hat die Seite gerade nicht geöffnet. Ihre Nachrichten kommen trotzdem an.",
    end: "Chat beenden",
    endTitle: "Chat beenden?",
    endBody: (pseudonym: string) =>
      `Der Chat mit ${pseudonym} wird für beide Seiten beendet und ist danach nur noch lesbar.`,
    endConfirm: "Ja, Chat beenden",
    endedByAsker: "Die ratsuchende Person hat den Chat beendet.",
    endedByYou: "Sie haben den Chat beendet.",
    endFailed: "Der Chat konnte nicht beendet werden. Bitte versuchen Sie es noch einmal.",
    newMessage: (pseudonym: string) => `Neue Nachricht von ${pseudonym}`,
    safetyHelp: "Vergleichen Sie diesen Code mit der ratsuchenden Person",
    /** Why this chat cannot be read or written on this device. */
    keyProblems: {
      no_device:
        "Dieses Gerät hat keine Schlüssel: Der Chat kann hier weder gelesen noch geschrieben werden.",
      no_key:
        "Dieser Chat wurde für andere Geräte verschlüsselt: Auf diesem Gerät kann er weder gelesen noch geschrieben werden.",
      unreachable:
        "Die Schlüssel dieses Chats konnten nicht geladen werden. Es wird bei der nächsten Verbindung wieder versucht.",
    },
    /** Reads the chat's keys again (another device may have given it to this one meanwhile). */
    retryKeys: "Erneut versuchen",
    rekeyFailed:
      "Der Schlüssel des Chats konnte nicht erneuert werden. Neue Nachrichten werden weiter mit dem bisherigen Schlüssel verschlüsselt; das entfernte Gerät ist abgemeldet.",
  },
  devices: {
    title: "Meine Geräte",
    explain:
      "Chats sind Ende-zu-Ende verschlüsselt: Lesen können sie nur die Geräte, die hier stehen. Ein neu hinzugefügtes Gerät bekommt die Schlüssel bisheriger Chats von einem Ihrer anderen Geräte, sobald Sie sich dort anmelden oder dort „Meine Geräte“ öffnen.",
    loading: "Geräte werden geladen…",
    failed: "Die Geräte konnten nicht geladen werden.",
    none: "Noch keine Geräte.",
    thisDevice: "dieses Gerät",
    added: (date: string) => `hinzugefügt am ${date}`,
    remove: "Entfernen",
    removeTitle: "Gerät entfernen?",
    removeBody: (name: string) =>
      `„${name}“ wird abgemeldet und kann danach keine neuen Chats und Nachrichten mehr lesen. Um es wieder zu nutzen, melden Sie sich dort neu an.`,
    removeConfirm: "Ja, entfernen",
    removeFailed: "Das Gerät konnte nicht entfernt werden. Bitte versuchen Sie es noch einmal.",
    /** After removing a device: running chats whose new key could not be made. */
    rekeyFailed: (count: number) =>
      count === 1
        ? "Der Schlüssel des Chats konnte nicht erneuert werden: Neue Nachrichten werden weiter mit dem bisherigen Schlüssel verschlüsselt. Das entfernte Gerät ist abgemeldet."
        : `Der Schlüssel von ${count} Chats konnte nicht erneuert werden: Neue Nachrichten werden dort weiter mit dem bisherigen Schlüssel verschlüsselt. Das entfernte Gerät ist abgemeldet.`,
    /** Notices about this device, at the top of the dashboard. */
    status: {
      removed:
        "Dieses Gerät wurde aus „Meine Geräte“ entfernt. Bitte melden Sie sich neu an, um hier wieder Chats zu lesen und zu schreiben.",
      unsupported:
        "Dieser Browser kann keine Schlüssel speichern (z. B. in einem privaten Fenster): Chats können hier nicht gelesen werden.",
      unreachable:
        "Die Schlüssel dieses Geräts konnten noch nicht eingerichtet werden. Es wird bei der nächsten Verbindung wieder versucht.",
      refused:
        "Dieses Gerät konnte nicht zu „Meine Geräte“ hinzugefügt werden. Entfernen Sie dort ein altes Gerät und melden Sie sich neu an.",
    },
  },
  activities: {
    title: "Meine Aktivitäten",
    profileTitle: "Profil",
    topics: "Meine Themen",
    liveChat: "Live-Chat",
  },
  availability: {
    title: "Meine Live-Chat Verfügbarkeit",
    explain:
      "Solange sie eingeschaltet ist, ist der Warteraum Ihrer Themen offen, und Sie werden über neue Anfragen informiert. Beim Abmelden geht sie aus.",
    on: "Ein",
    off: "Aus",
    statusAvailable: "Sie sind verfügbar.",
    statusNotConnected:
      "Eingeschaltet, aber gerade ohne Verbindung. Sie sind wieder verfügbar, sobald die Verbindung steht.",
    statusAbsent: "Während Ihrer Abwesenheit ist die Verfügbarkeit ausgeschaltet.",
    statusOff: "Sie sind nicht verfügbar.",
    absentError: "Sie sind als abwesend eingetragen. Beenden Sie zuerst Ihre Abwesenheit.",
    reasons: {
      toggle: "Ihre Verfügbarkeit wurde an anderer Stelle umgeschaltet.",
      logout: "Ihre Verfügbarkeit wurde beim Abmelden ausgeschaltet.",
      session_expired: "Ihre Verfügbarkeit wurde ausgeschaltet, weil die Sitzung abgelaufen ist.",
      absence: "Ihre Verfügbarkeit wurde wegen Ihrer Abwesenheit ausgeschaltet.",
      window_closed: "Ihre Verfügbarkeit wurde beim Schließen des Fensters ausgeschaltet.",
      app_quit: "Ihre Verfügbarkeit wurde beim Beenden der App ausgeschaltet.",
      screen_locked: "Ihre Verfügbarkeit wurde beim Sperren des Bildschirms ausgeschaltet.",
      system_sleep: "Ihre Verfügbarkeit wurde beim Ruhezustand ausgeschaltet.",
      connection_lost:
        "Ihre Verfügbarkeit wurde ausgeschaltet, weil die Verbindung abgebrochen ist. Schalten Sie sie wieder ein, wenn Sie weiter da sind.",
      shift_ended: "Ihre Chatzeit ist zu Ende: Ihre Verfügbarkeit wurde automatisch ausgeschaltet.",
      operator: "Ihre Verfügbarkeit wurde von der Administration ausgeschaltet.",
    },
    byOperator: (reason: string) => `Von der Administration ausgeschaltet: ${reason}`,
    confirmTitle: "Wirklich ausschalten?",
    confirmLogoutTitle: "Wirklich abmelden?",
    confirmIntro: "Sie sind die letzte verfügbare Person für:",
    confirmLine: (topic: string, waiting: number) =>
      `${topic}: ${plural(waiting, "1 Person wartet", `${waiting} Personen warten`)}`,
    confirmOutro:
      "Die Wartenden erfahren dann sofort, dass niemand mehr da ist, und werden nach einer kurzen Frist verabschiedet.",
    confirmOff: "Trotzdem ausschalten",
    confirmLogout: "Trotzdem abmelden",
    keepOn: "Verfügbar bleiben",
  },
  absence: {
    title: "Meine Abwesenheit",
    toggle: "Ich bin abwesend",
    messageLabel: "Abwesenheitsnotiz (optional)",
    messageHint: (max: number) => `Höchstens ${max} Zeichen.`,
    tooLong: (max: number) => `Die Notiz ist zu lang: höchstens ${max} Zeichen.`,
    save: "Abwesenheit speichern",
    saving: "Wird gespeichert…",
    saved: "Gespeichert.",
    note: "Solange Sie abwesend sind, können Sie keine Live-Chat Anfragen annehmen.",
  },
  statistics: {
    title: "Meine Statistik",
    period: "Zeitraum",
    periods: {
      this_month: "Dieser Monat",
      last_month: "Letzter Monat",
      this_year: "Dieses Jahr",
      last_year: "Letztes Jahr",
      custom: "Eigener Zeitraum",
    },
    from: "Von",
    to: "Bis",
    show: "Anzeigen",
    loading: "Wird geladen…",
    range: (from: string, to: string) => `Im Zeitraum vom ${from} bis ${to}:`,
    accepted: "Angenommene Chats",
    messages: "Gesendete Nachrichten",
    availableTime: "Zeit verfügbar",
    ended: "Beendete Chats",
    hoursMinutes: (h: number, m: number) => `${h} Std. ${m} Min.`,
    download: "Download Excel Datei",
    downloading: "Wird heruntergeladen…",
    fileName: (from: string, to: string) => `Meine-Statistik_${from}_${to}.xlsx`,
    savedTo: (path: string) => `Gespeichert unter ${path}`,
    problems: {
      invalid_from: "Bitte geben Sie ein gültiges Startdatum an.",
      invalid_to: "Bitte geben Sie ein gültiges Enddatum an.",
      from_after_to: "Das Startdatum liegt nach dem Enddatum.",
      too_long: "Der Zeitraum ist zu lang: höchstens fünf Jahre.",
    },
  },
  settings: {
    title: "Hinweise auf neue Anfragen",
    sound: "Ton bei neuen Live-Chat Anfragen",
    soundHint:
      "Ein kurzer, leiser Ton. Er wiederholt sich jede Minute, solange eine neue Anfrage unbeachtet wartet.",
    test: "Ton testen",
    soundHintDesktop:
      "Die Benachrichtigungen des Systems spielen dann einen Ton; die Erinnerung wiederholt ihn, solange eine Anfrage wartet.",
  },
  desktop: {
    title: "Desktop-App",
    autostart: "Beim Anmelden am Computer starten",
    autostartHint:
      "Pforte startet dann im Infobereich, ohne Fenster. Ihre Live-Chat Verfügbarkeit bleibt dabei ausgeschaltet.",
    reminder: "Erinnerung, solange eine Anfrage wartet",
    reminderHint:
      "Wartet eine Anfrage so lange unbeantwortet, kommt eine weitere Benachrichtigung.",
    reminderAfter: (minutes: number) => plural(minutes, "nach 1 Minute", `nach ${minutes} Minuten`),
    soundChoice: "Ton der Benachrichtigungen",
    soundNames: {
      "message-new-instant": "Nachricht (Standard)",
      bell: "Glocke",
      "phone-incoming-call": "Telefon",
      "alarm-clock-elapsed": "Wecker",
    } as Record<string, string>,
    stay: "Benachrichtigungen bleiben stehen, bis die Anfrage angenommen ist",
    stayHint:
      "Eine Anfrage-Benachrichtigung verschwindet dann nicht von selbst, sondern erst, wenn die Anfrage nicht mehr wartet.",
    failed: "Die Einstellung konnte nicht gespeichert werden.",
    sessionMemory: (reason: string) =>
      `Ihre Anmeldung gilt nur, bis Sie die App beenden: Der Schlüsselbund des Systems ist nicht verfügbar (${reason}).`,
    offlineUndelivered:
      "Der Server hat nicht rechtzeitig bestätigt, dass Ihre Verfügbarkeit aus ist. Bitte prüfen Sie Ihre Verbindung und Ihre Verfügbarkeit.",
  },
  logoutFailed:
    "Die Abmeldung hat den Server nicht erreicht. Sie wurden trotzdem auf diesem Gerät abgemeldet.",
  admin: deAdmin,
};
