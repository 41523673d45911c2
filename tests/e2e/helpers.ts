import { expect, Page } from '@playwright/test';

/** Any CJK ideograph: used to prove a screen is fully English (or fully Chinese). */
export const HAN = /[\u4e00-\u9fff]/;

/** Collects Content-Security-Policy violations and page errors, so a test can assert none. */
export function watchForProblems(page: Page): string[] {
  const problems: string[] = [];
  page.on('console', (msg) => {
    if (msg.type() === 'error' && /Content.Security.Policy|Refused to/i.test(msg.text())) problems.push(msg.text());
  });
  page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
  return problems;
}

/** Waits until the app has rendered (the wasm started and mounted the top bar). */
export async function appReady(page: Page) {
  await expect(page.getByTestId('sync-status')).toBeVisible();
}

/** Waits until a service worker controls the page; its install has then filled the cache. */
export async function serviceWorkerControls(page: Page) {
  await page.waitForFunction(() => navigator.serviceWorker.controller !== null, null, { timeout: 30_000 });
}
