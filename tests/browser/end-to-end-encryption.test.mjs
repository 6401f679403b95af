// End-to-end encryption as the people see it, against the real server: a counselor with two
// devices (two browsers) and an asker. Each step builds on the one before. What the server
// keeps is checked byte by byte at the end: the database files (WAL included), the log and
// the API's answers hold none of the texts.
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, test } from "node:test";
import {
  ACCOUNTS,
  assertClean,
  enterWaitingRoom,
  eventually,
  logIn,
  look,
  openPage,
  launchBrowser,
  startServer,
  switchOn,
} from "./helpers.mjs";

let server, browser, asker, laptop, office, phone;
const TEXTS = {
  askerFirst: "Ich trinke jeden Abend zu viel und schäme mich dafür.",
  counselorFirst: "Danke, dass Sie schreiben. Seit wann geht das so?",
  afterReload: "Seit dem Winter. Entschuldigung, die Seite war kurz weg.",
  fromOffice: "Ich lese mit, hier ist noch einmal Anna vom Bürorechner.",
  afterRemoval: "Ich bin weiter für Sie da.",
};
const CODE = /^\d{5} \d{5} \d{5} \d{5}$/;

before(async () => {
  server = await startServer();
  browser = await launchBrowser();
  laptop = await openPage(browser, server);
  office = await openPage(browser, server);
  asker = await openPage(browser, server);
  phone = await openPage(browser, server);
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

async function devicesOf(page) {
  await page.getByRole("link", { name: "Meine Aktivitäten" }).click();
  const card = page.getByRole("region", { name: "Meine Geräte" });
  await card.getByRole("listitem").first().waitFor();
  return card;
}

/** The Sicherheitscode as the page shows it (opened on request, if it is not shown yet). */
async function safetyCode(page) {
  const code = page.getByTestId("safety-code");
  if (!(await code.isVisible())) {
    await page.getByRole("button", { name: "Sicherheitscode", exact: true }).click();
  }
  await code.waitFor();
  return (await code.innerText()).trim();
}

const log = (page) => page.getByRole("log", { name: "Nachrichten" });

test("each device of a counselor adds its own key under Meine Geräte when logging in", async () => {
  await logIn(laptop.page, server, ACCOUNTS.anna);
  await logIn(office.page, server, ACCOUNTS.anna);
  const card = await devicesOf(laptop.page);
  await card.getByRole("listitem").nth(1).waitFor();
  assert.equal(await card.getByRole("listitem").count(), 2, "one per browser");
  assert.equal(await card.getByText("dieses Gerät").count(), 1);
  await look(laptop.page, "dashboard-devices");
});

test("a chat accepted on one device is readable on both, and the asker reads the answers", async () => {
  await laptop.page.getByRole("link", { name: /Live-Chat Anfragen/ }).click();
  await switchOn(laptop.page);
  await enterWaitingRoom(asker.page, server);
  await laptop.page.getByRole("button", { name: "Chat starten" }).click();
  await laptop.page.getByRole("textbox", { name: "Ihre Nachricht" }).waitFor();
  await asker.page.getByRole("heading", { name: "Chat mit Anna Berger" }).waitFor();

  await asker.page.getByRole("textbox", { name: "Ihre Nachricht" }).fill(TEXTS.askerFirst);
  await asker.page.getByRole("button", { name: "Senden" }).click();
  await log(laptop.page).getByText(TEXTS.askerFirst).waitFor();
  await laptop.page.getByRole("textbox", { name: "Ihre Nachricht" }).fill(TEXTS.counselorFirst);
  await laptop.page.keyboard.press("Enter");
  await log(asker.page).getByText(TEXTS.counselorFirst).waitFor();

  // The office computer held a key when the chat was accepted: it reads the chat too.
  await office.page.getByRole("link", { name: "Meine Beratungen" }).click();
  await office.page
    .getByRole("region", { name: "Meine Beratungen" })
    .getByRole("link", { name: /Suchtberatung/ })
    .first()
    .click();
  await log(office.page).getByText(TEXTS.askerFirst).waitFor();
  await log(office.page).getByText(TEXTS.counselorFirst).waitFor();
});

test("both sides show the same Sicherheitscode", async () => {
  const counselorCode = await safetyCode(laptop.page);
  const askerCode = await safetyCode(asker.page);
  assert.match(counselorCode, CODE);
  assert.equal(askerCode, counselorCode);
  assert.equal(await safetyCode(office.page), counselorCode, "the same on the second device");
  await look(asker.page, "asker-safety-code");
  await look(laptop.page, "dashboard-safety-code");
});

test("after a reload the asker still reads the chat and writes on, and the counselor reads it", async () => {
  await asker.page.reload();
  await log(asker.page).getByText(TEXTS.counselorFirst).waitFor();
  await log(asker.page).getByText(TEXTS.askerFirst).waitFor();
  await asker.page.getByRole("textbox", { name: "Ihre Nachricht" }).fill(TEXTS.afterReload);
  await asker.page.getByRole("button", { name: "Senden" }).click();
  await log(laptop.page).getByText(TEXTS.afterReload).waitFor();
  await log(office.page).getByText(TEXTS.afterReload).waitFor();
  assert.equal(await log(asker.page).getByText("konnte nicht entschlüsselt werden").count(), 0);
  assert.equal(await log(laptop.page).getByText("konnte nicht entschlüsselt werden").count(), 0);
  assert.equal(await safetyCode(asker.page), await safetyCode(laptop.page));
});

test("the second device writes too, and the asker reads it", async () => {
  await office.page.getByRole("textbox", { name: "Ihre Nachricht" }).fill(TEXTS.fromOffice);
  await office.page.keyboard.press("Enter");
  await log(asker.page).getByText(TEXTS.fromOffice).waitFor();
  await log(laptop.page).getByText(TEXTS.fromOffice).waitFor();
});

test("a device added during the chat gets the chat's key from a device that holds it, at once", async () => {
  await logIn(phone.page, server, ACCOUNTS.anna);
  // Nobody touches the laptop: the server tells it of the new device, and it hands the key on.
  await phone.page.getByRole("link", { name: "Meine Beratungen" }).click();
  await phone.page
    .getByRole("region", { name: "Meine Beratungen" })
    .getByRole("link", { name: /Suchtberatung/ })
    .first()
    .click();
  await eventually(async () => {
    // Opened before the key arrived, the chat says so and offers to read again.
    const retry = phone.page.getByRole("button", { name: "Erneut versuchen" });
    if (await retry.count()) await retry.first().click();
    await log(phone.page).getByText(TEXTS.askerFirst).waitFor({ timeout: 1_000 });
  }, 10_000);
  await log(phone.page).getByText(TEXTS.fromOffice).waitFor();
  const card = await devicesOf(laptop.page);
  await card.getByRole("listitem").nth(2).waitFor();
  assert.equal(await card.getByRole("listitem").count(), 3, "the laptop lists the phone too");
});

test("a removed device is logged out at once, and the chat goes on with a new key", async () => {
  const card = await devicesOf(laptop.page);
  // The office computer: the first device after this one (oldest first).
  const others = card.getByRole("listitem").filter({ hasNotText: "dieses Gerät" });
  await others.first().getByRole("button", { name: "Entfernen" }).click();
  await laptop.page
    .getByRole("dialog", { name: "Gerät entfernen?" })
    .getByRole("button", { name: "Ja, entfernen" })
    .click();
  await card.getByRole("listitem").nth(2).waitFor({ state: "detached" });
  // Its login ended: it is back at the login form, the chat gone from it.
  await office.page.getByRole("button", { name: "Anmelden" }).waitFor();
  assert.equal(await log(office.page).count(), 0);
  await look(office.page, "dashboard-device-removed");
  // The laptop made the chat a new key, for the asker and the devices left.
  const token = await asker.page.evaluate(() => sessionStorage.getItem("pforte.asker.token"));
  await eventually(async () => {
    const { keys } = await fetch(`${server.url}/api/asker/keys`, {
      headers: { authorization: `Bearer ${token}` },
    }).then((r) => r.json());
    assert.equal(keys.length, 2);
    assert.equal(keys[1].readers.length, 2, "the laptop and the phone");
  }, 10_000);
  await laptop.page.getByRole("link", { name: "Meine Beratungen" }).click();
  await laptop.page
    .getByRole("region", { name: "Meine Beratungen" })
    .getByRole("link", { name: /Suchtberatung/ })
    .first()
    .click();
  await laptop.page.getByRole("textbox", { name: "Ihre Nachricht" }).fill(TEXTS.afterRemoval);
  await laptop.page.keyboard.press("Enter");
  await log(asker.page).getByText(TEXTS.afterRemoval).waitFor();
  await log(phone.page).getByText(TEXTS.afterRemoval).waitFor();
  // Sealed with the new key: the asker is told the devices changed, with a new code.
  await asker.page
    .getByText("Die Beratung nutzt jetzt ein anderes Gerät – der Sicherheitscode hat sich geändert")
    .first()
    .waitFor();
  const code = await safetyCode(asker.page);
  assert.equal(await safetyCode(laptop.page), code);
  assert.equal(await safetyCode(phone.page), code);
  await look(asker.page, "asker-devices-changed");
});

test("the server's answers, its database files and its log hold none of the texts", async () => {
  // What the API gives the asker's page: ciphertext only, in the padding buckets.
  const token = await asker.page.evaluate(() => sessionStorage.getItem("pforte.asker.token"));
  assert.ok(token, "the asker page keeps its token in the tab");
  const { messages } = await fetch(`${server.url}/api/asker/messages`, {
    headers: { authorization: `Bearer ${token}` },
  }).then((r) => r.json());
  assert.equal(messages.length, 5);
  for (const message of messages) {
    assert.equal(message.text, undefined);
    const bytes = Buffer.from(message.sealed.ciphertext, "base64url").length;
    assert.ok([256, 1024, 4096, 16384].map((b) => b + 16).includes(bytes), `${bytes} bytes`);
  }
  const answered = JSON.stringify(messages);
  for (const text of Object.values(TEXTS)) {
    assert.equal(answered.includes(text.slice(0, 20)), false);
  }
  for (const file of readdirSync(server.dataDir)) {
    const bytes = readFileSync(join(server.dataDir, file));
    for (const text of Object.values(TEXTS)) {
      for (const needle of [text, text.slice(0, 20), text.slice(-20)]) {
        assert.equal(bytes.includes(Buffer.from(needle)), false, `${file} holds "${needle}"`);
      }
    }
  }
  for (const text of Object.values(TEXTS)) {
    assert.equal(server.log.includes(text.slice(0, 20)), false, `the log holds "${text}"`);
  }
});

test("no page made a request to anyone but the server, and none threw an error", () => {
  assertClean(asker, laptop, office, phone);
});
