import { describe, expect, it } from "vitest";
import { deEmbed } from "../i18n/de/embed";
import { enEmbed } from "../i18n/en/embed";
import { buttonLabel, configFrom, langOf } from "./config";

describe("the chat button's addresses", () => {
  it("all come from the script's own address", () => {
    const config = configFrom("https://chat.example.org/embed.js", "suchtberatung", "de");
    expect(config).toEqual({
      slug: "suchtberatung",
      lang: "de",
      origin: "https://chat.example.org",
      topicUrl: "https://chat.example.org/api/topics/suchtberatung",
      socketUrl: "wss://chat.example.org/api/gates/ws?topic=suchtberatung",
      frameUrl: "https://chat.example.org/asker.html?topic=suchtberatung&embed=1&lang=de",
      pageUrl: "https://chat.example.org/asker.html?topic=suchtberatung&lang=de",
    });
  });

  it("keep a sub-path, a port and plain http on this machine", () => {
    const config = configFrom("http://127.0.0.1:8080/pforte/embed.js?v=2", "go on", "en-GB");
    expect(config?.socketUrl).toBe("ws://127.0.0.1:8080/pforte/api/gates/ws?topic=go+on");
    expect(config?.topicUrl).toBe("http://127.0.0.1:8080/pforte/api/topics/go%20on");
    expect(config?.frameUrl).toBe(
      "http://127.0.0.1:8080/pforte/asker.html?topic=go+on&embed=1&lang=en",
    );
  });

  it("are none without a topic or with an odd script address", () => {
    expect(configFrom("https://chat.example.org/embed.js", null, "de")).toBeNull();
    expect(configFrom("https://chat.example.org/embed.js", "  ", "de")).toBeNull();
    expect(configFrom("data:text/javascript,1", "sucht", "de")).toBeNull();
    expect(configFrom("not a url", "sucht", "de")).toBeNull();
  });
});

describe("the chat button's words", () => {
  it("are German unless the host page says it is English", () => {
    expect(langOf("en")).toBe("en");
    expect(langOf("EN-us")).toBe("en");
    expect(langOf("de-AT")).toBe("de");
    expect(langOf("fr")).toBe("de");
    expect(langOf("")).toBe("de");
    expect(langOf("eng")).toBe("de");
  });

  it("say whether someone is there, and when someone usually is", () => {
    expect(buttonLabel(deEmbed, true, "Mo–Fr 10–16 Uhr")).toBe("Live-Chat: jetzt erreichbar");
    expect(buttonLabel(deEmbed, false, "Mo–Fr 10–16 Uhr")).toBe(
      "Live-Chat: gerade niemand da (meist Mo–Fr 10–16 Uhr)",
    );
    expect(buttonLabel(deEmbed, false, null)).toBe("Live-Chat: gerade niemand da");
    expect(buttonLabel(deEmbed, false, " ")).toBe("Live-Chat: gerade niemand da");
    expect(buttonLabel(enEmbed, true, null)).toBe("Live chat: available now");
    expect(buttonLabel(enEmbed, false, "Mo–Fr 10–16 Uhr")).toBe(
      "Live chat: nobody here right now (usually Mo–Fr 10–16 Uhr)",
    );
  });
});
