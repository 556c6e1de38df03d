// Shared browser set-up: Debian's Chromium through playwright-core, with the
// flags this sandbox needs, a fresh profile per launch, phone and desktop
// viewports, and helpers for screenshots and page weight.
import { chromium } from "playwright-core";
import { tmpdir } from "node:os";
import { join } from "node:path";

export const BASE = process.env.BASE_URL;
export const ARTIFACTS = process.env.ARTIFACTS || join(tmpdir(), "sunlight-e2e");

export const PHONE = {
  viewport: { width: 390, height: 844 },
  deviceScaleFactor: 2,
  isMobile: true,
  hasTouch: true,
  locale: "zh-CN",
  userAgent:
    "Mozilla/5.0 (Linux; Android 12; Redmi Note 11) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Mobile Safari/537.36 MicroMessenger/8.0",
};
export const DESKTOP = { viewport: { width: 1366, height: 900 }, locale: "zh-CN" };

// Playwright gives every launch a fresh, empty profile directory of its own
// (it refuses --user-data-dir for a non-persistent launch).
export async function launch() {
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
    headless: true,
    args: [
      "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
      "--disable-background-networking", "--disable-component-update", "--disable-sync",
    ],
  });
  return { browser, close: () => browser.close() };
}

export async function shot(page, name) {
  await page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: false });
}

// pageWeight loads url in a fresh context with an empty cache and adds up
// the compressed bytes of every response (HTML, CSS, JS, images).
export async function pageWeight(browser, url, options = PHONE) {
  const ctx = await browser.newContext({ ...options });
  const page = await ctx.newPage();
  const cdp = await ctx.newCDPSession(page);
  await cdp.send("Network.enable");
  let bytes = 0;
  cdp.on("Network.loadingFinished", (e) => { bytes += e.encodedDataLength; });
  await page.goto(url, { waitUntil: "networkidle" });
  await ctx.close();
  return bytes;
}

// comfortProblems lists what makes a page hard to use on a phone: form
// controls without a label, text under 16px, tap targets under 44px.
export async function comfortProblems(page) {
  return page.evaluate(() => {
    const problems = [];
    const visible = (el) => {
      const r = el.getBoundingClientRect();
      const cs = getComputedStyle(el);
      return r.width > 0 && r.height > 0 && cs.visibility !== "hidden" && cs.display !== "none";
    };
    for (const el of document.querySelectorAll("input, select, textarea")) {
      if (el.type === "hidden" || !visible(el)) continue;
      const labelled = (el.id && document.querySelector(`label[for="${el.id}"]`)) || el.closest("label") ||
        el.getAttribute("aria-label") || el.getAttribute("aria-labelledby");
      if (!labelled) problems.push(`unlabelled ${el.tagName.toLowerCase()} name=${el.name}`);
    }
    const base = parseFloat(getComputedStyle(document.body).fontSize);
    if (base < 16) problems.push(`body font-size ${base}px < 16px`);
    for (const el of document.querySelectorAll("p, li, td, label, input, button, a")) {
      if (!visible(el)) continue;
      const fs = parseFloat(getComputedStyle(el).fontSize);
      if (fs < 14) problems.push(`${el.tagName.toLowerCase()} "${el.textContent.trim().slice(0, 20)}" font ${fs}px`);
    }
    for (const el of document.querySelectorAll("button, input[type=submit], a.btn, nav a, .chips a, input[type=checkbox], input[type=radio], select")) {
      if (!visible(el)) continue;
      const r = el.getBoundingClientRect();
      const target = el.matches("input[type=checkbox], input[type=radio]") ? el.closest("label") || el : el;
      const tr = target.getBoundingClientRect();
      if (Math.max(r.height, tr.height) < 44 - 0.5) {
        problems.push(`tap target ${el.tagName.toLowerCase()} "${(el.textContent || el.value || el.name).trim().slice(0, 20)}" ${Math.round(tr.height)}px high`);
      }
    }
    return problems;
  });
}
