// Every screen of the volunteer's app in English has no Chinese left, and in Chinese no English
// left, apart from what people typed (names, titles, addresses: marked `data-user-text`).
import { test, expect, Page } from '@playwright/test';
import { appReady, joinFreeOnTuesdayMornings, signUpUntilConfirmed, HAN } from './helpers';

test.use({ timezoneId: 'Asia/Shanghai' });

/** The app's own text on screen: text nodes, and the labels a screen reader or a placeholder
 *  shows, outside user data and outside elements that name another language on purpose (the
 *  language switch). */
async function appText(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const skip = (el: Element | null): boolean => {
      for (let e = el; e && e !== document.documentElement; e = e.parentElement) {
        if (e.hasAttribute('data-user-text') || e.hasAttribute('lang')) return true;
        if (['SCRIPT', 'STYLE', 'NOSCRIPT', 'TEMPLATE'].includes(e.tagName)) return true;
      }
      return false;
    };
    const out: string[] = [];
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      const text = node.textContent?.trim();
      if (text && !skip(node.parentElement)) out.push(text);
    }
    for (const el of Array.from(document.body.querySelectorAll('[aria-label],[placeholder],[title],[alt]'))) {
      if (skip(el)) continue;
      for (const attr of ['aria-label', 'placeholder', 'title', 'alt']) {
        const value = el.getAttribute(attr)?.trim();
        if (value) out.push(value);
      }
    }
    out.push(document.title);
    return out;
  });
}

const LATIN_WORD = /[A-Za-z]{3,}/;

async function expectOnlyLanguage(page: Page, lang: 'en' | 'zh', where: string) {
  await appReady(page);
  await expect(page.locator('main h1').first()).toBeVisible();
  const texts = await appText(page);
  expect(texts.length, `${where} shows text`).toBeGreaterThan(5);
  const wrong = texts.filter((t) => (lang === 'en' ? HAN.test(t) : LATIN_WORD.test(t)));
  expect(wrong, `${where} in ${lang}`).toEqual([]);
}

test('every page of the volunteer app is fully English in English and fully Chinese in Chinese', async ({
  page,
}) => {
  // Signed out: home and join (with the checked invite code and its group list).
  await page.goto('/');
  await appReady(page);
  await page.getByTestId('lang-switch').click();
  await expect(page.locator('html')).toHaveAttribute('lang', 'en');
  await page.goto('/join#DEMO-2026');
  await expect(page.getByTestId('join-village')).toBeVisible();
  for (const path of ['/', '/join#DEMO-2026']) {
    await page.goto(path);
    await expectOnlyLanguage(page, 'en', path);
  }
  await page.getByTestId('lang-switch').click();
  await expect(page.locator('html')).toHaveAttribute('lang', 'zh-CN');

  // Signed in, with a confirmed task and a visit checked in and out, so every part shows.
  await joinFreeOnTuesdayMornings(page, '吴淑珍');
  const taskId = await signUpUntilConfirmed(page);
  const start = await page.evaluate(
    (id) => Object.fromEntries(JSON.parse(localStorage.getItem('linli.state')!).replica.snapshot)[`task/${id}`].start,
    taskId,
  );
  await page.clock.setFixedTime(new Date(new Date(`${start}+08:00`).getTime() - 30 * 60_000));
  await page.goto(`/volunteer/task/${taskId}`);
  await appReady(page);
  await page.getByTestId('check-in').click();
  await page.getByTestId('check-out').click();
  await expect(page.getByTestId('service-duration')).toBeVisible();

  const pages = [
    '/volunteer',
    '/volunteer/profile',
    '/volunteer/schedule',
    '/volunteer/service',
    `/volunteer/task/${taskId}`,
  ];
  for (const lang of ['en', 'zh'] as const) {
    await page.goto('/');
    await appReady(page);
    const current = await page.locator('html').getAttribute('lang');
    if ((lang === 'en') !== (current === 'en')) await page.getByTestId('lang-switch').click();
    for (const path of pages) {
      await page.goto(path);
      await expectOnlyLanguage(page, lang, path);
    }
  }
});

test('joining: a valid code names the village and offers its groups; the chosen group is kept', async ({
  page,
}) => {
  await page.goto('/join#DEMO-2026');
  await appReady(page);
  await expect(page.getByTestId('join-village')).toContainText('青溪村');
  const group = page.getByTestId('join-group');
  const options = await group.locator('option').evaluateAll((os) =>
    os.map((o) => ({ value: (o as HTMLOptionElement).value, text: o.textContent })),
  );
  expect(options.length).toBeGreaterThan(2);
  const second = options[2];
  await group.selectOption(second.value);
  await page.getByLabel('姓名').fill('郑小燕');
  await page.getByLabel('手机号').fill('13912340000');
  await page.getByRole('button', { name: '加入' }).click();
  await expect(page).toHaveURL(/\/volunteer$/);
  await expect(page.getByTestId('sync-status')).toHaveText(/已同步/, { timeout: 20_000 });
  const profile = await page.evaluate(() => {
    const state = JSON.parse(localStorage.getItem('linli.state')!);
    const id = state.session.actor.role.id;
    return Object.fromEntries(state.replica.snapshot)[`volunteer/${id}`];
  });
  expect(profile.group).toBe(second.value);
});

test('joining with no connection is kept and goes through once online', async ({ page, context }) => {
  await page.goto('/join#DEMO-2026');
  await appReady(page);
  await page.getByTestId('join-group').selectOption({ index: 1 });
  await context.setOffline(true);
  await context.route('**/api/**', (route) => route.abort('internetdisconnected'));
  await page.getByLabel('姓名').fill('钱玉兰');
  await page.getByLabel('手机号').fill('13912341111');
  await page.getByRole('button', { name: '加入' }).click();
  await expect(page.getByTestId('join-queued')).toHaveText(
    '现在没有网络：已记下您的信息，联网后会自动加入。',
  );
  await expect(page).toHaveURL(/\/join/);
  await context.unroute('**/api/**');
  await context.setOffline(false);
  await expect(page).toHaveURL(/\/volunteer$/, { timeout: 20_000 });
  await expect(page.getByTestId('sync-status')).toHaveText(/已同步/, { timeout: 20_000 });
  const name = await page.evaluate(() => {
    const state = JSON.parse(localStorage.getItem('linli.state')!);
    const id = state.session.actor.role.id;
    return Object.fromEntries(state.replica.snapshot)[`volunteer/${id}`].name;
  });
  expect(name).toBe('钱玉兰');
});
