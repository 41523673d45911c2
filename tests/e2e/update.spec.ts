// A new version installed in the background is offered as "reload to update", and taking it
// replaces the old cache. The test publishes a new service worker into the served copy of dist/.
import { test, expect } from '@playwright/test';
import * as fs from 'fs';
import * as path from 'path';
import { appReady, serviceWorkerControls } from './helpers';

const distDir = process.env.LINLI_DIST_DIR;

test('a new version is offered as "reload to update" and replaces the old cache', async ({ page }) => {
  expect(distDir, 'LINLI_DIST_DIR must point at the served dist copy').toBeTruthy();
  const swPath = path.join(distDir!, 'sw.js');
  const original = fs.readFileSync(swPath, 'utf8');
  const match = original.match(/const VERSION = '([0-9a-f]+)'/);
  expect(match, 'sw.js carries a build version').not.toBeNull();
  const oldVersion = match![1];
  const newVersion = 'feedface' + oldVersion.slice(8);
  try {
    await page.goto('/');
    await appReady(page);
    await serviceWorkerControls(page);
    await expect(page.getByTestId('update-banner')).toHaveCount(0);

    fs.writeFileSync(swPath, original.replace(`'${oldVersion}'`, `'${newVersion}'`));
    await page.evaluate(async () => (await navigator.serviceWorker.getRegistration())?.update());

    const banner = page.getByTestId('update-banner');
    await expect(banner).toBeVisible({ timeout: 30_000 });
    await expect(banner).toContainText('新版本已准备好');
    await Promise.all([page.waitForEvent('load'), banner.getByRole('button').click()]);
    await appReady(page);
    await expect(page.getByTestId('update-banner')).toHaveCount(0);
    await expect
      .poll(() => page.evaluate(async () => (await caches.keys()).filter((k) => k.startsWith('linli-shell-'))))
      .toEqual([`linli-shell-${newVersion}`]);
  } finally {
    fs.writeFileSync(swPath, original);
  }
});
