/// <reference types="vitest/config" />
// Vite build of the agent desk. `npm run dev` proxies /api (and the WebSocket stream) to a
// running `parley serve` (PARLEY_URL, default http://127.0.0.1:18123); `npm run build` writes
// web/dist, which `parley serve` serves with PARLEY_STATIC_DIR.
import { defineConfig, type Plugin } from 'vite';

const target = process.env.PARLEY_URL ?? 'http://127.0.0.1:18123';

// The built page gets a strict Content-Security-Policy: scripts and styles only from our own
// origin, images from our origin (attachments) and blob:, connections to our own API and
// stream. Dev mode keeps Vite's inline helpers working, so the policy is added at build only.
const csp: Plugin = {
  name: 'parley-csp',
  apply: 'build',
  transformIndexHtml(html) {
    const policy = [
      "default-src 'self'",
      "script-src 'self'",
      "style-src 'self'",
      "img-src 'self' blob: data:",
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

export default defineConfig({
  plugins: [csp],
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
