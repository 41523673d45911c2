// The app shell on a phone: language, routes, offline start, security headers.
import { test, expect } from '@playwright/test';
import { HAN, appReady, serviceWorkerControls, watchForProblems } from './helpers';

test('renders in Chinese by default with the CSP header and no violations', async ({ page }) => {
  const problems = watchForProblems(page);
  const response = await page.goto('/');
  const csp = response?.headers()['content-security-policy'] ?? '';
  expect(csp).toContain("script-src 'self' 'wasm-unsafe-eval'");
  expect(csp).not.toContain('unsafe-inline');
  await appReady(page);
  await expect(page.locator('html')).toHaveAttribute('lang', 'zh-CN');
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('邻里守望，服务到家');
  await expect(page.getByTestId('sync-status')).toHaveText('在线');
  await expect(page.getByTestId('sync-status')).toHaveAttribute('data-state', 'online');
  expect(problems).toEqual([]);
});

test('switches to English and back, and the choice survives a reload', async ({ page }) => {
  await page.goto('/');
  await appReady(page);
  await page.getByTestId('lang-switch').click();
  await expect(page.locator('html')).toHaveAttribute('lang', 'en');
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Neighbours helping neighbours');
  // Every visible string is English; only the switch back offers "中文".
  const text = await page.locator('body').evaluate((body) => {
    const clone = body.cloneNode(true) as HTMLElement;
    clone.querySelectorAll('[data-testid="lang-switch"], noscript').forEach((e) => e.remove());
    return clone.innerText;
  });
  expect(text).not.toMatch(HAN);
  await expect(page.getByTestId('lang-switch')).toHaveText('中文');

  await page.reload();
  await appReady(page);
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Neighbours helping neighbours');
  await expect(page).toHaveTitle(/Linli/);

  await page.getByTestId('lang-switch').click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('邻里守望，服务到家');
  await page.reload();
  await appReady(page);
  await expect(page.locator('html')).toHaveAttribute('lang', 'zh-CN');
  await expect(page.getByTestId('sync-status')).toHaveText('在线');
});

test('routes: volunteer and coordinator areas, deep links, and a not-found page', async ({ page }) => {
  await page.goto('/');
  await appReady(page);
  await page.getByRole('navigation').getByRole('link', { name: '志愿者' }).click();
  await expect(page).toHaveURL(/\/volunteer$/);
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('志愿者');
  await page.getByRole('navigation').getByRole('link', { name: '协调员' }).click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('协调员工作台');

  // A deep link straight to an area is served the app shell by the server.
  await page.goto('/coordinator');
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('协调员工作台');

  await page.goto('/no/such/page');
  await expect(page.getByTestId('not-found')).toBeVisible();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('找不到这个页面');
  await page.getByTestId('not-found').getByRole('link').click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('邻里守望，服务到家');
});

test('with the service worker active, the app starts offline and says so', async ({ page, context }) => {
  await page.goto('/');
  await appReady(page);
  await serviceWorkerControls(page);

  await context.setOffline(true);
  await expect(page.getByTestId('sync-status')).toHaveAttribute('data-state', 'offline');
  await page.reload();
  await appReady(page);
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('邻里守望，服务到家');
  await expect(page.getByTestId('sync-status')).toHaveText('离线');

  // A page never visited online also opens: every route is the cached shell.
  await page.goto('/volunteer');
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('志愿者');
  await expect(page.getByTestId('sync-status')).toHaveAttribute('data-state', 'offline');

  await context.setOffline(false);
  await expect(page.getByTestId('sync-status')).toHaveText('在线');
});
