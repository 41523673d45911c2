// The volunteer's phone: join with an invite code, set when they are free, see "For me" change.
import { test, expect, Page } from '@playwright/test';
import { appReady } from './helpers';

async function join(page: Page, code: string, name: string) {
  await page.goto(`/join#${code}`);
  await appReady(page);
  await page.getByLabel('姓名').fill(name);
  await page.getByLabel('手机号').fill('13912345678');
  await page.getByRole('button', { name: '加入' }).click();
}

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
