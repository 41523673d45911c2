// Hostile and awkward text typed by people: HTML and script payloads, SQL fragments, very long
// unbroken text and right-to-left text with an override character, entered through the real UI
// (a volunteer's name, a beneficiary, a task title, a visit note), stored by the server, and then
// shown on every page that displays them. Each page must show the text literally, run nothing
// (no dialog, no flag set by a payload, no element made from one), and keep its layout on a
// phone (no sideways scrolling; long words wrap). The CSP would block inline handlers anyway:
// these checks do not rely on it.
import { test, expect, devices, Browser, Page } from '@playwright/test';
import { appReady, coordinatorLoginCode, joinFreeOnTuesdayMornings, snapshot } from './helpers';

test.use({ timezoneId: 'Asia/Shanghai' });

const IMG = `<img src=x onerror="window.__xss=true;alert('img')">`;
const SCRIPT = `<script>window.__xss=true;alert('script')</script>`;
const SVG = `"><svg onload="window.__xss=true;alert('svg')">`;
const SQL = `'); DROP TABLE records;--`;
// Right-to-left override, then Arabic and Hebrew.
const RTL = '\u202Eمرحبا بالعالم שלום עולם';
const LONG = 'W'.repeat(1500);

// A join name is at most 40 characters: a payload, an override, Arabic and a quote-dash.
const VOLUNTEER = `"><img src=x onerror=__xss=1>\u202Eعلي';--`;
const BENEFICIARY = `${IMG} ${SQL} ${RTL}`;
const TITLE = `${IMG}${SCRIPT} ${SVG} ${SQL} ${RTL} ${LONG}`;
const ADDRESS = `${SVG}${'B'.repeat(400)}`;
const NOTE_HEAD = `${SCRIPT}${IMG} ${SQL} ${RTL} `;
const NOTE = NOTE_HEAD + 'N'.repeat(2000 - NOTE_HEAD.length);
// The task's title as the server makes it for a beneficiary.
const FULL_TITLE = `${TITLE} · ${BENEFICIARY}`;

const baseURL = process.env.LINLI_BASE_URL!;
const phone = { ...devices['Pixel 7'], baseURL, timezoneId: 'Asia/Shanghai' };

/** Shared by the steps below (they run in order on one server). */
const made = { task: '', volunteer: '' };

/** Watches a page for anything a payload could do. */
function guard(page: Page): string[] {
  const dialogs: string[] = [];
  page.on('dialog', (dialog) => {
    dialogs.push(`${dialog.type()}: ${dialog.message()}`);
    void dialog.dismiss();
  });
  void page.addInitScript(() => {
    (window as any).__xss = false;
  });
  return dialogs;
}

/** The page shows every text of `shown` literally and nothing in it became markup or ran; the
 *  layout holds on the phone's width. */
async function inert(page: Page, dialogs: string[], shown: string[]) {
  await appReady(page);
  for (const text of shown) {
    await expect
      .poll(() => page.evaluate((t) => document.body.textContent!.includes(t), text), { message: text.slice(0, 60) })
      .toBe(true);
  }
  // The phone's width, not `innerWidth`: a mobile browser widens its layout viewport (zooms out)
  // to fit a page that is too wide.
  const width = page.viewportSize()!.width;
  const found = await page.evaluate((width) => ({
    flag: (window as any).__xss,
    planted: document.querySelectorAll('img[src="x"], svg, [onerror], [onload], body script').length,
    insideUserText: document.querySelectorAll('[data-user-text] *:not(option)').length,
    scroll: document.documentElement.scrollWidth,
    layout: window.innerWidth,
    // Any element whose box sticks out to the right of the screen.
    sticking: [...document.querySelectorAll('body *')]
      .filter((el) => el.getBoundingClientRect().right > width + 1)
      .filter((el) => !el.closest('option'))
      .map((el) => `${el.tagName.toLowerCase()}.${el.className}`)
      .slice(0, 5),
  }), width);
  expect(dialogs).toEqual([]);
  expect(found.flag).toBe(false);
  expect(found.planted).toBe(0);
  expect(found.insideUserText).toBe(0);
  expect(found.sticking).toEqual([]);
  expect(found.scroll).toBeLessThanOrEqual(width);
  expect(found.layout).toBe(width);
}

async function coordinator(browser: Browser) {
  const context = await browser.newContext(phone);
  const page = await context.newPage();
  const dialogs = guard(page);
  await page.goto(`/login#${coordinatorLoginCode()}`);
  await expect(page).toHaveURL(/\/coordinator$/);
  await expect(page.getByTestId('sync-status')).toHaveText(/已同步/, { timeout: 20_000 });
  return { context, page, dialogs };
}

test.describe.serial('hostile text is stored and shown inert', () => {
  test('a coordinator registers a beneficiary and posts a task with hostile text', async ({ browser }) => {
    const { context, page, dialogs } = await coordinator(browser);
    await page.goto('/coordinator/beneficiaries');
    await appReady(page);
    await page.getByTestId('nb-name').fill(BENEFICIARY);
    await page.getByTestId('nb-group').selectOption({ index: 1 });
    await page.getByTestId('nb-address').fill(ADDRESS);
    await page.getByTestId('nb-health').fill(SCRIPT + SQL);
    await page.getByTestId('nb-save').click();
    await expect(page.getByTestId('nb-message')).toHaveText('已保存。');
    await page.getByTestId('beneficiary-search').fill('DROP TABLE');
    await expect(page.getByTestId('beneficiary-list').locator('tbody tr')).toHaveCount(1);
    await inert(page, dialogs, [BENEFICIARY]);

    await page.goto('/coordinator/new-task');
    await appReady(page);
    await page.getByTestId('task-kind').selectOption('home_visit');
    await page.getByTestId('task-title').fill(TITLE);
    await page.getByTestId('task-date').fill('2026-12-08');
    await page.getByTestId('task-start').fill('09:00');
    await page.getByTestId('task-end').fill('10:00');
    await page.getByTestId('task-places').fill('2');
    await page.getByTestId('task-places').blur();
    await page.getByTestId('task-beneficiary').selectOption({ label: BENEFICIARY });
    // The select shows the name and keeps to the phone's width.
    await inert(page, dialogs, [BENEFICIARY]);
    await page.getByTestId('create-task').click();
    await expect(page.getByTestId('new-task-message')).toHaveText('已发布 1 个任务，联网后会同步。');
    await expect(page.getByTestId('sync-status')).toHaveText(/已同步/, { timeout: 20_000 });
    await inert(page, dialogs, [BENEFICIARY]);

    // Stored as typed: a fresh pull has the exact texts.
    const records = await snapshot(page);
    const task = Object.values(records).find((r: any) => r.title === FULL_TITLE) as any;
    expect(task, 'the task came back from the server').toBeTruthy();
    made.task = task.id;
    await page.reload();
    await appReady(page);
    await expect(page.getByTestId('sync-status')).toHaveText(/已同步/, { timeout: 20_000 });
    expect((await snapshot(page))[`task/${made.task}`].title).toBe(FULL_TITLE);

    await page.goto('/coordinator');
    await appReady(page);
    await page.getByTestId('task-filter').fill('DROP TABLE');
    await expect(page.getByTestId(`task-${made.task}`)).toBeVisible();
    await inert(page, dialogs, [FULL_TITLE]);
    await context.close();
  });

  test('a volunteer with a hostile name signs up, checks in and leaves a hostile note; their pages stay inert', async ({
    browser,
  }) => {
    expect(made.task, 'the previous step posted the task').not.toBe('');
    const context = await browser.newContext(phone);
    const page = await context.newPage();
    const dialogs = guard(page);
    await joinFreeOnTuesdayMornings(page, VOLUNTEER);
    await expect(page.getByTestId('sync-status')).toHaveText(/已同步/, { timeout: 20_000 });
    const state = await page.evaluate(() => JSON.parse(localStorage.getItem('linli.state')!));
    made.volunteer = state.session.actor.role.id;
    expect((await snapshot(page))[`volunteer/${made.volunteer}`].name).toBe(VOLUNTEER);

    // "For me" lists the task with its title as typed.
    const row = page.getByTestId(`task-${made.task}`);
    await expect(row).toBeVisible();
    await expect(row.locator('.task-title')).toHaveText(FULL_TITLE);
    await inert(page, dialogs, [FULL_TITLE]);

    // The task page; once confirmed, the person and their address too.
    await page.goto(`/volunteer/task/${made.task}`);
    await appReady(page);
    await page.getByTestId('sign-up').click();
    await expect(page.getByTestId('signup-status')).toHaveAttribute('data-state', 'confirmed', { timeout: 20_000 });
    await expect(page.getByTestId('task-address')).toHaveText(ADDRESS);
    await inert(page, dialogs, [FULL_TITLE, BENEFICIARY, ADDRESS]);

    // Ten minutes before the visit: check in, and a note of the longest length allowed.
    await page.clock.setFixedTime(new Date('2026-12-08T08:50:00+08:00'));
    await page.goto(`/volunteer/task/${made.task}`);
    await appReady(page);
    await page.getByTestId('check-in').click();
    await expect(page.getByTestId('checked-in')).toBeVisible();
    await page.getByTestId('visit-note').fill(NOTE);
    await page.getByTestId('save-note').click();
    await expect(page.getByTestId('note-message')).toHaveText('备注已保存，联网后会发给协调员。');
    await expect(page.getByTestId('sync-status')).toHaveText(/已同步/, { timeout: 20_000 });
    expect((await snapshot(page))[`service/${made.task}/${made.volunteer}`].note).toBe(NOTE);
    await page.reload();
    await inert(page, dialogs, [FULL_TITLE, BENEFICIARY, ADDRESS]);
    await expect(page.getByTestId('visit-note')).toHaveValue(NOTE);

    for (const path of ['/volunteer/schedule', '/volunteer/service']) {
      await page.goto(path);
      await inert(page, dialogs, [FULL_TITLE]);
    }
    await page.goto('/volunteer/service');
    await inert(page, dialogs, [VOLUNTEER]);
    await context.close();
  });

  test("the coordinator's pages show the volunteer's name, the title and the note inert", async ({ browser }) => {
    expect(made.volunteer, 'the previous step joined').not.toBe('');
    const { context, page, dialogs } = await coordinator(browser);
    await page.goto(`/coordinator/task/${made.task}`);
    await expect(page.getByTestId('coordinator-task')).toBeVisible();
    await expect(page.getByTestId(`signup-${made.volunteer}`)).toContainText(VOLUNTEER);
    await expect(page.getByTestId(`service-${made.volunteer}`).getByTestId('visit-note-text')).toContainText(NOTE);
    await inert(page, dialogs, [FULL_TITLE, VOLUNTEER, NOTE]);

    await page.goto('/coordinator/volunteers');
    await appReady(page);
    await page.getByTestId('volunteer-search').fill(VOLUNTEER.slice(0, 12));
    await expect(page.getByTestId(`volunteer-${made.volunteer}`)).toBeVisible();
    await inert(page, dialogs, [VOLUNTEER]);

    // The week's board (the task is short of one person) and the weekly plan's preview.
    await page.goto('/coordinator/board');
    await appReady(page);
    await page.getByTestId('board-week').selectOption('2026-12-07');
    await expect(page.getByTestId(`board-${made.task}`)).toBeVisible();
    await inert(page, dialogs, [FULL_TITLE]);
    await page.goto('/coordinator/plan');
    await appReady(page);
    await page.getByTestId('plan-week').selectOption('2026-12-07');
    await page.getByTestId('plan-compute').click();
    await expect(page.getByTestId('plan-preview')).toBeVisible({ timeout: 15_000 });
    await inert(page, dialogs, []);
    await context.close();
  });
});
