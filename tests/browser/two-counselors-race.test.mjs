// One request, one counselor: two counselors of the same topic press "Chat starten" for the
// same request at the same moment. Three people on three devices.
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
  relayCounselorSocket,
  startServer,
  switchOn,
} from "./helpers.mjs";

let server, browser, asker, anna, bernd, relays;

before(async () => {
  server = await startServer();
  browser = await launchBrowser();
  [asker, anna, bernd] = await Promise.all([
    openPage(browser, server),
    openPage(browser, server),
    openPage(browser, server),
  ]);
  relays = await Promise.all([anna, bernd].map(({ page }) => relayCounselorSocket(page)));
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

const requestList = (page) =>
  page.getByRole("list", { name: "Wartende Anfragen, die älteste zuerst" });

test("both counselors of the topic see the same waiting request", async () => {
  await logIn(anna.page, server, ACCOUNTS.anna);
  await switchOn(anna.page);
  await logIn(bernd.page, server, ACCOUNTS.bernd);
  await switchOn(bernd.page);
  // Each counts the other: two available for Suchtberatung.
  await anna.page
    .getByRole("row", { name: /^Suchtberatung/ })
    .getByText("2")
    .waitFor();
  await enterWaitingRoom(asker.page, server);
  for (const { page } of [anna, bernd]) {
    await requestList(page).getByRole("listitem").waitFor();
    assert.equal(await requestList(page).getByRole("listitem").count(), 1);
    await markDocument(page);
  }
});

test("of two counselors who press Chat starten at the same moment, one gets the chat and the other is told, with the request gone from the list", async () => {
  const buttons = [anna, bernd].map(({ page }) =>
    requestList(page).getByRole("button", { name: "Chat starten" }),
  );
  // "At the same moment": each presses before hearing what the other did. The relays keep the
  // server's events back until both answers are in; the server alone decides.
  for (const relay of relays) relay.hold();
  await Promise.all(buttons.map((button) => button.evaluate((el) => el.click())));

  const outcome = async ({ page }) => {
    const chat = page.getByRole("heading", { name: /^Chat mit / });
    const told = page
      .getByRole("alert")
      .filter({ hasText: "Ein_e Kolleg_in war schneller und hat diese Anfrage schon angenommen." });
    await chat.or(told).waitFor();
    return (await chat.isVisible()) ? "chat" : "told";
  };
  const outcomes = await Promise.all([outcome(anna), outcome(bernd)]);
  for (const relay of relays) relay.release();
  assert.deepEqual([...outcomes].sort(), ["chat", "told"]);

  const [winner, loser] = outcomes[0] === "chat" ? [anna, bernd] : [bernd, anna];
  await winner.page.getByRole("textbox", { name: "Ihre Nachricht" }).waitFor();
  await loser.page.getByText("Gerade wartet niemand.").waitFor();
  assert.equal(await requestList(loser.page).count(), 0);
  assert.equal(await loser.page.getByRole("heading", { name: /^Chat mit / }).count(), 0);
  await look(loser.page, "dashboard-race-lost");

  // The asker chats with the winner.
  const winnerName = winner === anna ? "Anna Berger" : "Bernd Kaya";
  await asker.page.getByRole("heading", { name: `Chat mit ${winnerName}` }).waitFor();
  // Only the winner has the conversation.
  await loser.page.getByRole("link", { name: "Meine Beratungen" }).click();
  await loser.page.getByText("Gerade keine laufenden Chats.").waitFor();
  await assertNotReloaded(loser.page);
});

test("a request that another counselor takes vanishes from the list at once, without a reload", async () => {
  const second = await openPage(browser, server);
  await enterWaitingRoom(second.page, server);
  for (const { page } of [anna, bernd]) {
    await page.getByRole("link", { name: /Live-Chat Anfragen/ }).click();
    await requestList(page).getByRole("listitem").waitFor();
  }
  await anna.page.getByRole("button", { name: "Chat starten" }).click();
  await anna.page.getByRole("heading", { name: /^Chat mit / }).waitFor();
  await bernd.page.getByText("Gerade wartet niemand.").waitFor();
  assert.equal(await bernd.page.getByRole("button", { name: "Chat starten" }).count(), 0);
  await assertNotReloaded(bernd.page);
  await second.page.getByRole("heading", { name: "Chat mit Anna Berger" }).waitFor();
  assertClean(second);
});

test("no page made a request to anyone but the server, and none threw an error", () => {
  assertClean(asker, anna, bernd);
});
