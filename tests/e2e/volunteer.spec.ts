// The volunteer's phone: join with an invite code, set when they are free, see "For me" change.
import { test, expect } from '@playwright/test';
import { appReady, join, joinFreeOnTuesdayMornings } from './helpers';
import { execFileSync } from 'child_process';

test('a wrong invite code gets a clear message and nothing is joined', async ({ page }) => {
  await join(page, 'NOT-A-CODE', '李四');
  await expect(page.getByTestId('join-error')).toHaveText('邀请码无效或已过期，请向村服务中心确认。');
  await expect(page).toHaveURL(/\/join/);
  await page.goto('/volunteer');
  await expect(page.getByText('您还没有加入志愿队。')).toBeVisible();
});

test('setting availability changes the tasks offered "for me"', async ({ page }) => {
  await join(page, 'DEMO-2026', '张秀兰');
  await expect(page).toHaveURL(/\/volunteer$/);
  await expect(page.getByTestId('sync-status')).toHaveText(/已同步/, { timeout: 20_000 });
  const rows = page.locator('li.task');
  await expect(rows.first()).toBeVisible();
  // A new volunteer has told us no free time yet: every task is greyed, with the reason.
  await expect(page.locator('li.task[data-eligible="true"]')).toHaveCount(0);
  await expect(rows.first().getByTestId('fit')).toContainText('暂不适合');

  // Free on Tuesday mornings (the demo month starts on Tuesday 1 December).
  await page.getByTestId('profile-link').click();
  await expect(page).toHaveURL(/\/volunteer\/profile$/);
  const tuesdayMorning = page.getByTestId('slot-1-morning');
  await expect(tuesdayMorning).toHaveAttribute('aria-pressed', 'false');
  await tuesdayMorning.click();
  await expect(tuesdayMorning).toHaveAttribute('aria-pressed', 'true');
  await page.getByTestId('save-profile').click();
  await expect(page.getByTestId('profile-message')).toHaveText('已保存，联网后会自动同步。');

  await page.goto('/volunteer');
  await appReady(page);
  const eligible = page.locator('li.task[data-eligible="true"]');
  await expect(eligible.first()).toBeVisible();
  // The best fits come first, each with a reason, and they are on Tuesday mornings.
  await expect(rows.first()).toHaveAttribute('data-eligible', 'true');
  await expect(rows.first().locator('.task-when')).toContainText('周二');
  // The server took the profile: nothing is left pending and no refusal was shown.
  await expect(page.getByTestId('sync-status')).toHaveText(/已同步/, { timeout: 20_000 });
  await expect(page.getByTestId('notice')).toHaveCount(0);
  await page.reload();
  await appReady(page);
  await expect(page.locator('li.task').first()).toHaveAttribute('data-eligible', 'true');
});

/** Parses an .ics file with Python's `icalendar` (an independent, real parser). */
function parseIcs(path: string): { uid: string; summary: string; start: string; tz: string; offsetHours: number }[] {
  const script = `
import sys, json, icalendar
cal = icalendar.Calendar.from_ical(open(sys.argv[1], 'rb').read())
out = []
for ev in cal.walk('VEVENT'):
    start = ev.decoded('DTSTART')
    out.append({'uid': str(ev['UID']), 'summary': str(ev['SUMMARY']),
                'start': start.strftime('%Y-%m-%dT%H:%M:%S'),
                'tz': str(ev['DTSTART'].params.get('TZID')),
                'offsetHours': start.utcoffset().total_seconds() / 3600})
print(json.dumps(out, ensure_ascii=False))
`;
  return JSON.parse(execFileSync('python3', ['-c', script, path], { encoding: 'utf8' }));
}

test('my schedule exports to the phone calendar in the village time zone', async ({ page }) => {
  await joinFreeOnTuesdayMornings(page, '陈红');
  const best = page.locator('li.task[data-eligible="true"]').first();
  const testid = (await best.getAttribute('data-testid'))!;
  const taskId = testid.replace(/^task-/, '');
  await best.getByTestId('sign-up').click();
  const row = page.getByTestId(testid);
  // Synced: confirmed, or waiting if another test on this server took the place first.
  await expect(row.getByTestId('signup-status')).toHaveAttribute('data-state', /^(confirmed|waitlisted)$/, {
    timeout: 20_000,
  });
  const task = await page.evaluate((id) => {
    const state = JSON.parse(localStorage.getItem('linli.state')!);
    return Object.fromEntries(state.replica.snapshot)['task/' + id];
  }, taskId);

  await page.getByTestId('schedule-link').click();
  await expect(page.getByTestId(`schedule-${taskId}`)).toBeVisible();
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('export-all').click()]);
  expect(download.suggestedFilename()).toBe('linli-schedule.ics');
  const events = parseIcs((await download.path())!);
  expect(events).toHaveLength(1);
  expect(events[0].summary).toBe(task.title);
  expect(events[0].start).toBe(task.start);
  expect(events[0].tz).toBe('Asia/Shanghai');
  expect(events[0].offsetHours).toBe(8);
  expect(events[0].uid).toContain(taskId);
});

test('two tabs offline: changes made in both reach the server, none is lost', async ({ page, context }) => {
  await joinFreeOnTuesdayMornings(page, '周丽');
  await expect(page.getByTestId('sync-status')).toHaveText(/已同步/, { timeout: 20_000 });
  // Two eligible tasks on different days (so neither overlaps the other).
  const eligible = page.locator('li.task[data-eligible="true"]');
  await expect(eligible.first()).toBeVisible();
  const rows = await eligible.evaluateAll((items) =>
    items.map((li) => ({
      id: li.getAttribute('data-testid')!,
      day: (li.querySelector('.task-when')?.textContent ?? '').split(' ').slice(0, 2).join(' '),
    })),
  );
  const first = rows[0];
  const second = rows.find((r) => r.day !== first.day)!;
  expect(second, 'eligible tasks on two days').toBeTruthy();

  const other = await context.newPage();
  await other.goto('/volunteer');
  await appReady(other);
  await context.setOffline(true);
  await context.route('**/api/**', (route) => route.abort('internetdisconnected'));
  await page.getByTestId(first.id).getByTestId('sign-up').click();
  await other.getByTestId(second.id).getByTestId('sign-up').click();
  // Each tab shows both of the phone's unsent changes.
  await expect(page.getByTestId('sync-status')).toHaveText('离线 · 2 项待同步');
  await expect(other.getByTestId('sync-status')).toHaveText('离线 · 2 项待同步');

  await context.unroute('**/api/**');
  await context.setOffline(false);
  for (const tab of [page, other]) {
    for (const row of [first, second]) {
      await expect(tab.getByTestId(row.id).getByTestId('signup-status')).toHaveAttribute(
        'data-state',
        /^(confirmed|waitlisted)$/,
        { timeout: 20_000 },
      );
    }
  }
  // Nothing was refused (a "waiting list" notice is fine: other tests may share this server).
  await expect(page.getByTestId('notice').filter({ hasNotText: '候补名单' })).toHaveCount(0);
  await other.close();
});
