// The coordinator's workspace on a laptop: the register, a weekly visit, a heat-wave campaign,
// suggestions with their reasons, assigning someone whose phone then shows it, the weekly plan
// applied as one set of assignments, and a spreadsheet import with a broken row.
import { test, expect, devices, Browser, Page } from '@playwright/test';
import { appReady, coordinatorLoginCode, join, snapshot } from './helpers';

const desktop = { viewport: { width: 1280, height: 800 }, isMobile: false, hasTouch: false, deviceScaleFactor: 1 };
test.use(desktop);

async function synced(page: Page) {
  await expect(page.getByTestId('sync-status')).toHaveText(/已同步/, { timeout: 30_000 });
}

async function signIn(page: Page) {
  await page.goto(`/login#${coordinatorLoginCode()}`);
  await expect(page).toHaveURL(/\/coordinator$/);
  await synced(page);
}

/** A separate, fresh coordinator device: what the server holds, as a full pull shows it. */
async function freshCoordinatorView(browser: Browser): Promise<Record<string, any>> {
  const context = await browser.newContext({ ...desktop, baseURL: process.env.LINLI_BASE_URL });
  const page = await context.newPage();
  await signIn(page);
  const records = await snapshot(page);
  await context.close();
  return records;
}

test('a beneficiary is registered and gets a weekly visit of four dated tasks; one is edited, one cancelled', async ({
  page,
  browser,
}) => {
  await signIn(page);
  await page.getByRole('link', { name: '服务对象' }).click();
  await page.getByTestId('nb-name').fill('测试老人甲');
  await page.getByTestId('nb-group').selectOption({ index: 1 });
  await page.getByTestId('nb-flag-elderly').check();
  await page.getByTestId('nb-flag-lives_alone').check();
  await page.getByTestId('nb-address').fill('第一组 88号');
  await page.getByTestId('nb-save').click();
  await expect(page.getByTestId('nb-message')).toHaveText('已保存。');
  await page.getByTestId('beneficiary-search').fill('测试老人甲');
  await expect(page.getByTestId('beneficiary-list').locator('tbody tr')).toHaveCount(1);

  await page.getByRole('link', { name: '发布任务' }).click();
  await page.getByTestId('template').selectOption({ index: 1 });
  await page.getByTestId('task-title').fill('每周探访');
  await page.getByTestId('task-date').fill('2026-12-08');
  await page.getByTestId('task-beneficiary').selectOption({ label: '测试老人甲' });
  await page.getByTestId('task-repeat').check();
  await page.getByTestId('repeat-count').fill('4');
  await page.getByTestId('repeat-count').blur();
  await page.getByTestId('create-task').click();
  await expect(page.getByTestId('new-task-message')).toHaveText('已发布 4 个任务，联网后会同步。');
  await synced(page);
  const records = await snapshot(page);
  const series = Object.values(records).filter(
    (r: any) => typeof r.title === 'string' && r.title === '每周探访 · 测试老人甲',
  ) as any[];
  expect(series.map((t) => t.start.slice(0, 10)).sort()).toEqual([
    '2026-12-08',
    '2026-12-15',
    '2026-12-22',
    '2026-12-29',
  ]);
  expect(new Set(series.map((t) => t.series)).size).toBe(1);

  // Edit one (a second place, an hour later) and cancel another.
  series.sort((a, b) => (a.start < b.start ? -1 : 1));
  await page.goto(`/coordinator/task/${series[0].id}`);
  await appReady(page);
  await page.getByTestId('edit-places').fill('2');
  await page.getByTestId('edit-start').fill('10:30');
  await page.getByTestId('edit-end').fill('11:30');
  await page.getByTestId('save-task').click();
  await expect(page.getByTestId('edit-message')).toHaveText('已保存。');
  await page.goto(`/coordinator/task/${series[1].id}`);
  await appReady(page);
  page.once('dialog', (dialog) => dialog.accept());
  await page.getByTestId('cancel-task').click();
  await expect(page.getByTestId('edit-message')).toHaveText('任务已取消。');
  await expect(page.getByTestId('task-cancelled')).toBeVisible();
  await synced(page);
  const server = await freshCoordinatorView(browser);
  expect(server[`task/${series[0].id}`]).toMatchObject({ volunteers_max: 2, start: '2026-12-08T10:30:00' });
  expect(server[`task/${series[1].id}`].status).toBe('cancelled');
});

test('a heat-wave campaign makes one task per elder living alone per day', async ({ page, browser }) => {
  await signIn(page);
  await page.getByRole('link', { name: '批量活动' }).click();
  await page.getByTestId('template').selectOption({ index: 0 });
  await expect(page.getByTestId('campaign-flag-lives_alone')).toBeChecked();
  await page.getByTestId('campaign-from').fill('2026-12-17');
  await page.getByTestId('campaign-to').fill('2026-12-18');
  const records = await snapshot(page);
  const alone = Object.entries(records).filter(
    ([key, b]: [string, any]) => key.startsWith('beneficiary/') && b.flags?.lives_alone,
  ).length;
  expect(alone).toBeGreaterThan(0);
  await expect(page.getByTestId('campaign-preview')).toHaveText(`将为 ${alone} 位服务对象生成 ${2 * alone} 个任务`);
  await page.getByTestId('campaign-create').click();
  await expect(page.getByTestId('campaign-message')).toHaveText(`已发布 ${2 * alone} 个任务，联网后会同步。`);
  await synced(page);
  // On the server, as a fresh device sees it.
  const server = await freshCoordinatorView(browser);
  const made = Object.values(server).filter(
    (t: any) => t.kind === 'heat_wave_check' && ['2026-12-17', '2026-12-18'].includes(t.start?.slice(0, 10)),
  ) as any[];
  expect(made).toHaveLength(2 * alone);
  for (const t of made) expect(server[`beneficiary/${t.beneficiary}`].flags.lives_alone).toBe(true);
});

test('suggestions come with reasons; an assignment reaches the volunteer\'s phone', async ({ page, browser }) => {
  // A volunteer free every morning, on a phone.
  const phoneContext = await browser.newContext({ ...devices['Pixel 7'], baseURL: process.env.LINLI_BASE_URL });
  const phone = await phoneContext.newPage();
  await join(phone, 'DEMO-2026', '丁晓红');
  await expect(phone).toHaveURL(/\/volunteer$/);
  await synced(phone);
  await phone.getByTestId('profile-link').click();
  for (let day = 0; day < 7; day++) await phone.getByTestId(`slot-${day}-morning`).click();
  await phone.getByTestId('save-profile').click();
  await phone.goto('/volunteer');
  await appReady(phone);
  await synced(phone);
  const me = await phone.evaluate(() => JSON.parse(localStorage.getItem('linli.state')!).session.actor.role.id);
  const taskId = (await phone.locator('li.task[data-eligible="true"]').first().getAttribute('data-testid'))!.replace(
    /^task-/,
    '',
  );

  await signIn(page);
  await page.goto(`/coordinator/task/${taskId}`);
  await appReady(page);
  const first = page.getByTestId('suggestions').locator('li').first();
  await expect(first).toBeVisible();
  await expect(first.getByTestId('suggestion-reasons')).toContainText(/公里|同一村民小组|会说/);
  await page.getByTestId('assign-select').selectOption(me);
  await page.getByTestId('assign').click();
  await expect(page.getByTestId(`signup-${me}`)).toBeVisible();
  await synced(page);

  // A notice to everyone on the task.
  await page.getByTestId('notice-text').fill('明天高温，请带上防暑药品');
  await page.getByTestId('send-notice').click();
  await expect(page.getByTestId('notice-message')).toHaveText('通知已发出，志愿者同步后会看到。');
  await synced(page);

  await phone.reload();
  await appReady(phone);
  await expect(phone.getByTestId(`task-${taskId}`).getByTestId('signup-status')).toHaveAttribute(
    'data-state',
    'confirmed',
    { timeout: 30_000 },
  );
  await expect(phone.getByTestId('volunteer-notices')).toContainText('明天高温，请带上防暑药品');
  await phoneContext.close();
});

test('the board puts what is short of people first; a notice to the village reaches every phone', async ({
  page,
  browser,
}) => {
  const phoneContext = await browser.newContext({ ...devices['Pixel 7'], baseURL: process.env.LINLI_BASE_URL });
  const phone = await phoneContext.newPage();
  await join(phone, 'DEMO-2026', '邱美玲');
  await expect(phone).toHaveURL(/\/volunteer$/);
  await synced(phone);

  await signIn(page);
  await page.getByRole('link', { name: '看板' }).click();
  const unfilled = page.getByTestId('board-unfilled');
  await expect(unfilled.locator('li').first()).toBeVisible();
  // Each item links to where it is fixed: the task's page, with its suggestions.
  await unfilled.locator('li a').first().click();
  await expect(page).toHaveURL(/\/coordinator\/task\//);
  await expect(page.getByTestId('suggestions')).toBeVisible();
  await page.goBack();
  await page.getByTestId('notice-text').fill('周六上午在服务中心有急救培训');
  await page.getByTestId('send-notice').click();
  await expect(page.getByTestId('notice-message')).toHaveText('通知已发出，志愿者同步后会看到。');
  await synced(page);

  await phone.reload();
  await appReady(phone);
  await expect(phone.getByTestId('volunteer-notices')).toContainText('周六上午在服务中心有急救培训', { timeout: 30_000 });
  await phoneContext.close();
});

test('the weekly plan is applied as one set of assignments: nobody double-booked or over their hours', async ({
  page,
  browser,
}) => {
  // A volunteer free every day, with room for many hours, on a phone: the plan will use them.
  const phoneContext = await browser.newContext({ ...devices['Pixel 7'], baseURL: process.env.LINLI_BASE_URL });
  const phone = await phoneContext.newPage();
  await join(phone, 'DEMO-2026', '卢春花');
  await expect(phone).toHaveURL(/\/volunteer$/);
  await synced(phone);
  await phone.getByTestId('profile-link').click();
  for (let day = 0; day < 7; day++) {
    for (const part of ['morning', 'afternoon', 'evening']) await phone.getByTestId(`slot-${day}-${part}`).click();
  }
  await phone.getByTestId('max-hours').fill('30');
  await phone.getByTestId('max-hours').blur();
  await phone.getByTestId('save-profile').click();
  await expect(phone.getByTestId('profile-message')).toHaveText('已保存，联网后会自动同步。');
  await synced(phone);
  const me = await phone.evaluate(() => JSON.parse(localStorage.getItem('linli.state')!).session.actor.role.id);

  await signIn(page);
  await page.getByRole('link', { name: '每周排班' }).click();
  await page.getByTestId('plan-week').selectOption({ index: 0 });
  await page.getByTestId('plan-compute').click();
  await expect(page.getByTestId('plan-preview')).toBeVisible();
  const rows = await page.getByTestId('plan-row').evaluateAll((trs) =>
    trs.map((tr) => ({ task: tr.getAttribute('data-task')!, volunteer: tr.getAttribute('data-volunteer')! })),
  );
  expect(rows.length).toBeGreaterThan(0);
  await expect(page.getByTestId('plan-summary')).toContainText('填满');
  await expect(page.getByTestId('plan-load').first()).toBeVisible();
  await page.getByTestId('plan-apply').click();
  await expect(page.getByTestId('plan-applied')).toContainText(`已应用 ${rows.length} 项安排`);
  await synced(page);

  // The phone's volunteer has their part of the plan on their phone.
  const mine = rows.filter((r) => r.volunteer === me);
  expect(mine.length, 'the plan uses the volunteer free all week').toBeGreaterThan(0);
  await phone.goto('/volunteer');
  await appReady(phone);
  for (const r of mine) {
    await expect(phone.getByTestId(`task-${r.task}`).getByTestId('signup-status')).toHaveAttribute('data-state', 'confirmed', {
      timeout: 30_000,
    });
  }
  await phoneContext.close();

  // Every planned assignment is on the server, as another device receives it.
  const server = await freshCoordinatorView(browser);
  for (const r of rows) expect(server[`signup/${r.task}/${r.volunteer}`]?.status, `${r.task} ${r.volunteer}`).toBe('confirmed');
  // Nobody holds two overlapping confirmed tasks, or more hours in a week than they give.
  const confirmed = Object.entries(server)
    .filter(([key, s]: [string, any]) => key.startsWith('signup/') && s.status === 'confirmed')
    .map(([, s]: [string, any]) => ({ volunteer: s.volunteer, task: server[`task/${s.task}`] }))
    .filter((s) => s.task && s.task.status !== 'cancelled');
  const byVolunteer = new Map<string, any[]>();
  for (const s of confirmed) byVolunteer.set(s.volunteer, [...(byVolunteer.get(s.volunteer) ?? []), s.task]);
  const monday = (iso: string) => {
    const d = new Date(iso.slice(0, 10) + 'T00:00:00Z');
    d.setUTCDate(d.getUTCDate() - ((d.getUTCDay() + 6) % 7));
    return d.toISOString().slice(0, 10);
  };
  for (const [volunteer, tasks] of byVolunteer) {
    tasks.sort((a, b) => (a.start < b.start ? -1 : 1));
    for (let i = 1; i < tasks.length; i++) {
      expect(tasks[i].start >= tasks[i - 1].end, `${volunteer}: ${tasks[i - 1].id} and ${tasks[i].id}`).toBe(true);
    }
    const minutesByWeek = new Map<string, number>();
    for (const t of tasks) {
      const minutes = (new Date(t.end + 'Z').getTime() - new Date(t.start + 'Z').getTime()) / 60_000;
      minutesByWeek.set(monday(t.start), (minutesByWeek.get(monday(t.start)) ?? 0) + minutes);
    }
    const limit = server[`volunteer/${volunteer}`].max_hours_per_week * 60;
    for (const [week, minutes] of minutesByWeek) expect(minutes, `${volunteer} in the week of ${week}`).toBeLessThanOrEqual(limit);
  }
});

test('a spreadsheet with a broken row: that row is reported, the others are imported', async ({ page }) => {
  await signIn(page);
  await page.goto('/coordinator/beneficiaries');
  await appReady(page);
  const records = await snapshot(page);
  const group = (Object.values(records).find((r: any) => Array.isArray(r.groups)) as any).groups[0].name;
  const csv =
    '\ufeff姓名,村民小组,独居,出生年份,服务需求\r\n' +
    `导入甲,${group},是,1940,上门探访\r\n` +
    `导入乙,没有这个组,否,1941,\r\n` +
    `导入丙,${group},否,1942,代取药品、代办服务\r\n`;
  await page.getByTestId('import-csv').setInputFiles({ name: 'register.csv', mimeType: 'text/csv', buffer: Buffer.from(csv) });
  await expect(page.getByTestId('import-report')).toContainText('导入 2 位，1 行未导入。');
  await expect(page.getByTestId('import-line-3')).toHaveText('第 3 行未导入：没有这个村民小组：没有这个组');
  await page.getByTestId('beneficiary-search').fill('导入');
  await expect(page.getByTestId('beneficiary-list').locator('tbody tr')).toHaveCount(2);
  await synced(page);
  const after = await snapshot(page);
  const names = Object.values(after)
    .filter((b: any) => typeof b.name === 'string' && b.name.startsWith('导入'))
    .map((b: any) => b.name)
    .sort();
  expect(names).toEqual(['导入丙', '导入甲']);
});

test("a lost phone is signed out from the devices page and says so at its next sync", async ({ page, browser }) => {
  const phoneContext = await browser.newContext({ ...devices['Pixel 7'], baseURL: process.env.LINLI_BASE_URL });
  const phone = await phoneContext.newPage();
  await join(phone, 'DEMO-2026', '阎小芳');
  await expect(phone).toHaveURL(/\/volunteer$/);
  await synced(phone);
  const me = await phone.evaluate(() => JSON.parse(localStorage.getItem('linli.state')!).session.actor.role.id);

  await signIn(page);
  await page.getByRole('link', { name: '设备' }).click();
  const row = page.locator(`[data-person="${me}"]`);
  await expect(row).toHaveCount(1);
  await row.getByTestId('revoke-device').click();
  await expect(row).toContainText('已退出');

  await phone.reload();
  await appReady(phone);
  await expect(phone.getByTestId('notice')).toContainText('登录已失效', { timeout: 30_000 });
  await phoneContext.close();
});
