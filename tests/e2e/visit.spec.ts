// A visit from the volunteer's phone: the task page, an overlap refused before it is queued,
// check in and out with no signal, the hours after sync, and the private address only once
// confirmed (checked in the DOM).
import { test, expect } from '@playwright/test';
import {
  appReady,
  coordinatorLoginCode,
  goOffline,
  goOnline,
  hhmm,
  joinFreeOnTuesdayMornings,
  snapshot,
  signUpUntilConfirmed,
  villageTime,
} from './helpers';

// The village's time zone, as on a villager's phone.
test.use({ timezoneId: 'Asia/Shanghai' });

test('check in and out with no signal; the hours count once synced and the server keeps both clocks', async ({
  page,
  browser,
}) => {
  await joinFreeOnTuesdayMornings(page, '刘桂芳');
  const taskId = await signUpUntilConfirmed(page);
  const task = (await snapshot(page))[`task/${taskId}`];
  const me = (await page.evaluate(() => JSON.parse(localStorage.getItem('linli.state')!).session.actor.role.id)) as string;

  // Ten minutes before the start, by the phone's clock.
  const arrive = villageTime(task.start, -10);
  await page.clock.setFixedTime(arrive);
  await page.goto(`/volunteer/task/${taskId}`);
  await appReady(page);
  await expect(page.getByTestId('signup-status')).toHaveAttribute('data-state', 'confirmed');
  await goOffline(page);

  await page.getByTestId('check-in').click();
  await expect(page.getByTestId('checked-in')).toContainText(hhmm(arrive));
  await expect(page.getByTestId('checked-in')).toContainText('按手机时间');
  await page.clock.setFixedTime(villageTime(task.start, 80));
  await page.getByTestId('check-out').click();
  await expect(page.getByTestId('service-duration')).toHaveText('1 小时 30 分');
  await page.getByTestId('visit-note').fill('李奶奶的降压药快吃完了');
  await page.getByTestId('save-note').click();
  await expect(page.getByTestId('note-message')).toHaveText('备注已保存，联网后会发给协调员。');
  await expect(page.getByTestId('sync-status')).toHaveText('离线 · 3 项待同步');

  // My service, still offline: the visit is there but its hours wait for the server.
  await page.goto('/volunteer/service');
  await appReady(page);
  await expect(page.getByTestId(`service-${taskId}`)).toContainText('1 小时 30 分');
  await expect(page.getByTestId('hours-pending')).toHaveText('另有 1.5 小时 待同步');
  await expect(page.getByTestId('hours-total')).toContainText('0.0 小时');

  await goOnline(page);
  await expect(page.getByTestId('hours-total')).toContainText('1.5 小时', { timeout: 20_000 });
  await expect(page.getByTestId('hours-month')).toContainText('1.5 小时');
  await expect(page.getByTestId('hours-pending')).toHaveCount(0);
  await expect(page.getByTestId('sync-status')).toHaveText(/已同步/);
  // What the server sent back: the phone's times as given, plus when the server received them.
  const record = (await snapshot(page))[`service/${taskId}/${me}`];
  expect(record.check_in.device).toBe(`${task.start.slice(0, 11)}${hhmm(arrive)}:00`);
  expect(typeof record.check_in.received).toBe('number');
  expect(typeof record.check_out.received).toBe('number');
  expect(record.note).toBe('李奶奶的降压药快吃完了');

  // The note reaches the coordinator, with both clocks side by side.
  const desk = await browser.newContext({ viewport: { width: 1280, height: 800 }, baseURL: process.env.LINLI_BASE_URL });
  const coordinator = await desk.newPage();
  await coordinator.goto(`/login#${coordinatorLoginCode()}`);
  await expect(coordinator).toHaveURL(/\/coordinator$/);
  await expect(coordinator.getByTestId('sync-status')).toHaveText(/已同步/, { timeout: 20_000 });
  await coordinator.goto(`/coordinator/task/${taskId}`);
  await appReady(coordinator);
  const row = coordinator.getByTestId(`service-${me}`);
  await expect(row.getByTestId('visit-note-text')).toContainText('李奶奶的降压药快吃完了');
  await expect(row).toContainText(`${hhmm(arrive)} （按手机时间） · 服务器收到`);
  await desk.close();
});

test('an overlap with my schedule is refused on the phone, with the reason, and nothing is queued', async ({
  page,
}) => {
  await joinFreeOnTuesdayMornings(page, '赵建国');
  const taskId = await signUpUntilConfirmed(page);
  const records = await snapshot(page);
  const mine = records[`task/${taskId}`];
  const overlapping = Object.entries(records).find(
    ([key, t]: [string, any]) =>
      key.startsWith('task/') &&
      t.id !== taskId &&
      t.status === 'open' &&
      t.start < mine.end &&
      mine.start < t.end,
  );
  expect(overlapping, 'the demo month has tasks at the same time').toBeTruthy();
  const other = (overlapping![1] as any).id as string;
  await page.goto(`/volunteer/task/${other}`);
  await appReady(page);
  await page.getByTestId('sign-up').click();
  await expect(page.getByTestId('action-error')).toContainText('不符合该任务的要求');
  await expect(page.getByTestId('action-error')).toContainText(`已有任务 ${taskId}`);
  await expect(page.getByTestId('sync-status')).toHaveText(/已同步/);
  await expect(page.getByTestId('signup-status')).toHaveCount(0);
});

test("an elder's address is on the task page only once the volunteer is confirmed", async ({ page }) => {
  await joinFreeOnTuesdayMornings(page, '孙丽华');
  const before = await snapshot(page);
  const isVisit = (id: string) => Boolean(before[`task/${id}`]?.beneficiary);
  const visit = await signUpUntilConfirmed(page, isVisit);
  const beneficiary = before[`task/${visit}`].beneficiary as string;
  expect(before[`beneficiary_private/${beneficiary}`], 'not held before confirmation').toBeUndefined();
  const held = (await snapshot(page))[`beneficiary_private/${beneficiary}`];
  expect(held?.address, 'sent once confirmed').toBeTruthy();
  await page.goto(`/volunteer/task/${visit}`);
  await appReady(page);
  await expect(page.getByTestId('task-address')).toHaveText(held.address);

  // Withdrawing takes the private part off the phone and off the page.
  await page.getByTestId('withdraw').click();
  await expect(page.getByTestId('signup-status')).toHaveCount(0, { timeout: 20_000 });
  await expect(page.getByTestId('task-address')).toHaveText('确认参加后显示具体地址。');
  await expect.poll(async () => (await snapshot(page))[`beneficiary_private/${beneficiary}`]).toBeUndefined();
  expect(await page.content()).not.toContain(held.address);
});
