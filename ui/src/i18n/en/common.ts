import { plural } from "../plural";
import type { CommonMessages } from "../types";

export const enCommon: CommonMessages = {
  locale: "en-GB",
  appName: "Pforte",
  language: {
    label: "Language",
    other: "Deutsch",
    otherCode: "de",
  },
  connection: {
    connecting: "Connecting…",
    connected: "connected",
    reconnecting: "Reconnecting…",
    closed: "not connected",
    label: "Connection",
  },
  errors: {
    network:
      "The server cannot be reached right now. Please check your connection and try again in a moment.",
    protocol: "The server gave an unexpected answer. Please try again.",
    unavailable: "The service is restarting. Please try again in a moment.",
    rate_limited: "Too many attempts in a short time. Please wait a minute.",
    generic: "That did not work. Please try again.",
  },
  dialog: {
    cancel: "Cancel",
  },
  chat: {
    logLabel: "Messages",
    you: "You",
    messageLabel: "Your message",
    send: "Send",
    sending: "Sending…",
    sendHint: "Enter sends, Shift + Enter starts a new line.",
    charsLeft: (n: number) => `${n} ${plural(n, "character", "characters")} left`,
    tooLong: (max: number, over: number) =>
      `The message is ${over} ${plural(over, "character", "characters")} too long (at most ${max}).`,
    empty: "Please write a message first.",
    notSent: "The message was not sent. Your text is still here – please send it again.",
    ended: "This chat has ended. You can only read it now.",
    none: "No messages yet.",
    loading: "Loading messages…",
    at: (time: string) => `at ${time}`,
    from: (name: string) => `${name} writes`,
  },
};
