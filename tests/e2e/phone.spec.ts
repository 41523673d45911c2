// The volunteer's phone, the rest of the flows: days away and exact hours in the profile, the
// filters of "For me", reminders of the next 24 hours (with a phone notification), large text
// and the printable record of service.
import { test, expect, Page } from '@playwright/test';
import { appReady, joinFreeOnTuesdayMornings, snapshot, signUpUntilConfirmed } from './helpers';

test.use({ timezoneId: 'Asia/Shanghai' });

function beforeStart(local: string, minutes: number): Date {
  return new Date(new Date(`${local}+08:00`).getTime() - minutes * 60_000);
}

async function saveProfile(page: Page) {
  await page.getByTestId('save-profile').click();
  await expect(page.getByTestId('profile-message')).toHaveText('已保存，联网后会自动同步。');
}

test('days away grey out those days in "For me"; exact hours are kept as typed', async ({ page }) => {
  await joinFreeOnTuesdayMornings(page, '冯春梅');
  const tuesday = page.locator('li.task[data-eligible="true"]').filter({ hasText: '12月1日' });
  await expect(tuesday.first()).toBeVisible();

  await page.getByTestId('profile-link').click();
  await page.getByTestId('away-from').fill('2026-12-01');
  await page.getByTestId('away-to').fill('2026-12-01');
  await page.getByTestId('add-away').click();
  await expect(page.getByTestId('exception-0')).toBeVisible();
  // Tuesday: from 10:00 instead of 8:00.
  await page.getByTestId('exact-hours-1').click();
  await page.getByTestId('range-start-1-0').fill('10:00');
  await page.getByTestId('range-start-1-0').blur();
  await expect(page.getByTestId('range-error-1')).toHaveText('');
  await saveProfile(page);

  await page.goto('/volunteer');
  await appReady(page);
  await expect(tuesday).toHaveCount(0);
  const awayRow = page.locator('li.task[data-eligible="false"]').filter({ hasText: '12月1日' }).first();
  await expect(awayRow.getByTestId('fit')).toContainText('不在村里');
  await expect(page.getByTestId('sync-status')).toHaveText(/已同步/, { timeout: 20_000 });

  // The server has the profile as typed: back on the profile after a reload.
  await page.reload();
  await appReady(page);
  await page.getByTestId('profile-link').click();
  await expect(page.getByTestId('exception-0')).toContainText('12月1日');
  await expect(page.getByTestId('exact-hours-1')).toContainText('10:00–12:00');
});

test('filters narrow "For me" by kind and by day', async ({ page }) => {
  await joinFreeOnTuesdayMornings(page, '蒋玉珍');
  const open = page.locator('li.task:not(:has([data-testid="withdraw"]))');
  await expect(open.first()).toBeVisible();

  const kinds = await page.getByTestId('filter-kind').locator('option').evaluateAll((os) =>
    os.map((o) => ({ value: (o as HTMLOptionElement).value, text: o.textContent ?? '' })),
  );
  expect(kinds.length).toBeGreaterThan(2);
  const kind = kinds[1];
  await page.getByTestId('filter-kind').selectOption(kind.value);
  await expect(open.first()).toBeVisible();
  for (const label of await open.locator('.task-kind').allTextContents()) expect(label).toBe(kind.text);

  await page.getByTestId('filter-kind').selectOption('');
  const days = await page.getByTestId('filter-day').locator('option').evaluateAll((os) =>
    os.map((o) => ({ value: (o as HTMLOptionElement).value, text: o.textContent ?? '' })),
  );
  const day = days[2];
  await page.getByTestId('filter-day').selectOption(day.value);
  await expect(open.first()).toBeVisible();
  for (const when of await open.locator('.task-when').allTextContents()) expect(when).toContain(day.text);

  // On that day, narrower distances show fewer tasks (the demo's groups are kilometres apart).
  const counts: number[] = [];
  for (const km of ['', '5', '3', '1']) {
    await page.getByTestId('filter-distance').selectOption(km);
    counts.push(await open.count());
  }
  expect([...counts].sort((a, b) => b - a)).toEqual(counts);
  expect(counts[3], `counts ${counts}`).toBeLessThan(counts[0]);
  await page.getByTestId('filter-distance').selectOption('');
  await page.getByTestId('filter-day').selectOption('');
  // A kind on a day without it says so plainly.
  const openTasks = Object.entries(await snapshot(page))
    .filter(([key, t]: [string, any]) => key.startsWith('task/') && t.status === 'open')
    .map(([, t]: [string, any]) => `${t.kind}@${t.start.slice(0, 10)}`);
  const missing = kinds
    .slice(1)
    .flatMap((k) => days.slice(1).map((d) => ({ k, d })))
    .find(({ k, d }) => !openTasks.includes(`${k.value}@${d.value}`))!;
  expect(missing, 'some kind is not offered on some day').toBeTruthy();
  await page.getByTestId('filter-kind').selectOption(missing.k.value);
  await page.getByTestId('filter-day').selectOption(missing.d.value);
  await expect(open).toHaveCount(0);
  await expect(page.getByText('没有符合筛选条件的任务。')).toBeVisible();
});

test('a task in the next 24 hours is shown as a reminder and, once allowed, as one notification', async ({
  page,
  context,
}) => {
  // Count every notification the app asks the service worker to show (the only way Chrome on
  // Android shows one), without changing what it does.
  await context.addInitScript(() => {
    const shown: string[] = [];
    (window as any).__notifications = shown;
    const show = ServiceWorkerRegistration.prototype.showNotification;
    ServiceWorkerRegistration.prototype.showNotification = function (title: string, options?: NotificationOptions) {
      shown.push(title);
      return show.call(this, title, options);
    };
  });
  await joinFreeOnTuesdayMornings(page, '韩秀云');
  const taskId = await signUpUntilConfirmed(page);
  const task = (await snapshot(page))[`task/${taskId}`];

  await page.clock.setFixedTime(beforeStart(task.start, 25 * 60));
  await page.goto('/volunteer');
  await appReady(page);
  await expect(page.getByTestId('reminders')).toHaveCount(0);

  await page.clock.setFixedTime(beforeStart(task.start, 3 * 60));
  await page.goto('/volunteer/schedule');
  await appReady(page);
  await expect(page.getByTestId(`reminder-${taskId}`)).toContainText(task.title);
  await context.grantPermissions(['notifications']);
  await page.getByTestId('enable-notifications').click();
  await expect(page.getByTestId('reminders')).toContainText('已开启通知提醒。');
  await expect.poll(() => page.evaluate(() => (window as any).__notifications)).toEqual([task.title]);
  const open = await page.evaluate(async () =>
    (await (await navigator.serviceWorker.ready).getNotifications()).map((n) => [n.title, n.tag]),
  );
  expect(open).toEqual([[task.title, taskId]]);
  // Once per task: not again after a reload.
  await page.reload();
  await appReady(page);
  await expect(page.getByTestId(`reminder-${taskId}`)).toBeVisible();
  await page.waitForTimeout(500);
  expect(await page.evaluate(() => (window as any).__notifications)).toEqual([]);
});

test('large text grows every page, fits the phone, and is remembered', async ({ page }) => {
  await joinFreeOnTuesdayMornings(page, '曹桂兰');
  const rootSize = () => page.evaluate(() => parseFloat(getComputedStyle(document.documentElement).fontSize));
  const normal = await rootSize();
  await page.getByTestId('large-text').click();
  await expect(page.getByTestId('large-text')).toHaveAttribute('aria-pressed', 'true');
  await expect(page.locator('html')).toHaveClass(/large-text/);
  expect(await rootSize()).toBeGreaterThanOrEqual(normal * 1.2);
  const taskId = (await page.locator('li.task').first().getAttribute('data-testid'))!.replace(/^task-/, '');
  for (const path of ['/volunteer', '/volunteer/profile', '/volunteer/schedule', `/volunteer/task/${taskId}`]) {
    await page.goto(path);
    await appReady(page);
    await expect(page.locator('html')).toHaveClass(/large-text/);
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow, `${path} scrolls sideways`).toBeLessThanOrEqual(0);
  }
  await page.getByTestId('large-text').click();
  await expect(page.locator('html')).not.toHaveClass(/large-text/);
  expect(await rootSize()).toBe(normal);
});

test('the record of service prints on one A4 page without the app around it', async ({ page }) => {
  await joinFreeOnTuesdayMornings(page, '许丽娟');
  const taskId = await signUpUntilConfirmed(page);
  const task = (await snapshot(page))[`task/${taskId}`];
  await page.clock.setFixedTime(beforeStart(task.start, 5));
  await page.goto(`/volunteer/task/${taskId}`);
  await appReady(page);
  await page.getByTestId('check-in').click();
  await page.clock.setFixedTime(beforeStart(task.start, -55));
  await page.getByTestId('check-out').click();
  await page.goto('/volunteer/service');
  await appReady(page);
  await expect(page.getByTestId('hours-total')).toContainText('1.0 小时', { timeout: 20_000 });

  await page.emulateMedia({ media: 'print' });
  await expect(page.locator('.top-bar')).toBeHidden();
  await expect(page.getByTestId('print-record')).toBeHidden();
  await expect(page.locator('.print-header')).toBeVisible();
  await expect(page.locator('.print-header')).toContainText('许丽娟');
  await expect(page.getByTestId(`service-${taskId}`)).toBeVisible();
  const pdf = (await page.pdf({ preferCSSPageSize: true })).toString('latin1');
  const pages = pdf.match(/\/Type\s*\/Page[^s]/g) ?? [];
  expect(pages).toHaveLength(1);
  // A4 is 595.3 × 841.9 points (Chromium rounds to its own units).
  const box = pdf.match(/\/MediaBox\s*\[\s*0 0 ([\d.]+) ([\d.]+)\s*\]/);
  expect(box).toBeTruthy();
  expect(Math.abs(Number(box![1]) - 595.3)).toBeLessThan(1);
  expect(Math.abs(Number(box![2]) - 841.9)).toBeLessThan(1);
});

test('a certificate with its expiry date is kept, and waits for a coordinator to see it', async ({ page }) => {
  await joinFreeOnTuesdayMornings(page, '彭淑英');
  await page.getByTestId('profile-link').click();
  await page.getByTestId('skill-first_aid').check();
  await page.getByTestId('skill-expiry-first_aid').fill('2027-06-30');
  await saveProfile(page);
  // The rules on the phone already say what the server will: a volunteer's own certificate is
  // not verified until a coordinator has seen it.
  await expect(page.getByTestId('skill-state-first_aid')).toHaveText('待协调员核实证书');
  await expect(page.getByTestId('sync-status')).toHaveText(/已同步/, { timeout: 20_000 });
  const me = await page.evaluate(() => JSON.parse(localStorage.getItem('linli.state')!).session.actor.role.id);
  const profile = (await snapshot(page))[`volunteer/${me}`];
  expect(profile.certifications).toContainEqual({ skill: 'first_aid', expires_on: '2027-06-30', verified: false });
  await page.reload();
  await appReady(page);
  await expect(page.getByTestId('skill-expiry-first_aid')).toHaveValue('2027-06-30');
});
