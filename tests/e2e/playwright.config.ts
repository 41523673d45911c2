// Run through `cargo xtask test`, which builds the release PWA, starts the real linli-server on a
// free loopback port with a fresh SQLite file and passes its address in LINLI_BASE_URL.
import { defineConfig, devices } from '@playwright/test';

// Let context.route() and network events see requests that pass through the service worker's
// fetch handler (the app's API calls do); otherwise an "offline" phone's request can slip past.
process.env.PW_EXPERIMENTAL_SERVICE_WORKER_NETWORK_EVENTS ??= '1';

const baseURL = process.env.LINLI_BASE_URL;
if (!baseURL) {
  throw new Error('LINLI_BASE_URL is not set: run the end-to-end tests with `cargo xtask test`');
}

export default defineConfig({
  testDir: '.',
  // One worker: the update test rewrites the served service worker, which every page shares.
  workers: 1,
  fullyParallel: false,
  retries: 0,
  forbidOnly: true,
  timeout: 60_000,
  reporter: [['list'], ['json']],
  use: {
    ...devices['Pixel 7'],
    baseURL,
    serviceWorkers: 'allow',
    launchOptions: {
      executablePath: '/usr/bin/chromium',
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
      ],
    },
  },
});
