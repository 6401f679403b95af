// The chat button on an organisation's own website (embed.js). Kept apart from everything
// else so the script stays small.
export const deEmbed = {
  open: "Live-Chat: jetzt erreichbar",
  closed: "Live-Chat: gerade niemand da",
  closedWithHours: (hours: string) => `Live-Chat: gerade niemand da (meist ${hours})`,
  dialogTitle: (topic: string) => `Anonymer Live-Chat: ${topic}`,
  frameTitle: (topic: string) => `Chat zum Thema ${topic}`,
  close: "Schließen",
  keepsRunning: "Ein laufender Chat bleibt erhalten, solange diese Seite offen ist.",
};
