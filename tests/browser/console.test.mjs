// The operator console ("Verwaltung"): an operator creates a topic with live chat and an
// account; the counselor logs in with the one-time password, must set a new one, switches on;
// the asker page shows the new topic open; the operator ends the counselor's availability with
// a reason and both screens say so. Bad input in every form field shows the server's code as
// a message at that field. axe-core on every state; screenshots at desktop and phone size.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import {
  assertAccessible,
  assertClean,
  launchBrowser,
  look,
  openPage,
  startServer,
  switchOn,
} from "./helpers.mjs";

const OLGA = { name: "olga", password: "olga-password" };

let server, browser, operator, counselor, asker;
let oneTimePassword;

before(async () => {
  server = await startServer({
    seed: [
      [
        "counselor",
        "create",
        "--name",
        OLGA.name,
        "--display-name",
        "Olga Operator",
        "--operator",
        "--password",
        OLGA.password,
      ],
    ],
  });
  browser = await launchBrowser();
  [operator, counselor, asker] = await Promise.all([
    openPage(browser, server),
    openPage(browser, server),
    openPage(browser, server),
  ]);
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

async function logInAs(page, name, password) {
  await page.goto(`${server.url}/`);
  await page.getByLabel("Benutzername").fill(name);
  await page.getByLabel("Passwort").fill(password);
  await page.getByRole("button", { name: "Anmelden" }).click();
}

const section = (page, name) => page.getByRole("region", { name });

test("only an operator sees the section Verwaltung", async () => {
  const { page } = counselor;
  await logInAs(page, "anna", "anna-password");
  await page.getByRole("heading", { name: "Live-Chat Anfragen", level: 1 }).waitFor();
  assert.equal(await page.getByRole("link", { name: "Verwaltung" }).count(), 0);
  await page.goto(`${server.url}/#/verwaltung`);
  await page.reload();
  await page.getByRole("heading", { level: 1 }).first().waitFor();
  assert.equal(await page.getByRole("heading", { name: "Verwaltung" }).count(), 0);
  await page.getByRole("button", { name: "Abmelden" }).click();
  await page.getByRole("heading", { name: "Anmelden" }).waitFor();

  const op = operator.page;
  await logInAs(op, OLGA.name, OLGA.password);
  await op.getByRole("link", { name: "Verwaltung" }).click();
  await op.getByRole("heading", { name: "Verwaltung", level: 1 }).waitFor();
  await section(op, "Live-Übersicht").getByRole("row", { name: /Suchtberatung/ }).waitFor();
  await look(op, "console-overview");
});

test("bad input in every form field shows the server's reason at that field", async () => {
  const op = operator.page;
  const topics = section(op, "Fachbereiche");
  const create = topics.getByRole("button", { name: "Fachbereich anlegen" });
  const slug = topics.getByLabel("Kurzname (für Adressen)");
  const name = topics.getByLabel("Name", { exact: true });
  for (const [slugText, nameText, field, message] of [
    ["ümlaut slug/?", "Umlaut", slug, "Nur Kleinbuchstaben a–z, Ziffern und Bindestriche."],
    ["a", "Kurz", slug, "Mindestens 2 Zeichen."],
    ["a".repeat(65), "Lang", slug, "Höchstens 64 Zeichen."],
    ["suchtberatung", "Doppelt", slug, "Diesen Kurznamen hat schon ein Fachbereich."],
    ["gut", "   ", name, "Bitte geben Sie einen Namen an."],
    ["gut", "x".repeat(101), name, "Höchstens 100 Zeichen."],
  ]) {
    await slug.fill(slugText);
    await name.fill(nameText);
    await create.click();
    await topics.getByText(message).waitFor();
    assert.equal(await field.getAttribute("aria-invalid"), "true", message);
  }
  await look(op, "console-topic-refused");

  const people = section(op, "Berater_innen");
  const login = people.getByLabel("Benutzername");
  const display = people.getByLabel("Angezeigter Name");
  const createAccount = people.getByRole("button", { name: "Zugang anlegen" });
  for (const [loginText, displayText, field, message] of [
    ["", "Leer", login, "Bitte geben Sie einen Benutzernamen an."],
    ["zwei worte", "Zwei", login, "Ohne Leerzeichen und unsichtbare Zeichen."],
    ["x".repeat(5000), "Lang", login, "Höchstens 64 Zeichen."],
    ["anna", "Anna zwei", login, "Diesen Benutzernamen gibt es schon."],
    ["dora", " ", display, "Bitte geben Sie einen Namen an."],
  ]) {
    await login.fill(loginText);
    await display.fill(displayText);
    await createAccount.click();
    await people.getByText(message).waitFor();
    assert.equal(await field.getAttribute("aria-invalid"), "true", message);
  }
  // The reason of "Verfügbarkeit beenden" may not be empty.
  const anna = people.locator('li[data-login="anna"]');
  await anna.getByRole("button", { name: "Verfügbarkeit beenden" }).click();
  await anna.getByLabel("Grund (sieht die Berater_in)").fill("   ");
  await anna.locator("form").getByRole("button", { name: "Verfügbarkeit beenden" }).click();
  await anna.getByText("Bitte geben Sie einen Grund an.").waitFor();
  await assertAccessible(op, "console with refused forms");
  // Rename with an empty name.
  const sucht = topics.locator('li[data-slug="suchtberatung"]');
  await sucht.getByRole("button", { name: "Umbenennen" }).click();
  await sucht.getByLabel("Neuer Name").fill("");
  await sucht.getByRole("button", { name: "Speichern" }).click();
  await sucht.getByText("Bitte geben Sie einen Namen an.").waitFor();
  await sucht.getByRole("button", { name: "Abbrechen" }).click();
});

test("an operator creates a topic with live chat and an account, shown a one-time password once", async () => {
  const op = operator.page;
  const topics = section(op, "Fachbereiche");
  await topics.getByLabel("Kurzname (für Adressen)").fill("trauerberatung");
  await topics.getByLabel("Name", { exact: true }).fill("Trauerberatung");
  await topics.getByRole("button", { name: "Fachbereich anlegen" }).click();
  await op.getByText("Fachbereich „Trauerberatung“ angelegt.").first().waitFor();
  await section(op, "Live-Übersicht").getByRole("row", { name: /Trauerberatung/ }).waitFor();

  const people = section(op, "Berater_innen");
  await people.getByLabel("Benutzername").fill("dora");
  await people.getByLabel("Angezeigter Name").fill("Dora Dietz");
  await people.getByRole("checkbox", { name: "Trauerberatung" }).check();
  await people.getByRole("button", { name: "Zugang anlegen" }).click();
  const code = people.locator("[data-one-time-password]");
  await code.waitFor();
  oneTimePassword = (await code.innerText()).trim();
  assert.ok(oneTimePassword.length >= 12, oneTimePassword);
  await look(op, "console-one-time-password");
  await people.getByRole("button", { name: "Verstanden, ausblenden" }).click();
  assert.equal(await code.count(), 0);
  await section(op, "Protokoll").getByRole("cell", { name: "Zugang angelegt" }).first().waitFor();
});

test("the counselor logs in with the one-time password, must set a new one, switches on, and the asker page shows the topic open", async () => {
  const { page } = counselor;
  await logInAs(page, "dora", oneTimePassword);
  await page.getByRole("heading", { name: "Neues Passwort setzen" }).waitFor();
  await look(page, "console-set-password");
  await page.getByLabel("Einmal-Passwort").fill(oneTimePassword);
  await page.getByLabel("Neues Passwort", { exact: true }).fill("kurz");
  await page.getByLabel("Neues Passwort wiederholen").fill("kurz");
  await page.getByRole("button", { name: "Passwort setzen" }).click();
  await page.getByText("Mindestens 8 Zeichen.").waitFor();
  await page.getByLabel("Neues Passwort", { exact: true }).fill("dora-neu-2026");
  await page.getByLabel("Neues Passwort wiederholen").fill("dora-neu-2026");
  await page.getByRole("button", { name: "Passwort setzen" }).click();
  await page.getByRole("heading", { name: "Live-Chat Anfragen", level: 1 }).waitFor();
  await switchOn(page);

  const a = asker.page;
  await a.goto(`${server.url}/asker.html?topic=trauerberatung`);
  await a.getByRole("button", { name: "Warteraum betreten" }).waitFor();
  await a.getByText("Gerade nicht besetzt").waitFor({ state: "detached" }).catch(() => {});
  assert.equal(await a.getByText("Deshalb ist der Warteraum geschlossen").count(), 0);

  const row = section(operator.page, "Live-Übersicht").getByRole("row", { name: /Trauerberatung/ });
  await row.getByText("Dora Dietz").waitFor();
});

test("the operator ends the counselor's availability with a reason and both screens say so", async () => {
  const op = operator.page;
  const people = section(op, "Berater_innen");
  const dora = people.locator('li[data-login="dora"]');
  await dora.getByRole("button", { name: "Verfügbarkeit beenden" }).click();
  await dora.getByLabel("Grund (sieht die Berater_in)").fill("Schicht ist vorbei");
  await dora.locator("form").getByRole("button", { name: "Verfügbarkeit beenden" }).click();
  await op.getByText("Verfügbarkeit von Dora Dietz beendet.").first().waitFor();
  const row = section(op, "Live-Übersicht").getByRole("row", { name: /Trauerberatung/ });
  await row.getByText("niemand").waitFor();
  await dora.getByText(/nicht verfügbar/).waitFor();

  const { page } = counselor;
  await page.getByText("Von der Administration ausgeschaltet: Schicht ist vorbei").waitFor();
  await page.getByRole("button", { name: "Verfügbarkeit aktivieren" }).waitFor();
  await look(page, "console-switched-off-counselor");
  await look(op, "console-switched-off-operator");
});

test("the operator sets a topic's chat hours, seat limit and website; bad input shows at its field", async () => {
  const op = operator.page;
  const topics = section(op, "Fachbereiche");
  const sucht = topics.locator('li[data-slug="suchtberatung"]');
  await sucht.getByRole("button", { name: "Chatzeiten, Plätze, Websites" }).click();
  const form = sucht.getByRole("form", { name: "Einstellungen von „Suchtberatung“" });
  const hours = form.getByLabel("Chatzeiten (ein Zeitraum je Zeile)");
  const seats = form.getByLabel("Höchstens laufende Chats je Berater_in");
  const origins = form.getByLabel("Websites mit Chat-Button (eine je Zeile)");
  const save = form.getByRole("button", { name: "Speichern" });
  for (const [hoursText, seatsText, originsText, field, message] of [
    ["Mo 12:00-10:00", "", "", hours, "Ein Zeitraum endet vor seinem Beginn."],
    ["Mo 10:00-12:00\nMo 11:00-13:00", "", "", hours, "Zwei Zeiträume überschneiden sich."],
    ["Xy 10:00-12:00", "", "", hours, "Unbekannter Wochentag: bitte Mo Di Mi Do Fr Sa So."],
    ["2020-12-24 geschlossen", "", "", hours, "Diese Ausnahme liegt in der Vergangenheit."],
    ["", "0", "", seats, "Eine ganze Zahl von 1 bis 1000, oder leer für unbegrenzt."],
    ["", "zwei", "", seats, "Eine ganze Zahl von 1 bis 1000, oder leer für unbegrenzt."],
    ["", "", "http://www.beispiel.de", origins, "Bitte mit https:// (nur dieser Rechner darf http:// nutzen)."],
    ["", "", "https://www.beispiel.de/kontakt", origins, "Bitte ohne Pfad: nur https://www.beispiel.de."],
  ]) {
    await hours.fill(hoursText);
    await seats.fill(seatsText);
    await origins.fill(originsText);
    await save.click();
    await form.getByText(message).waitFor();
    assert.equal(await field.getAttribute("aria-invalid"), "true", message);
  }
  await look(op, "console-topic-settings-refused");
  await assertAccessible(op, "console with a refused topic settings form");

  await hours.fill("Mo-So 00:00-24:00\n2099-12-24 geschlossen");
  await form.getByLabel("Hinweis zu den Chatzeiten (sehen Ratsuchende)").fill("An Feiertagen geschlossen");
  await seats.fill("2");
  await origins.fill("https://www.beispiel-beratung.de");
  await save.click();
  await op.getByText("Einstellungen von „Suchtberatung“ gespeichert.").first().waitFor();
  await sucht.getByText(/Chatzeiten: Mo-So 00:00-24:00; 2099-12-24 closed/).waitFor();
  await sucht.getByText("höchstens 2 Chats je Berater_in").waitFor();
  const log = section(op, "Protokoll");
  for (const action of ["Chatzeiten geändert", "Plätze des Fachbereichs geändert", "Websites geändert"]) {
    await log.getByRole("cell", { name: action }).first().waitFor();
  }
  // Saved as shown: the form opens again with what is stored.
  await sucht.getByRole("button", { name: "Chatzeiten, Plätze, Websites" }).click();
  assert.equal(await seats.inputValue(), "2");
  assert.equal(await origins.inputValue(), "https://www.beispiel-beratung.de");
  await form.getByRole("button", { name: "Abbrechen" }).click();
  await look(op, "console-topic-settings-saved");

  // The asker page of the closed topic shows the note at once.
  const a = asker.page;
  await a.goto(`${server.url}/asker.html?topic=suchtberatung`);
  await a.getByText("An Feiertagen geschlossen").waitFor();
});

test("the operator limits an account's seats, deactivates it (the counselor's screen says so) and reactivates it", async () => {
  const op = operator.page;
  const people = section(op, "Berater_innen");
  const dora = people.locator('li[data-login="dora"]');
  await dora.getByRole("button", { name: "Fachbereiche und Plätze" }).click();
  const seats = dora.getByLabel("Höchstens laufende Chats");
  await seats.fill("-1");
  await dora.getByRole("button", { name: "Speichern" }).click();
  await dora.getByText("Eine ganze Zahl von 1 bis 1000, oder leer für unbegrenzt.").waitFor();
  assert.equal(await seats.getAttribute("aria-invalid"), "true");
  await seats.fill("1");
  await dora.getByRole("checkbox", { name: "Suchtberatung" }).check();
  await dora.getByRole("button", { name: "Speichern" }).click();
  await op.getByText("Zugang von Dora Dietz gespeichert.").first().waitFor();
  await dora.getByText(/suchtberatung, trauerberatung · .*höchstens 1 Chat/).waitFor();

  await dora.getByRole("button", { name: "Deaktivieren" }).click();
  await op.getByRole("dialog").getByRole("button", { name: "Deaktivieren" }).click();
  await dora.getByText(/deaktiviert/).waitFor();
  const { page } = counselor;
  await page.getByText("Ihr Zugang wurde von der Administration deaktiviert.").waitFor();
  await page.getByRole("heading", { name: "Anmelden" }).waitFor();
  await look(page, "console-deactivated-counselor");

  await dora.getByRole("button", { name: "Reaktivieren" }).click();
  await op.getByText(/Zugang von Dora Dietz reaktiviert/).first().waitFor();
  await section(op, "Protokoll").getByRole("cell", { name: "Zugang reaktiviert" }).first().waitFor();
  await logInAs(page, "dora", "dora-neu-2026");
  await page.getByRole("heading", { name: "Live-Chat Anfragen", level: 1 }).waitFor();
  await look(op, "console-reactivated-operator");
  assertClean(operator, counselor, asker);
});
