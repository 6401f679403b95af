import { plural } from "../plural";
import type { NextOpening, WaitEstimate } from "../../wire/types";
import type { AskerMessages } from "../types";

export const enAsker: AskerMessages = {
  pageTitle: "Anonymous chat",
  emergency: "In an acute emergency, please call the emergency number 112.",
  reconnecting: "Reconnecting… You keep your place.",
  choose: {
    title: "What would you like to talk about?",
    intro: "Choose a topic. The chat is anonymous and free of charge.",
    listLabel: "Topics",
    open: "Available now",
    closed: "Not staffed right now",
    unknownLink: "The topic in your link does not exist here. Please choose a topic.",
    none: "No topic offers live chat at the moment.",
    loading: "Loading topics…",
    loadFailed: "The topics could not be loaded.",
    retry: "Try again",
  },
  closed: {
    title: "Nobody is available for the chat right now",
    body: (topic: string) =>
      `At the moment no counsellor is available for “${topic}”. That is why the waiting room is closed – so you do not wait in vain.`,
    hours: (hours: string) => `The chat is usually staffed: ${hours}`,
    nextOpening: (opening: NextOpening) => opening.text_en,
    note: (note: string) => `Note: ${note}`,
    watching: "No need to reload: this page opens by itself as soon as someone is available.",
    otherTopic: "Choose another topic",
  },
  consent: {
    openedNow: "Someone is available now. You can enter the waiting room.",
    title: (topic: string) => `Chat on “${topic}”`,
    intro: "Before you start:",
    points: [
      "You stay anonymous. We store no IP address, no account and no e-mail address.",
      "In the chat you appear under a random name.",
      "After the chat ends, everything is deleted completely after a fixed period.",
      "Please keep this page open while you wait and chat.",
    ],
    checkbox: "I have read these notes and agree.",
    missing: "Please confirm the notes first.",
    enter: "Enter the waiting room",
    entering: "One moment…",
    back: "Choose another topic",
    problems: {
      rate_limited:
        "Too many requests are coming from here right now. Please wait a minute and try again.",
      queue_full: "Very many people are waiting right now. Please try again in a few minutes.",
      consent_required: "Please confirm the notes first.",
      unavailable: "The chat cannot be reached right now. Please try again in a moment.",
      network:
        "The server cannot be reached right now. Please check your connection and try again.",
      no_crypto: "Your browser cannot encrypt the chat. Please use an up-to-date browser.",
    },
  },
  waiting: {
    title: "You are in the waiting room",
    topic: (topic: string) => `Topic: ${topic}`,
    positionLabel: "Your place in the queue",
    position: (n: number) =>
      n <= 1
        ? "You are next."
        : `${plural(n - 1, "1 person is", `${n - 1} people are`)} waiting ahead of you.`,
    pseudonym: (name: string) => `In the chat your name is “${name}”.`,
    estimateLabel: "Estimated wait",
    estimate: (estimate: WaitEstimate) => estimate.text_en,
    keepOpen:
      "Please keep this page open. As soon as a counsellor has time, the chat starts right here.",
    reopened: "Someone is available again. You keep your place.",
    leave: "Leave the waiting room",
    leaveTitle: "Leave the waiting room?",
    leaveBody: "You will lose your place in the queue.",
    leaveConfirm: "Yes, leave",
    stay: "Keep waiting",
  },
  closing: {
    title: "Nobody is available any more",
    body: "No counsellor is available right now. We keep your place for a while in case someone comes back.",
    remainingLabel: "Your place is kept for",
    remaining: (clock: string) => `${clock} min`,
    noDeadline: "We keep your place for a short while.",
  },
  ended: {
    reasons: {
      withdrawn: {
        title: "You left the waiting room",
        body: "Your request has ended. You can start again at any time.",
      },
      nobody_available: {
        title: "Sadly nobody came back",
        body: "Your request has ended because no counsellor was available any more. We are sorry.",
      },
      waited_too_long: {
        title: "The wait was too long",
        body: "Your request has ended because nobody had time for it today. We are sorry.",
      },
      asker_gone: {
        title: "Your request has ended",
        body: "This page was closed for too long, so your place was given up.",
      },
      topic_closed: {
        title: "The chat for this topic has ended",
        body: "This topic no longer offers live chat.",
      },
    },
    nextHours: (hours: string) => `The chat is usually staffed: ${hours}`,
    restart: "Start again",
  },
  chat: {
    title: (name: string) => `Chat with ${name}`,
    accepted: (name: string) => `${name} has accepted your request. You can write now.`,
    online: (name: string) => `${name} is here.`,
    offline: (name: string) => `${name} is not connected right now. Your messages still arrive.`,
    end: "End chat",
    endTitle: "End the chat?",
    endBody: "Afterwards nobody can write in this chat any more.",
    endConfirm: "Yes, end chat",
    endFailed: "The chat could not be ended. Please try again.",
    encrypted: "End-to-end encrypted: only you and your counsellor can read the messages.",
    safetyHelp:
      "Compare this code with your counsellor: if it matches, nobody else is reading along.",
    readersChanged: "The counselling now uses another device – the safety code has changed",
    unreadable: "The messages of this chat cannot be decrypted in this window. A new chat helps.",
  },
  chatEnded: {
    title: "The chat has ended",
    byYou: "You ended the chat.",
    byCounselor: (name: string) => `${name} ended the chat.`,
    thanks: "Thank you for getting in touch. You can come back at any time.",
    retention: (duration: string) =>
      `To protect your privacy, this chat is deleted completely ${duration} after it ended. If you want to keep anything, please write it down now.`,
    retentionUnknown:
      "To protect your privacy, this chat is deleted completely after a fixed period. If you want to keep anything, please write it down now.",
    restart: "Start a new chat",
  },
  lost: {
    title: "This chat is no longer here",
    body: "It has ended and was deleted. You can start again at any time.",
  },
  duration: {
    days: (n: number) => plural(n, "one day", `${n} days`),
    hours: (n: number) => plural(n, "one hour", `${n} hours`),
    minutes: (n: number) => plural(n, "one minute", `${n} minutes`),
  },
  counselorFallback: "Your counsellor",
};
