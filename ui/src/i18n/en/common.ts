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
  e2e: {
    unreadable: "This message could not be decrypted",
    reasons: {
      tampered: "It was changed on the way or does not belong to this chat.",
      replayed: "It was delivered a second time or out of order.",
      bad_key: "Its key is invalid.",
      too_long: "It is too long.",
      no_key: "The key for it is missing here.",
    },
    safetyCode: "Safety code",
    showSafetyCode: "Safety code",
    hideSafetyCode: "Hide safety code",
    safetyCodeLoading: "Working out the safety code…",
    errors: {
      sealed_invalid: "The message was not encrypted correctly and was not sent. Please try again.",
      key_invalid: "A key was invalid. Please reload the page.",
      devices_changed: "Your devices changed just now. Please try again.",
      unknown_device: "This device was removed from “My devices”. Please log in again.",
      too_many_devices:
        "You already have the most devices allowed. Please remove one under “My devices” first.",
      device_name_invalid: "The device name is invalid.",
      no_key: "The key of this chat is missing here: messages can neither be read nor sent here.",
      key_outdated: "Another device renewed the key of this chat just now. Please try again.",
    },
  },
};
