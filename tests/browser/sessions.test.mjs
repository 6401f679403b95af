// One availability across devices, sessions that end everywhere at once, and a server that
// restarts under everybody's feet.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import {
  ACCOUNTS,
  assertClean,
  enterWaitingRoom,
  eventually,
  launchBrowser,
  logIn,
  openPage,
  startServer,
  switchOn,
} from "./helpers.mjs";

let server, browser, asker, desk, phone;

before(async () => {
  server = await startServer();
  browser = await launchBrowser();
  [asker, desk, phone] = await Promise.all([
    openPage(browser, server),
    openPage(browser, server),
    openPage(browser, server, { size: "phone" }),
  ]);
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

const toggle = (page) => page.getByRole("switch", { name: "Meine Live-Chat Verfügbarkeit" });

test("a counselor logged in on two devices has one availability: switching on one shows on the other at once", async () => {
  await logIn(desk.page, server, ACCOUNTS.anna);
  await logIn(phone.page, server, ACCOUNTS.anna);
  await switchOn(desk.page);
  await phone.page.getByText("Sie sind verfügbar.").waitFor();
  assert.equal(await toggle(phone.page).getAttribute("aria-checked"), "true");
  await enterWaitingRoom(asker.page, server);
  await desk.page.getByRole("button", { name: "Chat starten" }).waitFor();
  await phone.page.getByRole("button", { name: "Chat starten" }).waitFor();
});

test("after the server restarts, the dashboard and the asker page reconnect by themselves and nothing is lost", async () => {
  await server.restart();
  for (const { page } of [desk, phone]) {
    await page
      .getByRole("status")
      .filter({ hasText: /verbunden$/ })
      .waitFor({ timeout: 15_000 });
    await page.getByText("Sie sind verfügbar.").waitFor();
    await page.getByRole("button", { name: "Chat starten" }).waitFor();
  }
  await asker.page.getByRole("heading", { name: "Sie sind im Warteraum" }).waitFor();
  await asker.page.getByText("Sie sind als Nächstes an der Reihe.").waitFor();
  // The asker page keeps showing its place while its own socket comes back (its backoff may
  // take a moment longer than the dashboards'); then it no longer says it is reconnecting.
  await eventually(async () =>
    assert.equal(await asker.page.getByText("Verbindung wird wiederhergestellt").count(), 0),
  );
});

test("a server restarted with SIGTERM is rejoined at once: within a second of it being back, the dashboards are connected and still available, and the asker still waits in place", async (t) => {
  const dashboards = [desk, phone];
  const status = (page) => page.getByRole("status").filter({ hasText: /Verbindung:/ });
  await server.restart({
    whileDown: async () => {
      // Closed with 1012: every page knows at once that the connection went.
      for (const { page } of dashboards) {
        await status(page).filter({ hasText: "Verbindung wird wiederhergestellt" }).waitFor();
      }
      await asker.page.getByText("Verbindung wird wiederhergestellt").waitFor();
      // Down long enough that a growing backoff would already wait seconds between tries.
      await new Promise((resolve) => setTimeout(resolve, 3_000));
    },
  });
  const back = Date.now();
  const rejoined = await Promise.all([
    ...dashboards.map(async ({ page }) => {
      await status(page)
        .filter({ hasText: /Verbindung:\s*verbunden$/ })
        .waitFor();
      return Date.now() - back;
    }),
    eventually(async () => {
      assert.equal(await asker.page.getByText("Verbindung wird wiederhergestellt").count(), 0);
      return Date.now() - back;
    }, 10_000),
  ]);
  t.diagnostic(`desk, phone, asker rejoined ${rejoined.join(", ")} ms after the server was back`);
  for (const ms of rejoined) assert.ok(ms <= 1_000, `rejoined after ${rejoined} ms`);

  for (const { page } of dashboards) {
    await page.getByText("Sie sind verfügbar.").waitFor();
    assert.equal(await toggle(page).getAttribute("aria-checked"), "true");
    await page.getByRole("button", { name: "Chat starten" }).waitFor();
  }
  await asker.page.getByRole("heading", { name: "Sie sind im Warteraum" }).waitFor();
  await asker.page.getByText("Sie sind als Nächstes an der Reihe.").waitFor();
});

test("logging out on one device switches availability off everywhere; the other device stays in and says why", async () => {
  await desk.page.getByRole("button", { name: "Abmelden" }).click();
  await desk.page
    .getByRole("dialog", { name: "Wirklich abmelden?" })
    .getByRole("button", { name: "Trotzdem abmelden" })
    .click();
  await desk.page.getByRole("heading", { name: "Anmelden" }).waitFor();
  await desk.page.getByText("Sie wurden abgemeldet.").waitFor();
  await phone.page.getByText("Ihre Verfügbarkeit wurde beim Abmelden ausgeschaltet.").waitFor();
  await phone.page.getByRole("button", { name: "Verfügbarkeit aktivieren" }).waitFor();
  assert.equal(await phone.page.getByRole("button", { name: "Chat starten" }).count(), 0);
  // The asker hears that nobody is there any more.
  await asker.page.getByRole("alert").filter({ hasText: "Gerade ist niemand mehr da" }).waitFor();
});

test("logging in again does not switch availability on by itself", async () => {
  await logIn(desk.page, server, ACCOUNTS.anna);
  await desk.page.getByRole("button", { name: "Verfügbarkeit aktivieren" }).waitFor();
  assert.equal(await desk.page.getByRole("button", { name: "Chat starten" }).count(), 0);
});

test("a session that expires ends on screen with a clear message instead of reconnecting forever", async () => {
  const short = await startServer({ args: ["--session-ttl", "3s"] });
  const counselor = await openPage(browser, short);
  try {
    await logIn(counselor.page, short, ACCOUNTS.bernd);
    await counselor.page
      .getByText("Ihre Sitzung ist abgelaufen. Bitte melden Sie sich neu an.")
      .waitFor({ timeout: 15_000 });
    await counselor.page.getByRole("heading", { name: "Anmelden" }).waitFor();
    assert.equal(await counselor.page.getByText("Verbindung wird wiederhergestellt").count(), 0);
    assertClean(counselor);
  } finally {
    await counselor.context.close();
    await short.stop();
  }
});

test("no page made a request to anyone but the server, and none threw an error", () => {
  assertClean(asker, desk, phone);
});
