// Service records people can trust (issue 7), end to end: the coordinator issues an elder's card,
// the volunteer's phone has no signal at the visit, the family types the card's code on it (a
// wrong one first), the server checks it when the phone is back, the coordinator approves, the
// credit appears in the volunteer's time bank, and the downloaded statement verifies with
// `linli-server verify` against the village's published key (a tampered copy does not).
import { test, expect, devices, Browser, Page } from '@playwright/test';
import { execFileSync } from 'child_process';
import jsQR from 'jsqr';
import { PNG } from 'pngjs';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import {
  appReady,
  coordinatorLoginCode,
  goOffline,
  goOnline,
  joinFreeOnTuesdayMornings,
  serviceWorkerControls,
  snapshot,
  signUpUntilConfirmed,
  villageTime,
} from './helpers';

test.use({ timezoneId: 'Asia/Shanghai' });

async function synced(page: Page) {
  await expect(page.getByTestId('sync-status')).toHaveText(/已同步/, { timeout: 20_000 });
}

/** The coordinator signs in at the desk and issues `beneficiary` a card; returns the code. */
async function issueCard(browser: Browser, beneficiary: string, name: string) {
  const desk = await browser.newContext({ viewport: { width: 1280, height: 800 }, baseURL: process.env.LINLI_BASE_URL });
  const coordinator = await desk.newPage();
  await coordinator.goto(`/login#${coordinatorLoginCode()}`);
  await expect(coordinator).toHaveURL(/\/coordinator$/);
  await synced(coordinator);
  await coordinator.goto('/coordinator/beneficiaries');
  await appReady(coordinator);
  // The register lists the first hundred: search for her, as a coordinator would.
  await coordinator.getByTestId('beneficiary-search').fill(name);
  await coordinator.getByTestId(`beneficiary-${beneficiary}`).getByTestId('open-card').click();
  const panel = coordinator.getByTestId('card-panel');
  await panel.getByTestId('issue-code').click();
  // Another test on this server may have issued this elder a card already: a new one then.
  if (await panel.getByTestId('issue-code-confirm').isVisible()) {
    await panel.getByTestId('issue-code-confirm').click();
  }
  await expect(panel.getByTestId('card-message')).toHaveText('已生成确认码。');
  const code = ((await panel.getByTestId('card-code').textContent()) ?? '').trim();
  expect(code).toMatch(/^\d{6}$/);
  await expect(coordinator.getByTestId('card-sheet-code')).toContainText(code);
  await synced(coordinator);
  return { desk, coordinator, code };
}

/** A volunteer of the demo village, confirmed on a visit to someone: the task and their id. */
async function confirmedOnAVisit(page: Page, name: string) {
  await joinFreeOnTuesdayMornings(page, name);
  const before = await snapshot(page);
  // A visit to someone of the demo village's register (other tests add people of their own),
  // from the end of the list: the visit tests take places from its top.
  const demoPerson = (id: string) => /^b-\d{4}$/.test(before[`task/${id}`]?.beneficiary ?? '');
  const taskId = await signUpUntilConfirmed(page, demoPerson, true);
  const records = await snapshot(page);
  const me = (await page.evaluate(() => JSON.parse(localStorage.getItem('linli.state')!).session.actor.role.id)) as string;
  return { taskId, task: records[`task/${taskId}`], me, records };
}

/** Checks in and out of `task` with no signal: 90 minutes by the phone's clock. Stays offline. */
async function visitOffline(page: Page, taskId: string, task: any) {
  await page.clock.setFixedTime(villageTime(task.start, -10));
  await page.goto(`/volunteer/task/${taskId}`);
  await appReady(page);
  await goOffline(page);
  await page.getByTestId('check-in').click();
  await page.clock.setFixedTime(villageTime(task.start, 80));
  await page.getByTestId('check-out').click();
  await expect(page.getByTestId('service-duration')).toHaveText('1 小时 30 分');
}

function verify(file: string, key: string): { ok: boolean; out: string } {
  try {
    const out = execFileSync(process.env.LINLI_SERVER_BIN!, ['verify', file, '--key', key], { encoding: 'utf8' });
    return { ok: true, out };
  } catch (err: any) {
    return { ok: false, out: `${err.stdout ?? ''}${err.stderr ?? ''}` };
  }
}

test('a visit confirmed with the card code on an offline phone is approved, credited, and its statement verifies', async ({
  page,
  browser,
}) => {
  test.setTimeout(180_000);
  const { taskId, task, me, records } = await confirmedOnAVisit(page, '周秀英');
  const village = Object.keys(records).find((k) => k.startsWith('village/'))!.slice('village/'.length);

  // The coordinator, at the service centre's desk, issues the elder's card.
  const { desk, coordinator, code } = await issueCard(browser, task.beneficiary, records[`beneficiary/${task.beneficiary}`].name);

  // The visit, with no signal: check in, check out.
  await visitOffline(page, taskId, task);
  const state = page.getByTestId('confirmation-state');
  await expect(state).toHaveAttribute('data-state', 'unconfirmed');

  // The family types a wrong code first; the phone cannot tell (it holds no card) and waits.
  await page.getByTestId('visit-code').fill('12a');
  await page.getByTestId('confirm-visit').click();
  await expect(page.getByTestId('visit-code-error')).toHaveText('请输入 6 位数字');
  const wrong = code === '000000' ? '111111' : '000000';
  await page.getByTestId('visit-code').fill(wrong);
  await page.getByTestId('confirm-visit').click();
  await expect(state).toHaveAttribute('data-state', 'awaiting');
  await expect(state).toHaveText('已输入确认码，联网同步后核验');

  // Back online: the server counts the wrong code; the family tries again, offline again.
  await goOnline(page);
  await expect(page.getByTestId('notice').filter({ hasText: '确认码不对，还可以再试 4 次' })).toBeVisible({ timeout: 20_000 });
  await expect(state).toHaveAttribute('data-state', 'unconfirmed');
  await expect(state).toHaveText('确认码不对，还可以再试 4 次');
  await goOffline(page);
  await page.getByTestId('visit-code').fill(code);
  await page.getByTestId('confirm-visit').click();
  await expect(state).toHaveAttribute('data-state', 'awaiting');
  await expect(page.getByTestId('visit-code')).toHaveCount(0);
  await goOnline(page);
  await expect(state).toHaveAttribute('data-state', 'confirmed', { timeout: 20_000 });
  await expect(state).toHaveText('已由服务对象用服务卡确认');
  await expect(page.getByTestId('hours-state')).toHaveAttribute('data-state', 'pending');
  await synced(page);
  // The phone never holds a card: no card record, and the typed code is gone with its queue.
  const stored = (await page.evaluate(() => localStorage.getItem('linli.state'))) ?? '';
  expect(Object.keys(await snapshot(page)).filter((k) => k.startsWith('card/'))).toEqual([]);
  expect(stored).not.toContain(`"code":"${code}"`);

  // The coordinator sees the confirmation and approves the hours.
  await coordinator.goto('/coordinator/approvals');
  await appReady(coordinator);
  await synced(coordinator);
  await coordinator.getByTestId('approvals-month').fill(task.start.slice(0, 7));
  const row = coordinator.getByTestId(`approval-${taskId}-${me}`);
  await expect(row).toHaveAttribute('data-confirmation', 'card-code', { timeout: 20_000 });
  await expect(row).toHaveAttribute('data-review', 'waiting');
  await row.getByTestId('approve').click();
  await synced(coordinator);
  await coordinator.getByTestId('approvals-filter').selectOption('all');
  await expect(row).toHaveAttribute('data-review', 'approved');
  await expect(row.getByTestId('approval-review')).toContainText('已批准：1 小时 30 分');
  await desk.close();

  // The volunteer's time bank: 90 minutes at one credit an hour, signed by the server.
  await page.goto('/volunteer/credits');
  await appReady(page);
  await expect(page.getByTestId('credits-balance')).toContainText('1.50 时间币', { timeout: 30_000 });
  const line = page.getByTestId('credit-line-1');
  await expect(line).toHaveAttribute('data-kind', 'service_credit');
  await expect(line).toContainText(task.title);
  await expect(line).not.toContainText('待服务器签名');
  await page.goto(`/volunteer/task/${taskId}`);
  await appReady(page);
  await expect(page.getByTestId('hours-state')).toHaveText('已审核：1 小时 30 分');

  // The statement, as an auditor gets it: verified against the key the village publishes.
  await page.goto('/volunteer/credits');
  await appReady(page);
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('download-statement').click()]);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'linli-statement-'));
  const file = path.join(dir, download.suggestedFilename());
  await download.saveAs(file);
  expect(download.suggestedFilename()).toBe(`linli-statement-${me}.json`);
  const key = await (await page.request.get(`/api/v1/villages/${village}/key`)).json();
  const good = verify(file, key.public_key);
  expect(good.ok, good.out).toBe(true);
  expect(good.out).toContain('1.50');
  const statement = JSON.parse(fs.readFileSync(file, 'utf8'));
  statement.lines[0].amount = 15000;
  statement.balance = 15000;
  const tampered = path.join(dir, 'tampered.json');
  fs.writeFileSync(tampered, JSON.stringify(statement));
  const bad = verify(tampered, key.public_key);
  expect(bad.ok).toBe(false);
  expect(bad.out).toContain('line 1');
});

test("a family member's own phone confirms the visit, both phones offline, and the card's code never reaches the volunteer's", async ({
  page,
  browser,
}) => {
  test.setTimeout(180_000);
  const { taskId, task, me, records } = await confirmedOnAVisit(page, '吴淑珍');
  const { desk, coordinator, code } = await issueCard(browser, task.beneficiary, records[`beneficiary/${task.beneficiary}`].name);
  await visitOffline(page, taskId, task);

  // The volunteer's phone shows a QR code of a link naming the visit; a camera reads it.
  const qr = page.getByTestId('family-qr').locator('svg.qr');
  await expect(qr).toBeVisible();
  const href = (await page.getByTestId('family-link').getAttribute('href'))!;
  expect(href).toContain(`/confirm#t=`);
  await page.setViewportSize({ width: 412, height: 915 });
  const png = PNG.sync.read(await qr.screenshot());
  const read = jsQR(new Uint8ClampedArray(png.data), png.width, png.height);
  expect(read?.data, 'the QR code decodes to the link').toBe(href);

  // The daughter's phone opens the link, then loses its signal too; it works out the digits.
  const family = await browser.newContext({ ...devices['Pixel 7'], baseURL: process.env.LINLI_BASE_URL });
  const daughter = await family.newPage();
  await daughter.goto(href);
  await expect(daughter.getByTestId('family-visit')).toContainText('1 小时 30 分');
  // Once opened, the app is on her phone: the page opens again with no signal at all.
  await serviceWorkerControls(daughter);
  await family.setOffline(true);
  await family.route('**/api/**', (route) => route.abort('internetdisconnected'));
  await daughter.reload();
  await expect(daughter.getByTestId('family-volunteer')).toHaveText('淑珍');
  await daughter.getByTestId('family-card-code').fill('12345');
  await daughter.getByTestId('family-show-code').click();
  await expect(daughter.getByTestId('family-code-error')).toBeVisible();
  await daughter.getByTestId('family-card-code').fill(code);
  await daughter.getByTestId('family-show-code').click();
  const digits = ((await daughter.getByTestId('family-code').textContent()) ?? '').trim();
  expect(digits).toMatch(/^\d{6}$/);
  expect(digits).not.toBe(code);
  await family.close();

  // The volunteer types those digits: the card's code is nowhere on this phone.
  await page.getByTestId('visit-code').fill(digits);
  await page.getByTestId('confirm-visit').click();
  const state = page.getByTestId('confirmation-state');
  await expect(state).toHaveAttribute('data-state', 'awaiting');
  const stored = (await page.evaluate(() => localStorage.getItem('linli.state'))) ?? '';
  expect(stored).toContain(`"code":"${digits}"`);
  expect(stored).not.toContain(`"code":"${code}"`);
  await goOnline(page);
  await expect(state).toHaveAttribute('data-state', 'confirmed', { timeout: 20_000 });
  await expect(state).toHaveText('已由家属用自己的手机确认');

  // The coordinator sees how it was confirmed.
  await coordinator.goto('/coordinator/approvals');
  await appReady(coordinator);
  await synced(coordinator);
  await coordinator.getByTestId('approvals-month').fill(task.start.slice(0, 7));
  await expect(coordinator.getByTestId(`approval-${taskId}-${me}`)).toHaveAttribute('data-confirmation', 'family-phone', {
    timeout: 20_000,
  });
  await desk.close();
});
