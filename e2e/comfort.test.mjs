// Comfort and accessibility of the public pages on a phone, with and
// without JavaScript, and their weight on first load.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { BASE, PHONE, launch, shot, pageWeight, comfortProblems } from "./browser.mjs";

let b;
before(async () => { b = await launch(); });
after(async () => { await b.close(); });

const publicPages = ["/", "/regions/210124"];

for (const path of publicPages) {
  test(`comfortable on a phone: ${path}`, async () => {
    const ctx = await b.browser.newContext({ ...PHONE });
    const page = await ctx.newPage();
    const resp = await page.goto(BASE + path);
    assert.equal(resp.status(), 200);
    assert.deepEqual(await comfortProblems(page), []);
    await ctx.close();
  });

  test(`under 30 KB compressed on first load: ${path}`, async () => {
    const bytes = await pageWeight(b.browser, BASE + path);
    console.log(`page weight ${path}: ${bytes} bytes`);
    assert.ok(bytes < 30 * 1024, `${path} weighs ${bytes} bytes`);
  });
}

test("large-text mode is one tap away and works without JavaScript", async () => {
  const ctx = await b.browser.newContext({ ...PHONE, javaScriptEnabled: false });
  const page = await ctx.newPage();
  await page.goto(BASE + "/");
  const before = parseFloat(await page.evaluate(() => getComputedStyle(document.body).fontSize));
  await page.getByRole("button", { name: /大字版/ }).tap();
  await page.waitForSelector("html.big");
  const after = parseFloat(await page.evaluate(() => getComputedStyle(document.body).fontSize));
  assert.ok(after >= before * 1.2, `font ${before}px -> ${after}px`);
  await shot(page, "home-large-text");
  await page.getByRole("button", { name: /标准字号/ }).tap();
  await page.waitForSelector("html:not(.big)");
  const back = parseFloat(await page.evaluate(() => getComputedStyle(document.body).fontSize));
  assert.equal(back, before);
  await ctx.close();
});
