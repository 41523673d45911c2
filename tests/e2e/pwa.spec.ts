// Installability: the manifest, its icons, and the service worker's precache.
import { test, expect, APIRequestContext } from '@playwright/test';
import { appReady, serviceWorkerControls } from './helpers';

/** Width and height from a PNG's IHDR chunk. */
function pngSize(bytes: Buffer): [number, number] {
  expect(bytes.subarray(1, 4).toString('latin1')).toBe('PNG');
  return [bytes.readUInt32BE(16), bytes.readUInt32BE(20)];
}

async function manifest(request: APIRequestContext) {
  const response = await request.get('/manifest.webmanifest');
  expect(response.status()).toBe(200);
  return response.json();
}

test('the manifest names the app in Chinese and English and its icons load', async ({ page, request }) => {
  await page.goto('/');
  await expect(page.locator('link[rel="manifest"]')).toHaveAttribute('href', '/manifest.webmanifest');
  const m = await manifest(request);
  expect(m.name).toContain('邻里');
  expect(m.short_name).toBe('邻里');
  expect(m.lang).toBe('zh-CN');
  expect(m.translations.en.name).toContain('Linli');
  expect(m.display).toBe('standalone');
  expect(m.start_url).toMatch(/^\//);
  expect(m.scope).toBe('/');
  expect(m.theme_color).toMatch(/^#[0-9a-f]{6}$/i);
  expect(m.background_color).toMatch(/^#[0-9a-f]{6}$/i);

  const sizes = new Set<string>();
  let maskable = false;
  for (const icon of m.icons) {
    const response = await request.get(icon.src);
    expect(response.status(), icon.src).toBe(200);
    expect(response.headers()['content-type']).toBe('image/png');
    const [w, h] = pngSize(await response.body());
    expect(`${w}x${h}`, `${icon.src} declares ${icon.sizes}`).toBe(icon.sizes);
    sizes.add(icon.sizes);
    if ((icon.purpose ?? '').split(' ').includes('maskable')) maskable = true;
  }
  expect(sizes).toContain('192x192');
  expect(sizes).toContain('512x512');
  expect(maskable).toBe(true);
});

test('the service worker controls the page and precached every built file', async ({ page, request }) => {
  await page.goto('/');
  await appReady(page);
  await serviceWorkerControls(page);
  const state = await page.evaluate(async () => {
    const keys = (await caches.keys()).filter((k) => k.startsWith('linli-shell-'));
    const cache = await caches.open(keys[0]);
    const urls = (await cache.keys()).map((r) => new URL(r.url).pathname);
    return { scriptURL: navigator.serviceWorker.controller?.scriptURL ?? '', keys, urls };
  });
  expect(state.scriptURL).toMatch(/\/sw\.js$/);
  expect(state.keys).toHaveLength(1);
  expect(state.urls).toContain('/index.html');
  expect(state.urls).toContain('/manifest.webmanifest');
  expect(state.urls.some((u) => u.endsWith('.wasm'))).toBe(true);
  expect(state.urls.some((u) => u.endsWith('.css'))).toBe(true);

  // The list is the build's own: every file it names exists, and sw.js is never cached itself.
  expect(state.urls).not.toContain('/sw.js');
  for (const url of state.urls) {
    expect((await request.get(url)).status(), url).toBe(200);
  }
  const sw = await request.get('/sw.js');
  expect(sw.headers()['cache-control']).toBe('no-cache');
  const wasm = state.urls.find((u) => u.endsWith('.wasm'))!;
  const wasmResponse = await request.get(wasm);
  expect(wasmResponse.headers()['content-type']).toBe('application/wasm');
  expect(wasmResponse.headers()['cache-control']).toContain('immutable');
});
