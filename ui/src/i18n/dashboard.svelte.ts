// The dashboard's texts.
import { deCommon, deDashboard } from "./de";
import { enCommon, enDashboard } from "./en";
import type { Lang } from "./types";

const catalogs = {
  de: { common: deCommon, dash: deDashboard },
  en: { common: enCommon, dash: enDashboard },
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
