// Accessibility: an asker gets through the whole visit by keyboard alone, with the focus
// visible and put where the next step starts; axe-core finds no serious or critical violation
// on either page in any state on the way (German and English).
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import {
  ACCOUNTS,
  assertAccessible,
  assertClean,
  launchBrowser,
  logIn,
  openPage,
  startChat,
  startServer,
} from "./helpers.mjs";

let server, browser, asker, anna;

before(async () => {
  server = await startServer();
  browser = await launchBrowser();
  [asker, anna] = await Promise.all([openPage(browser, server), openPage(browser, server)]);
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

/** What has the focus: its role-ish tag and its accessible text, and whether focus shows. */
const focused = (page) =>
  page.evaluate(() => {
    const el = document.activeElement;
    if (!el || el === document.body) return { tag: "body", text: "", visible: false };
    const style = getComputedStyle(el);
    const label = el.id ? document.querySelector(`label[for="${el.id}"]`)?.textContent : null;
    return {
      tag: el.tagName.toLowerCase(),
      text: (el.getAttribute("aria-label") ?? label ?? el.textContent ?? "").trim(),
      visible: style.outlineStyle !== "none" && parseFloat(style.outlineWidth) > 0,
    };
  });

/** Presses Tab until the focus is on an element whose text is `text`; fails after `max`. */
async function tabTo(page, text, { max = 15, shift = false } = {}) {
  const seenOnTheWay = [];
  for (let i = 0; i < max; i++) {
    await page.keyboard.press(shift ? "Shift+Tab" : "Tab");
    const now = await focused(page);
    seenOnTheWay.push(now.text);
    if (now.text === text) {
      assert.ok(now.visible, `the focus on "${text}" is not visible`);
      return;
    }
  }
  assert.fail(`Tab never reached "${text}"; it went through: ${seenOnTheWay.join(" | ")}`);
}

async function assertFocusOnHeading(page, name) {
  const now = await focused(page);
  assert.deepEqual({ tag: now.tag, text: now.text }, { tag: "h1", text: name });
}

test("after logging in, the keyboard starts at the view's heading, and the next Tab switches on; the login passes axe in English too", async () => {
  const page = anna.page;
  await page.goto(`${server.url}/?lang=en`);
  await page.getByRole("heading", { name: "Log in" }).waitFor();
  await assertAccessible(page, "dashboard login (en)");
  await page.goto(`${server.url}/?lang=de`);
  await logIn(page, server, ACCOUNTS.anna);
  await assertFocusOnHeading(page, "Live-Chat Anfragen");
  await page.keyboard.press("Tab");
  assert.equal((await focused(page)).text, "Verfügbarkeit aktivieren");
  await page.keyboard.press("Enter");
  await page.getByText("Sie sind verfügbar.").waitFor();
  await assertAccessible(page, "dashboard requests, nobody waiting");
});

test("the asker page passes axe in English", async () => {
  const { page, context } = await openPage(browser, server);
  await page.goto(`${server.url}/asker.html?lang=en`);
  await page.getByRole("heading", { name: "What would you like to talk about?" }).waitFor();
  await assertAccessible(page, "asker topics (en)");
  await context.close();
});

test("by keyboard alone, an asker chooses a topic, agrees and enters the waiting room", async () => {
  const page = asker.page;
  await page.goto(`${server.url}/asker.html`);
  await page.getByRole("heading", { name: "Worüber möchten Sie sprechen?" }).waitFor();
  await tabToTopic(page, "Suchtberatung");
  await page.keyboard.press("Enter");
  await page.getByRole("heading", { name: "Chat zum Thema „Suchtberatung“" }).waitFor();
  await assertFocusOnHeading(page, "Chat zum Thema „Suchtberatung“");
  await assertAccessible(page, "asker consent");

  // Enter without agreeing: the focus goes to the checkbox, which explains what is missing.
  await tabTo(page, "Warteraum betreten");
  await page.keyboard.press("Enter");
  assert.equal((await focused(page)).text, "Ich habe die Hinweise gelesen und bin einverstanden.");
  await page.keyboard.press("Space");
  await tabTo(page, "Warteraum betreten");
  await page.keyboard.press("Enter");
  await page.getByRole("heading", { name: "Sie sind im Warteraum" }).waitFor();
  await assertFocusOnHeading(page, "Sie sind im Warteraum");
  await assertAccessible(page, "asker waiting");
});

async function tabToTopic(page, name) {
  for (let i = 0; i < 10; i++) {
    await page.keyboard.press("Tab");
    const now = await focused(page);
    if (now.tag === "button" && now.text.startsWith(name)) {
      assert.ok(now.visible, "the focus on the topic is not visible");
      return;
    }
  }
  assert.fail(`Tab never reached the topic ${name}`);
}

test("by keyboard alone, the asker chats: the focus starts at the chat, Enter sends, new messages are announced", async () => {
  await startChat(anna.page);
  const page = asker.page;
  await page.getByRole("heading", { name: "Chat mit Anna Berger" }).waitFor();
  await assertFocusOnHeading(page, "Chat mit Anna Berger");
  const log = page.getByRole("log", { name: "Nachrichten" });
  assert.equal(await log.getAttribute("aria-live"), "polite");

  await tabTo(page, "Ihre Nachricht");
  await page.keyboard.type("Hallo, ich tippe nur mit der Tastatur.");
  await page.keyboard.press("Enter");
  await anna.page.getByText("Hallo, ich tippe nur mit der Tastatur.").waitFor();
  assert.equal((await focused(page)).text, "Ihre Nachricht");

  await anna.page.getByRole("textbox", { name: "Ihre Nachricht" }).fill("Gut, ich lese mit.");
  await anna.page.keyboard.press("Enter");
  await log.getByText("Gut, ich lese mit.").waitFor();
  await assertAccessible(page, "asker chat");
  await assertAccessible(anna.page, "dashboard chat");
});

test("by keyboard alone, the asker ends the chat: the dialog starts on the safe choice and Escape cancels", async () => {
  const page = asker.page;
  await tabTo(page, "Chat beenden", { shift: true });
  await page.keyboard.press("Enter");
  const dialog = page.getByRole("dialog", { name: "Chat beenden?" });
  await dialog.waitFor();
  assert.equal((await focused(page)).text, "Abbrechen");
  await assertAccessible(page, "asker end dialog");
  await page.keyboard.press("Escape");
  await dialog.waitFor({ state: "hidden" });
  assert.equal((await focused(page)).text, "Chat beenden");

  await page.keyboard.press("Enter");
  await dialog.waitFor();
  await page.keyboard.press("Tab");
  assert.equal((await focused(page)).text, "Ja, Chat beenden");
  await page.keyboard.press("Enter");
  await page.getByRole("heading", { name: "Der Chat ist beendet" }).waitFor();
  await assertFocusOnHeading(page, "Der Chat ist beendet");
  await page.getByText("Sie haben den Chat beendet.").waitFor();
  await assertAccessible(page, "asker chat ended");
  await anna.page.getByText("Die ratsuchende Person hat den Chat beendet.").waitFor();
  await assertAccessible(anna.page, "dashboard chat ended by the asker");
});

test("no page made a request to anyone but the server, and none threw an error", () => {
  assertClean(asker, anna);
});
