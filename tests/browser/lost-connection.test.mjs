// A counselor's connection breaks. The dashboard's WebSocket runs through a relay in the test
// (playwright's routeWebSocket) that can cut it and keep it cut, as a dying Wi-Fi would.
// The server keeps the switch on for 3 s here (30 s in production) and the askers' places for
// 20 s.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import {
  ACCOUNTS,
  assertClean,
  enterWaitingRoom,
  launchBrowser,
  logIn,
  look,
  openPage,
  relayCounselorSocket,
  startServer,
  switchOn,
} from "./helpers.mjs";

let server, browser, asker, anna;

let relay;

before(async () => {
  server = await startServer({ args: ["--resume-window", "3s", "--grace", "20s"] });
  browser = await launchBrowser();
  [asker, anna] = await Promise.all([openPage(browser, server), openPage(browser, server)]);
  relay = await relayCounselorSocket(anna.page);
  await logIn(anna.page, server, ACCOUNTS.anna);
  await switchOn(anna.page);
  await enterWaitingRoom(asker.page, server);
  await anna.page.getByRole("button", { name: "Chat starten" }).waitFor();
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

test("a counselor whose connection drops for a moment is available again by itself, and the asker's wait goes on", async () => {
  relay.cut();
  const page = anna.page;
  // Reconnected within the resume window: still switched on, available, the request listed.
  await page
    .getByRole("status")
    .filter({ hasText: /verbunden$/ })
    .waitFor();
  await page.getByText("Sie sind verfügbar.").waitFor();
  await page.getByRole("button", { name: "Chat starten" }).waitFor();
  assert.equal(
    await page
      .getByRole("switch", { name: "Meine Live-Chat Verfügbarkeit" })
      .getAttribute("aria-checked"),
    "true",
  );
  await asker.page.getByRole("heading", { name: "Sie sind im Warteraum" }).waitFor();
});

test("while the connection is away, the dashboard says so and does not claim to be available", async () => {
  relay.blocked = true;
  relay.cut();
  const page = anna.page;
  await page
    .getByRole("status")
    .filter({ hasText: "Verbindung wird wiederhergestellt…" })
    .waitFor();
  await page
    .getByText("Ihre Verfügbarkeit ist eingeschaltet, aber die Verbindung fehlt.")
    .waitFor();
  await page.getByText("Nicht verfügbar", { exact: true }).waitFor();
  assert.equal(await page.getByRole("button", { name: "Chat starten" }).count(), 0);
  await look(page, "dashboard-connection-lost");
  // The asker hears at once that nobody is there.
  await asker.page.getByRole("alert").filter({ hasText: "Gerade ist niemand mehr da" }).waitFor();
});

test("a counselor whose connection stays away longer than the resume window finds the switch off and is told why", async () => {
  // Keep the connection away past the server's resume window (3 s), then let it come back.
  await new Promise((resolve) => setTimeout(resolve, 4_000));
  relay.blocked = false;
  const page = anna.page;
  await page
    .getByRole("status")
    .filter({ hasText: /verbunden$/ })
    .waitFor({ timeout: 15_000 });
  await page
    .getByText("Ihre Verfügbarkeit wurde ausgeschaltet, weil die Verbindung abgebrochen ist.")
    .waitFor();
  await page.getByRole("button", { name: "Verfügbarkeit aktivieren" }).waitFor();
  await look(page, "dashboard-switched-off-connection-lost");

  // Switching on again brings the asker's wait back within the grace period.
  await switchOn(page);
  await page.getByRole("button", { name: "Chat starten" }).waitFor();
  await asker.page.getByText("Es ist wieder jemand da. Ihr Platz bleibt erhalten.").waitFor();
});

test("no page made a request to anyone but the server, and none threw an error", () => {
  assertClean(asker, anna);
});
