import type { EmbedMessages } from "../types";

export const enEmbed: EmbedMessages = {
  open: "Live chat: available now",
  closed: "Live chat: nobody here right now",
  closedWithHours: (hours: string) => `Live chat: nobody here right now (usually ${hours})`,
  dialogTitle: (topic: string) => `Anonymous live chat: ${topic}`,
  frameTitle: (topic: string) => `Chat about ${topic}`,
  close: "Close",
  keepsRunning: "A running chat stays while this page is open.",
};
