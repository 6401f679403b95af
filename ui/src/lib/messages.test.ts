import { describe, expect, it } from "vitest";
import { message } from "../test/fixtures";
import {
  charCount,
  draftAfterSend,
  draftProblem,
  MAX_MESSAGE_CHARS,
  mergeMessages,
  newClientId,
} from "./messages";

describe("merging messages", () => {
  it("keeps each message once, oldest first", () => {
    const a = message("a", "c", 10);
    const b = message("b", "c", 20);
    const c = message("c", "c", 15);
    expect(mergeMessages([a, b], [c, a]).map((m) => m.id)).toEqual(["a", "c", "b"]);
  });

  it("returns the same list when nothing is new", () => {
    const list = [message("a", "c", 10)];
    expect(mergeMessages(list, [message("a", "c", 10)])).toBe(list);
  });
});

describe("a draft once its text was sent", () => {
  it("is empty when nothing was written meanwhile", () => {
    expect(draftAfterSend("Hallo", "Hallo")).toBe("");
  });

  it("keeps a next message written in its place while the first was being sent", () => {
    expect(draftAfterSend("Wie kann ich helfen?", "Hallo, ich bin da.")).toBe(
      "Wie kann ich helfen?",
    );
  });

  it("keeps what was written on after the sent text, without the sent text", () => {
    expect(draftAfterSend("Hallo\nWie geht es Ihnen?", "Hallo")).toBe("Wie geht es Ihnen?");
  });
});

describe("a draft", () => {
  it("is refused when it is empty or only blanks", () => {
    expect(draftProblem("")).toBe("empty");
    expect(draftProblem(" \n\t ")).toBe("empty");
  });

  it("is refused as empty when only invisible characters would be sent", () => {
    for (const text of ["\u200B", "\uFEFF", "\u202E\u202D", "\0", "\u3164", "\u0301"]) {
      expect(draftProblem(text)).toBe("empty");
    }
    expect(draftProblem("\u200Bja")).toBeNull();
  });

  it("may have exactly the maximum length", () => {
    expect(draftProblem("x".repeat(MAX_MESSAGE_CHARS))).toBeNull();
    expect(draftProblem("x".repeat(MAX_MESSAGE_CHARS + 1))).toBe("too_long");
  });

  it("counts characters as the server does, an emoji as one", () => {
    expect(charCount("🙂")).toBe(1);
    expect(draftProblem("🙂".repeat(MAX_MESSAGE_CHARS))).toBeNull();
  });
});

describe("a message's client id", () => {
  it("is a version 4 UUID and new every time", () => {
    const a = newClientId();
    expect(a).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(newClientId()).not.toBe(a);
  });
});
