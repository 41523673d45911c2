// Issue 7, items 4 and 5, on a phone: the village's public figures open without an account and
// show charts and tables but no one's name or phone (neither in the page nor in the JSON it
// loads); a coordinator downloads both spreadsheets for a date range (BOM, columns, Chinese text
// intact when parsed) and prints the monthly report on A4.
//
// Setup, through the real API: the coordinator posts a class in June 2027 (a month no other spec
// uses) and five new volunteers sign up, check in and out; one leaves a note with quotes, commas
// and a line break. Five volunteers of one kind and one group: the small-group rule shows them.
import { test, expect, APIRequestContext } from '@playwright/test';
import { readFileSync } from 'fs';
import { appReady, coordinatorLoginCode, watchForProblems } from './helpers';

const VILLAGE = 'vil-0001';
const MONTH = '2027-06';
const stamp = Date.now() % 10_000_000;
const TASK_ID = `t-e2e-figures-${stamp}`;
const TITLE = '智能手机课堂 · "微信"视频, 第二讲';
const NOTE = '老人说："药快吃完了"，\n下周, 再去';
const VOLUNTEERS = ['甲', '乙', '丙', '丁', '戊'].map((tag, i) => ({
  name: `图表测试${tag}`,
  phone: `135${String((stamp + i) % 100_000_000).padStart(8, '0')}`,
}));

/** `linli_core::reports::SERVICE_COLUMNS`. */
const SERVICE_COLUMNS = [
  '日期',
  '任务编号',
  '任务',
  '服务类别',
  '志愿者编号',
  '志愿者',
  '志愿者所在小组',
  '服务对象',
  '签到时间（手机）',
  '签退时间（手机）',
  '时长（分钟）',
  '计入时长',
  '服务记录',
];
/** `linli_core::reports::VOLUNTEER_HOURS_COLUMNS`, then one column per kind. */
const HOURS_COLUMNS = ['志愿者编号', '姓名', '村民小组', '服务次数', '服务时长（小时）', '服务时长（分钟）'];

/** Every name, phone and address of the village's people, from the coordinator's full pull,
 *  and this spec's volunteers. */
let personal: string[] = [];

/** One user's device on the sync API. */
class Device {
  nextId = 1;
  cookie: number | null = null;
  constructor(
    private api: APIRequestContext,
    private token: string,
    private clientId: string,
  ) {}

  /** Pushes `mutations` (every one must be applied); returns the answer. */
  async sync(mutations: { name: string; args: unknown }[]): Promise<any> {
    const response = await this.api.post('/api/v1/sync', {
      headers: { Authorization: `Bearer ${this.token}` },
      data: {
        client_id: this.clientId,
        schema_version: 1,
        cookie: this.cookie,
        mutations: mutations.map((m, i) => ({ id: this.nextId + i, name: m.name, args: m.args })),
      },
    });
    const text = await response.text();
    expect(response.status(), text).toBe(200);
    const body = JSON.parse(text);
    for (const result of body.results) expect(result.status, JSON.stringify(result)).toBe('applied');
    this.nextId += mutations.length;
    this.cookie = body.cookie;
    return body;
  }
}

test.beforeAll(async ({ playwright }) => {
  const api = await playwright.request.newContext({ baseURL: process.env.LINLI_BASE_URL });
  const login = await api.post('/api/v1/login', { data: { code: coordinatorLoginCode() } });
  expect(login.status()).toBe(200);
  const coordinator = new Device(api, (await login.json()).token, `e2e-figures-desk-${stamp}`);
  const pulled = await coordinator.sync([
    {
      name: 'create_task',
      args: {
        task: {
          id: TASK_ID,
          kind: 'smartphone_class',
          title: TITLE,
          start: `${MONTH}-10T19:00:00`,
          end: `${MONTH}-10T20:00:00`,
          volunteers_min: 1,
          volunteers_max: 10,
        },
      },
    },
  ]);
  // The coordinator's first pull holds the whole village, private parts included.
  const found: unknown[] = [];
  for (const op of pulled.patch) {
    if (op.op !== 'put') continue;
    const v = op.value;
    if (op.key.startsWith('volunteer/')) found.push(v.name, v.phone);
    if (op.key.startsWith('beneficiary/')) found.push(v.name);
    if (op.key.startsWith('beneficiary_private/')) {
      found.push(v.phone, v.address, v.family_contact?.name, v.family_contact?.phone);
    }
  }
  personal = found.filter((s): s is string => typeof s === 'string' && s.trim() !== '');
  expect(personal.length).toBeGreaterThan(600);

  for (const [i, volunteer] of VOLUNTEERS.entries()) {
    const joined = await api.post('/api/v1/join', {
      data: { invite_code: 'DEMO-2026', name: volunteer.name, phone: volunteer.phone },
    });
    expect(joined.status(), await joined.text()).toBe(200);
    const phone = new Device(api, (await joined.json()).token, `e2e-figures-phone-${stamp}-${i}`);
    await phone.sync([{ name: 'sign_up', args: { task: TASK_ID } }]);
    const visit: { name: string; args: unknown }[] = [
      { name: 'check_in', args: { task: TASK_ID, at: `${MONTH}-10T19:00:00` } },
      { name: 'check_out', args: { task: TASK_ID, at: `${MONTH}-10T20:00:00` } },
    ];
    if (i === 0) visit.push({ name: 'save_visit_note', args: { task: TASK_ID, note: NOTE } });
    await phone.sync(visit);
    personal.push(volunteer.name, volunteer.phone);
  }
  await api.dispose();
});

test('the public figures show charts and tables without an account, and no one\'s name or phone', async ({
  page,
}) => {
  const problems = watchForProblems(page);
  const loaded = page.waitForResponse(
    (r) => r.url().includes(`/api/v1/villages/${VILLAGE}/figures?month=${MONTH}`) && r.request().method() === 'GET',
  );
  await page.goto(`/v/${VILLAGE}/figures?month=${MONTH}`);
  const response = await loaded;
  expect(response.status()).toBe(200);
  const json = await response.text();
  await appReady(page);
  // Nobody is signed in on this browser.
  expect(await page.evaluate(() => localStorage.getItem('linli.session'))).toBeNull();

  const month = page.getByTestId('figures-month');
  await expect(month.getByRole('heading', { level: 2 })).toHaveText('2027年6月');
  await expect(month.getByTestId('total-volunteers')).toContainText(/\d/);
  expect(Number(await month.getByTestId('total-volunteers').locator('strong').textContent())).toBeGreaterThanOrEqual(5);
  // The charts: SVG images with a name for screen readers.
  const kinds = month.getByTestId('chart-kind');
  await expect(kinds).toBeVisible();
  await expect(kinds).toHaveAttribute('role', 'img');
  await expect(kinds).toHaveAttribute('aria-label', /智能手机课堂/);
  await expect(kinds.locator('rect')).not.toHaveCount(0);
  await expect(month.getByTestId('chart-group')).toBeVisible();
  // The tables, with the same numbers.
  await expect(month.getByTestId('table-kind').locator('tbody tr').filter({ hasText: '智能手机课堂' })).toHaveCount(1);
  await expect(month.getByTestId('table-group').locator('tbody tr')).not.toHaveCount(0);
  await expect(page.getByTestId('figures-year').getByTestId('chart-kind')).toBeVisible();
  await expect(page.getByTestId('small-group-rule')).toContainText('5');
  // Fits the phone: the chart is no wider than the screen and nothing scrolls sideways.
  const box = await kinds.boundingBox();
  expect(box!.width).toBeLessThanOrEqual(page.viewportSize()!.width);
  expect(await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth)).toBeLessThanOrEqual(0);

  // No personal data in the page or in the JSON it loaded.
  const html = await page.content();
  const leaked = personal.filter((text) => html.includes(text) || json.includes(text));
  expect(leaked).toEqual([]);
  const figures = JSON.parse(json);
  expect(figures.month).toBe(MONTH);
  expect(figures.of_month.by_kind.rows.map((r: any) => r.kind)).toContain('smartphone_class');

  // The month picker's neighbours; English works too.
  await page.getByTestId('previous-month').click();
  await expect(page).toHaveURL(/month=2027-05/);
  await expect(page.getByTestId('figures-month').getByRole('heading', { level: 2 })).toHaveText('2027年5月');
  await page.getByTestId('lang-switch').click();
  await expect(page.getByTestId('figures-month').getByRole('heading', { level: 2 })).toHaveText('May 2027');
  await page.getByTestId('lang-switch').click();

  // A village that does not exist says so.
  await page.goto('/v/vil-none/figures');
  await expect(page.getByTestId('figures-error')).toHaveText('找不到这个村的公开数据，请检查链接。');
  expect(problems).toEqual([]);
});

/** RFC 4180: quoted fields with doubled quotes and line breaks. Throws on an open quote. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') {
        quoted = false;
      } else {
        field += c;
      }
    } else if (c === '"' && field === '') {
      quoted = true;
    } else if (c === ',') {
      row.push(field);
      field = '';
    } else if (c === '\n') {
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
    } else if (c !== '\r') {
      field += c;
    }
  }
  if (quoted) throw new Error('a quoted field is not closed');
  if (field !== '' || row.length > 0) {
    row.push(field);
    rows.push(row);
  }
  return rows;
}

/** A downloaded CSV: starts with the UTF-8 byte-order mark, is valid UTF-8, parses, and every
 *  row has the header's number of columns. */
function readCsv(path: string): string[][] {
  const bytes = readFileSync(path);
  expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
  const text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes.subarray(3));
  const rows = parseCsv(text);
  for (const row of rows) expect(row).toHaveLength(rows[0].length);
  return rows;
}

test('a coordinator downloads both spreadsheets and prints the monthly report on A4', async ({ page }) => {
  await page.goto(`/login#${coordinatorLoginCode()}`);
  await expect(page).toHaveURL(/\/coordinator$/);
  await expect(page.getByTestId('sync-status')).toHaveText(/已同步/, { timeout: 30_000 });
  await page.getByRole('link', { name: '报表' }).click();
  await expect(page).toHaveURL(/\/coordinator\/reports$/);
  await expect(page.getByTestId('public-link')).toHaveAttribute('href', `/v/${VILLAGE}/figures`);

  // A reversed range is refused with a message.
  await page.getByTestId('report-from').fill('2027-06-30');
  await page.getByTestId('report-to').fill('2027-06-01');
  await page.getByTestId('download-services').click();
  await expect(page.getByTestId('report-error')).toHaveText('请选择有效的日期：开始日期不能晚于结束日期。');

  await page.getByTestId('report-from').fill(`${MONTH}-01`);
  await page.getByTestId('report-to').fill(`${MONTH}-30`);
  const [services] = await Promise.all([page.waitForEvent('download'), page.getByTestId('download-services').click()]);
  expect(services.suggestedFilename()).toBe(`linli-service-records-${MONTH}-01-${MONTH}-30.csv`);
  const records = readCsv((await services.path())!);
  expect(records[0]).toEqual(SERVICE_COLUMNS);
  const column = (name: string) => SERVICE_COLUMNS.indexOf(name);
  const ours = records.filter((r) => r[column('任务编号')] === TASK_ID);
  expect(ours.map((r) => r[column('志愿者')]).sort()).toEqual(VOLUNTEERS.map((v) => v.name).sort());
  for (const row of ours) {
    expect(row[column('日期')]).toBe(`${MONTH}-10`);
    expect(row[column('任务')]).toBe(TITLE);
    expect(row[column('服务类别')]).toBe('智能手机课堂');
    expect(row[column('签到时间（手机）')]).toBe(`${MONTH}-10 19:00`);
    expect(row[column('时长（分钟）')]).toBe('60');
    expect(row[column('计入时长')]).toBe('是');
  }
  const noted = ours.find((r) => r[column('志愿者')] === VOLUNTEERS[0].name)!;
  expect(noted[column('服务记录')]).toBe(NOTE);

  const [hours] = await Promise.all([page.waitForEvent('download'), page.getByTestId('download-hours').click()]);
  expect(hours.suggestedFilename()).toBe(`linli-volunteer-hours-${MONTH}-01-${MONTH}-30.csv`);
  const table = readCsv((await hours.path())!);
  expect(table[0].slice(0, HOURS_COLUMNS.length)).toEqual(HOURS_COLUMNS);
  const classHours = table[0].indexOf('智能手机课堂（小时）');
  expect(classHours).toBeGreaterThanOrEqual(HOURS_COLUMNS.length);
  for (const volunteer of VOLUNTEERS) {
    const row = table.find((r) => r[1] === volunteer.name);
    expect(row, volunteer.name).toBeTruthy();
    expect(row!.slice(3, 6)).toEqual(['1', '1.00', '60']);
    expect(row![classHours]).toBe('1.00');
  }

  // The monthly report for June, on A4 without the app around it.
  await page.getByTestId('report-month').fill(MONTH);
  const report = page.getByTestId('monthly-report');
  await expect(report.getByTestId('report-kinds').locator('tbody tr').filter({ hasText: '智能手机课堂' })).toHaveCount(1);
  await expect(report.getByTestId('report-totals')).toContainText('2027年6月');
  await page.emulateMedia({ media: 'print' });
  await expect(page.locator('.top-bar')).toBeHidden();
  await expect(page.locator('.coordinator-nav')).toBeHidden();
  await expect(page.getByTestId('exports')).toBeHidden();
  await expect(page.getByTestId('print-report')).toBeHidden();
  await expect(report).toBeVisible();
  const pdf = (await page.pdf({ preferCSSPageSize: true })).toString('latin1');
  const box = pdf.match(/\/MediaBox\s*\[\s*0 0 ([\d.]+) ([\d.]+)\s*\]/);
  expect(box).toBeTruthy();
  expect(Math.abs(Number(box![1]) - 595.3)).toBeLessThan(1);
  expect(Math.abs(Number(box![2]) - 841.9)).toBeLessThan(1);
  const pages = pdf.match(/\/Type\s*\/Page[^s]/g) ?? [];
  expect(pages.length).toBeGreaterThanOrEqual(1);
  expect(pages.length).toBeLessThanOrEqual(2);
});
