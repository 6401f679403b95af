// Where things are for one chat button: all addresses derive from the script's own `src`, so
// the same snippet works wherever Pforte is served (its own host, or a sub-path of one).
import type { EmbedMessages, Lang } from "../i18n/types";

export interface EmbedConfig {
  slug: string;
  lang: Lang;
  /** Pforte's origin: the only one the button talks to. */
  origin: string;
  /** `GET /api/topics/{slug}`: the topic's name, gate and chat hours. */
  topicUrl: string;
  /** The gate socket, naming the topic (the server checks that this website may embed it). */
  socketUrl: string;
  /** The asker page in the dialog. */
  frameUrl: string;
  /** The asker page in a tab of its own (phones). */
  pageUrl: string;
}

/** German first; English when the host page says it is English. */
export function langOf(documentLang: string): Lang {
  return /^en\b/i.test(documentLang.trim()) ? "en" : "de";
}

/** The button's addresses, or null when the snippet is incomplete. */
export function configFrom(
  scriptSrc: string,
  slug: string | null | undefined,
  documentLang: string,
): EmbedConfig | null {
  const topic = slug?.trim();
  if (!topic) return null;
  let base: URL;
  try {
    base = new URL(".", scriptSrc);
  } catch {
    return null;
  }
  if (base.protocol !== "https:" && base.protocol !== "http:") return null;
  const lang = langOf(documentLang);
  const at = (path: string, query: Record<string, string>) => {
    const url = new URL(path, base);
    for (const [name, value] of Object.entries(query)) url.searchParams.set(name, value);
    return url;
  };
  const socket = at("api/gates/ws", { topic });
  socket.protocol = base.protocol === "https:" ? "wss:" : "ws:";
  return {
    slug: topic,
    lang,
    origin: base.origin,
    topicUrl: at(`api/topics/${encodeURIComponent(topic)}`, {}).href,
    socketUrl: socket.href,
    frameUrl: at("asker.html", { topic, embed: "1", lang }).href,
    pageUrl: at("asker.html", { topic, lang }).href,
  };
}

/** What the button says about a gate. */
export function buttonLabel(texts: EmbedMessages, open: boolean, hours: string | null): string {
  if (open) return texts.open;
  const usual = hours?.trim();
  return usual ? texts.closedWithHours(usual) : texts.closed;
}
