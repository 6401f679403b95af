// German: the default language. The types of every translation are taken from this file, so
// a key missing in another language fails `npm run check`.
//
// Three parts, so the small asker page does not carry the dashboard's texts:
// `deCommon` (both pages), `deAsker` (asker page), `deDashboard` (counselor dashboard).

const plural = (n: number, one: string, many: string) => (n === 1 ? one : many);

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
    unavailable: "Der Dienst startet gerade neu. Bitte versuchen Sie es in einem Moment noch einmal.",
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

export const deAsker = {
  pageTitle: "Anonymer Chat",
  emergency: "In einer akuten Notlage rufen Sie bitte den Notruf 112 an.",
  reconnecting: "Verbindung wird wiederhergestellt… Ihr Platz bleibt erhalten.",
  choose: {
    title: "Worüber möchten Sie sprechen?",
    intro: "Wählen Sie ein Thema. Der Chat ist anonym und kostenlos.",
    listLabel: "Themen",
    open: "Jetzt erreichbar",
    closed: "Gerade nicht besetzt",
    unknownLink: "Das Thema aus Ihrem Link gibt es hier nicht. Bitte wählen Sie ein Thema.",
    none: "Zurzeit bietet kein Thema einen Live-Chat an.",
    loading: "Themen werden geladen…",
    loadFailed: "Die Themen konnten nicht geladen werden.",
    retry: "Noch einmal versuchen",
  },
  closed: {
    title: "Gerade ist niemand für den Chat da",
    body: (topic: string) =>
      `Im Moment ist für „${topic}“ keine Berater_in erreichbar. Deshalb ist der Warteraum geschlossen – so warten Sie nicht vergeblich.`,
    hours: (hours: string) => `Der Chat ist meist besetzt: ${hours}`,
    watching:
      "Sie müssen nichts neu laden: Diese Seite öffnet sich von selbst, sobald jemand da ist.",
    otherTopic: "Anderes Thema wählen",
  },
  consent: {
    openedNow: "Jetzt ist jemand da. Sie können den Warteraum betreten.",
    title: (topic: string) => `Chat zum Thema „${topic}“`,
    intro: "Bevor es losgeht:",
    points: [
      "Sie bleiben anonym. Wir speichern keine IP-Adresse, kein Konto und keine E-Mail-Adresse.",
      "Im Chat erscheinen Sie unter einem zufälligen Namen.",
      "Nach dem Ende des Chats wird alles nach einer festen Frist vollständig gelöscht.",
      "Bitte lassen Sie diese Seite geöffnet, solange Sie warten und chatten.",
    ],
    checkbox: "Ich habe die Hinweise gelesen und bin einverstanden.",
    missing: "Bitte bestätigen Sie zuerst die Hinweise.",
    enter: "Warteraum betreten",
    entering: "Einen Moment…",
    back: "Anderes Thema wählen",
    problems: {
      rate_limited:
        "Gerade kommen zu viele Anfragen von hier. Bitte warten Sie eine Minute und versuchen Sie es dann noch einmal.",
      consent_required: "Bitte bestätigen Sie zuerst die Hinweise.",
      unavailable: "Der Chat ist gerade nicht erreichbar. Bitte versuchen Sie es gleich noch einmal.",
      network:
        "Der Server ist gerade nicht erreichbar. Bitte prüfen Sie Ihre Verbindung und versuchen Sie es noch einmal.",
    },
  },
  waiting: {
    title: "Sie sind im Warteraum",
    topic: (topic: string) => `Thema: ${topic}`,
    positionLabel: "Ihre Position in der Warteschlange",
    position: (n: number) =>
      n <= 1 ? "Sie sind als Nächstes an der Reihe." : `Vor Ihnen ${plural(n - 1, "wartet 1 Person", `warten ${n - 1} Personen`)}.`,
    pseudonym: (name: string) => `Im Chat heißen Sie „${name}“.`,
    keepOpen:
      "Bitte lassen Sie diese Seite geöffnet. Sobald eine Berater_in Zeit hat, beginnt der Chat genau hier.",
    reopened: "Es ist wieder jemand da. Ihr Platz bleibt erhalten.",
    leave: "Warteraum verlassen",
    leaveTitle: "Warteraum verlassen?",
    leaveBody: "Ihr Platz in der Warteschlange geht dann verloren.",
    leaveConfirm: "Ja, verlassen",
    stay: "Weiter warten",
  },
  closing: {
    title: "Gerade ist niemand mehr da",
    body: "Die letzte Berater_in musste den Chat verlassen. Wir halten Ihren Platz noch frei, falls jemand zurückkommt.",
    remainingLabel: "Ihr Platz wird noch freigehalten für",
    remaining: (clock: string) => `${clock} Min.`,
    noDeadline: "Wir halten Ihren Platz noch eine kurze Zeit frei.",
  },
  ended: {
    reasons: {
      withdrawn: {
        title: "Sie haben den Warteraum verlassen",
        body: "Ihre Anfrage ist beendet. Sie können jederzeit neu beginnen.",
      },
      nobody_available: {
        title: "Leider ist niemand zurückgekommen",
        body: "Ihre Anfrage wurde beendet, weil keine Berater_in mehr erreichbar war. Das tut uns leid.",
      },
      waited_too_long: {
        title: "Die Wartezeit war zu lang",
        body: "Ihre Anfrage wurde beendet, weil heute niemand mehr Zeit für sie hatte. Das tut uns leid.",
      },
      asker_gone: {
        title: "Ihre Anfrage wurde beendet",
        body: "Diese Seite war zu lange geschlossen, deshalb wurde Ihr Platz freigegeben.",
      },
      topic_closed: {
        title: "Der Chat ist für dieses Thema beendet",
        body: "Dieses Thema bietet gerade keinen Live-Chat mehr an.",
      },
    },
    nextHours: (hours: string) => `Der Chat ist meist besetzt: ${hours}`,
    restart: "Neu beginnen",
  },
  chat: {
    title: (name: string) => `Chat mit ${name}`,
    accepted: (name: string) => `${name} hat Ihre Anfrage angenommen. Sie können jetzt schreiben.`,
    online: (name: string) => `${name} ist da.`,
    offline: (name: string) =>
      `${name} ist gerade nicht verbunden. Ihre Nachrichten kommen trotzdem an.`,
    end: "Chat beenden",
    endTitle: "Chat beenden?",
    endBody: "Danach kann in diesem Chat niemand mehr schreiben.",
    endConfirm: "Ja, Chat beenden",
    endFailed: "Der Chat konnte nicht beendet werden. Bitte versuchen Sie es noch einmal.",
  },
  chatEnded: {
    title: "Der Chat ist beendet",
    byYou: "Sie haben den Chat beendet.",
    byCounselor: (name: string) => `${name} hat den Chat beendet.`,
    thanks: "Danke, dass Sie sich gemeldet haben. Sie können jederzeit wiederkommen.",
    retention: (duration: string) =>
      `Aus Datenschutzgründen wird dieser Chat ${duration} nach dem Ende vollständig gelöscht. Wenn Sie etwas behalten möchten, notieren Sie es sich bitte jetzt.`,
    retentionUnknown:
      "Aus Datenschutzgründen wird dieser Chat nach einer festen Frist vollständig gelöscht. Wenn Sie etwas behalten möchten, notieren Sie es sich bitte jetzt.",
    restart: "Neuen Chat beginnen",
  },
  lost: {
    title: "Dieser Chat ist nicht mehr da",
    body: "Er wurde beendet und gelöscht. Sie können jederzeit neu beginnen.",
  },
  duration: {
    days: (n: number) => plural(n, "einen Tag", `${n} Tage`),
    hours: (n: number) => plural(n, "eine Stunde", `${n} Stunden`),
    minutes: (n: number) => plural(n, "eine Minute", `${n} Minuten`),
  },
  counselorFallback: "Ihre Berater_in",
};

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
    note: "Nach der Anmeldung ist Ihre Live-Chat Verfügbarkeit ausgeschaltet. Sie schalten sie selbst ein.",
    sessionEnded: {
      logged_out: "Sie wurden abgemeldet.",
      expired: "Ihre Sitzung ist abgelaufen. Bitte melden Sie sich neu an.",
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
    askerAway: "Die Seite der ratsuchenden Person ist gerade geschlossen.",
    accept: "Chat starten",
    acceptLabel: (pseudonym: string, topic: string) => `Chat mit ${pseudonym} (${topic}) starten`,
    accepting: "Wird gestartet…",
    problems: {
      already_taken: "Ein_e Kolleg_in war schneller und hat diese Anfrage schon angenommen.",
      request_gone: "Diese Anfrage besteht nicht mehr: Die Person hat den Warteraum verlassen.",
      not_available:
        "Sie sind nicht mehr verfügbar. Schalten Sie Ihre Verfügbarkeit wieder ein, um Anfragen anzunehmen.",
      not_your_topic: "Diese Anfrage gehört zu einem Thema, das Sie nicht betreuen.",
    },
  },
  coverage: {
    title: "Wer ist gerade da?",
    topic: "Thema",
    available: "Verfügbar",
    waiting: "Wartend",
    none: "Keine Themen mit Live-Chat.",
    lastOne: "Nur Sie",
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
    },
    confirmTitle: "Wirklich ausschalten?",
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
    problems: {
      invalid_from: "Bitte geben Sie ein gültiges Startdatum an.",
      invalid_to: "Bitte geben Sie ein gültiges Enddatum an.",
      from_after_to: "Das Startdatum liegt nach dem Enddatum.",
    },
  },
  settings: {
    title: "Hinweise auf neue Anfragen",
    sound: "Ton bei neuen Live-Chat Anfragen",
    soundHint:
      "Ein kurzer, leiser Ton. Er wiederholt sich jede Minute, solange eine neue Anfrage unbeachtet wartet.",
    test: "Ton testen",
  },
  logoutFailed: "Die Abmeldung hat den Server nicht erreicht. Sie wurden trotzdem auf diesem Gerät abgemeldet.",
};
