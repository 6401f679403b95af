// The asker page's texts: common + asker only, so the page stays small.
import { deAsker, deCommon } from "./de";
import { enAsker, enCommon } from "./en";
import type { AskerMessages, CommonMessages, Lang } from "./types";

export interface AskerTexts {
  readonly common: CommonMessages;
  readonly asker: AskerMessages;
}

const catalogs: Record<Lang, AskerTexts> = {
  de: { common: deCommon, asker: deAsker },
  en: { common: enCommon, asker: enAsker },
};

let lang = $state<Lang>("de");

export const i18n = {
  get lang(): Lang {
    return lang;
  },
  set lang(value: Lang) {
    lang = value;
    document.documentElement.lang = value;
  },
  get t(): AskerTexts {
    return catalogs[lang];
  },
};
