// The administrator's reference data (基础数据), in a desktop browser against
// a running portal: edit a routing rule and see the preview change, import
// a year's holiday calendar (checked, then confirmed) and compute a due
// date, add a search synonym and find a document by it at once — no
// restart — and every page of the menu renders with its entry marked.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { BASE, ARTIFACTS, PHONE, DESKTOP, launch } from "./browser.mjs";

const PORTAL = process.env.PORTAL_BIN;
const PASSWORD = "Guanli-mima-2026!";
const ADMIN = "admin.e2e";
const CALENDAR = join(import.meta.dirname, "..", "report", "testdata", "holidays-2027.csv");
const NEW_TERM = "渔业塘"; // made up: no demo text contains it
const KNOWN_TERM = "鱼塘"; // in the title 集体鱼塘承包经营权发包结果公开

let b, admin, citizen, desk;
const state = {};

async function snap(page, name) {
  await page.screenshot({ path: join(ARTIFACTS, `admin-${name}.png`), fullPage: true });
}

async function text(page, sel) {
  return (await page.locator(sel).first().innerText()).trim();
}

// submit clicks a form's submit button and waits for the page it leads to.
async function submit(page, formSel) {
  await Promise.all([page.waitForNavigation(), page.locator(`${formSel} button[type=submit]`).first().click()]);
}

async function historyRows(page) {
  return page.locator(".ref-history tbody tr").count();
}

// preview runs the routing preview for the village and a problem type.
async function preview(type) {
  await desk.goto(BASE + "/staff/admin/routing");
  await desk.fill("#pv-subject", `village:${state.village}`);
  await desk.selectOption("#pv-type", type);
  await submit(desk, "#preview-form");
  await desk.locator("#preview-result").waitFor();
  return {
    dept: await desk.locator("#preview-dept").getAttribute("data-code"),
    rule: await desk.locator("#preview-rule").getAttribute("data-rule-id"),
    ruleText: await text(desk, "#preview-rule"),
  };
}

// hits searches as a citizen on a phone and counts the results.
async function hits(q) {
  const resp = await citizen.goto(`${BASE}/search?q=${encodeURIComponent(q)}`);
  assert.equal(resp.status(), 200, `search ${q}`);
  await citizen.locator("#hits").waitFor();
  return citizen.locator("#hits li a[href^='/disclosures/']").count();
}

before(async () => {
  b = await launch();
  admin = await b.browser.newContext({ ...DESKTOP });
  desk = await admin.newPage();
  citizen = await (await b.browser.newContext({ ...PHONE })).newPage();
});

after(async () => { await b.close(); });

test("1. an admin account signs in", async () => {
  execFileSync(PORTAL, ["users", "add", "--username", ADMIN, "--dept", "210124-gov", "--role", "admin"], { input: PASSWORD + "\n", env: process.env });
  await desk.goto(BASE + "/staff/login");
  await desk.fill("#username", ADMIN);
  await desk.fill("#password", PASSWORD);
  await Promise.all([desk.waitForURL((u) => !u.pathname.startsWith("/staff/login")), desk.locator("#login-form button[type=submit]").click()]);
  await Promise.all([desk.waitForURL(/\/staff\/admin\/routing$/), desk.locator(".staff-nav a", { hasText: "基础数据" }).click()]);
});

test("2. a routing rule changed in the browser changes the preview, with a history row", async () => {
  const api = await (await fetch(`${BASE}/api/v1/disclosures?region=210124102&per_page=1`)).json();
  state.village = api.items[0].village_code || api.items[0].region_code;
  assert.match(state.village, /^\d{12}$/);
  const town = state.village.slice(0, 9) + "-gov";

  const was = await preview("land");
  assert.equal(was.dept, town, "a village's land matter goes to the town government");
  assert.match(was.ruleText, /村里的事由乡镇政府办理/);
  assert.match(was.ruleText, /village\/\*\/0/, "matched by the village's catch-all rule");
  await snap(desk, "routing-preview-before");
  const history = await historyRows(desk);

  await desk.locator("#rule-editor summary").click();
  await desk.selectOption("#r-kind", "village");
  await desk.selectOption("#r-type", "land");
  await desk.selectOption("#r-level", "0");
  await desk.selectOption("#r-target", "supervisor");
  await desk.selectOption("#r-accused", "");
  await desk.fill("#r-note", "土地问题交纪委（浏览器测试）");
  await submit(desk, "#rule-form");
  assert.match(await text(desk, "#done"), /派单规则已保存/);
  const row = desk.locator('#rules tr[data-key="village/land/0"]');
  assert.equal(await row.count(), 1, "the new rule is in force");
  assert.equal(await row.locator("td.target").getAttribute("data-target"), "supervisor");
  assert.equal(await historyRows(desk), history + 1, "one more history row");
  const top = desk.locator(".ref-history tbody tr").first();
  assert.match(await top.innerText(), /village\/land\/0/);
  assert.match(await top.innerText(), new RegExp(ADMIN.replace(".", "\\.")));

  const now = await preview("land");
  assert.notEqual(now.dept, town, "no longer the town government");
  assert.match(now.dept, /-jw$/, `a 纪委监委 answers now: ${now.dept}`);
  assert.notEqual(now.rule, was.rule, "another rule matched");
  assert.match(now.ruleText, /village\/land\/0 → supervisor：土地问题交纪委（浏览器测试）/);
  await snap(desk, "routing-preview-after");
  // Another problem type still goes by the catch-all rule.
  assert.equal((await preview("project")).dept, town);
});

test("3. a year's calendar is checked, confirmed, shown; the due-date checker counts the holidays", async () => {
  await desk.goto(BASE + "/staff/admin/holidays?year=2027");
  await desk.locator("#year-missing").waitFor();
  const rows = readFileSync(CALENDAR, "utf8").trim().split(/\r?\n/).length - 1;

  await desk.setInputFiles("#file", CALENDAR);
  await submit(desk, "#upload-form");
  await desk.locator("#check-result").waitFor();
  assert.equal(await text(desk, "#check-result .created"), String(rows), "every day is new");
  for (const n of ["updated", "unchanged", "removed"]) assert.equal(await text(desk, `#check-result .${n}`), "0", n);
  assert.match(await text(desk, "#check-result"), /尚未导入/);
  assert.equal(await desk.locator("#changes tbody tr").count(), rows);
  await snap(desk, "holidays-check");
  // Checked, not imported: the year is still missing.
  assert.equal(await desk.locator("#year-missing").count(), 1);

  await submit(desk, "#confirm-form");
  assert.match(await text(desk, "#done"), new RegExp(`${rows} 天（2027年），新增 ${rows}`));
  await desk.goto(BASE + "/staff/admin/holidays?year=2027");
  assert.equal(await desk.locator("#year-missing").count(), 0, "2027 is loaded");
  const day = desk.locator('#calendar td[data-date="2027-02-08"]');
  assert.equal(await day.getAttribute("class"), "off");
  assert.equal(await text(day, ".mark"), "休");
  assert.match(await day.getAttribute("title"), /春节/);
  const worked = desk.locator('#calendar td[data-date="2027-02-20"]');
  assert.equal(await worked.getAttribute("class"), "work", "a weekend day worked is 班");
  assert.ok((await historyRows(desk)) >= 1, "the import is in the history");
  await snap(desk, "holidays-2027");

  await desk.fill("#due-from", "2026-09-30");
  await desk.fill("#due-days", "1");
  await submit(desk, "#due-form");
  assert.equal(await text(desk, "#due-day"), "2026-10-08", "the National Day week is off");
  assert.equal(await desk.locator("#due-provisional").count(), 0);
});

test("4. a new synonym finds a document at once, without a restart", async () => {
  // The index is filled in the background at start: wait for the known word.
  for (let i = 0; (await hits(KNOWN_TERM)) === 0; i++) {
    assert.ok(i < 60, `${KNOWN_TERM} found in the demo data`);
    await new Promise((r) => setTimeout(r, 1000));
  }
  assert.equal(await hits(NEW_TERM), 0, `${NEW_TERM} finds nothing yet`);
  assert.equal(await citizen.locator("#no-hits").count(), 1);

  await desk.goto(BASE + "/staff/admin/synonyms");
  const history = await historyRows(desk);
  await desk.fill("#syn-terms", `${NEW_TERM}，${KNOWN_TERM}`);
  await submit(desk, "#add-group");
  assert.ok(await desk.locator("#done").isVisible());
  const group = desk.locator("#synonyms tbody tr", { hasText: NEW_TERM });
  assert.equal(await group.count(), 1);
  assert.match(await group.locator("td.terms").innerText(), new RegExp(KNOWN_TERM));
  assert.equal(await historyRows(desk), history + 1);
  await snap(desk, "synonyms");

  assert.ok((await hits(NEW_TERM)) >= 1, `${NEW_TERM} finds the ${KNOWN_TERM} disclosures`);
  assert.match(await text(citizen, "#hits li a[href^='/disclosures/']"), new RegExp(KNOWN_TERM));
  await citizen.screenshot({ path: join(ARTIFACTS, "admin-synonym-search.png") });
});

const pages = [
  ["routing", "#preview-form"],
  ["departments", "#dept-add"],
  ["problem-types", "#add-problem-type"],
  ["deadlines", "#deadlines form"],
  ["holidays", "#upload-form"],
  ["synonyms", "#add-group"],
  ["notify", "#dept-form"],
];

test("5. every page of the menu renders its form, with its menu entry marked", async () => {
  for (const [sub, form] of pages) {
    const resp = await desk.goto(`${BASE}/staff/admin/${sub}`);
    assert.equal(resp.status(), 200, sub);
    assert.ok((await desk.locator(form).count()) >= 1, `${sub}: ${form}`);
    const folded = desk.locator(`details:not([open]):has(${form}) > summary`);
    if (await folded.count()) await folded.first().click(); // a form behind 新增…
    assert.ok(await desk.locator(`${form} button[type=submit]`).first().isVisible(), `${sub}: a submit button`);
    assert.equal(await desk.locator(".ref-nav a").count(), pages.length, `${sub}: the whole menu`);
    const current = desk.locator('.ref-nav a[aria-current="page"]');
    assert.equal(await current.count(), 1, `${sub}: one entry marked`);
    assert.equal(await current.getAttribute("href"), `/staff/admin/${sub}`);
    assert.equal(await desk.locator(".ref-history h2").count(), 1, `${sub}: the history`);
    const wide = await desk.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    assert.ok(wide <= 0, `${sub}: the page is ${wide}px wider than the window`);
    await snap(desk, `page-${sub}`);
  }
});

test("6. on a phone the menu wraps and its links are tap targets", async () => {
  const ctx = await b.browser.newContext({ ...PHONE, storageState: await admin.storageState() });
  const phone = await ctx.newPage();
  await phone.goto(BASE + "/staff/admin/routing");
  const nav = await phone.locator(".ref-nav").evaluate((el) => ({ scroll: el.scrollWidth, width: el.clientWidth }));
  assert.ok(nav.scroll <= nav.width, `the menu wraps: ${nav.scroll} > ${nav.width}`);
  for (const h of await phone.locator(".ref-nav a").evaluateAll((as) => as.map((a) => a.getBoundingClientRect().height))) {
    assert.ok(h >= 44 - 0.5, `a menu link ${h}px high`);
  }
  await phone.screenshot({ path: join(ARTIFACTS, "admin-phone-menu.png") });
  await ctx.close();
});
