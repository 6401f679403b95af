import type { deAsker, deCommon, deDashboard, deEmbed } from "./de";

// Object literals without `as const` have `string` properties, so these types ask every other
// language for the same keys and the same function parameters, not the same German words.
export type CommonMessages = typeof deCommon;
export type AskerMessages = typeof deAsker;
export type DashboardMessages = typeof deDashboard;
export type EmbedMessages = typeof deEmbed;

export type Lang = "de" | "en";
export const LANGS: readonly Lang[] = ["de", "en"];

export function isLang(value: string | null | undefined): value is Lang {
  return value === "de" || value === "en";
}

/** The language to show: an explicit `?lang=` first, then the stored choice, else German. */
export function pickLang(query: string | null, stored: string | null): Lang {
  if (isLang(query)) return query;
  if (isLang(stored)) return stored;
  return "de";
}
