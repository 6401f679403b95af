// Answers and events that cross on the way: an HTTP answer the server gave before a pushed
// event may reach the page after it. The page must end up with what the server says now, not
// with whatever arrived last, and must lose nothing the person did meanwhile. A slow network
// is played by holding answers back. Each test has a server of its own.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import {
  ACCOUNTS,
  assertClean,
  enterWaitingRoom,
  holdFirstAnswer,
  launchBrowser,
  logIn,
  openPage,
  startChat,
  startServer,
  switchOn,
} from "./helpers.mjs";

let browser;

before(async () => {
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
});

const requestList = (page) =>
  page.getByRole("list", { name: "Wartende Anfragen, die älteste zuerst" });

/** A fresh server with a counselor's and an asker's page; checks the pages stayed clean. */
async function withServer(run) {
  const server = await startServer();
  const [counselor, asker] = await Promise.all([
    openPage(browser, server),
    openPage(browser, server),
  ]);
  try {
    await run({ server, counselor, asker });
    assertClean(counselor, asker);
  } finally {
    await Promise.all([counselor.context.close(), asker.context.close()]);
    await server.stop();
  }
}

test("a counselor who switches on while the dashboard still reads the profile stays available and sees the next request", () =>
  withServer(async ({ server, counselor: anna, asker }) => {
    // The profile read when the socket becomes ready: the server answers before the switch,
    // the answer arrives after it.
    const profile = await holdFirstAnswer(anna.page, "GET", "/api/me");
    await logIn(anna.page, server, ACCOUNTS.anna);
    await profile.fetched;
    await switchOn(anna.page);
    await profile.release();

    await enterWaitingRoom(asker.page, server);
    await requestList(anna.page).getByRole("listitem").waitFor();
    assert.equal(await requestList(anna.page).getByRole("listitem").count(), 1);
    await anna.page.getByText("Sie sind verfügbar.").first().waitFor();
  }));

test("a request that comes while the list is read after switching on stays in the list when the read's answer comes last", () =>
  withServer(async ({ server, counselor: bernd, asker }) => {
    await logIn(bernd.page, server, ACCOUNTS.bernd);
    // The switch's answer is slow: the pushed event says "available" first, and the list is
    // read at once. The server answers that read before the asker comes; it arrives last.
    const switched = await holdFirstAnswer(bernd.page, "PUT", "/api/me/availability");
    const list = await holdFirstAnswer(bernd.page, "GET", "/api/requests");
    await bernd.page.getByRole("button", { name: "Verfügbarkeit aktivieren" }).click();
    await bernd.page.getByText("Sie sind verfügbar.").first().waitFor();
    await list.fetched;
    await switched.release();
    await enterWaitingRoom(asker.page, server);
    await list.release();

    await requestList(bernd.page)
      .getByRole("listitem")
      .or(bernd.page.getByText("Gerade wartet niemand."))
      .waitFor();
    assert.equal(await bernd.page.getByText("Gerade wartet niemand.").count(), 0);
    assert.equal(await requestList(bernd.page).getByRole("listitem").count(), 1);
  }));

test("the last counselor who switches off is asked first, although the asker came while the dashboard still read who is there", () =>
  withServer(async ({ server, counselor: anna, asker }) => {
    // Read when the socket becomes ready (nobody available, nobody waiting), delivered after
    // the switch and the asker's entry were pushed.
    const coverage = await holdFirstAnswer(anna.page, "GET", "/api/me/coverage");
    await logIn(anna.page, server, ACCOUNTS.anna);
    await coverage.fetched;
    await switchOn(anna.page);
    await enterWaitingRoom(asker.page, server);
    await requestList(anna.page).getByRole("listitem").waitFor();
    await coverage.release();

    await anna.page.getByRole("switch", { name: "Meine Live-Chat Verfügbarkeit" }).click();
    const dialog = anna.page.getByRole("dialog", { name: "Wirklich ausschalten?" });
    await dialog.getByText("Suchtberatung: 1 Person wartet").waitFor();
    await dialog.getByRole("button", { name: "Verfügbar bleiben" }).click();
    await anna.page.getByText("Sie sind verfügbar.").first().waitFor();
  }));

test("a message written while the one before is still on its way stays in the field and can be sent", () =>
  withServer(async ({ server, counselor: anna, asker }) => {
    await logIn(anna.page, server, ACCOUNTS.anna);
    await switchOn(anna.page);
    await enterWaitingRoom(asker.page, server);
    await startChat(anna.page);
    // The server stores the first message and pushes it to the asker; its answer to the
    // counselor is slow.
    const sent = await holdFirstAnswer(
      anna.page,
      "POST",
      /^\/api\/conversations\/[^/]+\/messages$/,
    );
    const field = anna.page.getByRole("textbox", { name: "Ihre Nachricht" });
    await field.fill("Hallo, ich bin da.");
    await anna.page.getByRole("button", { name: "Senden" }).click();
    await sent.fetched;
    await asker.page.getByText("Hallo, ich bin da.").waitFor();
    await field.fill("Wie kann ich helfen?");
    await sent.release();

    assert.equal(await field.inputValue(), "Wie kann ich helfen?");
    await anna.page.getByRole("button", { name: "Senden" }).click();
    await asker.page.getByText("Wie kann ich helfen?").waitFor();
    // The field empties when the server's answer to this send reaches the counselor's page,
    // which may come after the asker already sees the message (pushed over the socket).
    const deadline = Date.now() + 10_000;
    while ((await field.inputValue()) !== "" && Date.now() < deadline) {
      await anna.page.waitForTimeout(50);
    }
    assert.equal(await field.inputValue(), "");
  }));
