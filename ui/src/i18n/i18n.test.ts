import { describe, expect, it } from "vitest";
import { deAsker, deCommon, deDashboard, deEmbed } from "./de";
import { enAsker, enCommon, enDashboard, enEmbed } from "./en";
import type { ErrorCode } from "../wire/types";
import { failureText } from "./errors";
import { formatDay, formatRetention } from "./format";
import { pickLang } from "./types";

/** Every leaf path of a catalogue, with the arity of functions. */
function shape(value: unknown, path = ""): string[] {
  if (typeof value === "function") return [`${path}()${value.length}`];
  if (Array.isArray(value)) return [`${path}[]`];
  if (typeof value === "object" && value !== null) {
    return Object.entries(value).flatMap(([key, v]) => shape(v, path ? `${path}.${key}` : key));
  }
  return [path];
}

/** Calls every text function with sample arguments and collects the results. */
function allTexts(value: unknown): string[] {
  if (typeof value === "string") return [value];
  if (typeof value === "function") {
    const args = Array.from({ length: value.length }, (_, i) => (i === 0 ? 2 : "x"));
    return [String((value as (...a: unknown[]) => unknown)(...args))];
  }
  if (Array.isArray(value)) return value.flatMap(allTexts);
  if (typeof value === "object" && value !== null) return Object.values(value).flatMap(allTexts);
  return [];
}

describe("translations", () => {
  const pairs = [
    ["common", deCommon, enCommon],
    ["asker", deAsker, enAsker],
    ["dashboard", deDashboard, enDashboard],
    ["embed", deEmbed, enEmbed],
  ] as const;

  for (const [name, de, en] of pairs) {
    it(`English has exactly the ${name} keys that German has`, () => {
      expect(shape(en)).toEqual(shape(de));
    });

    it(`no ${name} text is empty in either language`, () => {
      for (const text of [...allTexts(de), ...allTexts(en)]) expect(text.trim()).not.toBe("");
    });
  }

  it("uses the product's German terms", () => {
    expect(deDashboard.nav.liveChatRequests).toBe("Live-Chat Anfragen");
    expect(deDashboard.availability.title).toBe("Meine Live-Chat Verfügbarkeit");
    expect(deDashboard.statistics.download).toBe("Download Excel Datei");
    expect(deDashboard.requests.accept).toBe("Chat starten");
    expect(deDashboard.chat.end).toBe("Chat beenden");
  });

  it("speaks of one person and of many correctly", () => {
    expect(deAsker.waiting.position(1)).toBe("Sie sind als Nächstes an der Reihe.");
    expect(deAsker.waiting.position(2)).toBe("Vor Ihnen wartet 1 Person.");
    expect(deAsker.waiting.position(4)).toBe("Vor Ihnen warten 3 Personen.");
    expect(enAsker.waiting.position(3)).toBe("2 people are waiting ahead of you.");
  });
});

describe("the language", () => {
  it("is German unless English is chosen", () => {
    expect(pickLang(null, null)).toBe("de");
    expect(pickLang("fr", null)).toBe("de");
    expect(pickLang(null, "en")).toBe("en");
    expect(pickLang("de", "en")).toBe("de");
  });
});

describe("formatting", () => {
  it("writes days the way each language does", () => {
    expect(formatDay("2022-02-01", "de-DE")).toBe("01.02.2022");
    expect(formatDay("2022-02-01", "en-GB")).toBe("01/02/2022");
  });

  it("says the retention time in words", () => {
    expect(formatRetention(30 * 86_400, deAsker.duration)).toBe("30 Tage");
    expect(formatRetention(3_600, enAsker.duration)).toBe("one hour");
  });
});

describe("failure texts", () => {
  const api = (code: ErrorCode) =>
    ({ kind: "api", status: 409, code, message: "server words" }) as const;

  it("explains a missing network differently from a server error", () => {
    expect(failureText({ kind: "network" }, deCommon)).toBe(deCommon.errors.network);
    expect(failureText({ kind: "protocol", status: 502 }, deCommon)).toBe(deCommon.errors.protocol);
  });

  it("prefers the caller's text for the codes it expects", () => {
    expect(failureText(api("already_taken"), deCommon, { already_taken: "zu spät" })).toBe(
      "zu spät",
    );
  });

  it("explains that another device renewed a chat's key just now", () => {
    expect(failureText(api("key_outdated"), deCommon)).toBe(deCommon.e2e.errors.key_outdated);
    expect(failureText(api("key_outdated"), enCommon)).toBe(enCommon.e2e.errors.key_outdated);
  });

  it("never shows the server's own message", () => {
    expect(failureText(api("internal"), enCommon)).toBe(enCommon.errors.generic);
  });
});
