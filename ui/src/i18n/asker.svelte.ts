// The asker page's texts: common + asker only, so the page stays small.
import { deAsker, deCommon } from "./de";
import { enAsker, enCommon } from "./en";
import type { Lang } from "./types";

const catalogs = {
  de: { common: deCommon, asker: deAsker },
  en: { common: enCommon, asker: enAsker },
} as const;

let lang = $state<Lang>("de");

export const i18n = {
  get lang(): Lang {
    return lang;
  },
  set lang(value: Lang) {
    lang = value;
    document.documentElement.lang = value;
  },
  get t() {
    return catalogs[lang];
  },
};
