/// <reference types="vitest/config" />
// Vite build of the agent desk. `npm run dev` proxies /api (and the WebSocket stream) to a
// running `parley serve` (PARLEY_URL, default http://127.0.0.1:18123); `npm run build` writes
// web/dist, which `parley serve` serves with PARLEY_STATIC_DIR.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { defineConfig, type Plugin } from 'vite';
import { MAIL_FRAME_CSS } from './src/lib/mail.ts';

const target = process.env.PARLEY_URL ?? 'http://127.0.0.1:18123';

// The built page gets a strict Content-Security-Policy: scripts and styles only from our own
// origin, images from our origin (attachments) and blob:, connections to our own API and
// stream. Dev mode keeps Vite's inline helpers working, so the policy is added at build only.
// A formatted e-mail is a sandboxed srcdoc frame, and a srcdoc document inherits this policy on
// top of its own (lib/mail.ts): so img-src also has https: (remote images the agent chose to
// load; the page itself never shows mail HTML) and data: (its inline images), and style-src
// the hash of the frame's one stylesheet.
const mailFrameStyle = `'sha256-${createHash('sha256').update(MAIL_FRAME_CSS).digest('base64')}'`;
const csp: Plugin = {
  name: 'parley-csp',
  apply: 'build',
  transformIndexHtml(html) {
    const policy = [
      "default-src 'self'",
      "script-src 'self'",
      `style-src 'self' ${mailFrameStyle}`,
      "img-src 'self' blob: data: https:",
      "media-src 'self' blob:",
      "connect-src 'self' ws: wss:",
      "font-src 'self'",
      "object-src 'none'",
      "base-uri 'none'",
      "form-action 'self'",
    ].join('; ');
    return html.replace('<meta charset="utf-8" />', `<meta charset="utf-8" />\n    <meta http-equiv="Content-Security-Policy" content="${policy}" />`);
  },
};

// The web-chat guide (docs/channels/WEBCHAT.md) travels with the desk as dist/docs/webchat.txt,
// so the inbox screen can link to the guide of exactly this version (identity verification).
const webchatDoc: Plugin = {
  name: 'parley-webchat-doc',
  apply: 'build',
  generateBundle() {
    this.emitFile({ type: 'asset', fileName: 'docs/webchat.txt', source: readFileSync(new URL('../docs/channels/WEBCHAT.md', import.meta.url), 'utf8') });
  },
};

export default defineConfig({
  plugins: [csp, webchatDoc],
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  build: { outDir: 'dist', emptyOutDir: true, sourcemap: false, target: 'es2022', assetsInlineLimit: 0 },
  server: {
    port: 5173,
    proxy: {
      '/api': { target, changeOrigin: true, ws: true },
    },
  },
  test: {
    include: ['src/**/*.test.ts', 'src/**/*.test.tsx'],
    environment: 'node',
  },
});
