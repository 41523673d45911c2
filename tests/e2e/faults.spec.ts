// Faults on the phone's side: storage full, corrupt or from an older version, the server out of
// reach for a day, a clock wrong by days, and two tabs syncing at once. Each must keep the
// user's work (or say clearly that a change could not be made) and sync once things are right.
import { test, expect, BrowserContext, Page } from '@playwright/test';
import { appReady, joinFreeOnTuesdayMornings, snapshot, signUpUntilConfirmed } from './helpers';

const STATE = 'linli.state';

async function synced(page: Page) {
  await expect(page.getByTestId('sync-status')).toHaveText(/已同步/, { timeout: 20_000 });
}

/** No connection at all (the phone knows it, and the API is cut off too). */
async function offline(context: BrowserContext) {
  await context.setOffline(true);
  await context.route('**/api/**', (route) => route.abort('internetdisconnected'));
}

async function online(context: BrowserContext) {
  await context.unroute('**/api/**');
  await context.setOffline(false);
}

/** The stored document as the app wrote it. */
async function stored(page: Page): Promise<any> {
  return page.evaluate((key) => JSON.parse(localStorage.getItem(key)!), STATE);
}

/** Ids of the eligible tasks "For me" lists, best first. */
async function eligibleTasks(page: Page): Promise<string[]> {
  await expect(page.locator('li.task[data-eligible="true"]').first()).toBeVisible();
  return page
    .locator('li.task[data-eligible="true"]')
    .evaluateAll((items) => items.map((li) => li.getAttribute('data-testid')!.replace(/^task-/, '')));
}

/** Eligible tasks on different days (so signing up for all of them never overlaps). */
async function tasksOnDifferentDays(page: Page, count: number): Promise<string[]> {
  const ids = await eligibleTasks(page);
  const records = await snapshot(page);
  const days = new Set<string>();
  const chosen: string[] = [];
  for (const id of ids) {
    const day = records[`task/${id}`].start.slice(0, 10);
    if (days.has(day)) continue;
    days.add(day);
    chosen.push(id);
    if (chosen.length === count) return chosen;
  }
  throw new Error(`fewer than ${count} eligible tasks on different days`);
}

/** Fills local storage with junk under other keys until the browser refuses more. */
async function fillStorage(page: Page): Promise<number> {
  return page.evaluate(() => {
    let chunk = 1 << 20;
    let n = 0;
    let added = 0;
    while (chunk >= 1) {
      try {
        localStorage.setItem(`junk-${n++}`, 'x'.repeat(chunk));
        added += chunk;
      } catch (err) {
        if (!(err instanceof DOMException) || err.name !== 'QuotaExceededError') throw err;
        chunk = Math.floor(chunk / 2);
      }
    }
    return added;
  });
}

async function clearJunk(page: Page) {
  await page.evaluate(() => {
    for (const key of Object.keys(localStorage)) if (key.startsWith('junk-')) localStorage.removeItem(key);
  });
}

function pendingNames(state: any): string[] {
  return state.replica.pending.map((p: any) => `${p.mutation.name}:${p.mutation.args.task ?? ''}`);
}

test('storage full: the queue is kept by dropping the cache; when even that fails the change is refused with a message, and nothing queued is lost', async ({
  page,
  context,
}) => {
  await joinFreeOnTuesdayMornings(page, '满存储');
  await synced(page);
  const [first, second] = await tasksOnDifferentDays(page, 2);
  await offline(context);
  expect(await fillStorage(page)).toBeGreaterThan(0);

  // The full document no longer fits: the snapshot (downloadable again) is dropped, the change kept.
  await page.getByTestId(`task-${first}`).getByTestId('sign-up').click();
  await expect(page.getByTestId(`task-${first}`).getByTestId('signup-status')).toHaveText('待同步');
  await expect(page.getByTestId('notice')).toContainText('手机存储空间已满：您的未同步操作已保留');
  await expect(page.getByTestId('sync-status')).toHaveText('离线 · 1 项待同步');
  let state = await stored(page);
  expect(state.replica.snapshot).toEqual([]);
  expect(pendingNames(state)).toEqual([`sign_up:${first}`]);

  // Now not even the slim document fits: the change is not made, the page says so, and the
  // queue stored before is intact.
  await fillStorage(page);
  await page.getByTestId(`task-${second}`).getByTestId('sign-up').click();
  await expect(page.getByTestId('action-error')).toHaveText('手机存储空间已满，这次的修改没有保存。请清理手机空间后再试。');
  await expect(page.getByTestId(`task-${second}`).getByTestId('signup-status')).toHaveCount(0);
  await expect(page.getByTestId('sync-status')).toHaveText('离线 · 1 项待同步');
  state = await stored(page);
  expect(pendingNames(state)).toEqual([`sign_up:${first}`]);

  // Space again and a connection: the kept change reaches the server, and the cache comes back.
  await clearJunk(page);
  await online(context);
  await expect(page.getByTestId(`task-${first}`).getByTestId('signup-status')).toHaveAttribute(
    'data-state',
    /^(confirmed|waitlisted)$/,
    { timeout: 20_000 },
  );
  await synced(page);
  state = await stored(page);
  expect(state.replica.pending).toEqual([]);
  expect(state.replica.snapshot.length).toBeGreaterThan(0);
});

test('corrupt storage: the app repairs it, keeps the session and readable changes, says so, and pulls again', async ({
  page,
  context,
}) => {
  await joinFreeOnTuesdayMornings(page, '坏数据');
  await synced(page);
  const [first] = await tasksOnDifferentDays(page, 1);
  const before = await stored(page);
  await offline(context);
  await page.getByTestId(`task-${first}`).getByTestId('sign-up').click();
  await expect(page.getByTestId('sync-status')).toHaveText('离线 · 1 项待同步');

  // Part of the document damaged: the snapshot is garbage and a second queued change unreadable.
  await page.evaluate((key) => {
    const state = JSON.parse(localStorage.getItem(key)!);
    state.replica.snapshot = 'garbage';
    state.replica.pending.push({ id: state.replica.next_mutation_id, mutation: '\u0000???' });
    state.replica.next_mutation_id += 1;
    localStorage.setItem(key, JSON.stringify(state));
  }, STATE);
  await page.reload();
  await appReady(page);
  await expect(page.getByTestId('notice')).toHaveText(/本机数据已损坏并已修复：保留了 1 项未同步操作，其余数据将重新下载。/);
  await expect(page.getByTestId('sync-status')).toHaveText('离线 · 1 项待同步');
  let state = await stored(page);
  expect(state.session).toEqual(before.session);
  expect(state.replica.client_id).toBe(before.replica.client_id);
  expect(pendingNames(state)).toEqual([`sign_up:${first}`]);
  expect(state.replica.cookie).toBeNull();

  await online(context);
  await expect(page.getByTestId(`task-${first}`).getByTestId('signup-status')).toHaveAttribute(
    'data-state',
    /^(confirmed|waitlisted)$/,
    { timeout: 20_000 },
  );
  await synced(page);
  expect((await stored(page)).replica.snapshot.length).toBeGreaterThan(0);

  // Nothing readable at all: still signed in as the same person (the session's backup copy),
  // and everything is pulled again.
  await page.evaluate((key) => localStorage.setItem(key, '\u0000{"version":1,"sess'), STATE);
  await page.reload();
  await appReady(page);
  await expect(page.getByTestId('notice')).toHaveText(/本机数据已损坏并已修复：保留了 0 项未同步操作/);
  await synced(page);
  await expect(page.getByTestId(`task-${first}`).getByTestId('signup-status')).toHaveAttribute(
    'data-state',
    /^(confirmed|waitlisted)$/,
  );
  state = await stored(page);
  expect(state.version).toBe(1);
  expect(state.session).toEqual(before.session);
  expect(state.replica.snapshot.length).toBeGreaterThan(0);
});

test('a document from an older version is migrated: session, device and queue kept, data pulled again, and the user told', async ({
  page,
  context,
}) => {
  await joinFreeOnTuesdayMornings(page, '旧版本');
  await synced(page);
  const [first] = await tasksOnDifferentDays(page, 1);
  const before = await stored(page);
  await offline(context);
  await page.getByTestId(`task-${first}`).getByTestId('sign-up').click();
  await expect(page.getByTestId('sync-status')).toHaveText('离线 · 1 项待同步');

  // Version 0: before `rejected` and `acked_mutation_id`, with the snapshot as an object.
  await page.evaluate((key) => {
    const state = JSON.parse(localStorage.getItem(key)!);
    state.version = 0;
    state.replica.snapshot = Object.fromEntries(state.replica.snapshot);
    delete state.replica.rejected;
    delete state.replica.acked_mutation_id;
    localStorage.setItem(key, JSON.stringify(state));
  }, STATE);
  await page.reload();
  await appReady(page);
  await expect(page.getByTestId('notice')).toHaveText(/已修复：保留了 1 项未同步操作，其余数据将重新下载。/);
  await expect(page.getByTestId('sync-status')).toHaveText('离线 · 1 项待同步');
  const migrated = await stored(page);
  expect(migrated.version).toBe(1);
  expect(migrated.session).toEqual(before.session);
  expect(migrated.replica.client_id).toBe(before.replica.client_id);
  expect(pendingNames(migrated)).toEqual([`sign_up:${first}`]);
  expect(migrated.replica.snapshot).toEqual([]);

  await online(context);
  await expect(page.getByTestId(`task-${first}`).getByTestId('signup-status')).toHaveAttribute(
    'data-state',
    /^(confirmed|waitlisted)$/,
    { timeout: 20_000 },
  );
  await synced(page);
  const after = await stored(page);
  expect(after.replica.pending).toEqual([]);
  expect(after.replica.snapshot.length).toBeGreaterThan(0);
});

test('the server out of reach for a day: the change waits, the indicator says so, retries back off, and it syncs when the server is back', async ({
  page,
  context,
}) => {
  // Count the app's sync attempts and whether one is still out.
  await page.addInitScript(() => {
    const w = window as any;
    w.__syncCalls = 0;
    w.__syncOut = 0;
    const original = window.fetch.bind(window);
    window.fetch = (input: RequestInfo | URL, init?: RequestInit) => {
      const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
      if (!url.includes('/api/v1/sync')) return original(input, init);
      w.__syncCalls += 1;
      w.__syncOut += 1;
      return original(input, init).finally(() => {
        w.__syncOut -= 1;
      });
    };
  });
  await page.clock.install();
  await joinFreeOnTuesdayMornings(page, '断网一天');
  await synced(page);
  const [first] = await tasksOnDifferentDays(page, 1);

  // The phone has signal, but the server cannot be reached.
  let refused = 0;
  await context.route('**/api/**', (route) => {
    refused += 1;
    return route.abort('connectionrefused');
  });
  const start = await page.evaluate(() => Date.now());
  await page.clock.pauseAt(start + 1000);
  await page.getByTestId(`task-${first}`).getByTestId('sign-up').click();
  await expect(page.getByTestId(`task-${first}`).getByTestId('signup-status')).toHaveText('待同步');
  const calls = () => page.evaluate(() => (window as any).__syncCalls as number);
  const settled = () => expect.poll(() => page.evaluate(() => (window as any).__syncOut as number)).toBe(0);

  // The first hour, half a minute at a time (the app's own sync period).
  const atStart = await calls();
  for (let step = 0; step < 120; step++) {
    await page.clock.runFor(30_000);
    await settled();
  }
  const firstHour = (await calls()) - atStart;
  await expect(page.getByTestId('sync-status')).toHaveText('离线 · 1 项待同步');
  // Back-off 2, 4, ... 256 s, then every 5 minutes: about 20 tries, not one per half minute (120).
  expect(firstHour).toBeGreaterThanOrEqual(8);
  expect(firstHour).toBeLessThanOrEqual(22);

  // The rest of the day, as a phone left in a drawer: still waiting, still queued.
  await page.clock.fastForward('23:00:00');
  await settled();
  for (let step = 0; step < 20; step++) {
    await page.clock.runFor(30_000);
    await settled();
  }
  expect((await calls()) - atStart - firstHour).toBeLessThanOrEqual(5);
  await expect(page.getByTestId('sync-status')).toHaveText('离线 · 1 项待同步');
  expect(refused).toBeGreaterThan(0);
  expect((await stored(page)).replica.pending).toHaveLength(1);

  // The server is back: the next retry (at most five minutes later) syncs everything. Time
  // moves in half-minute steps with real time in between for the request to answer (a single
  // jump would also fire each request's 30 s deadline before the server could answer it).
  await context.unroute('**/api/**');
  const state = page.getByTestId(`task-${first}`).getByTestId('signup-status');
  for (let step = 0; step < 10 && !/^(confirmed|waitlisted)$/.test((await state.getAttribute('data-state')) ?? ''); step++) {
    await page.clock.runFor(30_000);
    await settled();
  }
  await expect(state).toHaveAttribute('data-state', /^(confirmed|waitlisted)$/, { timeout: 20_000 });
  await synced(page);
  expect((await stored(page)).replica.pending).toEqual([]);
  await page.clock.resume();
});

test("the phone's clock wrong by days: sync still works; check-in outside its window is refused with a message, and nothing is lost", async ({
  page,
}) => {
  const days = 24 * 3600_000;
  // Three days fast, from the start (the clock runs on from there).
  await page.clock.install({ time: new Date(Date.now() + 3 * days) });
  await joinFreeOnTuesdayMornings(page, '钟不准');
  await synced(page);
  const taskId = await signUpUntilConfirmed(page);
  expect((await stored(page)).replica.pending).toEqual([]);
  const task = (await snapshot(page))[`task/${taskId}`];
  // The task's start, in the village's time (UTC+8) as a real instant.
  const startsAt = new Date(`${task.start}+08:00`).getTime();

  // Really ten minutes before the visit, but the phone is three days behind: check-in is not
  // offered, and the page says when it opens.
  await page.clock.setSystemTime(new Date(startsAt - 10 * 60_000 - 3 * days));
  await page.goto(`/volunteer/task/${taskId}`);
  await appReady(page);
  await expect(page.getByTestId('signup-status')).toHaveAttribute('data-state', 'confirmed');
  await expect(page.getByTestId('check-in')).toHaveCount(0);
  await expect(page.locator('.service-box')).toContainText('任务开始前一小时起可以签到。');

  // The clock is put right: check-in is offered ...
  await page.clock.setSystemTime(new Date(startsAt - 10 * 60_000));
  await page.goto(`/volunteer/task/${taskId}`);
  await appReady(page);
  await expect(page.getByTestId('check-in')).toBeVisible();
  // ... then jumps three days ahead before the tap: the core's check-in window refuses it on the
  // phone, with a message, and nothing is queued or lost.
  await page.clock.setSystemTime(new Date(startsAt + 3 * days));
  await page.getByTestId('check-in').click();
  await expect(page.getByTestId('action-error')).toContainText('现在不在签到时间内');
  await expect(page.getByTestId('checked-in')).toHaveCount(0);
  await expect(page.getByTestId('signup-status')).toHaveAttribute('data-state', 'confirmed');
  await synced(page);
  expect((await stored(page)).replica.pending).toEqual([]);
});

test('two tabs coming online at once push each queued change exactly once, one sync at a time', async ({
  page,
  context,
}) => {
  await joinFreeOnTuesdayMornings(page, '两个标签');
  await synced(page);
  const [first, second, third] = await tasksOnDifferentDays(page, 3);
  const other = await context.newPage();
  await other.goto('/volunteer');
  await appReady(other);
  await synced(other);

  // Every pushed (client id, mutation id), and how many sync requests were out at once.
  let down = true;
  const pushed: string[] = [];
  let out = 0;
  let mostAtOnce = 0;
  await context.setOffline(true);
  await context.route('**/api/v1/sync', async (route) => {
    if (down) return route.abort('internetdisconnected');
    const body = route.request().postDataJSON();
    out += 1;
    mostAtOnce = Math.max(mostAtOnce, out);
    try {
      const response = await route.fetch();
      await route.fulfill({ response });
      // Counted once the tab has the answer: a request whose answer never reached it (the
      // network coming back is not instant on a busy machine: the browser may fail a request
      // made at that moment even though the server answered) is rightly sent again.
      for (const m of body.mutations) pushed.push(`${body.client_id}#${m.id}`);
    } finally {
      out -= 1;
    }
  });
  await page.getByTestId(`task-${first}`).getByTestId('sign-up').click();
  await other.getByTestId(`task-${second}`).getByTestId('sign-up').click();
  await page.getByTestId(`task-${third}`).getByTestId('sign-up').click();
  for (const tab of [page, other]) await expect(tab.getByTestId('sync-status')).toHaveText('离线 · 3 项待同步');
  const queued = (await stored(page)).replica;
  expect(queued.pending.map((p: any) => p.id)).toEqual([0, 1, 2].map((i) => queued.pending[0].id + i));

  // Both tabs get the `online` event at the same moment and both start a sync.
  down = false;
  await context.setOffline(false);
  for (const tab of [page, other]) {
    for (const id of [first, second, third]) {
      await expect(tab.getByTestId(`task-${id}`).getByTestId('signup-status')).toHaveAttribute(
        'data-state',
        /^(confirmed|waitlisted)$/,
        { timeout: 20_000 },
      );
    }
    await synced(tab);
  }
  const expected = queued.pending.map((p: any) => `${queued.client_id}#${p.id}`);
  expect(pushed.sort()).toEqual(expected.sort());
  expect(mostAtOnce).toBe(1);
  // The queue is whole in both tabs: empty, and the next id follows the last one sent.
  for (const tab of [page, other]) {
    const replica = (await stored(tab)).replica;
    expect(replica.pending).toEqual([]);
    expect(replica.next_mutation_id).toBe(queued.next_mutation_id);
    expect(replica.client_id).toBe(queued.client_id);
  }
  // Nothing was refused (a "waiting list" notice is fine: other tests may share this server).
  for (const tab of [page, other]) {
    await expect(tab.getByTestId('notice').filter({ hasNotText: '候补名单' })).toHaveCount(0);
  }
  await other.close();
});
