// Lighthouse (accessibility and performance, Lighthouse's default mobile settings) on the pages a
// volunteer sees, signed in. Run through `cargo xtask lighthouse`, which starts the real
// linli-server with the demo village and passes its address in LINLI_BASE_URL.
//
// Signing in happens in the browser that Lighthouse then measures: Playwright drives Debian's
// Chromium through the join form, and Lighthouse attaches to the same browser through its
// remote-debugging port with `disableStorageReset`, so the session in localStorage survives.
// A persistent context is needed for that: Lighthouse opens its tabs in the browser's default
// context, which is the persistent one, not a context created by `chromium.launch()`.
//
// Not a Playwright test: the runner's default testMatch only picks up *.spec.* and *.test.*.

import { chromium } from '@playwright/test';
import lighthouse from 'lighthouse';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

/** The pages measured. `{task}` becomes the id of the task the volunteer signed up for.
 *  Signed-out pages are measured first, before this browser joins the village. */
const PAGES = [
  { path: '/join', signedIn: false },
  { path: '/volunteer', signedIn: true },
  { path: '/volunteer/task/{task}', signedIn: true },
  { path: '/volunteer/schedule', signedIn: true },
];
/** The accessibility score below which the run fails. */
const MIN_ACCESSIBILITY = 95;
/** The demo village's invite code (`linli-server serve --demo`). */
const INVITE_CODE = 'DEMO-2026';
/** How many distinct offending selectors to list per failing audit; the JSON reports have all. */
const MAX_SELECTORS = 6;

// The flags that work for Debian's Chromium on this machine kind (../../../shared/TOOLCHAIN.md).
const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  // Port 0: Chromium picks a free port and writes it to DevToolsActivePort, so two runs on one
  // machine cannot collide.
  '--remote-debugging-port=0',
];

const baseUrl = process.env.LINLI_BASE_URL?.replace(/\/$/, '');
if (!baseUrl) {
  console.error('LINLI_BASE_URL is not set: run this with `cargo xtask lighthouse`');
  process.exit(2);
}
/** Where the full Lighthouse reports go (JSON, one per page), if set. */
const reportDir = process.env.LINLI_LIGHTHOUSE_OUT;

/** Chromium writes the port it picked as the first line of this file once it listens. */
async function devtoolsPort(profileDir) {
  const file = path.join(profileDir, 'DevToolsActivePort');
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    const text = await readFile(file, 'utf8').catch(() => '');
    const port = Number.parseInt(text.split('\n')[0], 10);
    if (Number.isInteger(port) && port > 0) return port;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`Chromium wrote no usable ${file}`);
}

/** Joins the demo village through the form, as a volunteer would (and as volunteer.spec.ts
 *  does), says "free on Tuesday mornings" and signs up for the best task, so that "For me" has
 *  both fitting and greyed tasks and the schedule is not empty. Returns that task's id. */
async function joinDemoVillage(page) {
  await page.goto(`${baseUrl}/join#${INVITE_CODE}`);
  await page.getByTestId('sync-status').waitFor();
  // Typed as well: when the tab already shows /join, going to /join#CODE only changes the hash,
  // and the form reads the code from the link only when it is created.
  await page.getByLabel('邀请码').fill(INVITE_CODE);
  // Leaving the field checks the code; then the village's groups are offered.
  await page.getByLabel('邀请码').blur();
  await page.getByTestId('join-group').selectOption({ index: 1 });
  await page.getByLabel('姓名').fill('灯塔测试');
  await page.getByLabel('手机号').fill('13912345678');
  await page.getByRole('button', { name: '加入' }).click();
  await page.waitForURL(/\/volunteer$/, { timeout: 20_000 });
  // The list comes from the first sync.
  await page.locator('li.task[data-testid^="task-"]').first().waitFor({ timeout: 30_000 });

  // The demo month starts on a Tuesday (slot 1 = Tuesday).
  await page.getByTestId('profile-link').click();
  await page.getByTestId('slot-1-morning').click();
  await page.getByTestId('save-profile').click();
  await page.goto(`${baseUrl}/volunteer`);
  const best = page.locator('li.task[data-eligible="true"]').first();
  await best.waitFor({ timeout: 30_000 });
  const testid = (await best.getAttribute('data-testid')) ?? '';
  const id = testid.replace(/^task-/, '');
  if (!id) throw new Error('the best task on "For me" has no id');
  await best.getByTestId('sign-up').click();
  // Wait until the server has answered, so the measured pages show a settled state.
  await page
    .getByTestId(testid)
    .locator('[data-testid="signup-status"][data-state="confirmed"], [data-testid="signup-status"][data-state="waitlisted"]')
    .waitFor({ timeout: 30_000 });
  return id;
}

/** The audits of the accessibility category that fail, each with its offending elements grouped
 *  by selector (a list of 50 tasks repeats the same selector 50 times) and, per selector, the
 *  first line of Lighthouse's explanation (for contrast: the ratio and the two colours). */
function failingAccessibilityAudits(lhr) {
  const category = lhr.categories.accessibility;
  if (!category) return [];
  return category.auditRefs
    .map((ref) => lhr.audits[ref.id])
    .filter((audit) => audit && audit.score !== null && audit.score < 1)
    // Manual and not-applicable audits have no score; informative ones do not count.
    .filter((audit) => audit.scoreDisplayMode === 'binary' || audit.scoreDisplayMode === 'numeric')
    .map((audit) => {
      const elements = new Map();
      for (const item of audit.details?.items ?? []) {
        const selector = item.node?.selector;
        if (!selector) continue;
        const seen = elements.get(selector);
        if (seen) {
          seen.count += 1;
        } else {
          const lines = (item.node.explanation ?? '').split('\n').map((l) => l.trim());
          // The first line is often "Fix any of the following:"; the finding is the next one.
          const why = lines.find((l) => l && !l.endsWith(':')) ?? '';
          elements.set(selector, { selector, count: 1, why });
        }
      }
      return { id: audit.id, title: audit.title, elements: [...elements.values()] };
    });
}

const score = (category) =>
  category && typeof category.score === 'number' ? Math.round(category.score * 100) : null;

async function measure(url, port) {
  const result = await lighthouse(url, {
    port,
    output: 'json',
    logLevel: 'error',
    onlyCategories: ['accessibility', 'performance'],
    // Keep localStorage (the session); this also keeps the service worker and its cache, so the
    // signed-in pages are measured as a returning volunteer's phone opens them.
    disableStorageReset: true,
  });
  if (!result) throw new Error(`Lighthouse returned nothing for ${url}`);
  return result;
}

async function main() {
  const profileDir = await mkdtemp(path.join(os.tmpdir(), 'linli-lighthouse-'));
  // viewport null: Playwright must not impose its own window emulation on the tabs Lighthouse
  // opens in this context; Lighthouse sets the mobile screen itself.
  const context = await chromium.launchPersistentContext(profileDir, {
    executablePath: '/usr/bin/chromium',
    headless: true,
    viewport: null,
    args: CHROMIUM_ARGS,
  });
  const lowScores = [];
  try {
    const port = await devtoolsPort(profileDir);
    const page = context.pages()[0] ?? (await context.newPage());
    if (reportDir) await mkdir(reportDir, { recursive: true });
    let taskId = null;
    const ordered = [...PAGES.filter((p) => !p.signedIn), ...PAGES.filter((p) => p.signedIn)];
    for (const spec of ordered) {
      if (spec.signedIn && taskId === null) taskId = await joinDemoVillage(page);
      const pagePath = spec.path.replace('{task}', taskId ?? '');
      const url = `${baseUrl}${pagePath}`;
      const { lhr, report } = await measure(url, port);
      if (reportDir) {
        const name = pagePath.replace(/^\//, '').replace(/[^A-Za-z0-9_-]+/g, '_') || 'root';
        await writeFile(path.join(reportDir, `${name}.json`), Array.isArray(report) ? report[0] : report);
      }
      const accessibility = score(lhr.categories.accessibility);
      const performance = score(lhr.categories.performance);
      const line = `LIGHTHOUSE ${pagePath} accessibility=${accessibility ?? 'n/a'} performance=${performance ?? 'n/a'}`;
      console.log(line);
      if (lhr.runtimeError) console.log(`  ERROR ${lhr.runtimeError.code}: ${lhr.runtimeError.message}`);
      for (const warning of lhr.runWarnings ?? []) console.log(`  WARNING ${warning}`);
      for (const audit of failingAccessibilityAudits(lhr)) {
        console.log(`  A11Y-FAIL ${audit.id}: ${audit.title}`);
        for (const element of audit.elements.slice(0, MAX_SELECTORS)) {
          const times = element.count > 1 ? ` (x${element.count})` : '';
          const why = element.why ? ` -- ${element.why.slice(0, 200)}` : '';
          console.log(`    ${element.selector}${times}${why}`);
        }
        if (audit.elements.length > MAX_SELECTORS) {
          console.log(`    ... and ${audit.elements.length - MAX_SELECTORS} more selectors`);
        }
      }
      // Say plainly when a route is missing from this build: the app then shows its not-found
      // page, and the scores are the not-found page's.
      await page.goto(url);
      await page.getByTestId('sync-status').waitFor();
      if ((await page.getByTestId('not-found').count()) > 0) {
        console.log(`  NOTE ${pagePath}: this build shows its not-found page here (route missing)`);
      }
      if (accessibility === null || accessibility < MIN_ACCESSIBILITY) {
        lowScores.push(`${pagePath} (${accessibility ?? 'no score'})`);
      }
    }
  } finally {
    await context.close();
    await rm(profileDir, { recursive: true, force: true });
  }
  if (lowScores.length > 0) {
    console.log(`accessibility below ${MIN_ACCESSIBILITY}: ${lowScores.join(', ')}`);
    process.exitCode = 1;
  }
}

main().catch((err) => {
  console.error(`lighthouse.mjs: ${err?.stack ?? err}`);
  process.exitCode = 2;
});
