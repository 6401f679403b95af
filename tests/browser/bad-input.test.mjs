// Bad input in every form field gets a clear message next to the field, and nothing typed is
// lost: the login, the consent, the absence note, the chat composer on both sides and the
// custom statistics period.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import {
  ACCOUNTS,
  assertClean,
  enterWaitingRoom,
  eventually,
  launchBrowser,
  logIn,
  look,
  openPage,
  startChat,
  startServer,
  switchOn,
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

const errorOf = async (field) => {
  const id = (await field.getAttribute("aria-describedby")) ?? "";
  assert.equal(await field.getAttribute("aria-invalid"), "true");
  // The message is tied to the field, so a screen reader reads it with the field.
  return (
    await field
      .page()
      .evaluate(
        (ids) => ids.map((i) => document.getElementById(i)?.textContent?.trim() ?? "").join(" "),
        id.split(" ").filter(Boolean),
      )
  ).trim();
};

test("an empty login form names every missing field and puts the focus on the first", async () => {
  const page = anna.page;
  await page.goto(`${server.url}/`);
  const serverField = page.getByLabel("Serveradresse");
  assert.equal(await serverField.inputValue(), server.url);
  await serverField.fill("");
  await page.getByRole("button", { name: "Anmelden" }).click();
  assert.match(await errorOf(serverField), /Bitte geben Sie die Serveradresse an\./);
  assert.match(
    await errorOf(page.getByLabel("Benutzername")),
    /Bitte geben Sie Ihren Benutzernamen an\./,
  );
  assert.match(await errorOf(page.getByLabel("Passwort")), /Bitte geben Sie Ihr Passwort an\./);
  assert.equal(await serverField.evaluate((el) => el === document.activeElement), true);
  await look(page, "dashboard-login-empty");
});

test("a server address that is not http(s) is refused before anything is sent", async () => {
  const page = anna.page;
  await page.getByLabel("Serveradresse").fill("beratung.example.org");
  await page.getByLabel("Benutzername").fill("anna");
  await page.getByLabel("Passwort").fill("whatever");
  await page.getByRole("button", { name: "Anmelden" }).click();
  assert.match(
    await errorOf(page.getByLabel("Serveradresse")),
    /Bitte geben Sie eine Adresse an, die mit http:\/\/ oder https:\/\/ beginnt\./,
  );
});

test("a wrong password is told plainly, and the password field is emptied for the next try", async () => {
  const page = anna.page;
  await page.getByLabel("Serveradresse").fill(server.url);
  await page.getByLabel("Benutzername").fill("anna");
  await page.getByLabel("Passwort").fill("not-her-password");
  await page.getByRole("button", { name: "Anmelden" }).click();
  await page
    .getByRole("alert")
    .filter({ hasText: "Benutzername oder Passwort stimmt nicht." })
    .waitFor();
  assert.equal(await page.getByLabel("Passwort").inputValue(), "");
  assert.equal(await page.getByLabel("Benutzername").inputValue(), "anna");
  assert.equal(
    await page.getByLabel("Passwort").evaluate((el) => el === document.activeElement),
    true,
  );
  await look(page, "dashboard-login-wrong");
});

test("a server that does not answer is told as such, not as a wrong password", async () => {
  const page = anna.page;
  await page.getByLabel("Serveradresse").fill("http://127.0.0.1:9");
  await page.getByLabel("Passwort").fill(ACCOUNTS.anna.password);
  await page.getByRole("button", { name: "Anmelden" }).click();
  await page
    .getByRole("alert")
    .filter({ hasText: "Der Server ist gerade nicht erreichbar." })
    .waitFor();
});

test("an absence note longer than 500 characters is refused with a clear message, and the note is kept", async () => {
  const page = anna.page;
  await logIn(page, server, ACCOUNTS.anna);
  await page.getByRole("link", { name: "Meine Aktivitäten" }).click();
  await page.getByLabel("Ich bin abwesend").check();
  const note = page.getByLabel("Abwesenheitsnotiz (optional)");
  const tooLong = "Bin im Urlaub. ".repeat(34); // 510 characters
  await note.fill(tooLong);
  assert.match(await errorOf(note), /Die Notiz ist zu lang: höchstens 500 Zeichen\./);
  await page.getByRole("button", { name: "Abwesenheit speichern" }).click();
  await page
    .getByRole("alert")
    .filter({ hasText: "Die Notiz ist zu lang: höchstens 500 Zeichen." })
    .waitFor();
  assert.equal(await note.inputValue(), tooLong);
  await look(page, "dashboard-absence-too-long");

  // Shortened, it is saved, and the absence switches availability off and blocks it.
  await note.fill("Bin im Urlaub bis Montag.");
  await page.getByRole("button", { name: "Abwesenheit speichern" }).click();
  await page.getByText("Gespeichert.").waitFor();
  await page.getByText("Während Ihrer Abwesenheit ist die Verfügbarkeit ausgeschaltet.").waitFor();
  assert.equal(
    await page.getByRole("switch", { name: "Meine Live-Chat Verfügbarkeit" }).isDisabled(),
    true,
  );
  await page.getByLabel("Ich bin abwesend").uncheck();
  await page.getByRole("button", { name: "Abwesenheit speichern" }).click();
  await page.getByText("Sie sind nicht verfügbar.").waitFor();
});

test("a custom statistics period that is not a valid range is refused with a clear message", async () => {
  const page = anna.page;
  await page.getByLabel("Zeitraum").selectOption({ label: "Eigener Zeitraum" });
  const from = page.getByLabel("Von");
  const to = page.getByLabel("Bis");
  const show = page.getByRole("button", { name: "Anzeigen" });

  await from.fill("2026-03-10");
  await to.fill("2026-03-01");
  await show.click();
  assert.match(await errorOf(from), /Das Startdatum liegt nach dem Enddatum\./);
  assert.match(await errorOf(to), /Das Startdatum liegt nach dem Enddatum\./);
  await look(page, "dashboard-statistics-invalid");

  await from.fill("");
  await show.click();
  assert.match(await errorOf(from), /Bitte geben Sie ein gültiges Startdatum an\./);

  await from.fill("2019-01-01");
  await to.fill("2026-03-01");
  await show.click();
  assert.match(await errorOf(to), /Der Zeitraum ist zu lang: höchstens fünf Jahre\./);

  // The Excel download checks the same before it asks the server.
  await page.getByRole("button", { name: "Download Excel Datei" }).click();
  await page.getByRole("alert").filter({ hasText: "Der Zeitraum ist zu lang" }).waitFor();

  await from.fill("2026-03-01");
  await to.fill("2026-03-10");
  await show.click();
  await page.getByText("Im Zeitraum vom 01.03.2026 bis 10.03.2026:").waitFor();
  assert.equal(await from.getAttribute("aria-invalid"), "false");
});

test("an empty or too long chat message is refused on both sides, and the text is kept", async () => {
  const counselor = anna.page;
  await counselor.getByRole("link", { name: /Live-Chat Anfragen/ }).click();
  await switchOn(counselor);
  await enterWaitingRoom(asker.page, server);
  await startChat(counselor);
  await asker.page.getByRole("heading", { name: "Chat mit Anna Berger" }).waitFor();

  for (const [page, name, letter] of [
    [asker.page, "asker", "y"],
    [counselor, "dashboard", "z"],
  ]) {
    const box = page.getByRole("textbox", { name: "Ihre Nachricht" });
    await page.getByRole("button", { name: "Senden" }).click();
    assert.match(await errorOf(box), /Bitte schreiben Sie zuerst eine Nachricht\./);

    const text = "x".repeat(4001);
    await box.fill(text);
    assert.match(await errorOf(box), /Die Nachricht ist 1 Zeichen zu lang \(höchstens 4000\)\./);
    await box.press("Enter");
    await page
      .getByRole("alert")
      .filter({ hasText: "Die Nachricht ist 1 Zeichen zu lang" })
      .waitFor();
    assert.equal(await box.inputValue(), text);
    await look(page, `${name}-message-too-long`);

    // 4000 characters are fine.
    await box.fill(letter.repeat(4000));
    await box.press("Enter");
    await page.getByRole("log", { name: "Nachrichten" }).getByText(letter.repeat(4000)).waitFor();
    await eventually(async () => assert.equal(await box.inputValue(), ""));
  }
  // Both long messages arrived on the other side as well.
  assert.equal(
    await asker.page.getByRole("log", { name: "Nachrichten" }).getByRole("listitem").count(),
    2,
  );
});

test("no page made a request to anyone but the server, and none threw an error", () => {
  // The login against http://127.0.0.1:9 was the user's own choice of server.
  const ignore = (p) => ({
    problems: p.problems.filter((x) => !x.includes("http://127.0.0.1:9/")),
  });
  assertClean(ignore(asker), ignore(anna));
});
