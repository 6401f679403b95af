// Answers and events that cross on the way: an HTTP answer the server gave before a pushed
// event may reach the dashboard after it. The dashboard must end up with what the server
// says now, not with whatever arrived last. A slow network is played by holding answers back.
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
  startServer,
  switchOn,
} from "./helpers.mjs";

let server, browser;
const pages = [];

before(async () => {
  server = await startServer();
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

const requestList = (page) =>
  page.getByRole("list", { name: "Wartende Anfragen, die älteste zuerst" });

async function open() {
  const opened = await openPage(browser, server);
  pages.push(opened);
  return opened;
}

test("a counselor who switches on while the dashboard still reads the profile stays available and sees the next request", async () => {
  const anna = await open();
  const asker = await open();
  // The profile read when the socket becomes ready: the server answers before the switch,
  // the answer arrives after it.
  const profile = await holdFirstAnswer(anna.page, "GET", "/api/me");
  await logIn(anna.page, server, ACCOUNTS.anna);
  await profile.fetched;
  await switchOn(anna.page);
  await profile.release();

  // Only Anna counsels Schwangerschaftsberatung: this request is hers alone to see.
  await enterWaitingRoom(asker.page, server, "schwanger");
  await requestList(anna.page).getByRole("listitem").waitFor();
  assert.equal(await requestList(anna.page).getByRole("listitem").count(), 1);
  await anna.page.getByText("Sie sind verfügbar.").first().waitFor();
});

test("a request that comes while the list is read after switching on stays in the list when the read's answer comes last", async () => {
  const bernd = await open();
  const asker = await open();
  await logIn(bernd.page, server, ACCOUNTS.bernd);
  // The list read after switching on: answered by the server before the asker came.
  // Bernd counsels Suchtberatung only: the request of the test before is not his.
  const list = await holdFirstAnswer(bernd.page, "GET", "/api/requests");
  await switchOn(bernd.page);
  await list.fetched;
  await enterWaitingRoom(asker.page, server);
  await list.release();

  await requestList(bernd.page)
    .getByRole("listitem")
    .or(bernd.page.getByText("Gerade wartet niemand."))
    .waitFor();
  assert.equal(await bernd.page.getByText("Gerade wartet niemand.").count(), 0);
  assert.equal(await requestList(bernd.page).getByRole("listitem").count(), 1);
});

test("no page made a request to anyone but the server, and none threw an error", () => {
  assertClean(...pages);
});
