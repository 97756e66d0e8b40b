/// <reference types="vitest/config" />
// Vite build of the web-chat widget (web/widget/): one self-contained file, web/dist/widget.js
// (an IIFE: no modules, no chunks, the CSS inside), which `parley serve` serves at /widget.js.
// Built after the desk (whose build empties web/dist), so it never deletes the desk's files.
// `npm run test:widget` runs the widget's Vitest unit tests.
import { defineConfig } from 'vite';

export default defineConfig({
  publicDir: false,
  build: {
    outDir: 'dist',
    emptyOutDir: false,
    sourcemap: false,
    target: 'es2019',
    minify: true,
    copyPublicDir: false,
    lib: {
      entry: 'widget/main.ts',
      name: 'ParleyWidget',
      formats: ['iife'],
      fileName: () => 'widget.js',
    },
  },
  test: {
    include: ['widget/**/*.test.ts'],
    environment: 'node',
  },
});
