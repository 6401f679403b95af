import { plural } from "../plural";
import type { NextOpening, WaitEstimate } from "../../wire/types";

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
    nextOpening: (opening: NextOpening) => opening.text_de,
    note: (note: string) => `Hinweis: ${note}`,
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
      queue_full:
        "Im Warteraum warten gerade sehr viele Menschen. Bitte versuchen Sie es in einigen Minuten noch einmal.",
      consent_required: "Bitte bestätigen Sie zuerst die Hinweise.",
      unavailable:
        "Der Chat ist gerade nicht erreichbar. Bitte versuchen Sie es gleich noch einmal.",
      network:
        "Der Server ist gerade nicht erreichbar. Bitte prüfen Sie Ihre Verbindung und versuchen Sie es noch einmal.",
      no_crypto:
        "Ihr Browser kann den Chat nicht verschlüsseln. Bitte nutzen Sie einen aktuellen Browser.",
    },
  },
  waiting: {
    title: "Sie sind im Warteraum",
    topic: (topic: string) => `Thema: ${topic}`,
    positionLabel: "Ihre Position in der Warteschlange",
    position: (n: number) =>
      n <= 1
        ? "Sie sind als Nächstes an der Reihe."
        : `Vor Ihnen ${plural(n - 1, "wartet 1 Person", `warten ${n - 1} Personen`)}.`,
    pseudonym: (name: string) => `Im Chat heißen Sie „${name}“.`,
    estimateLabel: "Geschätzte Wartezeit",
    estimate: (estimate: WaitEstimate) => estimate.text_de,
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
    body: "Gerade ist keine Berater_in mehr erreichbar. Wir halten Ihren Platz noch frei, falls jemand zurückkommt.",
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
    encrypted:
      "Ende-zu-Ende verschlüsselt: nur Sie und Ihre Berater_in können die Nachrichten lesen.",
    safetyHelp:
      "Vergleichen Sie diesen Code mit Ihrer Berater_in: Stimmt er überein, liest niemand anderes mit.",
    readersChanged:
      "Die Beratung nutzt jetzt ein anderes Gerät – der Sicherheitscode hat sich geändert",
    unreadable:
      "Die Nachrichten dieses Chats können in diesem Fenster nicht entschlüsselt werden. Ein neuer Chat hilft.",
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
