import { plural } from "../plural";
import type { DashboardMessages } from "../types";
import { enAdmin } from "./admin";

export const enDashboard: DashboardMessages = {
  pageTitle: "Pforte – live chat",
  skipToContent: "Skip to content",
  login: {
    title: "Log in",
    intro: "Live chat for counsellors",
    server: "Server address",
    serverHint: "For example https://counselling.example.org",
    name: "User name",
    password: "Password",
    submit: "Log in",
    submitting: "Logging in…",
    invalidCredentials: "User name or password is wrong.",
    missingServer: "Please enter the server address.",
    invalidServer: "Please enter an address that starts with http:// or https://.",
    missingName: "Please enter your user name.",
    missingPassword: "Please enter your password.",
    insecureServer:
      "The app connects over https:// only (http:// only to a server on this computer).",
    note: "After logging in, your live-chat availability is off. You switch it on yourself.",
    sessionEnded: {
      logged_out: "You have been logged out.",
      expired: "Your session has expired. Please log in again.",
      deactivated: "Your account was deactivated by the administration.",
    },
    errorSummary: "Please check your entries.",
  },
  nav: {
    label: "Main navigation",
    firstRequests: "First requests",
    liveChatRequests: "Live-chat requests",
    conversations: "My conversations",
    profile: "Profile",
    activities: "My activity",
    logout: "Log out",
    signedInAs: (name: string) => `Logged in as ${name}`,
    available: "Available",
    notAvailable: "Not available",
    unreadBadge: (n: number) => plural(n, "1 unread message", `${n} unread messages`),
    waitingBadge: (n: number) => plural(n, "1 waiting request", `${n} waiting requests`),
  },
  requests: {
    title: "Live-chat requests",
    listLabel: "Waiting requests, oldest first",
    unavailableTitle: "Your live-chat availability is off",
    notConnectedTitle: "You are not connected right now",
    absentTitle: "You are marked as absent",
    unavailableBody:
      "Only counsellors who switched on their live-chat availability see requests. Only then does the waiting room of your topics open for askers.",
    activate: "Switch on availability",
    activating: "Switching on…",
    absentBody: "You are marked as absent. End your absence first under Profile > My activity.",
    toActivities: "Go to My activity",
    notConnected:
      "Your availability is on, but the connection is missing. You are available again as soon as it is back.",
    empty: "Nobody is waiting right now. New requests appear here at once.",
    loading: "Loading requests…",
    count: (n: number) => plural(n, "1 request waiting", `${n} requests waiting`),
    waitingFor: (minutes: number) =>
      minutes < 1
        ? "waiting for less than a minute"
        : `waiting for ${minutes} ${plural(minutes, "minute", "minutes")}`,
    since: (time: string) => `since ${time}`,
    accept: "Start chat",
    accepting: "Starting…",
    fromNotification: "From your notification",
    notificationGone:
      "The request from your notification is no longer waiting: it was accepted or withdrawn.",
    problems: {
      already_taken: "A colleague was faster and has already accepted this request.",
      request_gone: "This request no longer exists: the person left the waiting room.",
      not_available: "You are no longer available. Switch your availability on to accept requests.",
      not_your_topic: "This request belongs to a topic you do not cover.",
      no_free_seat:
        "All your seats are taken: end a running chat first, then you can start this one.",
      no_key: "This device has no keys for the encryption: you cannot start a chat here.",
      key_invalid: "The key of the person seeking advice is invalid: the chat cannot be encrypted.",
    },
    noFreeSeat: "All your seats are taken",
    seats: (free: number, limit: number) =>
      `${plural(free, "1 free seat", `${free} free seats`)} of ${limit}`,
  },
  coverage: {
    title: "Who is available?",
    topic: "Topic",
    available: "Available",
    waiting: "Waiting",
    none: "No topics with live chat.",
    lastOne: "Only you",
    freeSeats: "Free seats",
    unlimited: "unlimited",
  },
  shifts: {
    title: "My chat hours",
    intro:
      "Mark the hours you cover. When one begins and you are not available yet, you are reminded.",
    none: "No chat hours are set for your topics.",
    loading: "Loading chat hours…",
    slot: (day: string, start: string, end: string) => `${day} ${start}–${end}`,
    atEnd: "At the end of my chat hours",
    remind: "remind me to switch off",
    autoOff: "switch me off automatically",
    save: "Save chat hours",
    saving: "Saving…",
    saved: "Your chat hours are saved.",
    failed: "The chat hours could not be saved.",
    unknownSlot: "These chat hours no longer exist. Please reload the page.",
    days: {
      monday: "Mo",
      tuesday: "Tu",
      wednesday: "We",
      thursday: "Th",
      friday: "Fr",
      saturday: "Sa",
      sunday: "Su",
    },
    dayNames: {
      monday: "Monday",
      tuesday: "Tuesday",
      wednesday: "Wednesday",
      thursday: "Thursday",
      friday: "Friday",
      saturday: "Saturday",
      sunday: "Sunday",
    },
  },
  plan: {
    title: (topic: string) => `Weekly plan: ${topic}`,
    week: (monday: string) => `Week from ${monday}`,
    gaps: (n: number) =>
      n === 0
        ? "All chat hours are covered."
        : plural(n, "1 chat slot is not covered", `${n} chat slots are not covered`),
    nobody: "Nobody – not covered",
    extra: "Extra hours",
    noHours: "No chat hours this week.",
    loading: "Loading the weekly plan…",
    failed: "The weekly plan could not be loaded.",
  },
  reminder: {
    started: (topic: string, start: string, end: string) =>
      `Your chat hours begin – you are not available yet (${topic}, ${start}–${end}).`,
    ended: (topic: string) =>
      `Your chat hours for ${topic} have ended. Remember to switch your availability off.`,
    switchedOff: (topic: string) =>
      `Your chat hours for ${topic} have ended: your availability was switched off automatically.`,
    switchOn: "Switch on now",
    switchOff: "Switch availability off",
    dismiss: "Dismiss",
  },
  alert: {
    title: "New live-chat request",
    body: (topic: string, time: string) => `${topic}, since ${time}`,
    more: (n: number) => plural(n, "and 1 more", `and ${n} more`),
    show: "Show requests",
    dismiss: "Dismiss",
  },
  conversations: {
    title: "My conversations",
    running: "Running chats",
    ended: "Ended chats",
    noneRunning: "No running chats right now.",
    noneEnded: "No ended chats yet.",
    loading: "Loading conversations…",
    unread: (n: number) => `${n} unread`,
    startedAt: (when: string) => `started ${when}`,
    endedAt: (when: string) => `ended ${when}`,
    askerOnline: "is here",
    askerAway: "page closed",
    pick: "Choose a chat from the list.",
    back: "Back to the list",
    notFound: "This chat does not exist (any more).",
  },
  chat: {
    title: (pseudonym: string) => `Chat with ${pseudonym}`,
    topic: (topic: string) => `Topic: ${topic}`,
    askerOnline: "The asker is here.",
    askerAway: "The asker does not have the page open right now. Your messages still arrive.",
    end: "End chat",
    endTitle: "End the chat?",
    endBody: (pseudonym: string) =>
      `The chat with ${pseudonym} ends for both sides and can only be read afterwards.`,
    endConfirm: "Yes, end chat",
    endedByAsker: "The asker ended the chat.",
    endedByYou: "You ended the chat.",
    endFailed: "The chat could not be ended. Please try again.",
    newMessage: (pseudonym: string) => `New message from ${pseudonym}`,
    safetyHelp: "Compare this code with the person seeking advice",
    keyProblems: {
      no_device: "This device has no keys: the chat can neither be read nor written here.",
      no_key:
        "This chat was encrypted for other devices: it can neither be read nor written on this device.",
      unreachable:
        "The keys of this chat could not be loaded. They are tried again with the next connection.",
    },
    retryKeys: "Try again",
    rekeyFailed:
      "The key of this chat could not be renewed. New messages are still encrypted with the previous key; the removed device is logged out.",
  },
  devices: {
    title: "My devices",
    explain:
      "Chats are end-to-end encrypted: only the devices listed here can read them. A newly added device gets the keys of earlier chats from one of your other devices as soon as you log in there or open “My devices” there.",
    loading: "Loading devices…",
    failed: "The devices could not be loaded.",
    none: "No devices yet.",
    thisDevice: "this device",
    added: (date: string) => `added on ${date}`,
    remove: "Remove",
    removeTitle: "Remove the device?",
    removeBody: (name: string) =>
      `“${name}” is logged out and can no longer read new chats and messages. On that device, log in again to add it again.`,
    removeConfirm: "Yes, remove",
    removeFailed: "The device could not be removed. Please try again.",
    rekeyFailed: (count: number) =>
      count === 1
        ? "The key of a chat could not be renewed: new messages are still encrypted with the previous key. The removed device is logged out."
        : `The key of ${count} chats could not be renewed: new messages there are still encrypted with the previous key. The removed device is logged out.`,
    status: {
      removed:
        "This device was removed from “My devices”. Please log in again to read and write chats here.",
      unsupported:
        "This browser cannot keep keys (e.g. in a private window): chats cannot be read here.",
      unreachable:
        "The keys of this device could not be set up yet. They are tried again with the next connection.",
      refused:
        "This device could not be added to “My devices”. Remove an old device there and log in again.",
    },
  },
  activities: {
    title: "My activity",
    profileTitle: "Profile",
    topics: "My topics",
    liveChat: "live chat",
  },
  availability: {
    title: "My live-chat availability",
    explain:
      "While it is on, the waiting room of your topics is open and you are told about new requests. Logging out switches it off.",
    on: "On",
    off: "Off",
    statusAvailable: "You are available.",
    statusNotConnected:
      "On, but without a connection right now. You are available again as soon as the connection is back.",
    statusAbsent: "While you are absent, your availability is off.",
    statusOff: "You are not available.",
    absentError: "You are marked as absent. End your absence first.",
    reasons: {
      toggle: "Your availability was switched somewhere else.",
      logout: "Your availability was switched off when you logged out.",
      session_expired: "Your availability was switched off because your session expired.",
      absence: "Your availability was switched off because of your absence.",
      window_closed: "Your availability was switched off when the window was closed.",
      app_quit: "Your availability was switched off when the app was quit.",
      screen_locked: "Your availability was switched off when the screen was locked.",
      system_sleep: "Your availability was switched off when the computer went to sleep.",
      connection_lost:
        "Your availability was switched off because the connection was lost. Switch it on again if you are still here.",
      shift_ended: "Your chat hours have ended: your availability was switched off automatically.",
      operator: "Your availability was switched off by the administration.",
    },
    byOperator: (reason: string) => `Switched off by the administration: ${reason}`,
    confirmTitle: "Really switch off?",
    confirmLogoutTitle: "Really log out?",
    confirmIntro: "You are the last available person for:",
    confirmLine: (topic: string, waiting: number) =>
      `${topic}: ${plural(waiting, "1 person waiting", `${waiting} people waiting`)}`,
    confirmOutro:
      "The people waiting are told at once that nobody is there any more, and their wait ends after a short grace period.",
    confirmOff: "Switch off anyway",
    confirmLogout: "Log out anyway",
    keepOn: "Stay available",
  },
  absence: {
    title: "My absence",
    toggle: "I am absent",
    messageLabel: "Absence note (optional)",
    messageHint: (max: number) => `At most ${max} characters.`,
    tooLong: (max: number) => `The note is too long: at most ${max} characters.`,
    save: "Save absence",
    saving: "Saving…",
    saved: "Saved.",
    note: "While you are absent, you cannot accept live-chat requests.",
  },
  statistics: {
    title: "My statistics",
    period: "Period",
    periods: {
      this_month: "This month",
      last_month: "Last month",
      this_year: "This year",
      last_year: "Last year",
      custom: "Custom period",
    },
    from: "From",
    to: "To",
    show: "Show",
    loading: "Loading…",
    range: (from: string, to: string) => `From ${from} to ${to}:`,
    accepted: "Accepted chats",
    messages: "Messages sent",
    availableTime: "Time available",
    ended: "Ended chats",
    hoursMinutes: (h: number, m: number) => `${h} h ${m} min`,
    download: "Download Excel file",
    downloading: "Downloading…",
    fileName: (from: string, to: string) => `My-statistics_${from}_${to}.xlsx`,
    savedTo: (path: string) => `Saved to ${path}`,
    problems: {
      invalid_from: "Please enter a valid start date.",
      invalid_to: "Please enter a valid end date.",
      from_after_to: "The start date is after the end date.",
      too_long: "The period is too long: five years at most.",
    },
  },
  settings: {
    title: "Alerts for new requests",
    sound: "Sound for new live-chat requests",
    soundHint: "A short, quiet sound. It repeats every minute while a new request waits unnoticed.",
    test: "Test sound",
    soundHintDesktop:
      "The system's notifications then play a sound; the reminder repeats it while a request waits.",
  },
  desktop: {
    title: "Desktop app",
    autostart: "Start when I log in to this computer",
    autostartHint:
      "Pforte then starts in the notification area, without a window. Your live-chat availability stays off.",
    reminder: "Reminder while a request waits",
    reminderHint: "If a request waits unanswered this long, another notification comes.",
    reminderAfter: (minutes: number) =>
      plural(minutes, "after 1 minute", `after ${minutes} minutes`),
    soundChoice: "Notification sound",
    soundNames: {
      "message-new-instant": "Message (default)",
      bell: "Bell",
      "phone-incoming-call": "Phone",
      "alarm-clock-elapsed": "Alarm clock",
    } as Record<string, string>,
    stay: "Notifications stay until the request is taken",
    stayHint:
      "A request's notification then does not fade by itself; it goes when the request no longer waits.",
    failed: "The setting could not be saved.",
    sessionMemory: (reason: string) =>
      `Your login lasts only until you quit the app: the system's keyring is not available (${reason}).`,
    offlineUndelivered:
      "The server did not confirm in time that your availability is off. Please check your connection and your availability.",
  },
  logoutFailed: "The logout did not reach the server. You were logged out on this device anyway.",
  admin: enAdmin,
};
