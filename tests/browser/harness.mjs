// What the browser tests share: bounded waits and starting the real `parley` binary on a free
// loopback port with a temporary data dir (the demo admin's password read from its output).
import { spawn } from 'node:child_process';
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
