// English: the second language. Each part is typed by its German counterpart: a missing or
// extra key, or a text function with other parameters, fails `npm run check`.
export { enCommon } from "./en/common";
export { enAsker } from "./en/asker";
export { enDashboard } from "./en/dashboard";
export { enEmbed } from "./en/embed";
