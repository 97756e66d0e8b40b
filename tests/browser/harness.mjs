// What the browser tests share: bounded waits and starting the real `parley` binary on a free
// loopback port with a temporary data dir (the demo admin's password read from its output).
import { spawn } from 'node:child_process';
import crypto from 'node:crypto';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export function sleep(ms) {
  return new Promise((r) => setTimeout(r, ms));
}

/** Polls `predicate` every 100 ms until it returns something truthy (returned) or `timeout` ms pass. */
export async function waitUntil(predicate, what, timeout) {
  const deadline = Date.now() + timeout;
  while (Date.now() < deadline) {
    const v = await predicate();
    if (v) return v;
    await sleep(100);
  }
  throw new Error('timed out waiting for ' + what);
}

/**
 * Starts `bin serve` serving `staticDir`; `onSpawn(process, dataDir)` is called at once, so the
 * caller can stop and clean up even when the start fails. Resolves { base, password }.
 */
export function startParley({ bin, staticDir, tmpPrefix, onSpawn }) {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), tmpPrefix));
  const env = { ...process.env, PARLEY_PORT: '0', PARLEY_HOST: '127.0.0.1', PARLEY_DATA_DIR: dataDir, PARLEY_STATIC_DIR: staticDir };
  const log = fs.openSync(path.join(dataDir, 'server.log'), 'a');
  const server = spawn(bin, ['serve'], { env, stdio: ['ignore', 'pipe', log] });
  onSpawn(server, dataDir);
  return new Promise((resolve, reject) => {
    let out = '';
    let password = null;
    const timer = setTimeout(() => reject(new Error('parley did not start in 20 s:\n' + out)), 20_000);
    server.once('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    server.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`parley exited early (${code}); see ${dataDir}/server.log\n${out}`));
    });
    server.stdout.on('data', (chunk) => {
      out += chunk;
      const pw = /password\s+(\S+)/.exec(out);
      if (pw) password = pw[1];
      const m = /serving on (http:\/\/[\d.]+:\d+)/.exec(out);
      if (m && password) {
        clearTimeout(timer);
        resolve({ base: m[1], password });
      }
    });
  });
}

/** Chromium's flags for the tests: headless, no sandbox (containers), nothing phoning home. */
export const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

/** Runs named steps: "ok - name (ms)" or "not ok - name" with the first lines of the stack;
 * a failed step throws on, so the run stops there. `counts` holds the tally. */
export function stepRunner() {
  const counts = { passed: 0, failed: 0 };
  async function step(name, fn) {
    const started = Date.now();
    try {
      await fn();
      counts.passed++;
      console.log(`ok - ${name} (${Date.now() - started} ms)`);
    } catch (e) {
      counts.failed++;
      console.log(`not ok - ${name}\n  ${String(e && e.stack ? e.stack : e).split('\n').slice(0, 6).join('\n  ')}`);
      throw e;
    }
  }
  return { step, counts };
}

/** WCAG 2.1 A/AA and best-practice checks with axe-core (`axeSource`: axe.min.js); any
 * violation throws with where it is. */
export async function axeAudit(page, name, axeSource) {
  await page.evaluate(axeSource); // through DevTools, so the page's CSP does not apply
  const result = await page.evaluate(() =>
    window.axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'] } }),
  );
  const problems = result.violations.map((v) => `${name}: [${v.impact}] ${v.id}: ${v.help} at ${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(', ')}`);
  if (problems.length) throw new Error('accessibility violations:\n' + problems.join('\n'));
}

/** Stops `parley`: SIGTERM, then SIGKILL when it has not exited after 5 s. */
export async function stopServer(server) {
  if (!server || server.exitCode !== null) return;
  server.kill('SIGTERM');
  await Promise.race([new Promise((r) => server.once('exit', r)), sleep(5000)]);
  if (server.exitCode === null) server.kill('SIGKILL');
}

/** Ends the run after `totalTimeout` ms (and on SIGINT/SIGTERM) with `cleanup` done; returns
 * the timer to clear when the run ends in time. */
export function guardRun(totalTimeout, counts, cleanup) {
  for (const sig of ['SIGINT', 'SIGTERM']) {
    process.on(sig, async () => {
      await cleanup();
      process.exit(130);
    });
  }
  return setTimeout(async () => {
    console.error(`not ok - the whole run took longer than ${totalTimeout / 1000} s`);
    await cleanup();
    console.log(`${counts.passed} passed, ${counts.failed + 1} failed`);
    process.exit(1);
  }, totalTimeout);
}

/** JSON over REST with a bearer token: resolves { status, body }. */
export function restClient(base) {
  return async (method, p, body, token) => {
    const res = await fetch(base + p, {
      method,
      headers: { 'Content-Type': 'application/json', ...(token ? { Authorization: 'Bearer ' + token } : {}) },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(10_000),
    });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : null };
  };
}

/** A customer message into an API-channel inbox ({id, secret}), signed as docs/API.md says. */
export async function apiChannelMessage(base, inbox, payload) {
  const raw = JSON.stringify(payload);
  const sig = 'sha256=' + crypto.createHmac('sha256', inbox.secret).update(raw).digest('hex');
  const res = await fetch(`${base}/webhooks/api/${inbox.id}`, {
    method: 'POST', headers: { 'Content-Type': 'application/json', 'X-Parley-Signature': sig }, body: raw, signal: AbortSignal.timeout(10_000),
  });
  const body = await res.json();
  if (res.status !== 201 && res.status !== 200) throw new Error(`inbound message refused (${res.status}): ${JSON.stringify(body)}`);
  return body;
}

/** Where a spec finds things: the repository root, `require` from web/ (playwright-core,
 * axe-core), the binary (PARLEY_BIN), Chromium (CHROMIUM), the built desk and the screenshot
 * folder (SCREENSHOTS). */
export function specPaths() {
  const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
  return {
    root,
    require: createRequire(path.join(root, 'web/package.json')),
    bin: path.resolve(root, process.env.PARLEY_BIN || 'build/release/parley'),
    chromium: process.env.CHROMIUM || '/usr/bin/chromium',
    staticDir: path.join(root, 'web/dist'),
    shots: path.resolve(root, process.env.SCREENSHOTS || 'docs/screenshots'),
  };
}

/** Runs the spec's `main`: a failure outside a step counts too, and the server's data dir
 * (`dataDir()`) is kept for a look; `cleanup` always runs; prints "N passed, N failed" and exits
 * with 0 or 1. */
export async function finishRun(main, { counts, cleanup, watchdog, dataDir }) {
  let exitCode = 0;
  try {
    await main();
  } catch (e) {
    if (!counts.failed) {
      counts.failed++;
      console.log('not ok - ' + (e && e.stack ? e.stack : e));
    }
    if (dataDir()) console.log(`  server log: ${dataDir()}/server.log (kept)`);
    process.env.KEEP_DATA = '1';
    exitCode = 1;
  } finally {
    await cleanup();
    clearTimeout(watchdog);
  }
  console.log(`${counts.passed} passed, ${counts.failed} failed`);
  process.exit(exitCode);
}
