import { expect, Page } from '@playwright/test';
import { execFileSync } from 'child_process';

/** Any CJK ideograph: used to prove a screen is fully English (or fully Chinese). */
export const HAN = /[\u4e00-\u9fff]/;

/** Collects Content-Security-Policy violations and page errors, so a test can assert none. */
export function watchForProblems(page: Page): string[] {
  const problems: string[] = [];
  page.on('console', (msg) => {
    if (msg.type() === 'error' && /Content.Security.Policy|Refused to/i.test(msg.text())) problems.push(msg.text());
  });
  page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
  return problems;
}

/** Waits until the app has rendered (the wasm started and mounted the top bar). */
export async function appReady(page: Page) {
  await expect(page.getByTestId('sync-status')).toBeVisible();
}

/** Waits until a service worker controls the page; its install has then filled the cache. */
export async function serviceWorkerControls(page: Page) {
  await page.waitForFunction(() => navigator.serviceWorker.controller !== null, null, { timeout: 30_000 });
}

/** Opens the invite link and joins with a name and a phone number; a valid code (the demo
 *  village's) is checked by the server first and the first village group is picked. */
export async function join(page: Page, code: string, name: string) {
  await page.goto(`/join#${code}`);
  await appReady(page);
  if (code === 'DEMO-2026') {
    await page.getByTestId('join-group').selectOption({ index: 1 });
  }
  await page.getByLabel('姓名').fill(name);
  await page.getByLabel('手机号').fill('13912345678');
  await page.getByRole('button', { name: '加入' }).click();
}

/** Joins the demo village and says "free on Tuesday mornings" (the demo month starts on a
 *  Tuesday), so "For me" has eligible tasks; ends on the synced task list. */
export async function joinFreeOnTuesdayMornings(page: Page, name: string) {
  await join(page, 'DEMO-2026', name);
  await expect(page).toHaveURL(/\/volunteer$/);
  await expect(page.getByTestId('sync-status')).toHaveText(/已同步/, { timeout: 20_000 });
  await page.getByTestId('profile-link').click();
  await page.getByTestId('slot-1-morning').click();
  await page.getByTestId('save-profile').click();
  await page.goto('/volunteer');
  await appReady(page);
}

/** The phone's stored copy of what the server sent, as a key → record map. */
export async function snapshot(page: Page): Promise<Record<string, any>> {
  return page.evaluate(() => {
    const state = JSON.parse(localStorage.getItem('linli.state')!);
    return Object.fromEntries(state.replica.snapshot);
  });
}

/** Signs up for the best eligible (and `wanted`) tasks in turn until one is confirmed by the server (other
 *  tests share the server and may have taken places); returns its id. `fromEnd` starts from the
 *  last ones listed. */
export async function signUpUntilConfirmed(
  page: Page,
  wanted: (id: string) => boolean = () => true,
  fromEnd = false,
): Promise<string> {
  const ids = await page
    .locator('li.task[data-eligible="true"]')
    .evaluateAll((items) => items.map((li) => li.getAttribute('data-testid')!.replace(/^task-/, '')));
  // `fromEnd`: the list's last tasks first, so tests that need a place of their own do not use
  // up the ones other tests take.
  const candidates = ids.filter(wanted);
  if (fromEnd) candidates.reverse();
  for (const id of candidates.slice(0, 10)) {
    const row = page.getByTestId(`task-${id}`);
    await row.getByTestId('sign-up').click();
    const status = row.getByTestId('signup-status');
    // The server's word: confirmed, waitlisted, or refused (a rule the phone could not check,
    // e.g. the person served accepts only volunteers who speak the local dialect): then the
    // sign-up is undone here and the next task is tried.
    await expect(status).toHaveCount(1);
    const verdict = async () => ((await status.count()) === 0 ? 'refused' : await status.getAttribute('data-state'));
    await expect.poll(verdict, { timeout: 20_000 }).toMatch(/^(confirmed|waitlisted|refused)$/);
    const state = await verdict();
    if (state === 'confirmed') return id;
    if (state === 'refused') continue;
    await row.getByTestId('withdraw').click();
    await expect(status).toHaveCount(0, { timeout: 20_000 });
  }
  throw new Error('no eligible task had a place left');
}

/** A fresh one-time coordinator login code, minted with the server's admin command. */
export function coordinatorLoginCode(): string {
  const out = execFileSync(
    process.env.LINLI_SERVER_BIN!,
    ['admin', '--db', process.env.LINLI_DB!, 'add-coordinator', '--village', 'vil-0001', '--name', '测试协调员'],
    { encoding: 'utf8' },
  );
  const match = out.match(/login code: (\S+)/);
  expect(match, out).not.toBeNull();
  return match![1];
}

/** A local village time of a task ("2026-12-01T09:00:00") moved by `minutes`, as a Date. */
export function villageTime(local: string, minutes: number): Date {
  return new Date(new Date(`${local}+08:00`).getTime() + minutes * 60_000);
}

export function hhmm(date: Date): string {
  const local = new Date(date.getTime() + 8 * 3600_000);
  return local.toISOString().slice(11, 16);
}

export async function goOffline(page: Page) {
  await page.context().setOffline(true);
  await page.context().route('**/api/**', (route) => route.abort('internetdisconnected'));
  await expect(page.getByTestId('sync-status')).toHaveAttribute('data-state', 'offline');
}

export async function goOnline(page: Page) {
  await page.context().unroute('**/api/**');
  await page.context().setOffline(false);
}
