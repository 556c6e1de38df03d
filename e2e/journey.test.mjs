// The whole journey, as a villager and a clerk see it: scan the notice-board
// QR code, find a disclosure by two characters, report a problem with a
// photo anonymously, follow it by receipt code, answer the department's
// question, rate the answer (不满意, then 满意), and see the public figures
// move. The citizen uses a phone (390×844, touch) — with JavaScript off when
// CITIZEN_JS=off — and the clerk a desktop browser.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { appendFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { BASE, ARTIFACTS, PHONE, DESKTOP, launch, comfortProblems, pageWeight } from "./browser.mjs";

const JS = process.env.CITIZEN_JS !== "off";
const TAG = JS ? "js" : "nojs";
const PORTAL = process.env.PORTAL_BIN;
const PASSWORD = "Zhen-hao-mima-2026!";

let b, citizen, clerk, phone, desk;
const state = {};

async function snap(page, name) {
  await page.screenshot({ path: join(ARTIFACTS, `${TAG}-${name}.png`) });
}

async function text(page, sel) {
  return (await page.locator(sel).first().innerText()).trim();
}

// submit clicks a form's submit button and waits for the page it leads to.
async function submit(page, formSel, buttonName) {
  const btn = buttonName
    ? page.locator(formSel).getByRole("button", { name: buttonName })
    : page.locator(`${formSel} button[type=submit]`).first();
  await Promise.all([page.waitForNavigation(), btn.click()]);
}

// track opens /track, types the receipt and returns the tracked page.
async function track() {
  await phone.goto(BASE + "/track");
  await phone.fill("#receipt", state.receipt);
  await Promise.all([phone.waitForNavigation(), phone.locator("#track-form button[type=submit]").tap()]);
  await phone.locator("#tracked").waitFor();
}

before(async () => {
  b = await launch();
  citizen = await b.browser.newContext({ ...PHONE, javaScriptEnabled: JS });
  clerk = await b.browser.newContext({ ...DESKTOP });
  phone = await citizen.newPage();
  desk = await clerk.newPage();
});

after(async () => {
  writeFileSync(join(ARTIFACTS, `${TAG}-state.json`), JSON.stringify({ ...state, receipt: undefined }, null, 2));
  await b.close();
});

async function stats() {
  return (await fetch(`${BASE}/api/v1/stats`)).json();
}

test("1. the village QR code decodes to the landing URL, which opens the village with 我要举报", async () => {
  const api = await (await fetch(`${BASE}/api/v1/disclosures?region=210124102&per_page=50`)).json();
  assert.ok(api.items.length > 0, "demo village disclosures");
  const d = api.items.find((x) => x.title && [...x.title].length >= 4) || api.items[0];
  state.disclosure = d;
  state.village = d.village_code || d.region_code;
  assert.match(state.village, /^\d{12}$/);
  state.dept = state.village.slice(0, 9) + "-gov"; // village matters go to the town (小事不出村、大事不出镇)
  state.before = await stats();

  const png = Buffer.from(await (await fetch(`${BASE}/qr/village:${state.village}.png`)).arrayBuffer());
  const file = join(ARTIFACTS, `${TAG}-qr.png`);
  writeFileSync(file, png);
  const decoded = execFileSync("zbarimg", ["--quiet", "--raw", file]).toString().trim();
  assert.match(decoded, new RegExp(`^${BASE.replace(/[.]/g, "\\.")}/q/[A-Za-z0-9_-]{6,}$`));

  const resp = await phone.goto(decoded);
  assert.equal(resp.status(), 200);
  await snap(phone, "1-qr-landing");
  const report = phone.getByRole("link", { name: "我要举报" }).first();
  assert.ok(await report.isVisible(), "我要举报 visible on landing");
  assert.match(await report.getAttribute("href"), new RegExp(`subject=village(:|%3A)${state.village}`, "i"));
  assert.deepEqual(await comfortProblems(phone), []);
});

test("2. two characters of a disclosure's title find it; its page offers 我要举报", async () => {
  const chars = [...state.disclosure.title.replace(/[^\u4e00-\u9fff]/g, "")];
  assert.ok(chars.length >= 2, `title has Chinese text: ${state.disclosure.title}`);
  // Two characters from the middle of the title: a word inside a longer word.
  const i = Math.max(0, Math.floor(chars.length / 2) - 1);
  const q = chars[i] + chars[i + 1];
  state.query = q;
  await phone.goto(BASE + "/");
  if (JS) {
    // Type-ahead: the whole title offers the disclosure itself, first.
    await phone.fill("#q", state.disclosure.title);
    await phone.locator(`#suggest li:first-child a[href="${state.disclosure.url}"]`).waitFor();
    assert.equal(await phone.locator("#q").getAttribute("aria-expanded"), "true");
    await snap(phone, "2-suggest");
    assert.deepEqual(await comfortProblems(phone), []);
  } else {
    assert.equal(await phone.locator("#suggest").count(), 0, "no suggestion list without JavaScript");
  }
  await phone.fill("#q", q);
  await Promise.all([phone.waitForURL(/\/search\?/), phone.locator("form[role=search] button[type=submit]").tap()]);
  await phone.locator("#hits").waitFor();
  await snap(phone, "2-search");
  assert.deepEqual(await comfortProblems(phone), []);
  const hit = phone.locator(`#hits a[href="${state.disclosure.url}"]`);
  if ((await hit.count()) === 0) {
    // Not on the first page: narrow to the village, as a villager would.
    await phone.goto(`${BASE}/search?q=${encodeURIComponent(q)}&region=${state.village}`);
  }
  await Promise.all([phone.waitForURL(BASE + state.disclosure.url), phone.locator(`#hits a[href="${state.disclosure.url}"]`).first().tap()]);
  assert.equal(await text(phone, "main h1"), state.disclosure.title);
  await snap(phone, "2-disclosure");
  await Promise.all([phone.waitForURL(/\/report\?subject=/), phone.getByRole("link", { name: "我要举报" }).first().tap()]);
});

test("3. an anonymous report with a photo gets a receipt code", async () => {
  await phone.locator("form.report-form").waitFor();
  assert.deepEqual(await comfortProblems(phone), []);
  await phone.getByLabel(/补贴、低保发放不公/).check();
  await phone.fill("#description", `村里${state.query}名单里有已经去世的人，还在领钱。今年三月起就这样，请核实。`);
  await phone.setInputFiles("#photos", join(import.meta.dirname, "fixtures", "road.jpg"));
  await phone.getByLabel(/匿名反映/).check();
  await snap(phone, "3-report-form");
  await Promise.all([phone.waitForNavigation(), phone.getByRole("button", { name: "提交举报" }).tap()]);
  const receipt = (await text(phone, "#receipt")).replace(/\s/g, "");
  assert.match(receipt, /^\d{20,32}$/, "receipt is digits");
  state.receipt = receipt;
  state.trackingNo = await text(phone, "#tracking-no");
  await snap(phone, "3-receipt");
  // The receipt is never in a URL.
  assert.ok(!phone.url().includes(receipt));
});

test("4. the clerk of the department it was routed to accepts it and asks a question", async () => {
  execFileSync(PORTAL, ["users", "add", "--username", `clerk${TAG}`, "--dept", state.dept, "--role", "staff"], { input: PASSWORD + "\n", env: process.env });
  await desk.goto(BASE + "/staff/login");
  await desk.fill("#username", `clerk${TAG}`);
  await desk.fill("#password", PASSWORD);
  await Promise.all([desk.waitForURL(/\/staff\/?$/), desk.locator("#login-form button[type=submit]").click()]);
  const row = desk.locator("#queue tbody tr", { hasText: state.trackingNo });
  await row.waitFor();
  await snap(desk, "4-staff-queue");
  await Promise.all([desk.waitForURL(/\/staff\/reports\/\d+/), row.locator("a").first().click()]);
  state.staffURL = desk.url();
  assert.ok((await desk.locator(".photos img").count()) >= 1, "the photo reached the clerk");
  // The photo is stored sealed; the clerk's browser gets the decrypted image.
  const img = desk.locator(".photos img").first();
  await img.scrollIntoViewIfNeeded();
  await desk.waitForFunction((el) => el.complete, await img.elementHandle());
  assert.ok(await img.evaluate((el) => el.naturalWidth > 0 && el.naturalHeight > 0), "the photo shows as an image");
  await submit(desk, "#accept-form");
  assert.match(await text(desk, "#status"), /已签收/);
  await desk.locator("summary", { hasText: "给举报人留言" }).click();
  await desk.fill("#message-text", "请问是哪一户？去世的时间大概是什么时候？");
  await submit(desk, "#message-form");
  await snap(desk, "4-staff-report");
});

test("5. the reporter, by receipt, sees the question and answers it", async () => {
  await track();
  assert.match(await text(phone, "#timeline"), /请问是哪一户/);
  await phone.fill("#message-form #text", "是村东头第三户，去年腊月去世的。");
  await Promise.all([phone.waitForNavigation(), phone.locator("#message-form button[type=submit]").tap()]);
  await track();
  assert.match(await text(phone, "#timeline"), /村东头第三户/);
  await snap(phone, "5-track");
});

test("6. answer, 不满意 reopens, answer again, 满意 closes", async () => {
  await desk.goto(state.staffURL);
  assert.match(await text(desk, "#timeline"), /村东头第三户/, "the clerk sees the reporter's reply");
  await desk.fill("#answer-text", "经核实，该户已于去年腊月去世，已停发并追回多发的补贴。");
  await submit(desk, "#answer-form");
  assert.match(await text(desk, "#status"), /已答复/);

  await track();
  assert.match(await text(phone, "#answer"), /已停发并追回/);
  await phone.getByLabel("不满意").check();
  await phone.fill("#comment", "追回了多少钱没说清楚。");
  await Promise.all([phone.waitForNavigation(), phone.locator("#rate-form button[type=submit]").tap()]);
  await track();
  assert.match(await text(phone, "#status"), /重办/);

  await desk.goto(state.staffURL);
  if (await desk.locator("#accept-form").count()) await submit(desk, "#accept-form");
  await desk.fill("#answer-text", "补充答复：已追回2026年1月至3月多发的补贴共1,050元，已上缴乡镇财政所。");
  await submit(desk, "#answer-form");

  await track();
  assert.match(await text(phone, "#answer"), /1,050元/);
  await phone.getByLabel("满意", { exact: true }).check();
  await Promise.all([phone.waitForNavigation(), phone.locator("#rate-form button[type=submit]").tap()]);
  await track();
  assert.match(await text(phone, "#status"), /已办结/);
  await snap(phone, "6-closed");

  await desk.goto(state.staffURL);
  assert.match(await text(desk, "#rating"), /满意/);
});

test("7. the public scoreboard counts the report and the chain head moved", async () => {
  const after = await stats();
  const before = state.before;
  assert.equal(after.total.received, before.total.received + 1, "one more report in the totals");
  assert.ok(after.audit_chain_head.seq > before.audit_chain_head.seq, "the audit chain grew");
  const was = (before.departments || []).find((d) => d.code === state.dept);
  const now = (after.departments || []).find((d) => d.code === state.dept);
  assert.ok(now, `${state.dept} is on the scoreboard`);
  const n = (c) => (c === undefined ? 0 : c);
  if (typeof n(was?.received) === "number" && typeof now.received === "number") {
    assert.equal(now.received, n(was?.received) + 1);
  } else if (!was || n(was.received) === 0) {
    assert.equal(now.received, "<3", "a single report is shown as <3");
  } else {
    assert.ok(now.received === "<3" || now.received === 3);
  }
  await phone.goto(BASE + "/stats");
  const row = phone.locator(`#scoreboard tr[data-code="${state.dept}"]`);
  assert.equal(await row.count(), 1);
  assert.equal((await row.locator("td.received").innerText()).trim(), String(now.received));
  // The scheduler may chain an event (a 过快件 flag, say) between the two
  // reads: the page shows the head as it was then, never an older one.
  const shown = (await text(phone, "#chain-head")).split(" ")[0];
  assert.match(shown, /^#\d+$/);
  assert.ok(Number(shown.slice(1)) >= after.audit_chain_head.seq, `page head ${shown} is older than the API's ${after.audit_chain_head.seq}`);
  await snap(phone, "7-stats");
});

test("citizen pages stay under 30 KB compressed on first load", async () => {
  writeFileSync(join(ARTIFACTS, `${TAG}-page-weights.txt`), "");
  for (const path of ["/", `/regions/${state.village}`, state.disclosure.url, `/report?subject=village:${state.village}`, "/track", `/search?q=${encodeURIComponent(state.query)}`, "/stats"]) {
    const bytes = await pageWeight(b.browser, BASE + path);
    console.log(`page weight ${path}: ${bytes} bytes`);
    appendFileSync(join(ARTIFACTS, `${TAG}-page-weights.txt`), `${path}\t${bytes}\n`);
    assert.ok(bytes < 30 * 1024, `${path} weighs ${bytes} bytes`);
  }
});
