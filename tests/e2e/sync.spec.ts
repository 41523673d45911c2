// Two people at once: a volunteer's phone that goes offline, and a coordinator online.
import { test, expect, devices, Page } from '@playwright/test';
import { appReady, coordinatorLoginCode, serviceWorkerControls } from './helpers';

const baseURL = process.env.LINLI_BASE_URL!;

async function synced(page: Page) {
  await expect(page.getByTestId('sync-status')).toHaveAttribute('data-state', 'online', { timeout: 20_000 });
  await expect(page.getByTestId('sync-status')).toHaveText(/已同步|Synced/);
}

type Choice = { task: string; other: string; otherName: string };

/** From the coordinator's synced data: among the tasks the phone lists, an open one-place home
 *  visit with no skill or language requirement, and a demo volunteer whose weekly hours cover it. */
async function chooseTaskAndVolunteer(coordinator: Page, listed: string[]): Promise<Choice> {
  return coordinator.evaluate((listed) => {
    const state = JSON.parse(localStorage.getItem('linli.state')!);
    const records: Record<string, any> = Object.fromEntries(state.replica.snapshot);
    const tasks = Object.entries(records)
      .filter(([k]) => k.startsWith('task/'))
      .map(([, t]) => t)
      .filter((t) => t.status === 'open' && listed.includes(t.id))
      // Nobody on it yet (other tests may share this server).
      .filter((t) => !Object.keys(records).some((k) => k.startsWith(`signup/${t.id}/`)));
    const minutes = (iso: string) => Number(iso.slice(11, 13)) * 60 + Number(iso.slice(14, 16));
    const weekday = (iso: string) => (new Date(iso.slice(0, 10) + 'T12:00:00Z').getUTCDay() + 6) % 7;
    for (const t of tasks) {
      if (t.kind !== 'home_visit' || t.volunteers_max !== 1 || t.required_skills.length > 0) continue;
      const b = t.beneficiary ? records['beneficiary/' + t.beneficiary] : null;
      if (b && b.preferences.preferred_language && b.preferences.preferred_language.strength === 'hard') continue;
      const day = weekday(t.start);
      const [from, to] = [minutes(t.start), minutes(t.end)];
      const date = t.start.slice(0, 10);
      const other = Object.entries(records)
        .filter(([k]) => k.startsWith('volunteer/'))
        .map(([, v]) => v)
        .find(
          (v) =>
            v.availability.days[day].some((r: any) => r.start_min <= from && r.end_min >= to) &&
            !v.exceptions.some((e: any) => e.date_from <= date && e.date_to >= date) &&
            v.max_hours_per_week * 60 >= to - from &&
            // Not already busy (other tests may share this server).
            !Object.keys(records).some((k) => k.startsWith('signup/') && k.endsWith('/' + v.id)),
        );
      if (other) return { task: t.id, other: other.id, otherName: other.name };
    }
    throw new Error('no suitable task among the ones the phone lists');
  }, listed);
}

test('an offline sign-up for the last place ends on the waiting list when a coordinator fills it first', async ({
  browser,
}) => {
  const phoneContext = await browser.newContext({ ...devices['Pixel 7'], baseURL });
  const deskContext = await browser.newContext({ viewport: { width: 1280, height: 800 }, baseURL });
  const phone = await phoneContext.newPage();
  const desk = await deskContext.newPage();

  // The coordinator signs in with a one-time link; the code is gone from the address bar after.
  await desk.goto(`/login#${coordinatorLoginCode()}`);
  await expect(desk).toHaveURL(/\/coordinator$/);
  await synced(desk);

  // The volunteer joins with the village's invite link.
  await phone.goto('/join#DEMO-2026');
  await appReady(phone);
  await expect(phone.getByLabel('邀请码')).toHaveValue('DEMO-2026');
  await phone.getByTestId('join-group').selectOption({ index: 1 });
  await phone.getByLabel('姓名').fill('王小明');
  await phone.getByLabel('手机号').fill('13800138000');
  await phone.getByRole('button', { name: '加入' }).click();
  await expect(phone).toHaveURL(/\/volunteer$/);
  await synced(phone);
  await serviceWorkerControls(phone);
  const listed = await phone
    .locator('li.task')
    .evaluateAll((items) => items.map((li) => (li.getAttribute('data-testid') ?? '').replace(/^task-/, '')));
  const choice = await chooseTaskAndVolunteer(desk, listed);
  const row = phone.getByTestId(`task-${choice.task}`);
  await expect(row).toBeVisible();

  // No signal: the sign-up is kept on the phone, also across a reload. (The app does not try to
  // sync while the browser says it is offline; the API is also cut off for this phone, because
  // Chromium's offline emulation does not reliably cover requests that pass a service worker.)
  await phoneContext.setOffline(true);
  await phoneContext.route('**/api/**', (route) => route.abort('internetdisconnected'));
  await row.getByTestId('sign-up').click();
  await expect(row.getByTestId('signup-status')).toHaveText('待同步');
  await expect(phone.getByTestId('sync-status')).toHaveText('离线 · 1 项待同步');
  await phone.reload();
  await appReady(phone);
  await expect(phone.getByTestId(`task-${choice.task}`).getByTestId('signup-status')).toHaveText('待同步');

  // Meanwhile the coordinator gives the only place to someone else.
  await desk.goto(`/coordinator/task/${choice.task}`);
  await expect(desk.getByTestId('coordinator-task')).toBeVisible();
  await desk.getByTestId('assign-select').selectOption(choice.other);
  await desk.getByTestId('assign').click();
  await expect(desk.getByTestId('action-error')).toBeEmpty();
  await expect(desk.getByTestId(`signup-${choice.other}`)).toContainText('已确认');
  await synced(desk);

  // Back online: the phone learns it is on the waiting list, and says why.
  await phoneContext.unroute('**/api/**');
  await phoneContext.setOffline(false);
  const notice = phone.getByTestId('notice');
  await expect(notice).toContainText('任务名额已满：您在候补名单第 1 位。', { timeout: 20_000 });
  await expect(phone.getByTestId(`task-${choice.task}`).getByTestId('signup-status')).toHaveAttribute(
    'data-state',
    'waitlisted',
  );
  await synced(phone);

  // Both views agree: the coordinator sees the volunteer waiting behind the one assigned.
  await desk.reload();
  await appReady(desk);
  await synced(desk);
  const waiting = desk.locator('[data-testid^="signup-"]').filter({ hasText: '王小明' });
  await expect(waiting.locator('.badge')).toHaveAttribute('data-state', 'waitlisted');
  await expect(desk.getByTestId(`signup-${choice.other}`).locator('.badge')).toHaveAttribute('data-state', 'confirmed');
  await expect(desk.getByTestId('places-left')).toContainText('还剩 0 个名额');

  await phoneContext.close();
  await deskContext.close();
});
