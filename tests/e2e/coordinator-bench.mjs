// The coordinator's workspace in headless Chromium, timed (run by `cargo xtask bench`, not by
// the test suite): the weekly plan of a district (2,000 volunteers x 600 tasks) computed in the
// browser and its preview rendered, and the volunteer search over thousands, per keystroke.
//
// Env: LINLI_BASE_URL (a server started with the demo district), LINLI_SERVER_BIN and LINLI_DB
// (to mint a coordinator login code), BENCH_WHAT = "plan" or "filter".
import { chromium } from '@playwright/test';
import { execFileSync } from 'node:child_process';

const base = process.env.LINLI_BASE_URL;
const what = process.env.BENCH_WHAT ?? 'plan';
const RUNS = 5;

function loginCode() {
  const out = execFileSync(
    process.env.LINLI_SERVER_BIN,
    ['admin', '--db', process.env.LINLI_DB, 'add-coordinator', '--village', 'vil-0001', '--name', '基准测试'],
    { encoding: 'utf8' },
  );
  const match = out.match(/login code: (\S+)/);
  if (!match) throw new Error(`no login code in: ${out}`);
  return match[1];
}

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--no-first-run'],
});
const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
await page.goto(`${base}/login#${loginCode()}`);
await page.waitForURL(/\/coordinator$/, { timeout: 60_000 });
await page.getByTestId('sync-status').filter({ hasText: /已同步/ }).waitFor({ timeout: 120_000 });
const counts = await page.evaluate(() => {
  const records = JSON.parse(localStorage.getItem('linli.state')).replica.snapshot;
  const n = (prefix) => records.filter(([k]) => k.startsWith(prefix)).length;
  return { volunteers: n('volunteer/'), tasks: n('task/') };
});
console.log(`BENCH coordinator_data volunteers=${counts.volunteers} tasks=${counts.tasks}`);

if (what === 'plan') {
  await page.goto(`${base}/coordinator/plan`);
  await page.getByTestId('plan-compute').waitFor();
  const totals = [];
  const computes = [];
  let rows = 0;
  for (let run = 0; run < RUNS; run++) {
    // From the click to the preview on screen (the next frame after it is in the DOM).
    const took = await page.evaluate(async () => {
      const start = performance.now();
      document.querySelector('[data-testid="plan-compute"]').click();
      while (!document.querySelector('[data-testid="plan-preview"]')) {
        await new Promise((r) => setTimeout(r, 0));
      }
      await new Promise((r) => requestAnimationFrame(() => r()));
      return performance.now() - start;
    });
    totals.push(took);
    computes.push(Number(await page.getByTestId('plan-preview').getAttribute('data-millis')));
    rows = await page.getByTestId('plan-row').count();
    await page.getByTestId('plan-discard').click();
    await page.getByTestId('plan-preview').waitFor({ state: 'detached' });
  }
  console.log(
    `BENCH plan_week_browser end_to_end_ms=${median(totals).toFixed(0)} planner_ms=${median(computes).toFixed(0)} ` +
      `rows=${rows} runs=${RUNS} (median; all: ${totals.map((t) => t.toFixed(0)).join(' ')})`,
  );
} else {
  await page.goto(`${base}/coordinator/volunteers`);
  const input = page.getByTestId('volunteer-search');
  await input.waitFor();
  // A coordinator typing a name, then a phone number: each keystroke filters all volunteers.
  const times = await page.evaluate(async () => {
    const input = document.querySelector('[data-testid="volunteer-search"]');
    const out = [];
    const typed = ['王', '王秀', '王', '', '1', '13', '138', '1380', '138', '13', '1', '', 'f', 'fi', 'fir', 'firs', 'first'];
    for (const text of [...typed, ...typed, ...typed]) {
      const start = performance.now();
      input.value = text;
      input.dispatchEvent(new Event('input', { bubbles: true }));
      // The signal's effects run before the next task: this is the keystroke's script time.
      await new Promise((r) => setTimeout(r, 0));
      out.push(performance.now() - start);
    }
    return out;
  });
  const sorted = [...times].sort((a, b) => a - b);
  const p95 = sorted[Math.floor(sorted.length * 0.95)];
  console.log(
    `BENCH volunteer_filter_keystroke_ms median=${median(times).toFixed(1)} p95=${p95.toFixed(1)} ` +
      `max=${Math.max(...times).toFixed(1)} keystrokes=${times.length} volunteers=${counts.volunteers}`,
  );
}
await browser.close();
