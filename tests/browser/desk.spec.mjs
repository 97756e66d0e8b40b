// Browser end-to-end test of the agent desk, against the real `parley` binary and Debian's
// Chromium driven by playwright-core (no browser download, no test runner).
//
//   node tests/browser/desk.spec.mjs            (after scripts/build-web)
//
// Env: PARLEY_BIN (default build/release/parley), CHROMIUM (default /usr/bin/chromium),
// SCREENSHOTS (default docs/screenshots). Every wait is bounded; the server and the browser
// are stopped at the end, also on failure. Prints one line per step and "N passed, N failed".
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import { execFileSync } from 'node:child_process';
import http from 'node:http';
import https from 'node:https';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import zlib from 'node:zlib';
import { restClient, sleep, startParley, waitUntil } from './harness.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const require = createRequire(path.join(root, 'web/package.json'));
const { chromium } = require('playwright-core');

const PARLEY_BIN = path.resolve(root, process.env.PARLEY_BIN || 'build/release/parley');
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const STATIC_DIR = path.join(root, 'web/dist');
const SHOTS = path.resolve(root, process.env.SCREENSHOTS || 'docs/screenshots');
// Generous: ctest runs this next to the other suites on two cores.
const STEP_TIMEOUT = 30_000;
const TOTAL_TIMEOUT = 180_000;

let server = null;
let browser = null;
let callback = null;
let remoteImages = null;
let dataDir = null;
let passed = 0;
let failed = 0;

async function cleanup() {
  try {
    if (browser) await browser.close();
  } catch {}
  browser = null;
  if (server && server.exitCode === null) {
    server.kill('SIGTERM');
    await Promise.race([new Promise((r) => server.once('exit', r)), sleep(5000)]);
    if (server.exitCode === null) server.kill('SIGKILL');
  }
  server = null;
  if (callback) callback.close();
  callback = null;
  if (remoteImages) remoteImages.close();
  remoteImages = null;
  if (dataDir && !process.env.KEEP_DATA) fs.rmSync(dataDir, { recursive: true, force: true });
}

const watchdog = setTimeout(async () => {
  console.error(`not ok - the whole run took longer than ${TOTAL_TIMEOUT / 1000} s`);
  await cleanup();
  console.log(`${passed} passed, ${failed + 1} failed`);
  process.exit(1);
}, TOTAL_TIMEOUT);
for (const sig of ['SIGINT', 'SIGTERM']) {
  process.on(sig, async () => {
    await cleanup();
    process.exit(130);
  });
}


async function step(name, fn) {
  const started = Date.now();
  try {
    await fn();
    passed++;
    console.log(`ok - ${name} (${Date.now() - started} ms)`);
  } catch (e) {
    failed++;
    console.log(`not ok - ${name}\n  ${String(e && e.stack ? e.stack : e).split('\n').slice(0, 6).join('\n  ')}`);
    throw e;
  }
}

function waitFor(predicate, what, timeout = STEP_TIMEOUT) {
  return waitUntil(predicate, what, timeout);
}

function startServer() {
  return startParley({
    bin: PARLEY_BIN,
    staticDir: STATIC_DIR,
    tmpPrefix: 'parley-browser-',
    onSpawn: (proc, dir) => {
      server = proc;
      dataDir = dir;
    },
  });
}

function startCallback() {
  const received = [];
  const srv = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      received.push(body);
      res.writeHead(200, { 'Content-Length': '0' });
      res.end();
    });
  });
  return new Promise((resolve) => srv.listen(0, '127.0.0.1', () => resolve({ srv, received, url: `http://127.0.0.1:${srv.address().port}/hook`, close: () => srv.close() })));
}

/** A "remote" image host for e-mails, on loopback so nothing leaves the machine: HTTPS with a
 * throw-away self-signed certificate (openssl), since the mail frame allows https: images only. */
function startRemoteImages(dir) {
  const key = path.join(dir, 'remote-key.pem');
  const cert = path.join(dir, 'remote-cert.pem');
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', key, '-out', cert,
    '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1'], { stdio: 'ignore', timeout: 10_000 });
  const hits = [];
  const srv = https.createServer({ key: fs.readFileSync(key), cert: fs.readFileSync(cert) }, (req, res) => {
    hits.push(req.url);
    const body = png(24);
    res.writeHead(200, { 'Content-Type': 'image/png', 'Content-Length': body.length });
    res.end(body);
  });
  return new Promise((resolve) => srv.listen(0, '127.0.0.1', () => resolve({ hits, base: `https://127.0.0.1:${srv.address().port}`, close: () => srv.close() })));
}

/** A raw customer mail as an MTA would pipe it: encoded-word subject with umlauts, text and
 * HTML alternatives (the HTML with a script, an event handler, a remote image and an inline
 * cid: image), and a PDF attachment with an RFC 2231 file name. */
function rawMail({ remoteUrl, logo, pdf }) {
  // Quoted-printable (RFC 2045): bytes outside printable ASCII as =XX, lines kept under 76
  // characters with soft breaks.
  const qp = (text) =>
    text.split('\n').map((line) => {
      const encoded = Buffer.from(line, 'utf8').toString('binary').replace(/[^\x21-\x3c\x3e-\x7e ]|\s$/g, (c) => '=' + c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0'));
      const parts = [];
      let rest = encoded;
      while (rest.length > 75) {
        let cut = 75;
        const eq = rest.lastIndexOf('=', cut - 1);
        if (eq > cut - 3) cut = eq;
        parts.push(rest.slice(0, cut) + '=');
        rest = rest.slice(cut);
      }
      parts.push(rest);
      return parts.join('\r\n');
    }).join('\r\n');
  const html = '<html><head><style>p{color:red}</style></head><body>' +
    '<p>Guten Tag,</p><p>die <b>Rechnung 4711</b> stimmt nicht: Größe und Menge fehlen.</p>' +
    '<script>window.parent.__mailScript = 1; alert("xss")</script>' +
    '<p onclick="alert(2)">Mit freundlichen Grüßen<br>Jürgen Müller</p>' +
    `<img src="${remoteUrl}" alt="Newsletter-Banner" width="24" height="24">` +
    '<img src="cid:logo.4711@kunde.test" alt="Firmenlogo">' +
    '</body></html>';
  return [
    'From: =?UTF-8?Q?J=C3=BCrgen_M=C3=BCller?= <juergen@kunde.test>',
    'To: Acme Support <support@acme.test>',
    'Cc: Buchhaltung <buchhaltung@kunde.test>',
    'Subject: =?UTF-8?Q?R=C3=BCckfrage_zur_=C3=84nderung_=E2=80=93_Bestellung_4711?=',
    'Message-ID: <rueckfrage-4711@kunde.test>',
    'Date: Tue, 01 Dec 2026 10:00:00 +0100',
    'MIME-Version: 1.0',
    'Content-Type: multipart/mixed; boundary="mixed-1"',
    '',
    '--mixed-1',
    'Content-Type: multipart/related; boundary="related-1"',
    '',
    '--related-1',
    'Content-Type: multipart/alternative; boundary="alt-1"',
    '',
    '--alt-1',
    'Content-Type: text/plain; charset=utf-8',
    'Content-Transfer-Encoding: quoted-printable',
    '',
    qp('Guten Tag,\n\ndie Rechnung 4711 stimmt nicht: Größe und Menge fehlen.\n\nMit freundlichen Grüßen\nJürgen Müller'),
    '--alt-1',
    'Content-Type: text/html; charset=utf-8',
    'Content-Transfer-Encoding: quoted-printable',
    '',
    qp(html),
    '--alt-1--',
    '--related-1',
    'Content-Type: image/png',
    'Content-ID: <logo.4711@kunde.test>',
    'Content-Disposition: inline; filename="logo.png"',
    'Content-Transfer-Encoding: base64',
    '',
    logo.toString('base64').replace(/.{76}/g, '$&\r\n'),
    '--related-1--',
    '--mixed-1',
    'Content-Type: application/pdf',
    "Content-Disposition: attachment; filename*=UTF-8''Rechnung%204711%20M%C3%A4rz.pdf",
    'Content-Transfer-Encoding: base64',
    '',
    pdf.toString('base64'),
    '--mixed-1--',
    '',
  ].join('\r\n');
}

/** A small valid PNG (a blue square), built here so the test needs no fixture file. */
function png(size = 48) {
  const crcTable = Array.from({ length: 256 }, (_, n) => {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    return c >>> 0;
  });
  const crc = (buf) => {
    let c = 0xffffffff;
    for (const b of buf) c = crcTable[(c ^ b) & 0xff] ^ (c >>> 8);
    return (c ^ 0xffffffff) >>> 0;
  };
  const chunk = (type, data) => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    const td = Buffer.concat([Buffer.from(type), data]);
    const c = Buffer.alloc(4);
    c.writeUInt32BE(crc(td));
    return Buffer.concat([len, td, c]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(size, 0);
  ihdr.writeUInt32BE(size, 4);
  ihdr[8] = 8;
  ihdr[9] = 2; // RGB
  const row = Buffer.concat([Buffer.from([0]), Buffer.alloc(size * 3, Buffer.from([0x24, 0x50, 0xc8]))]);
  const raw = Buffer.concat(Array.from({ length: size }, () => row));
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', ihdr), chunk('IDAT', zlib.deflateSync(raw)), chunk('IEND', Buffer.alloc(0))]);
}

const AXE_SOURCE = fs.readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

/** WCAG 2.1 A/AA and best-practice checks with axe-core; any violation fails the step. */
async function audit(page, name) {
  await page.evaluate(AXE_SOURCE); // through DevTools, so the page's CSP does not apply
  const result = await page.evaluate(() =>
    window.axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'] } }),
  );
  const problems = result.violations.map((v) => `${name}: [${v.impact}] ${v.id}: ${v.help} at ${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(', ')}`);
  assert.deepEqual(problems, [], 'accessibility violations');
}

async function main() {
  assert.ok(fs.existsSync(PARLEY_BIN), `no parley binary at ${PARLEY_BIN} (set PARLEY_BIN)`);
  assert.ok(fs.existsSync(path.join(STATIC_DIR, 'index.html')), 'web/dist is not built: run scripts/build-web');
  fs.mkdirSync(SHOTS, { recursive: true });

  const { base, password } = await startServer();
  callback = await startCallback();

  const rest = restClient(base);
  const login = await rest('POST', '/api/v1/auth/login', { email: 'admin@parley.local', password });
  assert.equal(login.status, 200, JSON.stringify(login.body));
  const token = login.body.token;
  const adminId = login.body.user.id;

  let inbox;
  let crmInbox;
  let urgentId;
  const inbound = async (payload, target = inbox) => {
    const raw = JSON.stringify(payload);
    const sig = 'sha256=' + crypto.createHmac('sha256', target.secret).update(raw).digest('hex');
    const res = await fetch(`${base}/webhooks/api/${target.id}`, {
      method: 'POST', headers: { 'Content-Type': 'application/json', 'X-Parley-Signature': sig }, body: raw, signal: AbortSignal.timeout(10_000),
    });
    const body = await res.json();
    assert.ok(res.status === 201 || res.status === 200, JSON.stringify(body));
    return body;
  };

  const contact = { id: 'crm-42', name: 'Jana Müller', email: 'jana@example.de' };
  const XSS = '<img src=x onerror=alert(1)>';
  let conversationId;
  const agent = { email: 'bob@parley.local', password: 'bob-secret-pw', name: 'Bob Agent' };
  const supervisor = { email: 'sue@parley.local', password: 'sue-secret-pw', name: 'Sue Supervisor' };

  await step('set up an api inbox, messages, a canned response and an agent of another team via REST', async () => {
    const support = await rest('POST', '/api/v1/teams', { name: 'Support', description: 'first level' }, token);
    assert.equal(support.status, 201, JSON.stringify(support.body));
    const created = await rest('POST', '/api/v1/inboxes', { name: 'Shop API', channel: 'api', callback_url: callback.url, team_ids: [support.body.id] }, token);
    assert.equal(created.status, 201, JSON.stringify(created.body));
    inbox = created.body;
    const first = await inbound({ id: 'm-1', contact, text: 'Hallo, meine Rechnnung stimmt nicht' });
    conversationId = first.conversation_id;
    await inbound({ id: 'm-2', contact, text: XSS });
    await inbound({ id: 'm-3', contact, text: 'Foto vom Beleg: https://shop.example/beleg/7', attachments: [{ data_base64: png().toString('base64'), filename: 'beleg.png' }] });
    const crm = await rest('POST', '/api/v1/inboxes', { name: 'CRM', channel: 'api', callback_url: callback.url, team_ids: [support.body.id] }, token);
    assert.equal(crm.status, 201, JSON.stringify(crm.body));
    crmInbox = crm.body;
    const peter = await inbound({ id: 'p-1', contact: { id: 'crm-7', name: 'Peter Schmidt' }, text: 'Wo ist meine Bestellung 4711?' }, crmInbox);
    urgentId = peter.conversation_id;
    assert.equal((await rest('PATCH', `/api/v1/conversations/${urgentId}`, { priority: 'urgent' }, token)).status, 200);
    const ayse = await inbound({ id: 'a-1', contact: { id: 'crm-9', name: 'Ayşe Demir' }, text: 'Kann ich die Lieferadresse noch ändern?' });
    assert.equal((await rest('POST', `/api/v1/conversations/${ayse.conversation_id}/labels`, { labels: ['vip'] }, token)).status, 200);
    // The same person under another id in the CRM: merged in the contact panel later.
    await inbound({ id: 'j-1', contact: { id: 'crm-4242', name: 'Jana M.', email: 'jana.m@example.org' }, text: 'Ich hatte schon letzte Woche angerufen.' }, crmInbox);
    const canned = await rest('POST', '/api/v1/canned_responses', { short_code: 'gruss', language: 'de', content: 'Hallo {{contact.first_name}}, danke für Ihre Nachricht!' }, token);
    assert.equal(canned.status, 201, JSON.stringify(canned.body));
    const bob = await rest('POST', '/api/v1/users', { ...agent, role: 'agent', language: 'en' }, token);
    assert.equal(bob.status, 201, JSON.stringify(bob.body));
    const sales = await rest('POST', '/api/v1/teams', { name: 'Sales', description: '', member_ids: [bob.body.id] }, token);
    assert.equal(sales.status, 201, JSON.stringify(sales.body));
    const sue = await rest('POST', '/api/v1/users', { ...supervisor, role: 'supervisor', language: 'en' }, token);
    assert.equal(sue.status, 201, JSON.stringify(sue.body));
  });

  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    timeout: 30_000,
  });
  // ignoreHTTPSErrors: the loopback "remote" image host of the e-mail test has a self-signed certificate.
  const context = await browser.newContext({ viewport: { width: 1440, height: 900 }, locale: 'en-GB', timezoneId: 'Europe/Berlin', ignoreHTTPSErrors: true });
  context.setDefaultTimeout(STEP_TIMEOUT);
  // Desktop notifications are recorded instead of shown.
  await context.addInitScript(() => {
    window.__notifications = [];
    window.Notification = class {
      static permission = 'granted';
      static requestPermission() {
        return Promise.resolve('granted');
      }
      constructor(title, options) {
        window.__notifications.push({ title, body: options && options.body });
      }
      close() {}
    };
  });
  const page = await context.newPage();
  const dialogs = [];
  const pageErrors = [];
  page.on('dialog', (d) => {
    dialogs.push(d.message());
    d.dismiss().catch(() => {});
  });
  page.on('pageerror', (e) => pageErrors.push(e.message));
  const requests = [];
  page.on('request', (r) => requests.push(r.url()));

  await step('log in through the UI (a wrong password is refused with a message first)', async () => {
    await page.goto(base + '/');
    await page.getByRole('heading', { name: 'Sign in to Parley', level: 1 }).waitFor();
    await audit(page, 'login');
    await page.getByLabel('E-mail').fill('admin@parley.local');
    await page.getByLabel('Password').fill('not-the-password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('alert').filter({ hasText: 'Wrong e-mail or password.' }).waitFor();
    await page.getByLabel('Password').fill(password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Conversations', level: 1 }).waitFor();
  });

  await step('the desk lists the conversation with its inbox in the sidebar', async () => {
    const item = page.locator(`a.conv-item[data-id="${conversationId}"]`);
    await item.waitFor();
    await waitFor(async () => (await item.textContent()).includes('Jana Müller'), 'the contact name in the list');
    const nav = page.getByRole('navigation', { name: 'Main navigation' });
    const shop = nav.getByRole('link', { name: /Shop API/ });
    await shop.waitFor();
    await waitFor(async () => (await shop.locator('.count').textContent().catch(() => '')).includes('2 open conversations'), 'the open count of Shop API');
    await nav.getByRole('link', { name: /CRM/ }).locator('.channel-icon').waitFor();
    await page.locator('.live-badge.is-live').waitFor();
    await page.screenshot({ path: path.join(SHOTS, 'desk.png') });
    await audit(page, 'desk');
  });

  await step('filters and sorting: priority first, inbox filter, label filter', async () => {
    await page.getByRole('combobox', { name: 'Sort by' }).selectOption('priority');
    await waitFor(async () => (await page.locator('a.conv-item').first().getAttribute('data-id')) === String(urgentId), 'the urgent conversation first');
    await page.getByRole('combobox', { name: 'Inbox', exact: true }).selectOption({ label: 'CRM (API)' });
    await waitFor(async () => (await page.locator('a.conv-item').count()) === 2, 'two CRM conversations');
    assert.match(page.url(), /inbox=/);
    await page.getByRole('combobox', { name: 'Inbox', exact: true }).selectOption('');
    await page.getByRole('textbox', { name: 'Label' }).fill('vip');
    await page.getByRole('textbox', { name: 'Label' }).press('Enter');
    await waitFor(async () => (await page.locator('a.conv-item').count()) === 1, 'one vip conversation');
    await page.getByRole('textbox', { name: 'Label' }).fill('');
    await page.getByRole('textbox', { name: 'Label' }).press('Enter');
    await page.getByRole('combobox', { name: 'Sort by' }).selectOption('last_activity');
    await waitFor(async () => (await page.locator('a.conv-item').count()) === 4, 'all four conversations');
  });

  await step('keyboard: j and k move through the list, r focuses the reply box', async () => {
    await page.locator('body').click({ position: { x: 5, y: 5 } });
    await page.keyboard.press('j');
    const first = await page.locator('a.conv-item').first().getAttribute('data-id');
    await page.waitForURL(new RegExp(`/conversations/${first}`));
    await page.keyboard.press('j');
    const second = await page.locator('a.conv-item').nth(1).getAttribute('data-id');
    await page.waitForURL(new RegExp(`/conversations/${second}`));
    await page.keyboard.press('k');
    await page.waitForURL(new RegExp(`/conversations/${first}`));
    await page.locator('.composer-input').waitFor();
    await page.locator('body').click({ position: { x: 5, y: 5 } });
    await page.keyboard.press('r');
    await waitFor(() => page.evaluate(() => document.activeElement?.classList.contains('composer-input')), 'the composer to have focus');
  });

  await step('search finds messages and contacts', async () => {
    await page.keyboard.press('/');
    await page.getByRole('searchbox', { name: 'Search messages and contacts' }).fill('Bestellung');
    await page.keyboard.press('Enter');
    const hit = page.locator('.result', { hasText: 'Wo ist meine Bestellung 4711?' });
    await hit.waitFor();
    await page.getByRole('searchbox', { name: 'Search messages and contacts' }).fill('Peter');
    await page.keyboard.press('Enter');
    await page.locator('.result-button', { hasText: 'Peter Schmidt' }).waitFor();
    await page.getByRole('link', { name: 'Clear search' }).click();
  });

  await step('open the conversation: HTML in a message is literal text, no script ran', async () => {
    await page.locator(`a.conv-item[data-id="${conversationId}"]`).click();
    await page.waitForURL(new RegExp(`/conversations/${conversationId}`));
    await page.locator('.msg-text', { hasText: 'Hallo, meine Rechnnung stimmt nicht' }).waitFor();
    const xss = page.locator('.msg-text', { hasText: XSS });
    await xss.waitFor();
    assert.equal(await xss.textContent(), XSS);
    assert.equal(await page.locator('img[src="x"]').count(), 0, 'an <img> was created from message text');
    await page.waitForTimeout(300);
    assert.deepEqual(dialogs, [], 'a dialog fired');
    const link = page.locator('.msg-text a', { hasText: 'https://shop.example/beleg/7' });
    assert.equal(await link.getAttribute('rel'), 'noopener noreferrer nofollow');
    assert.equal(await link.getAttribute('target'), '_blank');
    // The attachment is an image, shown inline and actually decoded.
    const img = page.locator('.attachment-image img[alt="beleg.png"]');
    await img.waitFor();
    await waitFor(() => img.evaluate((el) => el.complete && el.naturalWidth === 48), 'the image to load');
    // Every message is marked with its inbox.
    assert.ok((await page.locator('.msg-in .msg-channel').first().textContent()).includes('Shop API'));
    await audit(page, 'conversation');
  });

  await step('spell check: the misspelled word is underlined, clicking it offers the suggestions, choosing one fixes the draft', async () => {
    const spellRequests = [];
    const onRequest = (r) => r.url().endsWith('/api/v1/spellcheck') && spellRequests.push(JSON.parse(r.postData() || '{}'));
    page.on('request', onRequest);
    const box = page.getByRole('textbox', { name: 'Reply' });
    await box.click();
    await box.pressSequentially('Hallo, meine Rechnnung stimmt nicht', { delay: 15 });
    const mark = page.locator('.composer-mirror mark', { hasText: 'Rechnnung' });
    // (An answer for a half-typed draft may flag more for a moment; the last one counts.)
    await waitFor(async () => JSON.stringify(await page.locator('.composer-mirror mark').allTextContents()) === '["Rechnnung"]', 'only "Rechnnung" underlined');
    assert.match(await mark.evaluate((el) => getComputedStyle(el).textDecorationLine), /underline/);
    assert.equal(await mark.evaluate((el) => getComputedStyle(el).textDecorationStyle), 'wavy');
    // Debounced: far fewer requests than keystrokes (one, unless the machine paused mid-typing).
    assert.ok(spellRequests.length >= 1 && spellRequests.length < 8, `spell check requests: ${spellRequests.length}`);
    assert.deepEqual(spellRequests.at(-1), { text: 'Hallo, meine Rechnnung stimmt nicht', language: 'auto' });
    // The mirror lies exactly under the textarea's text: the mark is inside the textarea's box.
    const [mb, tb] = [await mark.boundingBox(), await box.boundingBox()];
    assert.ok(mb.x > tb.x && mb.y > tb.y && mb.x + mb.width < tb.x + tb.width && mb.y + mb.height < tb.y + tb.height, 'the mark lies within the textarea');
    await page.getByRole('combobox', { name: 'Spell-check language' }).locator('option', { hasText: 'Auto (Deutsch)' }).waitFor({ state: 'attached' });
    // Click the word (the click lands in the textarea, the caret says which word).
    await page.mouse.click(mb.x + mb.width / 2, mb.y + mb.height / 2);
    const popup = page.getByRole('dialog', { name: 'Spelling: “Rechnnung”' });
    await popup.waitFor();
    await popup.getByRole('button', { name: 'Rechnung', exact: true }).waitFor();
    await page.screenshot({ path: path.join(SHOTS, 'spellcheck.png') });
    await audit(page, 'spell check');
    await popup.getByRole('button', { name: 'Rechnung', exact: true }).click();
    await waitFor(async () => (await box.inputValue()) === 'Hallo, meine Rechnung stimmt nicht', 'the corrected draft');
    assert.equal(await popup.count(), 0);
    await waitFor(async () => (await page.locator('.composer-mirror mark').count()) === 0, 'no marks left');
    // Undo is the browser's: Ctrl+Z brings the typo back.
    await box.press('Control+z');
    await waitFor(async () => (await box.inputValue()) === 'Hallo, meine Rechnnung stimmt nicht', 'the undone replacement');
    // The keyboard path: placeholders are never flagged; the "1 misspelling" button lists the word, Enter picks.
    const draft = 'Hallo {{contact.first_name}}, die Rechnnung stimmt nicht';
    const answered = page.waitForResponse((r) => r.url().endsWith('/api/v1/spellcheck') && JSON.parse(r.request().postData() || '{}').text === draft);
    await box.fill(draft);
    await answered;
    await waitFor(async () => JSON.stringify(await page.locator('.composer-mirror mark').allTextContents()) === '["Rechnnung"]', 'only "Rechnnung" underlined, not the placeholder');
    const listButton = page.getByRole('button', { name: '1 misspelling' });
    await listButton.focus();
    await page.keyboard.press('Enter');
    await page.getByRole('dialog', { name: 'Spelling' }).waitFor();
    await waitFor(() => page.evaluate(() => document.activeElement?.textContent === 'Rechnung'), 'the first suggestion to have focus');
    await page.keyboard.press('Enter');
    await waitFor(async () => (await box.inputValue()) === 'Hallo {{contact.first_name}}, die Rechnung stimmt nicht', 'the draft fixed by keyboard');
    // The language can be set (and is sent); "Ignore" hides the word for the session.
    const language = page.getByRole('combobox', { name: 'Spell-check language' });
    await language.selectOption('de');
    await box.fill('Grüße von Parleyy');
    const ignored = page.locator('.composer-mirror mark', { hasText: 'Parleyy' });
    await ignored.waitFor();
    const ib = await ignored.boundingBox();
    await page.mouse.click(ib.x + ib.width / 2, ib.y + ib.height / 2);
    await page.getByRole('dialog', { name: 'Spelling: “Parleyy”' }).getByRole('button', { name: 'Ignore “Parleyy”' }).click();
    await waitFor(async () => (await page.locator('.composer-mirror mark').count()) === 0, 'the ignored word unmarked');
    assert.equal(spellRequests.at(-1).language, 'de');
    await language.selectOption('en');
    await waitFor(() => spellRequests.at(-1)?.language === 'en', 'a check in English');
    await page.locator('.composer-mirror mark', { hasText: 'Grüße' }).waitFor();
    assert.equal(await page.locator('.composer-mirror mark', { hasText: 'Parleyy' }).count(), 0, 'the ignored word stays ignored');
    await language.selectOption('auto');
    await box.fill('');
    page.off('request', onRequest);
  });

  await step('reply with a canned response: "/" opens the list, the server fills in the variables, Enter sends', async () => {
    const box = page.getByRole('textbox', { name: 'Reply' });
    await box.click();
    await box.pressSequentially('/gru');
    const option = page.getByRole('option', { name: /\/gruss/ });
    await option.waitFor();
    await box.press('Enter');
    await waitFor(async () => (await box.inputValue()) === 'Hallo Jana, danke für Ihre Nachricht!', 'the rendered canned response in the composer');
    await box.press('Enter');
    const sent = page.locator('.msg-out .msg-text', { hasText: 'Hallo Jana, danke für Ihre Nachricht!' });
    await sent.waitFor();
    await waitFor(async () => (await box.inputValue()) === '', 'the composer to clear');
    // Delivered to the callback, and the tick turns to "Sent" live.
    await waitFor(() => callback.received.some((b) => b.includes('danke für Ihre Nachricht')), 'the callback delivery');
    await page.locator('.msg-out').filter({ hasText: 'Hallo Jana' }).getByRole('img', { name: 'Sent' }).waitFor();
  });

  await step('a private note is yellow and marked', async () => {
    await page.getByRole('radio', { name: 'Private note' }).check();
    const box = page.getByRole('textbox', { name: 'Private note' });
    await box.fill('Kundin hat zweimal geschrieben');
    await box.press('Enter');
    const note = page.locator('.msg-note', { hasText: 'Kundin hat zweimal geschrieben' });
    await note.waitFor();
    const bg = await note.locator('.bubble').evaluate((el) => getComputedStyle(el).backgroundColor);
    assert.equal(bg, 'rgb(255, 246, 209)');
  });

  await step('a message posted via REST appears live without reload', async () => {
    const marker = await page.evaluate(() => (window.__noReload = 'still-here'));
    await inbound({ id: 'm-4', contact, text: 'Und wann kommt die Gutschrift?' });
    await page.locator('.msg-text', { hasText: 'Und wann kommt die Gutschrift?' }).waitFor();
    assert.equal(await page.evaluate(() => window.__noReload), marker);
  });

  await step('attachments: file picker and drag and drop, then sent with the reply', async () => {
    await page.getByRole('radio', { name: 'Reply' }).check();
    await page.locator('.composer input[type=file]').setInputFiles({ name: 'rechnung.pdf', mimeType: 'application/pdf', buffer: Buffer.from('%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n') });
    await page.getByRole('button', { name: 'Remove rechnung.pdf' }).waitFor();
    await page.locator('.composer').evaluate((form) => {
      const dt = new DataTransfer();
      dt.items.add(new File(['Lieferschein 4711'], 'lieferschein.txt', { type: 'text/plain' }));
      form.dispatchEvent(new DragEvent('dragover', { dataTransfer: dt, bubbles: true, cancelable: true }));
      form.dispatchEvent(new DragEvent('drop', { dataTransfer: dt, bubbles: true, cancelable: true }));
    });
    await page.getByRole('button', { name: 'Remove lieferschein.txt' }).waitFor();
    await waitFor(async () => (await page.locator('.upload-list li').allTextContents()).every((t) => !t.includes('Uploading')), 'the uploads');
    const box = page.getByRole('textbox', { name: 'Reply' });
    await box.fill('Anbei die Rechnung.');
    await box.press('Enter');
    const msg = page.locator('.msg-out', { hasText: 'Anbei die Rechnung.' });
    await msg.locator('a.attachment-file', { hasText: 'rechnung.pdf' }).waitFor();
    await msg.locator('a.attachment-file', { hasText: 'lieferschein.txt' }).waitFor();
  });

  await step('contact panel: merge another contact (its conversation joins the timeline), then undo', async () => {
    const panel = page.locator('aside.contact-pane');
    await panel.getByRole('searchbox', { name: 'Find the contact to merge into this one' }).fill('Jana M.');
    await panel.locator('.merge-results li', { hasText: 'Jana M.' }).getByRole('button', { name: 'Merge' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Merge' }).click();
    await panel.getByText('“Jana M.” was merged into this contact.').waitFor();
    await page.locator('.msg-text', { hasText: 'Ich hatte schon letzte Woche angerufen.' }).waitFor();
    await panel.getByText('jana.m@example.org').waitFor();
    // The merge's activity line is the newest entry of the CRM conversation, so that
    // conversation's divider may stand twice in the interleaved timeline.
    const divider = page.locator('.conv-divider', { hasText: 'in CRM' }).first();
    await divider.waitFor();
    await divider.scrollIntoViewIfNeeded();
    await page.screenshot({ path: path.join(SHOTS, 'conversation.png') });
    await panel.getByRole('button', { name: 'Undo merge' }).click();
    await panel.getByText('The merge was undone.').waitFor();
    await waitFor(async () => (await page.locator('.msg-text', { hasText: 'Ich hatte schon letzte Woche angerufen.' }).count()) === 0, 'the merged conversation to leave');
  });

  await step('snooze, reopen and resolve', async () => {
    const head = page.locator('.conv-head');
    await head.getByRole('button', { name: 'Snooze' }).click();
    await head.getByRole('button', { name: /In one hour/ }).click();
    await head.locator('.badge-status-snoozed').waitFor();
    await head.getByText(/Snoozed until/).waitFor();
    await head.getByRole('button', { name: 'Reopen' }).click();
    await head.locator('.badge-status-open').waitFor();
    await head.getByRole('button', { name: 'Resolve' }).click();
    await head.locator('.badge-status-resolved').waitFor();
    await head.getByRole('button', { name: 'Reopen' }).click();
    await head.locator('.badge-status-open').waitFor();
  });

  await step('actions: add a label, set priority, assign to me', async () => {
    await page.getByRole('textbox', { name: 'Add label' }).fill('rechnung');
    await page.getByRole('textbox', { name: 'Add label' }).press('Enter');
    await page.getByRole('button', { name: 'Remove label rechnung' }).waitFor();
    await page.getByRole('combobox', { name: 'Priority', exact: true }).selectOption('high');
    await page.getByRole('button', { name: 'Assign to me' }).click();
    await page.locator('.msg-activity').first().waitFor();
    // The three writes are separate requests: wait until the server has all of them.
    let c = null;
    await waitFor(async () => {
      c = (await rest('GET', `/api/v1/conversations/${conversationId}`, undefined, token)).body;
      return c.priority === 'high' && c.assignee_id === adminId;
    }, 'priority and assignee saved').catch(() => {});
    assert.deepEqual([c.labels, c.priority, c.assignee_id], [['rechnung'], 'high', adminId]);
  });

  await step('a new conversation assigned to me raises a desktop notification; switched off, it does not', async () => {
    const fresh = await inbound({ id: 'n-1', contact: { id: 'crm-77', name: 'Nina Neu' }, text: 'Guten Tag!' });
    await page.locator(`a.conv-item[data-id="${fresh.conversation_id}"]`).waitFor();
    assert.equal((await rest('POST', `/api/v1/conversations/${fresh.conversation_id}/assign`, { assignee_id: adminId }, token)).status, 200);
    const notes = await waitFor(async () => {
      const n = await page.evaluate(() => window.__notifications);
      return n.length ? n : null;
    }, 'a notification');
    assert.equal(notes[0].title, `Conversation #${fresh.conversation_id}`);
    assert.equal(notes[0].body, 'Nina Neu');
    await page.getByRole('button', { name: /Admin/ }).first().click();
    await page.getByRole('checkbox', { name: /Sound and desktop notification/ }).uncheck();
    await page.keyboard.press('Escape');
    const other = await inbound({ id: 'n-2', contact: { id: 'crm-78', name: 'Otto Ohne' }, text: 'Hallo?' });
    await page.locator(`a.conv-item[data-id="${other.conversation_id}"]`).waitFor();
    assert.equal((await rest('POST', `/api/v1/conversations/${other.conversation_id}/assign`, { assignee_id: adminId }, token)).status, 200);
    await page.waitForTimeout(1000);
    assert.equal((await page.evaluate(() => window.__notifications)).length, 1);
  });

  // Telegram's Bot API and X's API v2 as far as these steps need them: record each request and
  // answer as the providers document (a sent Message; a DM event id / a post id).
  const providers = { received: [], srv: null, base: '' };
  const providerAnswer = (url, n) => {
    if (/\/bot[^/]+\/send\w+$/.test(url)) return { ok: true, result: { message_id: 7000 + n, chat: { id: 5550001, type: 'private' }, date: Math.floor(Date.now() / 1000) } };
    if (url.startsWith('/2/dm_conversations/')) return { data: { dm_conversation_id: '1-2', dm_event_id: String(1580000000000000000n + BigInt(n)) } };
    if (url === '/2/tweets') return { data: { id: String(1590000000000000000n + BigInt(n)), text: '' } };
    return null;
  };
  const startProviders = () =>
    new Promise((resolve) => {
      providers.srv = http.createServer((req, res) => {
        let body = '';
        req.on('data', (c) => (body += c));
        req.on('end', () => {
          providers.received.push({ url: req.url, body });
          // Telegram's getFile for the group photos below: one still uploading (a 503, which
          // Parley tries again later), one that is gone for good.
          if (req.url.endsWith('/getFile') && /tg-(uploading|gone)/.test(body)) {
            const gone = body.includes('tg-gone');
            const data = JSON.stringify({ ok: false, error_code: gone ? 400 : 503, description: gone ? 'Bad Request: invalid file_id' : 'Service Unavailable' });
            res.writeHead(gone ? 400 : 503, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(data) });
            return res.end(data);
          }
          const answer = providerAnswer(req.url, providers.received.length);
          const data = JSON.stringify(answer ?? { ok: false, error_code: 404, description: 'Not Found' });
          res.writeHead(answer ? 200 : 404, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(data) });
          res.end(data);
        });
      });
      providers.srv.listen(0, '127.0.0.1', () => resolve((providers.base = `http://127.0.0.1:${providers.srv.address().port}`)));
    });
  const conversationOfContact = async (q) => {
    const contacts = await waitFor(async () => (await rest('GET', `/api/v1/contacts?q=${encodeURIComponent(q)}`, undefined, token)).body.data[0], `the contact ${q}`);
    return (await rest('GET', `/api/v1/contacts/${contacts.id}/conversations`, undefined, token)).body.data[0];
  };

  await step('Telegram: buttons under a reply, checked as they are typed, previewed, sent as the inline keyboard and shown under the bubble', async () => {
    await startProviders();
    const tg = await rest('POST', '/api/v1/inboxes', { name: 'Telegram Bot', channel: 'telegram', config: { bot_token: '123456:ABC-browser_test', secret_token: 'browser-secret', api_base_url: providers.base } }, token);
    assert.equal(tg.status, 201, JSON.stringify(tg.body));
    const update = { update_id: 900001, message: { message_id: 10, from: { id: 5550001, is_bot: false, first_name: 'Tom', last_name: 'Telegram' }, chat: { id: 5550001, type: 'private', first_name: 'Tom', last_name: 'Telegram' }, date: Math.floor(Date.now() / 1000), text: 'Ist mein Paket schon unterwegs?' } };
    const hook = await fetch(`${base}/webhooks/telegram/${tg.body.id}`, { method: 'POST', headers: { 'Content-Type': 'application/json', 'X-Telegram-Bot-Api-Secret-Token': 'browser-secret' }, body: JSON.stringify(update), signal: AbortSignal.timeout(10_000) });
    assert.equal(hook.status, 200);
    const conv = await conversationOfContact('5550001');
    await page.locator(`a.conv-item[data-id="${conv.id}"]`).click();
    await page.locator('.msg-text', { hasText: 'Ist mein Paket schon unterwegs?' }).waitFor();
    await page.getByRole('button', { name: 'Buttons', exact: true }).click();
    await page.getByLabel('Text of button 1 in row 1').fill('Ja, danke');
    await page.getByLabel('Data of button 1 in row 1').fill('ü'.repeat(33));
    await page.getByText('At most 64 bytes (this is 66).').waitFor();
    await page.getByLabel('Data of button 1 in row 1').fill('solved:yes');
    await page.getByRole('button', { name: '+ Row' }).click();
    await page.getByLabel('Text of button 1 in row 2').fill('Sendungsverfolgung');
    await page.getByLabel('What button 1 in row 2 does').selectOption('url');
    await page.getByLabel('Link of button 1 in row 2').fill('example.com/track/42');
    await page.getByText('A link starts with https://, http:// or tg://.').waitFor();
    await page.getByLabel('Link of button 1 in row 2').fill('https://example.com/track/42');
    await page.locator('.button-preview .keyboard-button.is-link', { hasText: 'Sendungsverfolgung' }).waitFor();
    await audit(page, 'telegram-buttons-editor');
    await page.screenshot({ path: path.join(SHOTS, 'telegram-buttons.png') });
    const box = page.getByRole('textbox', { name: 'Reply' });
    await box.fill('Ja, es ist unterwegs. Hat das geholfen?');
    await box.press('Enter');
    const sent = page.locator('.msg-out', { hasText: 'Ja, es ist unterwegs.' });
    await sent.locator('.keyboard-button', { hasText: 'Ja, danke' }).waitFor();
    await sent.locator('.keyboard-button.is-link', { hasText: 'Sendungsverfolgung' }).waitFor();
    assert.equal(await page.locator('.button-editor').count(), 0, 'the editor closes after sending');
    const request = await waitFor(() => providers.received.find((r) => r.url.endsWith('/sendMessage')), 'the sendMessage request');
    assert.deepEqual(JSON.parse(request.body).reply_markup, {
      inline_keyboard: [[{ text: 'Ja, danke', callback_data: 'solved:yes' }], [{ text: 'Sendungsverfolgung', url: 'https://example.com/track/42' }]],
    });
  });

  await step('Telegram group: each message names the member who wrote it; photos still being fetched or lost say so', async () => {
    const tg = (await rest('GET', '/api/v1/inboxes', undefined, token)).body.data.find((i) => i.name === 'Telegram Bot');
    const post = async (update) => {
      const hook = await fetch(`${base}/webhooks/telegram/${tg.id}`, { method: 'POST', headers: { 'Content-Type': 'application/json', 'X-Telegram-Bot-Api-Secret-Token': 'browser-secret' }, body: JSON.stringify(update), signal: AbortSignal.timeout(10_000) });
      assert.equal(hook.status, 200);
    };
    const group = JSON.parse(fs.readFileSync(path.join(root, 'tests/channels/telegram/fixtures/group_message.json'), 'utf8'));
    await post(group);
    const photo = (update_id, from, file_id) => ({
      update_id,
      message: { message_id: update_id - 9900, from, chat: group.message.chat, date: Math.floor(Date.now() / 1000), photo: [{ file_id, file_unique_id: file_id + '-u', width: 90, height: 90, file_size: 2048 }] },
    });
    await post(photo(10023, { id: 4444444, is_bot: false, first_name: 'Dirk', last_name: 'Dahl' }, 'tg-uploading'));
    await post(photo(10024, { id: 5555555, is_bot: false, first_name: 'Ella', username: 'ella_e' }, 'tg-gone'));
    const conv = await conversationOfContact('-1001234567890');
    await page.locator(`a.conv-item[data-id="${conv.id}"]`).click();
    const carla = page.locator('.msg-in', { hasText: 'Wir brauchen eine neue Rechnung' });
    await carla.locator('.msg-author', { hasText: /^Carla$/ }).waitFor();
    assert.equal((await carla.locator('.msg-group').textContent()).trim(), 'in the group Einkauf Müller GmbH');
    const by = (name) => page.locator('.msg-in', { has: page.locator('.msg-author', { hasText: new RegExp(`^${name}$`) }) });
    const uploading = by('Dirk Dahl').locator('.attachment-pending');
    await uploading.waitFor();
    assert.equal((await uploading.textContent()).trim(), 'Loading image…');
    await by('Ella').locator('.attachment-failed', { hasText: 'The image could not be loaded. Server details: Telegram getFile: HTTP 400 Bad Request: invalid file_id' }).waitFor({ timeout: 20_000 });
    await audit(page, 'telegram-group');
  });

  await step('X: a public mention is marked public; the composer counts as X does, warns, and moves the customer to a direct message', async () => {
    const secret = 'browser-x-consumer-secret';
    const x = await rest('POST', '/api/v1/inboxes', { name: 'X @parley', channel: 'x', config: { user_id: '2244994945', consumer_secret: secret, access_token: 'browser-x-token', api_base_url: providers.base } }, token);
    assert.equal(x.status, 201, JSON.stringify(x.body));
    const raw = fs.readFileSync(path.join(root, 'tests/channels/x/fixtures/mention.json'));
    const signature = 'sha256=' + crypto.createHmac('sha256', secret).update(raw).digest('base64');
    const hook = await fetch(`${base}/webhooks/x`, { method: 'POST', headers: { 'Content-Type': 'application/json', 'x-twitter-webhooks-signature': signature }, body: raw, signal: AbortSignal.timeout(10_000) });
    assert.equal(hook.status, 200);
    const conv = await conversationOfContact('3001969357');
    assert.equal(conv.public, true);
    const row = page.locator(`a.conv-item[data-id="${conv.id}"]`);
    await row.locator('.badge-public').waitFor();
    await row.click();
    await page.locator('.conv-head .badge-public', { hasText: 'Public' }).waitFor();
    await page.getByText('A public reply is visible to everyone on X.').waitFor();
    const box = page.getByRole('textbox', { name: 'Reply' });
    // A long link counts 23: 250 letters, a space and the link are 274 of 280.
    await box.fill('x'.repeat(250) + ' https://example.com/' + 'p'.repeat(100));
    await page.locator('.reply-counter', { hasText: '274 / 280' }).waitFor();
    await box.fill('x'.repeat(281));
    await page.locator('.reply-counter.is-over', { hasText: '281 / 280' }).waitFor();
    await box.press('Enter');
    await page.getByText('Too long: a public reply on X has at most 280 characters (this one counts 281).', { exact: false }).waitFor();
    await page.getByRole('radio', { name: 'Reply by direct message' }).check();
    await page.getByText('Only the customer sees a direct message.').waitFor();
    await page.locator('.reply-counter', { hasText: '281 / 10,000' }).waitFor();
    await box.fill('Bitte schicken Sie uns Ihre Bestellnummer per Direktnachricht.');
    await box.press('Enter');
    const dm = page.locator('.msg-out', { hasText: 'Bitte schicken Sie uns Ihre Bestellnummer' });
    await dm.locator('.badge-direct', { hasText: 'Direct message' }).waitFor();
    const request = await waitFor(() => providers.received.find((r) => r.url.startsWith('/2/dm_conversations/with/3001969357/')), 'the DM request');
    assert.equal(JSON.parse(request.body).text, 'Bitte schicken Sie uns Ihre Bestellnummer per Direktnachricht.');
    await page.getByRole('radio', { name: 'Reply publicly' }).check();
    await box.fill('Danke, wir melden uns!');
    await box.press('Enter');
    await page.locator('.msg-out', { hasText: 'Danke, wir melden uns!' }).locator('.badge-public', { hasText: 'Public reply' }).waitFor();
    const post = await waitFor(() => providers.received.find((r) => r.url === '/2/tweets'), 'the post request');
    assert.deepEqual(JSON.parse(post.body), { text: 'Danke, wir melden uns!', reply: { in_reply_to_tweet_id: '1050118621198921728' } });
    await audit(page, 'x-public');
    await page.screenshot({ path: path.join(SHOTS, 'x-public.png') });
    providers.srv.close();
  });

  await step('Facebook: a comment on the Page is a public conversation; the reply goes into its thread, or privately in Messenger with text only', async () => {
    // Meta's Graph API as far as this step needs it: the comments edge and the Send API.
    const graph = { received: [], srv: null, base: '' };
    await new Promise((resolve) => {
      graph.srv = http.createServer((req, res) => {
        let body = '';
        req.on('data', (c) => (body += c));
        req.on('end', () => {
          graph.received.push({ url: req.url, body });
          let answer = { error: { message: 'Unknown path', code: 100 } };
          if (req.method === 'POST' && req.url === '/v23.0/778899001122_5001/comments') answer = { id: '778899001122_9001' };
          if (req.method === 'POST' && req.url === '/v23.0/682498302938466/messages') answer = { recipient_id: '7300000000000009', message_id: 'm_private_1' };
          res.writeHead(answer.error ? 400 : 200, { 'Content-Type': 'application/json' });
          res.end(JSON.stringify(answer));
        });
      });
      graph.srv.listen(0, '127.0.0.1', () => {
        graph.base = `http://127.0.0.1:${graph.srv.address().port}`;
        resolve();
      });
    });
    const secret = 'browser-fb-app-secret';
    const fb = await rest('POST', '/api/v1/inboxes', { name: 'Facebook Page', channel: 'messenger', config: { page_id: '682498302938466', page_access_token: 'browser-page-token', app_secret: secret, verify_token: 'browser-verify', api_base_url: `${graph.base}/v23.0` } }, token);
    assert.equal(fb.status, 201, JSON.stringify(fb.body));
    const raw = JSON.stringify({ object: 'page', entry: [{ id: '682498302938466', time: Math.floor(Date.now() / 1000), changes: [{ field: 'feed', value: {
      from: { id: '4100000000000099', name: 'Erika Kommentar' }, item: 'comment', verb: 'add', comment_id: '778899001122_5001', post_id: '682498302938466_778899001122',
      parent_id: '682498302938466_778899001122', message: 'Habt ihr am Sonntag offen?', created_time: Math.floor(Date.now() / 1000),
    } }] }] });
    const signature = 'sha256=' + crypto.createHmac('sha256', secret).update(raw).digest('hex');
    const hook = await fetch(`${base}/webhooks/messenger`, { method: 'POST', headers: { 'Content-Type': 'application/json', 'X-Hub-Signature-256': signature }, body: raw, signal: AbortSignal.timeout(10_000) });
    assert.equal(hook.status, 200);
    const conv = await conversationOfContact('4100000000000099');
    assert.equal(conv.public, true);
    await page.locator(`a.conv-item[data-id="${conv.id}"]`).click();
    await page.locator('.conv-head .badge-public', { hasText: 'Public' }).waitFor();
    await page.getByText('A public reply is visible to everyone on Facebook.').waitFor();
    await page.locator('.reply-counter', { hasText: '0 / 8,000' }).waitFor();
    const box = page.getByRole('textbox', { name: 'Reply' });
    await box.fill('Ja, von 10 bis 16 Uhr.');
    await box.press('Enter');
    await page.locator('.msg-out', { hasText: 'Ja, von 10 bis 16 Uhr.' }).locator('.badge-public', { hasText: 'Public reply' }).waitFor();
    const comment = await waitFor(() => graph.received.find((r) => r.url === '/v23.0/778899001122_5001/comments'), 'the reply comment');
    assert.deepEqual(JSON.parse(comment.body), { message: 'Ja, von 10 bis 16 Uhr.' });
    // Privately: one Messenger message to the comment, text only.
    await page.getByRole('radio', { name: 'Reply privately in Messenger' }).check();
    await page.getByText('One private message per comment, within 7 days of it; text only.', { exact: false }).waitFor();
    await page.locator('.reply-counter', { hasText: '0 / 2,000' }).waitFor();
    assert.equal(await page.getByRole('button', { name: 'Attach files' }).isDisabled(), true);
    // A file dropped on the composer now is refused at once, not uploaded.
    const dropped = await page.evaluateHandle(() => {
      const data = new DataTransfer();
      data.items.add(new File(['%PDF-1.4'], 'Preisliste.pdf', { type: 'application/pdf' }));
      return data;
    });
    await page.locator('form.composer').dispatchEvent('drop', { dataTransfer: dropped });
    await page.getByRole('alert').filter({ hasText: 'A private reply in Messenger carries text only: the file was not attached.' }).waitFor();
    assert.equal(await page.locator('form.composer').getByText('Preisliste.pdf').count(), 0);
    await box.fill('Schreiben Sie uns gern Ihre Bestellnummer.');
    await box.press('Enter');
    await page.locator('.msg-out', { hasText: 'Schreiben Sie uns gern Ihre Bestellnummer.' }).locator('.badge-direct', { hasText: 'Private reply' }).waitFor();
    const privately = await waitFor(() => graph.received.find((r) => r.url === '/v23.0/682498302938466/messages'), 'the private reply');
    assert.deepEqual(JSON.parse(privately.body).recipient, { comment_id: '778899001122_5001' });
    await audit(page, 'facebook-comment');
    graph.srv.close();
  });

  await step('WhatsApp: the reply window is shown; once closed the composer offers the synced templates, fills in a parameter live and sends it; a new number of the customer is said in the timeline', async () => {
    // Meta's Graph API as far as this step needs it: the template listing and the send.
    const graph = { sent: [], srv: null, base: '' };
    const template = {
      id: '594425479261596', name: 'order_update', language: 'de', status: 'APPROVED', category: 'UTILITY', parameter_format: 'POSITIONAL',
      components: [
        { type: 'BODY', text: 'Hallo {{1}}, Ihre Bestellung {{2}} ist unterwegs.' },
        { type: 'FOOTER', text: 'Parley Shop' },
      ],
    };
    await new Promise((resolve) => {
      graph.srv = http.createServer((req, res) => {
        let body = '';
        req.on('data', (c) => (body += c));
        req.on('end', () => {
          let answer = { error: { message: 'Unknown path', code: 100 } };
          if (req.method === 'GET' && req.url.startsWith('/v23.0/102290129340398/message_templates')) answer = { data: [template], paging: { cursors: { before: 'MA', after: 'MQ' } } };
          if (req.method === 'POST' && req.url === '/v23.0/106540352242999/messages') {
            graph.sent.push(JSON.parse(body));
            answer = { messaging_product: 'whatsapp', contacts: [{ input: '4915112349999', wa_id: '4915112349999' }], messages: [{ id: 'wamid.browser-template' }] };
          }
          const data = JSON.stringify(answer);
          res.writeHead(answer.error ? 404 : 200, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(data) });
          res.end(data);
        });
      });
      graph.srv.listen(0, '127.0.0.1', () => resolve((graph.base = `http://127.0.0.1:${graph.srv.address().port}`)));
    });
    const appSecret = 'browser-whatsapp-secret';
    const wa = await rest('POST', '/api/v1/inboxes', {
      name: 'WhatsApp Orders', channel: 'whatsapp',
      config: { phone_number_id: '106540352242999', access_token: 'browser-wa-token', app_secret: appSecret, verify_token: 'v', api_base_url: graph.base + '/v23.0', business_account_id: '102290129340398' },
    }, token);
    assert.equal(wa.status, 201, JSON.stringify(wa.body));
    const synced = await rest('POST', `/api/v1/inboxes/${wa.body.id}/templates/sync`, {}, token);
    assert.equal(synced.status, 200, JSON.stringify(synced.body));
    const raw = JSON.stringify({ object: 'whatsapp_business_account', entry: [{ id: '102290129340398', changes: [{ field: 'messages', value: {
      messaging_product: 'whatsapp', metadata: { display_phone_number: '15550783881', phone_number_id: '106540352242999' },
      contacts: [{ profile: { name: 'Wanda WhatsApp' }, wa_id: '4915112349999' }],
      messages: [{ from: '4915112349999', id: 'wamid.browser-in-1', timestamp: String(Math.floor(Date.now() / 1000)), type: 'text', text: { body: 'Wo bleibt meine Bestellung?' } }] } }] }] });
    const hook = await fetch(`${base}/webhooks/whatsapp`, { method: 'POST', headers: { 'Content-Type': 'application/json', 'X-Hub-Signature-256': 'sha256=' + crypto.createHmac('sha256', appSecret).update(raw).digest('hex') }, body: raw, signal: AbortSignal.timeout(10_000) });
    assert.equal(hook.status, 200);
    const conv = await waitFor(async () => {
      const contacts = (await rest('GET', '/api/v1/contacts?q=%2B4915112349999', undefined, token)).body.data;
      return contacts.length ? (await rest('GET', `/api/v1/contacts/${contacts[0].id}/conversations`, undefined, token)).body.data[0] : null;
    }, 'the WhatsApp conversation');
    assert.ok(conv.customer_window_expires_at, 'an open window');
    // 25 hours pass: the customer's last message is moved back in the database.
    execFileSync('sqlite3', ['-cmd', '.timeout 5000', path.join(dataDir, 'parley.db'), `UPDATE conversations SET last_incoming_at = ${Date.now() - 25 * 3600 * 1000} WHERE id = ${conv.id}`]);
    await page.locator(`a.conv-item[data-id="${conv.id}"]`).click();
    await page.locator('.msg-text', { hasText: 'Wo bleibt meine Bestellung?' }).waitFor();
    await page.locator('.conv-head .window-badge.is-closed', { hasText: 'Reply window: closed' }).waitFor();
    await page.getByText('The reply window is closed: WhatsApp only delivers an approved message template now.').waitFor();
    assert.equal(await page.getByRole('textbox', { name: 'Reply' }).count(), 0, 'no free text box while the window is closed');
    await page.getByLabel('Search templates').fill('bestellung');
    await page.getByRole('button', { name: /order_update/ }).click();
    await page.getByRole('button', { name: 'Send template' }).click();
    await page.getByText('Fill in every parameter (2 missing).').waitFor();
    await page.getByLabel('Text: Parameter {{1}}').fill('Wanda');
    await page.getByTestId('template-preview').getByText('Hallo Wanda, Ihre Bestellung {{2}} ist unterwegs.').waitFor();
    await page.getByLabel('Text: Parameter {{2}}').fill('4711');
    await page.getByTestId('template-preview').getByText('Hallo Wanda, Ihre Bestellung 4711 ist unterwegs.').waitFor();
    await audit(page, 'whatsapp-template-picker');
    await page.screenshot({ path: path.join(SHOTS, 'whatsapp-template.png') });
    await page.getByRole('button', { name: 'Send template' }).click();
    await page.locator('.msg-out', { hasText: 'Hallo Wanda, Ihre Bestellung 4711 ist unterwegs.' }).waitFor();
    const sent = await waitFor(() => graph.sent[0], 'the template send');
    assert.deepEqual(sent.template, { name: 'order_update', language: { code: 'de' }, components: [{ type: 'body', parameters: [{ type: 'text', text: 'Wanda' }, { type: 'text', text: '4711' }] }] });
    // Wanda moves to a new number (Meta's system message): her open conversation says so, in the
    // agent's language.
    const moved = JSON.stringify({ object: 'whatsapp_business_account', entry: [{ id: '102290129340398', changes: [{ field: 'messages', value: {
      messaging_product: 'whatsapp', metadata: { display_phone_number: '15550783881', phone_number_id: '106540352242999' },
      messages: [{ from: '4915112349999', id: 'wamid.browser-moved-1', timestamp: String(Math.floor(Date.now() / 1000)), type: 'system',
        system: { body: 'User Wanda WhatsApp changed from 4915112349999 to 4915112340000', wa_id: '4915112340000', type: 'user_changed_number' } }] } }] }] });
    const movedHook = await fetch(`${base}/webhooks/whatsapp`, { method: 'POST', headers: { 'Content-Type': 'application/json', 'X-Hub-Signature-256': 'sha256=' + crypto.createHmac('sha256', appSecret).update(moved).digest('hex') }, body: moved, signal: AbortSignal.timeout(10_000) });
    assert.equal(movedHook.status, 200);
    await page.locator('.msg-activity', { hasText: 'Wanda WhatsApp changed their WhatsApp number from +4915112349999 to +4915112340000' }).waitFor();
    // A private note is still possible.
    await page.getByRole('button', { name: 'Write a private note instead' }).click();
    await page.getByRole('textbox', { name: 'Private note' }).waitFor();
    graph.srv.close();
    // The next steps expect a private conversation with the ordinary composer open.
    await page.locator('a.conv-item', { hasText: 'Jana Müller' }).first().click();
    await page.getByRole('textbox', { name: 'Reply' }).waitFor();
  });

  await step('Twilio WhatsApp: the same picker offers the Content API templates once the window is closed and sends ContentSid + ContentVariables', async () => {
    // Twilio's Messages API and Content API as far as this step needs them.
    const twilio = { sent: [], srv: null, base: '' };
    const sid = 'AC00000000000000000000000000000042';
    const authToken = 'browser-twilio-token';
    await new Promise((resolve) => {
      twilio.srv = http.createServer((req, res) => {
        let body = '';
        req.on('data', (c) => (body += c));
        req.on('end', () => {
          let answer = { code: 20404, message: 'not found', status: 404 };
          if (req.method === 'GET' && req.url.startsWith('/v1/ContentAndApprovals')) {
            answer = { contents: [{ sid: 'HX' + '1'.repeat(32), friendly_name: 'termin', language: 'de',
              types: { 'twilio/text': { body: 'Hallo {{1}}, Ihr Termin ist am {{2}}.' } },
              approval_requests: { name: 'termin', category: 'UTILITY', content_type: 'twilio/text', status: 'approved' } }],
            meta: { next_page_url: null } };
          }
          if (req.method === 'POST' && req.url === `/2010-04-01/Accounts/${sid}/Messages.json`) {
            twilio.sent.push(Object.fromEntries(new URLSearchParams(body)));
            answer = { sid: 'SM' + '2'.repeat(32), status: 'queued' };
          }
          const data = JSON.stringify(answer);
          res.writeHead(answer.code ? 404 : answer.sid ? 201 : 200, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(data) });
          res.end(data);
        });
      });
      twilio.srv.listen(0, '127.0.0.1', () => resolve((twilio.base = `http://127.0.0.1:${twilio.srv.address().port}`)));
    });
    const number = 'whatsapp:+14155238842';
    const inbox = await rest('POST', '/api/v1/inboxes', {
      name: 'Twilio WhatsApp', channel: 'twilio',
      config: { account_sid: sid, auth_token: authToken, phone_number: number, public_base_url: base, api_base_url: twilio.base, content_api_base_url: twilio.base },
    }, token);
    assert.equal(inbox.status, 201, JSON.stringify(inbox.body));
    const synced = await rest('POST', `/api/v1/inboxes/${inbox.body.id}/templates/sync`, {}, token);
    assert.equal(synced.status, 200, JSON.stringify(synced.body));
    // The customer writes (signed as Twilio signs: the URL, then every parameter sorted by name).
    const params = [['AccountSid', sid], ['Body', 'Wann ist mein Termin?'], ['From', 'whatsapp:+4915112348888'], ['MessageSid', 'SM' + '3'.repeat(32)], ['NumMedia', '0'], ['ProfileName', 'Theo Twilio'], ['To', number]];
    const signature = crypto.createHmac('sha1', authToken).update(`${base}/webhooks/twilio/sms` + params.map(([k, v]) => k + v).join('')).digest('base64');
    const hook = await fetch(`${base}/webhooks/twilio/sms`, { method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded', 'X-Twilio-Signature': signature }, body: new URLSearchParams(params).toString(), signal: AbortSignal.timeout(10_000) });
    assert.equal(hook.status, 200);
    const conv = await waitFor(async () => {
      const contacts = (await rest('GET', '/api/v1/contacts?q=%2B4915112348888', undefined, token)).body.data;
      return contacts.length ? (await rest('GET', `/api/v1/contacts/${contacts[0].id}/conversations`, undefined, token)).body.data[0] : null;
    }, 'the Twilio WhatsApp conversation');
    execFileSync('sqlite3', ['-cmd', '.timeout 5000', path.join(dataDir, 'parley.db'), `UPDATE conversations SET last_incoming_at = ${Date.now() - 25 * 3600 * 1000} WHERE id = ${conv.id}`]);
    await page.locator(`a.conv-item[data-id="${conv.id}"]`).click();
    await page.locator('.msg-text', { hasText: 'Wann ist mein Termin?' }).waitFor();
    await page.locator('.conv-head .window-badge.is-closed', { hasText: 'Reply window: closed' }).waitFor();
    assert.equal(await page.getByRole('textbox', { name: 'Reply' }).count(), 0, 'no free text box while the window is closed');
    await page.getByRole('button', { name: /termin/ }).click();
    await page.getByLabel('Text: Parameter {{1}}').fill('Theo');
    await page.getByLabel('Text: Parameter {{2}}').fill('Montag');
    await page.getByTestId('template-preview').getByText('Hallo Theo, Ihr Termin ist am Montag.').waitFor();
    await page.getByRole('button', { name: 'Send template' }).click();
    await page.locator('.msg-out', { hasText: 'Hallo Theo, Ihr Termin ist am Montag.' }).waitFor();
    const sent = await waitFor(() => twilio.sent[0], 'the Twilio send');
    assert.equal(sent.ContentSid, 'HX' + '1'.repeat(32));
    assert.deepEqual(JSON.parse(sent.ContentVariables), { 1: 'Theo', 2: 'Montag' });
    assert.equal(sent.Body, undefined);
    twilio.srv.close();
    await page.locator('a.conv-item', { hasText: 'Jana Müller' }).first().click();
    await page.getByRole('textbox', { name: 'Reply' }).waitFor();
  });

  await step('switch the language to Deutsch: German labels, saved on the user', async () => {
    await page.getByRole('button', { name: /Admin/ }).first().click();
    await page.getByLabel('Language', { exact: true }).selectOption('de');
    await page.getByRole('heading', { name: 'Konversationen', level: 1 }).waitFor();
    await page.getByRole('radio', { name: 'Antwort' }).check();
    await page.getByRole('button', { name: 'Senden' }).waitFor();
    await page.getByRole('link', { name: 'Einstellungen' }).waitFor();
    await waitFor(async () => (await rest('GET', `/api/v1/users/${adminId}`, undefined, token)).body.language === 'de', 'language saved as de');
    await page.reload();
    await page.getByRole('heading', { name: 'Konversationen', level: 1 }).waitFor();
  });

  await step('German desk: "Mein Konto" in the user menu, the new password checked in German before anything is sent', async () => {
    const patches = [];
    const onRequest = (r) => r.method() === 'PATCH' && patches.push(r.url());
    page.on('request', onRequest);
    await page.getByRole('button', { name: /Admin/ }).first().click();
    await page.getByRole('button', { name: 'Mein Konto' }).click();
    const account = page.getByRole('dialog', { name: 'Mein Konto' });
    await account.getByRole('heading', { name: 'Passwort ändern' }).waitFor();
    await account.getByLabel('Aktuelles Passwort').fill('egal-welches');
    await account.getByLabel('Neues Passwort', { exact: true }).fill('kurz');
    await account.getByLabel('Neues Passwort wiederholen').fill('kurz');
    await account.getByRole('button', { name: 'Speichern' }).click();
    await account.getByRole('alert').filter({ hasText: 'Das neue Passwort braucht mindestens 8 Zeichen.' }).waitFor();
    assert.equal(await account.getByLabel('Neues Passwort', { exact: true }).getAttribute('aria-invalid'), 'true');
    page.off('request', onRequest);
    assert.deepEqual(patches, [], 'nothing sent');
    await page.keyboard.press('Escape');
    await account.waitFor({ state: 'hidden' });
  });

  await step('German desk: server errors in German, the server’s English detail marked as such', async () => {
    await page.getByRole('link', { name: 'Einstellungen' }).click();
    await page.getByRole('link', { name: 'Benutzer', exact: true }).click();
    const form = page.locator('form', { has: page.getByRole('heading', { name: 'Neuer Benutzer' }) });
    await form.getByLabel('Name').fill('Zweiter Admin');
    await form.getByLabel('E-Mail').fill('admin@parley.local');
    await form.getByLabel(/^Passwort/).fill('geheim-und-lang');
    // The e-mail address is taken: the server's 409 in the form's own German sentence.
    await form.getByRole('button', { name: 'Anlegen' }).click();
    const alert = page.locator('.admin-body').getByRole('alert');
    await alert.filter({ hasText: 'Es gibt schon einen Benutzer mit dieser E-Mail-Adresse.' }).waitFor();
    assert.doesNotMatch(await alert.textContent(), /already exists|exists/);
    // A 400 (the role altered in flight): the German headline, then the server's English detail.
    await form.getByLabel('E-Mail').fill('zweiter@parley.local');
    await page.route(`${base}/api/v1/users`, async (route) => {
      const body = JSON.parse(route.request().postData());
      await route.continue({ postData: JSON.stringify({ ...body, role: 'chef' }) });
    }, { times: 1 });
    await form.getByRole('button', { name: 'Anlegen' }).click();
    await alert.filter({ hasText: 'Die Eingabe wurde nicht angenommen. Details vom Server: role: one of admin, supervisor, agent' }).waitFor();
    // No answer at all: "not reachable", in German.
    await page.route(`${base}/api/v1/users`, (route) => route.abort('connectionrefused'), { times: 1 });
    await form.getByRole('button', { name: 'Anlegen' }).click();
    await alert.filter({ hasText: /^Der Server ist nicht erreichbar\./ }).waitFor();
    assert.equal((await rest('GET', '/api/v1/users', undefined, token)).body.data.filter((u) => u.email === 'zweiter@parley.local').length, 0);
    await page.getByRole('link', { name: 'Konversationen' }).first().click();
    await page.getByRole('heading', { name: 'Konversationen', level: 1 }).waitFor();
    await page.getByRole('button', { name: /Admin/ }).first().click();
    await page.getByLabel('Sprache', { exact: true }).selectOption('en');
    await page.getByRole('heading', { name: 'Conversations', level: 1 }).waitFor();
    await page.keyboard.press('Escape');
  });

  await step('admin: canned responses with a live preview', async () => {
    await page.getByRole('link', { name: 'Settings' }).click();
    await page.getByRole('link', { name: 'Canned responses' }).click();
    await page.getByRole('cell', { name: /Hallo \{\{contact.first_name\}\}/ }).waitFor();
    await page.getByLabel('Short code').fill('danke');
    await page.getByLabel('Content').fill('Danke, {{contact.first_name}}! Viele Grüße, {{agent.name}}');
    await page.locator('.preview', { hasText: 'Danke, Jana! Viele Grüße, Admin' }).waitFor();
    await page.screenshot({ path: path.join(SHOTS, 'admin.png') });
    await audit(page, 'admin');
    await page.getByRole('button', { name: 'Create' }).click();
    await page.getByRole('rowheader', { name: '/danke' }).waitFor();
  });

  let mailInbox = null;
  let availabilityPage = null;
  let mailSecret = null;
  await step('admin: create an e-mail inbox (the refused SMTP URL is named at the form), status webhook_only, secret behind "Show"', async () => {
    await page.getByRole('navigation', { name: 'Settings sections' }).getByRole('link', { name: 'Inboxes' }).click();
    const form = page.locator('form.inbox-form', { has: page.getByRole('heading', { name: 'New inbox' }) });
    await form.getByLabel('Channel').selectOption('email');
    await form.getByLabel('Name', { exact: true }).fill('Mail Support');
    await form.getByLabel('Address').fill('support@acme.test');
    await form.getByLabel('Display name').fill('Acme Support');
    await form.getByLabel('SMTP URL').fill('ftp://127.0.0.1:1');
    await form.getByLabel('SMTP user').fill('support@acme.test');
    await form.getByLabel('SMTP password').fill('smtp-secret-1');
    await form.getByLabel('Signature (German)').fill('Viele Grüße\nIhr Acme-Team');
    await form.getByLabel('Signature (English)').fill('Kind regards\nthe Acme team');
    await form.getByLabel(/Quote the customer/).check();
    await form.getByRole('checkbox', { name: 'Support' }).check();
    await form.getByRole('button', { name: 'Create' }).click();
    await form.getByRole('alert').filter({ hasText: 'The input was not accepted. Server details: config.smtp_url: must start with smtps:// or smtp://' }).waitFor();
    assert.equal(await form.getByLabel('SMTP URL').getAttribute('aria-invalid'), 'true');
    await waitFor(() => page.evaluate(() => document.activeElement?.id === 'new-inbox-smtp_url'), 'the refused field to have focus');
    await form.getByLabel('SMTP URL').fill('smtp://127.0.0.1:1');
    await form.getByRole('button', { name: 'Create' }).click();
    const detail = page.locator('section.inbox-detail');
    await detail.getByRole('heading', { name: /^Mail Support/ }).waitFor();
    const list = await rest('GET', '/api/v1/inboxes', undefined, token);
    mailInbox = list.body.data.find((i) => i.name === 'Mail Support');
    assert.ok(mailInbox, 'the inbox was created');
    assert.deepEqual(mailInbox.config, {
      address: 'support@acme.test', display_name: 'Acme Support', smtp_url: 'smtp://127.0.0.1:1', smtp_user: 'support@acme.test', smtp_password: '********',
      signature: { de: 'Viele Grüße\nIhr Acme-Team', en: 'Kind regards\nthe Acme team' }, quote_history: true,
    });
    // No IMAP: the poller reports webhook_only; the details re-read it (every 10 s, or now).
    await waitFor(async () => {
      if (await detail.locator('.badge-mail-webhook_only').count()) return true;
      await detail.getByRole('button', { name: 'Check now' }).click();
      await sleep(500);
      return false;
    }, 'the status webhook_only');
    await detail.getByText('No IMAP URL: mail arrives through the inbound webhook only.').waitFor();
    await page.locator('tr', { hasText: 'Mail Support' }).locator('.badge-mail-webhook_only').waitFor({ timeout: 15_000 });
    assert.equal((await detail.locator('.webhook-url').textContent()).trim(), `${base}/webhooks/email/${mailInbox.id}`);
    // Shown after creating it; hidden behind "Show secret" otherwise.
    await detail.getByRole('button', { name: 'Hide secret' }).click();
    assert.equal(await detail.locator('.inbox-secret').count(), 0);
    await detail.getByRole('button', { name: 'Show secret' }).click();
    mailSecret = (await detail.locator('.inbox-secret').textContent()).trim();
    assert.equal(mailSecret, mailInbox.secret);
    await audit(page, 'admin inbox');
  });

  await step('admin: saving the unchanged e-mail form keeps the stored password; WhatsApp, Telegram and Twilio inboxes are created with their keys (a refused number named at its field)', async () => {
    const detail = page.locator('section.inbox-detail');
    const edit = detail.locator('form.inbox-form');
    assert.equal(await edit.getByLabel('SMTP password').inputValue(), '********');
    await edit.getByRole('button', { name: 'Save' }).click();
    await edit.getByRole('status').filter({ hasText: 'Saved' }).waitFor();
    const after = await rest('GET', `/api/v1/inboxes/${mailInbox.id}`, undefined, token);
    assert.equal(after.body.config.smtp_password, '********', 'the password is still stored');
    assert.deepEqual(after.body.config, mailInbox.config);
    // The send rate: 0 is refused at its field before saving, 0.5 is kept as a number.
    const rate = edit.getByLabel('Messages per second at most');
    await rate.fill('0');
    await edit.getByRole('button', { name: 'Save' }).click();
    await edit.getByText('Enter a number above 0 and at most 10000.').waitFor();
    assert.equal(await rate.getAttribute('aria-invalid'), 'true');
    await rate.fill('0.5');
    await edit.getByRole('button', { name: 'Save' }).click();
    await edit.getByRole('status').filter({ hasText: 'Saved' }).waitFor();
    assert.equal((await rest('GET', `/api/v1/inboxes/${mailInbox.id}`, undefined, token)).body.config.max_messages_per_second, 0.5);
    await rate.fill('');
    await edit.getByRole('button', { name: 'Save' }).click();
    await waitFor(async () => !('max_messages_per_second' in (await rest('GET', `/api/v1/inboxes/${mailInbox.id}`, undefined, token)).body.config), 'the rate removed again');
    await detail.getByRole('button', { name: 'Close' }).click();
    const form = page.locator('form.inbox-form', { has: page.getByRole('heading', { name: 'New inbox' }) });
    await form.getByLabel('Channel').selectOption('whatsapp');
    await form.getByLabel('Name', { exact: true }).fill('WhatsApp Shop');
    await form.getByLabel('Phone number ID').fill('106540352242922');
    await form.getByLabel('Access token').fill('EAAG-test');
    await form.getByLabel('App secret').fill('app-secret-1');
    await form.getByLabel('Verify token').fill('verify-1');
    await form.getByRole('button', { name: 'Create' }).click();
    const detail2 = page.locator('section.inbox-detail');
    await detail2.getByRole('heading', { name: /^WhatsApp Shop/ }).waitFor();
    assert.equal((await detail2.locator('.webhook-url').textContent()).trim(), `${base}/webhooks/whatsapp`);
    const wa = (await rest('GET', '/api/v1/inboxes', undefined, token)).body.data.find((i) => i.name === 'WhatsApp Shop');
    assert.deepEqual(wa.config, { phone_number_id: '106540352242922', access_token: '********', app_secret: '********', verify_token: '********' });
    await detail2.getByRole('button', { name: 'Close' }).click();
    // Every provider channel through the same form: a Telegram bot, its webhook URL shown.
    await form.getByLabel('Channel').selectOption('telegram');
    await form.getByLabel('Name', { exact: true }).fill('Telegram Shop Bot');
    await form.getByLabel('Bot token').fill('123456:ABC-form_test');
    await form.getByLabel('Webhook secret token').fill('form-secret-1');
    await form.getByRole('button', { name: 'Create' }).click();
    await detail2.getByRole('heading', { name: /^Telegram Shop Bot/ }).waitFor();
    const tgInbox = (await rest('GET', '/api/v1/inboxes', undefined, token)).body.data.find((i) => i.name === 'Telegram Shop Bot');
    assert.deepEqual(tgInbox.config, { bot_token: '********', secret_token: '********' });
    assert.equal((await detail2.locator('.webhook-url').textContent()).trim(), `${base}/webhooks/telegram/${tgInbox.id}`);
    // The desk is open under http://127.0.0.1: Telegram could not call that, and the page says so.
    assert.match(await detail2.locator('.webhook-info .warning').textContent(), /public HTTPS address/);
    await detail2.getByRole('button', { name: 'Close' }).click();
    // Twilio: a number that is not E.164 is refused by the server, at its field.
    await form.getByLabel('Channel').selectOption('twilio');
    await form.getByLabel('Name', { exact: true }).fill('SMS Hotline');
    await form.getByLabel('Account SID').fill('AC' + '0123456789abcdef'.repeat(2));
    await form.getByLabel('Auth token').fill('twilio-auth-1');
    await form.getByLabel('Twilio number').fill('0151 1234 5678');
    await form.getByLabel('Public URL of this server').fill('https://parley.example.com');
    await form.getByRole('button', { name: 'Create' }).click();
    await waitFor(() => page.evaluate(() => document.activeElement?.id === 'new-inbox-phone_number'), 'the refused number to have focus');
    await form.getByLabel('Twilio number').fill('+4915112345678');
    await form.getByRole('button', { name: 'Create' }).click();
    await detail2.getByRole('heading', { name: /^SMS Hotline/ }).waitFor();
    assert.equal((await detail2.locator('.webhook-url').textContent()).trim(), 'https://parley.example.com/webhooks/twilio/sms', 'the URL Twilio signs');
    assert.equal(await detail2.locator('.webhook-info .warning').count(), 0, 'a public HTTPS URL needs no warning');
    const sms = (await rest('GET', '/api/v1/inboxes', undefined, token)).body.data.find((i) => i.name === 'SMS Hotline');
    assert.equal(sms.config.phone_number, '+4915112345678');
    assert.equal(sms.config.auth_token, '********');
    await detail2.getByRole('button', { name: 'Close' }).click();
  });

  await step('admin: create a web-chat inbox (a bad origin and overlapping hours refused by the desk, a server 400 at its field), copy the embed snippet, edit the greeting', async () => {
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: base });
    const form = page.locator('form.inbox-form', { has: page.getByRole('heading', { name: 'New inbox' }) });
    await form.getByLabel('Channel').selectOption('webchat');
    await form.getByLabel('Name', { exact: true }).fill('Shop Chat');
    // Allowed sites: a list; each origin is checked as it is added.
    const site = form.getByLabel('Add a site');
    await site.fill('shop.example.com/kontakt');
    await form.getByRole('button', { name: 'Add', exact: true }).click();
    await form.getByRole('alert').filter({ hasText: '“shop.example.com/kontakt” is not an origin' }).waitFor();
    assert.equal(await site.getAttribute('aria-invalid'), 'true');
    await site.fill('https://Shop.Example.com/');
    await site.press('Enter');
    const origins = form.getByRole('list', { name: 'Allowed sites' });
    await origins.getByRole('listitem').filter({ hasText: 'https://shop.example.com' }).waitFor();
    assert.equal(await site.getAttribute('aria-invalid'), null);
    await site.fill('http://127.0.0.1:9');
    await form.getByRole('button', { name: 'Add', exact: true }).click();
    await form.getByRole('button', { name: 'Remove http://127.0.0.1:9' }).click();
    await site.fill('http://localhost:8081'); // typed, not added: the save takes it along
    await form.getByLabel('Greeting (German)').fill('Moin! Wie können wir helfen?');
    await form.getByLabel('Greeting (English)').fill('Hi! How can we help?');
    await form.getByLabel('Colour', { exact: true }).fill('#2D5A27');
    assert.equal(await form.getByLabel('Pick the colour').inputValue(), '#2d5a27');
    await form.getByLabel('Ask for name and e-mail address before the first message').check();
    await form.getByLabel('The e-mail address is required').check();
    await form.getByLabel('Offline message (German)').fill('Gerade ist niemand da. Wir antworten per E-Mail.');
    // Business hours: Monday to Friday 9–17 to start with; Monday split, Saturday added, a day off.
    await form.getByLabel('Open only at set hours').check();
    await form.getByLabel('Time zone').selectOption('Europe/Vienna');
    await form.getByLabel('Monday, hours 1: until').fill('12:30');
    await form.getByRole('button', { name: 'Add hours on Monday' }).click();
    await form.getByLabel('Monday, hours 2: from').fill('12:00');
    await form.getByLabel('Monday, hours 2: until').fill('17:00');
    await form.getByRole('button', { name: 'Add hours on Saturday' }).click();
    await form.getByLabel('Saturday, hours 1: from').fill('10:00');
    await form.getByLabel('Saturday, hours 1: until').fill('14:00');
    await form.getByRole('button', { name: 'Remove Friday 09:00–17:00' }).click();
    await form.getByRole('button', { name: 'Add hours on Friday' }).click();
    await form.getByLabel('Friday, hours 1: from').fill('22:00');
    await form.getByLabel('Friday, hours 1: until').fill('00:00'); // midnight
    await form.getByLabel('Add a closed date').fill('2026-12-24');
    await form.getByRole('button', { name: 'Add a closed date' }).click();
    await form.getByRole('checkbox', { name: 'Support' }).check();
    // The desk refuses overlapping hours at that day, before asking the server.
    const creates = [];
    const onRequest = (r) => r.method() === 'POST' && r.url().endsWith('/api/v1/inboxes') && creates.push(r);
    page.on('request', onRequest);
    await form.getByRole('button', { name: 'Create' }).click();
    const monday = form.getByRole('group', { name: 'Monday' });
    await monday.getByRole('alert').filter({ hasText: 'The intervals of this day overlap.' }).waitFor();
    await waitFor(() => page.evaluate(() => document.activeElement?.id === 'new-inbox-weekly_mon'), 'Monday to have focus');
    assert.equal(creates.length, 0, 'the form was sent with overlapping hours');
    await form.getByLabel('Monday, hours 2: from').fill('13:30');
    // The server's own check: a time zone it does not know (changed in flight) comes back as a
    // 400 naming config.business_hours.timezone, shown at that field.
    await page.route(`${base}/api/v1/inboxes`, async (route) => {
      const body = JSON.parse(route.request().postData());
      body.config.business_hours.timezone = 'Mars/Olympus';
      await route.continue({ postData: JSON.stringify(body) });
    }, { times: 1 });
    await form.getByRole('button', { name: 'Create' }).click();
    const tz = form.getByLabel('Time zone');
    await form.getByRole('alert').filter({ hasText: /^The input was not accepted\. Server details: config\.business_hours\.timezone: 'Mars\/Olympus' is not a time zone/ }).waitFor();
    assert.equal(await tz.getAttribute('aria-invalid'), 'true');
    await waitFor(() => page.evaluate(() => document.activeElement?.id === 'new-inbox-timezone'), 'the time zone to have focus');
    await form.getByRole('button', { name: 'Create' }).click();
    const detail = page.locator('section.inbox-detail');
    await detail.getByRole('heading', { name: /^Shop Chat/ }).waitFor();
    page.off('request', onRequest);
    assert.equal(creates.length, 2);
    const chat = (await rest('GET', '/api/v1/inboxes', undefined, token)).body.data.find((i) => i.name === 'Shop Chat');
    assert.ok(chat, 'the inbox was created');
    assert.equal(chat.channel, 'webchat');
    const expected = {
      allowed_origins: ['https://shop.example.com', 'http://localhost:8081'],
      greeting: { de: 'Moin! Wie können wir helfen?', en: 'Hi! How can we help?' },
      color: '#2d5a27',
      prechat: { enabled: true, require_email: true },
      business_hours: { timezone: 'Europe/Vienna', weekly: { mon: ['09:00-12:30', '13:30-17:00'], tue: ['09:00-17:00'], wed: ['09:00-17:00'], thu: ['09:00-17:00'], fri: ['22:00-24:00'], sat: ['10:00-14:00'] }, closed_dates: ['2026-12-24'] },
      offline_message: { de: 'Gerade ist niemand da. Wir antworten per E-Mail.' },
    };
    assert.deepEqual(chat.config, expected);
    // The one line for the shop's pages, and the copy button.
    const snippet = `<script src="${base}/widget.js" data-parley-inbox="${chat.id}" async></script>`;
    assert.equal((await detail.locator('.embed-snippet').textContent()).trim(), snippet);
    await detail.getByRole('button', { name: 'Copy snippet' }).click();
    await detail.getByRole('status').filter({ hasText: 'The snippet is on the clipboard.' }).waitFor();
    assert.equal(await page.evaluate(() => navigator.clipboard.readText()), snippet);
    // Identity verification: the secret (shown right after creating), and the guide.
    assert.equal((await detail.locator('.embed-info .inbox-secret').textContent()).trim(), chat.secret);
    const guide = detail.getByRole('link', { name: 'How it works (docs/channels/WEBCHAT.md)' });
    const doc = await fetch(base + (await guide.getAttribute('href')));
    assert.equal(doc.status, 200);
    assert.match(await doc.text(), /### Identity verification[\s\S]*user_hash/);
    await detail.locator('.embed-info').getByRole('button', { name: 'Hide secret' }).click();
    // The whole section in one picture: a viewport tall enough for it, then back.
    await page.setViewportSize({ width: 1440, height: 2600 });
    await detail.screenshot({ path: path.join(SHOTS, 'webchat-inbox.png') });
    await page.setViewportSize({ width: 1440, height: 900 });
    await audit(page, 'web-chat inbox');

    // Edit the greeting; everything else is saved as it was.
    const edit = detail.locator('form.inbox-form');
    assert.equal(await edit.getByLabel('Greeting (German)').inputValue(), 'Moin! Wie können wir helfen?');
    assert.equal(await edit.getByLabel('Friday, hours 1: until').inputValue(), '00:00');
    await edit.getByLabel('Greeting (German)').fill('Grüß Gott! Wie können wir helfen?');
    await edit.getByRole('button', { name: 'Save' }).click();
    await edit.getByRole('status').filter({ hasText: 'Saved' }).waitFor();
    const after = await rest('GET', `/api/v1/inboxes/${chat.id}`, undefined, token);
    assert.deepEqual(after.body.config, { ...expected, greeting: { ...expected.greeting, de: 'Grüß Gott! Wie können wir helfen?' } });
    // The widget of an allowed site sees it.
    const config = await fetch(`${base}/widget/v1/inboxes/${chat.id}/config`, { headers: { Origin: 'https://shop.example.com' } });
    assert.equal(config.status, 200);
    assert.equal((await config.json()).greeting.de, 'Grüß Gott! Wie können wir helfen?');
    await detail.getByRole('button', { name: 'Close', exact: true }).click();
  });

  let mailConversation = null;
  await step('an e-mail posted to the inbound webhook: subject, header, attachments', async () => {
    remoteImages = await startRemoteImages(dataDir);
    const mail = rawMail({ remoteUrl: `${remoteImages.base}/banner.png?kampagne=4711`, logo: png(48), pdf: Buffer.from('%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n') });
    const res = await fetch(`${base}/webhooks/email/${mailInbox.id}`, {
      method: 'POST', headers: { Authorization: 'Bearer ' + mailSecret, 'Content-Type': 'message/rfc822' }, body: mail, signal: AbortSignal.timeout(10_000),
    });
    const body = await res.json();
    assert.equal(res.status, 201, JSON.stringify(body));
    mailConversation = body.conversation_id;
    const wrong = await fetch(`${base}/webhooks/email/${mailInbox.id}`, { method: 'POST', headers: { Authorization: 'Bearer nope', 'Content-Type': 'message/rfc822' }, body: mail });
    assert.equal(wrong.status, 401);
    await page.goto(`${base}/conversations/${mailConversation}`);
    const msg = page.locator('.msg-in', { has: page.locator('.msg-subject') });
    await msg.locator('.msg-subject', { hasText: 'Rückfrage zur Änderung – Bestellung 4711' }).waitFor();
    await msg.locator('.msg-text', { hasText: 'Größe und Menge fehlen.' }).waitFor();
    await msg.locator('.mail-fields summary').click();
    await msg.locator('.mail-fields dd', { hasText: 'Buchhaltung <buchhaltung@kunde.test>' }).waitFor();
    await msg.locator('.mail-fields dd', { hasText: 'Acme Support <support@acme.test>' }).waitFor();
    await msg.locator('a.attachment-file', { hasText: 'Rechnung 4711 März.pdf' }).waitFor();
    await msg.locator('.attachment-image img[alt="logo.png"]').waitFor();
    assert.deepEqual(remoteImages.hits, [], 'the remote host was asked before the formatted view');
  });

  await step('the formatted view: sandboxed, no script, inline image shown, remote image only after the click', async () => {
    const msg = page.locator('.msg-in', { has: page.locator('.msg-subject') });
    await msg.getByRole('button', { name: 'Show formatted' }).click();
    const iframe = msg.locator('iframe.mail-frame');
    await iframe.waitFor();
    assert.equal(await iframe.getAttribute('sandbox'), 'allow-popups allow-popups-to-escape-sandbox');
    const srcdoc = await iframe.getAttribute('srcdoc');
    assert.ok(!/<script|onclick|onerror/i.test(srcdoc), 'script or handlers in the frame document');
    assert.match(srcdoc, /<meta http-equiv="Content-Security-Policy" content="default-src 'none'; img-src data:; style-src 'unsafe-inline';/);
    const frame = page.frameLocator('iframe.mail-frame');
    await frame.locator('b', { hasText: 'Rechnung 4711' }).waitFor();
    // The frame's stylesheet applies (its hash is allowed by the desk's policy, which the frame inherits).
    const handle = await iframe.elementHandle();
    const inner = await handle.contentFrame();
    assert.equal(await inner.evaluate(() => getComputedStyle(document.body).paddingLeft), '12px');
    // The inline cid: image, fetched by the desk and handed over as a data: URL.
    await waitFor(() => inner.evaluate(() => {
      const img = document.querySelector('img[alt="Firmenlogo"]');
      return img && img.complete && img.naturalWidth === 48;
    }), 'the inline logo in the frame');
    await page.waitForTimeout(500);
    assert.deepEqual(remoteImages.hits, [], 'the remote image was fetched before the click');
    assert.equal(requests.filter((u) => u.startsWith(remoteImages.base)).length, 0, 'the browser asked the remote host before the click');
    assert.equal(await page.evaluate(() => window.__mailScript), undefined);
    assert.deepEqual(dialogs, [], 'a dialog fired');
    await msg.getByRole('button', { name: 'Load remote images' }).click();
    await waitFor(() => requests.some((u) => u.startsWith(remoteImages.base + '/banner.png')), 'the remote image request after the click');
    await waitFor(() => remoteImages.hits.length === 1, 'the remote host to be asked once');
    await waitFor(async () => {
      const f = await (await msg.locator('iframe.mail-frame').elementHandle()).contentFrame();
      return f.evaluate(() => {
        const img = document.querySelector('img[alt="Newsletter-Banner"]');
        return img && img.complete && img.naturalWidth === 24;
      });
    }, 'the remote image in the frame');
    assert.match(await msg.locator('iframe.mail-frame').getAttribute('srcdoc'), /img-src data: https:;/);
    assert.equal(await msg.getByRole('button', { name: 'Load remote images' }).count(), 0);
    await msg.scrollIntoViewIfNeeded();
    await page.screenshot({ path: path.join(SHOTS, 'email.png') });
    await audit(page, 'email');
    assert.equal(await page.evaluate(() => window.__mailScript), undefined);
    assert.deepEqual(dialogs, [], 'a dialog fired');
  });

  await step('a threaded auto-reply arrives live: badge, subject, its file', async () => {
    const auto = [
      'From: =?UTF-8?Q?J=C3=BCrgen_M=C3=BCller?= <juergen@kunde.test>',
      'To: support@acme.test',
      'Subject: =?UTF-8?Q?Abwesenheitsnotiz:_R=C3=BCckfrage?=',
      'Message-ID: <abwesend-1@kunde.test>',
      'In-Reply-To: <rueckfrage-4711@kunde.test>',
      'Auto-Submitted: auto-replied',
      'MIME-Version: 1.0',
      'Content-Type: multipart/mixed; boundary="b"',
      '',
      '--b',
      'Content-Type: text/plain; charset=utf-8',
      'Content-Transfer-Encoding: 8bit',
      '',
      'Ich bin bis Montag nicht im Büro.',
      '--b',
      'Content-Type: text/plain; charset=utf-8; name="vertretung.txt"',
      'Content-Disposition: attachment; filename="vertretung.txt"',
      '',
      'Vertretung: Frau Schulz',
      '--b--',
      '',
    ].join('\r\n');
    const res = await fetch(`${base}/webhooks/email/${mailInbox.id}?token=${mailSecret}`, { method: 'POST', headers: { 'Content-Type': 'message/rfc822' }, body: Buffer.from(auto, 'utf8') });
    const body = await res.json();
    assert.equal(res.status, 201, JSON.stringify(body));
    assert.equal(body.conversation_id, mailConversation, 'the auto-reply joined the thread');
    const msg = page.locator('.msg-in', { has: page.locator('.msg-subject', { hasText: 'Abwesenheitsnotiz: Rückfrage' }) });
    await msg.locator('.badge-automated', { hasText: 'Auto-reply' }).waitFor();
    await msg.locator('.msg-text', { hasText: 'Ich bin bis Montag nicht im Büro.' }).waitFor();
    await msg.locator('a.attachment-file', { hasText: 'vertretung.txt' }).waitFor();
  });

  await step('availability: set "Away" in the header; the supervisor page of another user shows it live', async () => {
    const other = await browser.newContext({ viewport: { width: 1280, height: 800 }, locale: 'en-GB', timezoneId: 'Europe/Berlin' });
    other.setDefaultTimeout(STEP_TIMEOUT);
    const p2 = await other.newPage();
    p2.on('pageerror', (e) => pageErrors.push('supervisor page: ' + e.message));
    await p2.goto(`${base}/supervisor`);
    await p2.getByLabel('E-mail').fill(supervisor.email);
    await p2.getByLabel('Password').fill(supervisor.password);
    await p2.getByRole('button', { name: 'Sign in' }).click();
    await p2.getByRole('heading', { name: 'Supervisor', level: 1 }).waitFor();
    await p2.locator('.live-badge.is-live').waitFor();
    const adminRow = p2.getByRole('row').filter({ has: p2.getByRole('rowheader', { name: /^Admin/ }) });
    await adminRow.locator('.presence.is-offline').waitFor();
    await p2.getByRole('button', { name: 'Your status: Offline' }).waitFor();
    const marker = await p2.evaluate(() => (window.__noReload = 'still-here'));

    const status = page.getByRole('button', { name: /^Your status:/ });
    assert.equal((await status.textContent()).trim(), 'Your status: Offline');
    await status.click();
    await page.getByRole('menu', { name: 'Your status' }).waitFor();
    await waitFor(() => page.evaluate(() => document.activeElement?.getAttribute('aria-checked') === 'true'), 'the current status to have focus');
    await audit(page, 'status menu');
    await page.getByRole('menuitemradio', { name: /^Away/ }).click();
    await page.getByRole('button', { name: 'Your status: Away' }).waitFor();
    assert.equal(await page.locator('.topbar .presence.is-away .presence-dot').count(), 1, 'the away dot in the header');
    assert.equal(await page.getByRole('menu', { name: 'Your status' }).isVisible(), false);
    const me = await rest('GET', `/api/v1/users/${adminId}`, undefined, token);
    assert.equal(me.body.availability, 'away');

    // Live on the other user's supervisor page, without a reload; the load column is still there.
    await adminRow.locator('.presence.is-away', { hasText: 'Away' }).waitFor();
    assert.equal(await p2.evaluate(() => window.__noReload), marker);
    assert.ok((await adminRow.locator('.loadbar-label').textContent()).trim().length > 0);
    await p2.screenshot({ path: path.join(SHOTS, 'supervisor.png') });
    await audit(p2, 'supervisor');
    // Keyboard: the menu opens on the current status, arrows move, Enter picks.
    await status.focus();
    await page.keyboard.press('Enter');
    await waitFor(() => page.evaluate(() => document.activeElement?.getAttribute('aria-checked') === 'true'), 'the menu focus');
    await page.keyboard.press('ArrowUp');
    await page.keyboard.press('Enter');
    await page.getByRole('button', { name: 'Your status: Available' }).waitFor();
    await adminRow.locator('.presence.is-available').waitFor();
    availabilityPage = { other, p2, adminRow };
  });

  await step('an agent of another team cannot open the conversation (not found)', async () => {
    const other = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    other.setDefaultTimeout(STEP_TIMEOUT);
    const p2 = await other.newPage();
    await p2.goto(`${base}/conversations/${conversationId}`);
    await p2.getByLabel('E-mail').fill(agent.email);
    await p2.getByLabel('Password').fill(agent.password);
    await p2.getByRole('button', { name: 'Sign in' }).click();
    await p2.getByText('This conversation does not exist or you may not see it.').waitFor();
    assert.equal(await p2.locator('.msg-text').count(), 0);
    await other.close();
  });

  await step('My account: an agent changes their own password (a mismatch and a wrong current password refused at their fields); the other sessions end, this one stays', async () => {
    const carla = { email: 'carla@parley.local', password: 'carla-old-pw', name: 'Carla Agent' };
    const newPassword = 'carla-new-pw-2026';
    const created = await rest('POST', '/api/v1/users', { ...carla, role: 'agent', language: 'en' }, token);
    assert.equal(created.status, 201, JSON.stringify(created.body));
    // Signed in elsewhere (another device) before the change.
    const elsewhere = await rest('POST', '/api/v1/auth/login', { email: carla.email, password: carla.password });
    assert.equal(elsewhere.status, 200, JSON.stringify(elsewhere.body));

    const other = await browser.newContext({ viewport: { width: 1280, height: 800 }, locale: 'en-GB', timezoneId: 'Europe/Berlin' });
    other.setDefaultTimeout(STEP_TIMEOUT);
    const p2 = await other.newPage();
    p2.on('pageerror', (e) => pageErrors.push('account page: ' + e.message));
    const patches = [];
    p2.on('request', (r) => r.method() === 'PATCH' && patches.push(r.url()));
    await p2.goto(base + '/');
    await p2.getByLabel('E-mail').fill(carla.email);
    await p2.getByLabel('Password').fill(carla.password);
    await p2.getByRole('button', { name: 'Sign in' }).click();
    await p2.getByRole('heading', { name: 'Conversations', level: 1 }).waitFor();
    await p2.getByRole('button', { name: /Carla Agent/ }).click();
    await p2.getByRole('button', { name: 'My account' }).click();
    const dialog = p2.getByRole('dialog', { name: 'My account' });
    await dialog.getByText(carla.email).waitFor();
    const current = dialog.getByLabel('Current password');
    const next = dialog.getByLabel('New password', { exact: true });
    const repeat = dialog.getByLabel('Repeat new password');
    assert.equal(await current.getAttribute('autocomplete'), 'current-password');
    assert.equal(await next.getAttribute('autocomplete'), 'new-password');

    // The two new ones differ: said at the repeat, nothing sent.
    await current.fill(carla.password);
    await next.fill(newPassword);
    await repeat.fill(newPassword + 'x');
    await dialog.getByRole('button', { name: 'Save' }).click();
    await dialog.getByRole('alert').filter({ hasText: 'The two new passwords are not the same.' }).waitFor();
    assert.equal(await repeat.getAttribute('aria-invalid'), 'true');
    assert.deepEqual(patches, []);

    // A wrong current password: the server's 403, said at that field, which gets the focus.
    await current.fill('not-my-password');
    await repeat.fill(newPassword);
    await dialog.getByRole('button', { name: 'Save' }).click();
    await dialog.getByRole('alert').filter({ hasText: 'That is not your current password.' }).waitFor();
    assert.equal(await current.getAttribute('aria-invalid'), 'true');
    assert.equal(await p2.evaluate(() => document.activeElement?.id), 'account-current');
    assert.equal(patches.length, 1);
    await audit(p2, 'my account');
    assert.equal((await rest('POST', '/api/v1/auth/login', { email: carla.email, password: carla.password })).status, 200, 'the old password still works');

    await current.fill(carla.password);
    await dialog.getByRole('button', { name: 'Save' }).click();
    await dialog.getByRole('status').filter({ hasText: 'Your password has been changed. Your other sessions have been signed out.' }).waitFor();
    assert.equal(await dialog.getByRole('alert').count(), 0);
    assert.deepEqual([await current.inputValue(), await next.inputValue(), await repeat.inputValue()], ['', '', '']);
    await p2.screenshot({ path: path.join(SHOTS, 'account.png') });

    // The old password no longer signs in, the new one does; the session from before the change
    // has ended, the one that made it has not.
    assert.equal((await rest('POST', '/api/v1/auth/login', { email: carla.email, password: carla.password })).status, 401);
    assert.equal((await rest('POST', '/api/v1/auth/login', { email: carla.email, password: newPassword })).status, 200);
    assert.equal((await rest('GET', '/api/v1/auth/me', undefined, elsewhere.body.token)).status, 401);
    assert.equal(await p2.evaluate(() => fetch('/api/v1/auth/me').then((r) => r.status)), 200);
    await p2.keyboard.press('Escape');
    await dialog.waitFor({ state: 'hidden' });
    await p2.getByRole('heading', { name: 'Conversations', level: 1 }).waitFor();
    await other.close();
  });

  await step('sign out: set offline first (the supervisor sees it), then the session ends', async () => {
    await page.getByRole('button', { name: /Admin/ }).first().click();
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('heading', { name: 'Sign in to Parley' }).waitFor();
    const me = await page.evaluate(() => fetch('/api/v1/auth/me').then((r) => r.status));
    assert.equal(me, 401);
    assert.equal((await rest('GET', `/api/v1/users/${adminId}`, undefined, token)).body.availability, 'offline');
    await availabilityPage.adminRow.locator('.presence.is-offline').waitFor();
    await availabilityPage.other.close();
  });

  assert.deepEqual(pageErrors, [], 'uncaught errors in the page');
  assert.deepEqual(dialogs, [], 'a dialog fired');
}

let exitCode = 0;
try {
  await main();
} catch (e) {
  if (!failed) {
    failed++;
    console.log('not ok - ' + (e && e.stack ? e.stack : e));
  }
  if (dataDir) console.log(`  server log: ${dataDir}/server.log (kept)`);
  process.env.KEEP_DATA = '1';
  exitCode = 1;
} finally {
  await cleanup();
  clearTimeout(watchdog);
}
console.log(`${passed} passed, ${failed} failed`);
process.exit(exitCode);
