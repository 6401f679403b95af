// Nobody waits in vain: when the last counselor of a topic leaves while an asker waits, the
// asker is told at once, sees how long the place is kept, and gets a clear ending message.
// The server keeps the place for 4 s here (60 s in production).
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import {
  ACCOUNTS,
  assertClean,
  assertNotReloaded,
  enterWaitingRoom,
  launchBrowser,
  logIn,
  look,
  markDocument,
  openPage,
  startServer,
  switchOn,
} from "./helpers.mjs";

let server, browser, asker, anna;

before(async () => {
  server = await startServer({ args: ["--grace", "4s"] });
  browser = await launchBrowser();
  [asker, anna] = await Promise.all([openPage(browser, server), openPage(browser, server)]);
  await logIn(anna.page, server, ACCOUNTS.anna);
  await switchOn(anna.page);
  await enterWaitingRoom(asker.page, server);
  await markDocument(asker.page);
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

test("when the last counselor switches off, the asker is told at once and sees the place kept; when she comes back the wait goes on", async () => {
  const page = anna.page;
  await page.getByRole("switch", { name: "Meine Live-Chat Verfügbarkeit" }).click();
  const dialog = page.getByRole("dialog", { name: "Wirklich ausschalten?" });
  await dialog.getByText("Suchtberatung: 1 Person wartet").waitFor();
  await dialog.getByRole("button", { name: "Trotzdem ausschalten" }).click();
  await page
    .getByRole("heading", { name: "Ihre Live-Chat Verfügbarkeit ist ausgeschaltet" })
    .waitFor();

  await asker.page.getByRole("alert").filter({ hasText: "Gerade ist niemand mehr da" }).waitFor();
  await asker.page.getByText(/Ihr Platz wird noch freigehalten für\s*0:0[0-4] Min\./).waitFor();

  await page.getByRole("button", { name: "Verfügbarkeit aktivieren" }).click();
  await asker.page.getByText("Es ist wieder jemand da. Ihr Platz bleibt erhalten.").waitFor();
  await asker.page.getByRole("heading", { name: "Sie sind im Warteraum" }).waitFor();
  await asker.page.getByText("Sie sind als Nächstes an der Reihe.").waitFor();
  await assertNotReloaded(asker.page);
});

test("the last counselor who logs out while someone waits is asked first, with the number waiting", async () => {
  const page = anna.page;
  await page.getByRole("button", { name: "Abmelden" }).click();
  const dialog = page.getByRole("dialog", { name: "Wirklich abmelden?" });
  await dialog.getByText("Sie sind die letzte verfügbare Person für:").waitFor();
  await dialog.getByText("Suchtberatung: 1 Person wartet").waitFor();
  await look(page, "dashboard-confirm-logout", { fullPage: false });
  await dialog.getByRole("button", { name: "Trotzdem abmelden" }).click();
  await page.getByRole("heading", { name: "Anmelden" }).waitFor();
  await page.getByText("Sie wurden abgemeldet.").waitFor();
});

test("the asker is told at once that nobody is there any more, with the time the place is kept", async () => {
  const page = asker.page;
  await page.getByRole("alert").filter({ hasText: "Gerade ist niemand mehr da" }).waitFor();
  await page.getByText("Wir halten Ihren Platz noch frei, falls jemand zurückkommt.").waitFor();
  await page.getByText(/Ihr Platz wird noch freigehalten für\s*0:0[0-4] Min\./).waitFor();
  await page.getByRole("button", { name: "Warteraum verlassen" }).waitFor();
  await look(page, "asker-closing");
});

test("after the grace period the asker's request ends with a clear message and the usual chat hours", async () => {
  const page = asker.page;
  await page
    .getByRole("heading", { name: "Leider ist niemand zurückgekommen" })
    .waitFor({ timeout: 15_000 });
  await page
    .getByText("Ihre Anfrage wurde beendet, weil keine Berater_in mehr erreichbar war.")
    .waitFor();
  await page.getByText("Der Chat ist meist besetzt: Mo–Fr 10–16 Uhr").waitFor();
  await page.getByRole("button", { name: "Neu beginnen" }).waitFor();
  assert.equal(await page.getByRole("button", { name: "Warteraum verlassen" }).count(), 0);
  await assertNotReloaded(page);
  await look(page, "asker-request-ended");
});

test("starting again shows the closed gate, because nobody is there", async () => {
  const page = asker.page;
  await page.getByRole("button", { name: "Neu beginnen" }).click();
  await page.getByRole("heading", { name: "Worüber möchten Sie sprechen?" }).waitFor();
  await page.getByRole("button", { name: /^Suchtberatung/ }).click();
  await page.getByRole("heading", { name: "Gerade ist niemand für den Chat da" }).waitFor();
});

test("no page made a request to anyone but the server, and none threw an error", () => {
  assertClean(asker, anna);
});
