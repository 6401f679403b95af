// German: the default language. The types of every translation are taken from these texts
// (see ./types.ts), so a key missing in another language fails `npm run check`.
//
// Four parts, each in its own module so the small asker page does not carry the
// dashboard's texts: common (both pages), asker (asker page), dashboard (counselor dashboard),
// embed (the chat button on other websites, embed.js, which imports its part directly).
export { deCommon } from "./de/common";
export { deAsker } from "./de/asker";
export { deDashboard } from "./de/dashboard";
export { deEmbed } from "./de/embed";
