// The dashboard's texts.
import { deCommon, deDashboard } from "./de";
import { enCommon, enDashboard } from "./en";
import type { CommonMessages, DashboardMessages, Lang } from "./types";

export interface DashboardTexts {
  readonly common: CommonMessages;
  readonly dash: DashboardMessages;
}

const catalogs: Record<Lang, DashboardTexts> = {
  de: { common: deCommon, dash: deDashboard },
  en: { common: enCommon, dash: enDashboard },
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
  get t(): DashboardTexts {
    return catalogs[lang];
  },
};
