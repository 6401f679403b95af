// "Meine Statistik": the figures follow what the counselor did, counted from the counselor's
// own midnight, and "Download Excel Datei" saves the server's real .xlsx workbook.
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { after, before, test } from "node:test";
import {
  ACCOUNTS,
  assertClean,
  enterWaitingRoom,
  launchBrowser,
  logIn,
  look,
  openPage,
  seen,
  startChat,
  startServer,
  switchOn,
} from "./helpers.mjs";

let server, browser, asker, anna;
const statisticsCalls = [];

before(async () => {
  server = await startServer();
  browser = await launchBrowser();
  [asker, anna] = await Promise.all([openPage(browser, server), openPage(browser, server)]);
  anna.page.on("request", (request) => {
    if (request.url().includes("/api/me/statistics")) statisticsCalls.push(new URL(request.url()));
  });
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

test("after a chat, this month's statistics count the accepted chat, the sent messages and the ended chat", async () => {
  const page = anna.page;
  await logIn(page, server, ACCOUNTS.anna);
  await switchOn(page);
  await enterWaitingRoom(asker.page, server);
  await startChat(page);
  for (const text of ["Hallo, ich bin da.", "Wie kann ich helfen?"]) {
    await page.getByRole("textbox", { name: "Ihre Nachricht" }).fill(text);
    await page.getByRole("button", { name: "Senden" }).click();
    await asker.page.getByText(text).waitFor();
  }
  await page.getByRole("button", { name: "Chat beenden" }).click();
  await page.getByRole("dialog").getByRole("button", { name: "Ja, Chat beenden" }).click();
  await asker.page.getByRole("heading", { name: "Der Chat ist beendet" }).waitFor();

  await page.getByRole("link", { name: "Meine Aktivitäten" }).click();
  const card = page.getByRole("region", { name: "Meine Statistik" });
  await card.getByText(/^Im Zeitraum vom 01\.\d\d\.\d{4} bis /).waitFor();
  const figures = await seen(card.locator("dl"));
  assert.match(figures, /Angenommene Chats\n1\n/);
  assert.match(figures, /Gesendete Nachrichten\n2\n/);
  assert.match(figures, /Beendete Chats\n1\n/);
  assert.match(figures, /Zeit verfügbar\n0 Std\. \d+ Min\./);
  await look(page, "dashboard-statistics");
});

test("the dashboard asks for the figures from the counselor's own midnight (Berlin: 60 minutes east of UTC)", () => {
  assert.ok(statisticsCalls.length > 0);
  for (const url of statisticsCalls) {
    // November is winter time in Berlin: UTC+1.
    assert.equal(url.searchParams.get("utc_offset_minutes"), "60", url.href);
  }
});

test("last month's figures are empty, and say which days they cover", async () => {
  const page = anna.page;
  const card = page.getByRole("region", { name: "Meine Statistik" });
  await card.getByLabel("Zeitraum").selectOption({ label: "Letzter Monat" });
  // Last month as the counselor's calendar (Berlin) has it.
  const [year, month] = new Intl.DateTimeFormat("en-CA", { timeZone: "Europe/Berlin" })
    .format(new Date())
    .split("-")
    .map(Number);
  const first = new Date(Date.UTC(year, month - 2, 1));
  const last = new Date(Date.UTC(year, month - 1, 0));
  const day = (d) =>
    d.toLocaleDateString("de-DE", {
      timeZone: "UTC",
      day: "2-digit",
      month: "2-digit",
      year: "numeric",
    });
  await card.getByText(`Im Zeitraum vom ${day(first)} bis ${day(last)}:`).waitFor();
  await card.getByRole("definition").first().getByText("0").waitFor();
});

test("Download Excel Datei saves a real .xlsx workbook from the server", async () => {
  const page = anna.page;
  const card = page.getByRole("region", { name: "Meine Statistik" });
  await card.getByLabel("Zeitraum").selectOption({ label: "Dieser Monat" });
  const [download] = await Promise.all([
    page.waitForEvent("download"),
    card.getByRole("button", { name: "Download Excel Datei" }).click(),
  ]);
  assert.match(download.suggestedFilename(), /\.xlsx$/);
  const bytes = await readFile(await download.path());
  // An .xlsx is a ZIP archive: it starts with "PK", and is more than a few bytes.
  assert.equal(bytes.subarray(0, 2).toString("latin1"), "PK");
  assert.ok(bytes.length > 1000, `only ${bytes.length} bytes`);
  // A ZIP of a workbook names its parts in plain text.
  assert.ok(bytes.includes(Buffer.from("xl/workbook.xml")), "no xl/workbook.xml inside");
  await card.getByRole("button", { name: "Download Excel Datei" }).waitFor();
  assert.equal(await card.getByRole("alert").count(), 0);
});

test("no page made a request to anyone but the server, and none threw an error", () => {
  assertClean(asker, anna);
});
