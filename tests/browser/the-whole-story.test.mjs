// The whole story of issue 3 against the real server, with two people on two devices: an
// asker and a counselor. Each step builds on the one before, as it would for the two of them.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import {
  ACCOUNTS,
  assertClean,
  assertNotReloaded,
  eventually,
  launchBrowser,
  logIn,
  look,
  markDocument,
  openPage,
  seen,
  startServer,
} from "./helpers.mjs";

let server, browser, asker, counselor;

before(async () => {
  server = await startServer();
  browser = await launchBrowser();
  asker = await openPage(browser, server);
  counselor = await openPage(browser, server);
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

test("an asker who comes while nobody is there sees that the chat is closed, and when it is usually staffed", async () => {
  const page = asker.page;
  await page.goto(`${server.url}/asker.html?topic=suchtberatung`);
  await page.getByRole("heading", { name: "Gerade ist niemand für den Chat da" }).waitFor();
  await page.getByText("Im Moment ist für „Suchtberatung“ keine Berater_in erreichbar").waitFor();
  await page.getByText("Der Chat ist meist besetzt: Mo–Fr 10–16 Uhr").waitFor();
  await page.getByText("Diese Seite öffnet sich von selbst, sobald jemand da ist.").waitFor();
  assert.equal(await page.getByRole("button", { name: "Warteraum betreten" }).count(), 0);
  await look(page, "asker-closed");
  await markDocument(page);
});

test("an asker without a direct link chooses among the topics that offer live chat", async () => {
  const { page, context } = await openPage(browser, server);
  await page.goto(`${server.url}/asker.html`);
  await page.getByRole("heading", { name: "Worüber möchten Sie sprechen?" }).waitFor();
  const topics = page.getByRole("list", { name: "Themen" }).getByRole("button");
  assert.deepEqual(await topics.allInnerTexts(), [
    "Schwangerschaftsberatung\nGerade nicht besetzt",
    "Suchtberatung\nGerade nicht besetzt",
  ]);
  await look(page, "asker-topics");
  await context.close();
});

test("a counselor who logs in is not available until they switch on, and sees no requests", async () => {
  const page = counselor.page;
  await page.goto(`${server.url}/`);
  await page.getByRole("heading", { name: "Anmelden" }).waitFor();
  await look(page, "dashboard-login");
  await logIn(page, server, ACCOUNTS.anna);
  await page.getByText("Angemeldet als Anna Berger").waitFor();
  await page
    .getByRole("heading", { name: "Ihre Live-Chat Verfügbarkeit ist ausgeschaltet" })
    .waitFor();
  await page.getByRole("button", { name: "Verfügbarkeit aktivieren" }).waitFor();
  assert.equal(await page.getByRole("list", { name: /Wartende Anfragen/ }).count(), 0);
  await look(page, "dashboard-unavailable");
});

test("the asker's page opens by itself, without a reload, the moment the counselor switches on", async () => {
  await counselor.page.getByRole("button", { name: "Verfügbarkeit aktivieren" }).click();
  await counselor.page.getByText("Sie sind verfügbar.").waitFor();
  await counselor.page.getByText("Gerade wartet niemand.").waitFor();
  const page = asker.page;
  await page.getByText("Jetzt ist jemand da. Sie können den Warteraum betreten.").waitFor();
  await page.getByRole("heading", { name: "Chat zum Thema „Suchtberatung“" }).waitFor();
  await assertNotReloaded(page);
  await look(page, "asker-consent");
});

test("the asker must agree to the consent text before entering the waiting room", async () => {
  const page = asker.page;
  await page.getByRole("button", { name: "Warteraum betreten" }).click();
  await page.getByText("Bitte bestätigen Sie zuerst die Hinweise.").waitFor();
  const checkbox = page.getByLabel("Ich habe die Hinweise gelesen und bin einverstanden.");
  assert.equal(await checkbox.evaluate((el) => el === document.activeElement), true);
  assert.equal(await checkbox.getAttribute("aria-invalid"), "true");
  await look(page, "asker-consent-missing");
});

test("after agreeing, the asker waits in the waiting room at position 1", async () => {
  const page = asker.page;
  await page.getByLabel("Ich habe die Hinweise gelesen und bin einverstanden.").check();
  await page.getByRole("button", { name: "Warteraum betreten" }).click();
  await page.getByRole("heading", { name: "Sie sind im Warteraum" }).waitFor();
  await page.getByText("Thema: Suchtberatung").waitFor();
  assert.equal(
    await seen(page.getByRole("region", { name: "Ihre Position in der Warteschlange" })),
    "Ihre Position in der Warteschlange\n1\nSie sind als Nächstes an der Reihe.",
  );
  await page.getByRole("button", { name: "Warteraum verlassen" }).waitFor();
  await look(page, "asker-waiting");
});

test("the request appears on the counselor's list without a reload, with an alert", async () => {
  const page = counselor.page;
  await markDocument(page);
  const list = page.getByRole("list", { name: "Wartende Anfragen, die älteste zuerst" });
  await list.waitFor();
  const items = list.getByRole("listitem");
  assert.equal(await items.count(), 1);
  const text = await items.first().innerText();
  assert.match(text, /^Suchtberatung\n/);
  assert.match(text, /wartet seit weniger als einer Minute/);
  await page.getByText("1 Anfrage wartet").waitFor();
  await page.getByRole("alert").filter({ hasText: "Neue Live-Chat Anfrage" }).waitFor();
  await page.getByRole("link", { name: /Live-Chat Anfragen.*1 wartende Anfrage/ }).waitFor();
  await assertNotReloaded(page);
  await look(page, "dashboard-requests");
});

test("the counselor sees in the coverage that they are the only one there while one person waits", async () => {
  const page = counselor.page;
  const row = page.getByRole("row", { name: /^Suchtberatung/ });
  // Topic, available, waiting, free seats (no seat limit set).
  assert.equal(await row.innerText(), "Suchtberatung\t1 (Nur Sie)\t1\tunbegrenzt");
});

test("switching off as the last counselor while someone waits asks first and says how many wait", async () => {
  const page = counselor.page;
  await page.getByRole("link", { name: "Meine Aktivitäten" }).click();
  await page.getByRole("heading", { name: "Meine Aktivitäten", level: 1 }).waitFor();
  await page.getByText("Angenommene Chats").waitFor();
  await look(page, "dashboard-activities");
  const toggle = page.getByRole("switch", { name: "Meine Live-Chat Verfügbarkeit" });
  assert.equal(await toggle.getAttribute("aria-checked"), "true");
  await toggle.click();
  const dialog = page.getByRole("dialog", { name: "Wirklich ausschalten?" });
  await dialog.waitFor();
  await dialog.getByText("Suchtberatung: 1 Person wartet").waitFor();
  await look(page, "dashboard-confirm-off", { fullPage: false });
  await dialog.getByRole("button", { name: "Verfügbar bleiben" }).click();
  await dialog.waitFor({ state: "hidden" });
  assert.equal(await toggle.getAttribute("aria-checked"), "true");
  await page.getByText("Sie sind verfügbar.").waitFor();
  // The asker noticed nothing.
  await asker.page.getByRole("heading", { name: "Sie sind im Warteraum" }).waitFor();
});

test("Chat starten opens the chat on both sides", async () => {
  const page = counselor.page;
  await page.getByRole("link", { name: /Live-Chat Anfragen/ }).click();
  await page.getByRole("button", { name: "Chat starten" }).click();
  await page.getByRole("heading", { name: /^Chat mit / }).waitFor();
  await page.getByText("Die ratsuchende Person ist da.").waitFor();
  await page.getByRole("textbox", { name: "Ihre Nachricht" }).waitFor();
  await asker.page.getByRole("heading", { name: "Chat mit Anna Berger" }).waitFor();
  await asker.page.getByText("Anna Berger ist da.").waitFor();
  // The request is gone from the list.
  await page.getByRole("link", { name: /Live-Chat Anfragen/ }).click();
  await page.getByText("Gerade wartet niemand.").waitFor();
  await page.goBack();
  await page.getByRole("heading", { name: /^Chat mit / }).waitFor();
});

test("both write, and every message appears on both sides", async () => {
  const c = counselor.page;
  const a = asker.page;
  await c
    .getByRole("textbox", { name: "Ihre Nachricht" })
    .fill("Guten Tag, ich bin für Sie da. Was beschäftigt Sie?");
  await c.keyboard.press("Enter");
  await a
    .getByRole("log", { name: "Nachrichten" })
    .getByText("Guten Tag, ich bin für Sie da.")
    .waitFor();
  await a
    .getByRole("textbox", { name: "Ihre Nachricht" })
    .fill("Danke. Ich weiß nicht,\nwo ich anfangen soll.");
  await a.getByRole("button", { name: "Senden" }).click();
  await c.getByRole("log", { name: "Nachrichten" }).getByText("wo ich anfangen soll.").waitFor();
  // The sender sees their own message too, and the composer is empty again.
  await a.getByRole("log", { name: "Nachrichten" }).getByText("wo ich anfangen soll.").waitFor();
  await eventually(async () =>
    assert.equal(await a.getByRole("textbox", { name: "Ihre Nachricht" }).inputValue(), ""),
  );
  const askerLog = await a
    .getByRole("log", { name: "Nachrichten" })
    .getByRole("listitem")
    .allInnerTexts();
  assert.equal(askerLog.length, 2);
  assert.match(askerLog[0], /^Anna Berger/);
  assert.match(askerLog[1], /^Sie/);
  await look(a, "asker-chat");
  await look(c, "dashboard-chat");
});

test("the counselor ends the chat after confirming, and the asker sees the end, read-only", async () => {
  const c = counselor.page;
  const a = asker.page;
  await c.getByRole("button", { name: "Chat beenden" }).click();
  const dialog = c.getByRole("dialog", { name: "Chat beenden?" });
  await dialog.waitFor();
  await look(c, "dashboard-confirm-end", { fullPage: false });
  await dialog.getByRole("button", { name: "Ja, Chat beenden" }).click();
  await c.getByText("Sie haben den Chat beendet.").waitFor();
  assert.equal(await c.getByRole("textbox", { name: "Ihre Nachricht" }).count(), 0);
  await a.getByRole("heading", { name: "Der Chat ist beendet" }).waitFor();
  await a.getByText("Anna Berger hat den Chat beendet.").waitFor();
  await a
    .getByText("Aus Datenschutzgründen wird dieser Chat 2 Tage nach dem Ende vollständig gelöscht.")
    .waitFor();
  await a.getByText("Dieser Chat ist beendet. Sie können ihn nur noch lesen.").waitFor();
  assert.equal(await a.getByRole("textbox", { name: "Ihre Nachricht" }).count(), 0);
  assert.equal(await a.getByRole("log", { name: "Nachrichten" }).getByRole("listitem").count(), 2);
  await look(a, "asker-chat-ended");
  await look(c, "dashboard-chat-ended");
  // The counselor finds it under the ended chats.
  await c.getByRole("link", { name: "Meine Beratungen" }).click();
  const ended = c.getByRole("region", { name: "Meine Beratungen" }).getByRole("list").last();
  await c.getByRole("heading", { name: "Beendete Chats" }).waitFor();
  await c.getByText("Gerade keine laufenden Chats.").waitFor();
  assert.match(await seen(ended), /Suchtberatung\nbeendet /);
});

test("no page made a request to anyone but the server, and none threw an error", () => {
  assertClean(asker, counselor);
});
