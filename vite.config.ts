/// <reference types="vitest/config" />
import { resolve } from 'node:path';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

const root = resolve(import.meta.dirname, 'client');

// One HTML entry per surface, so the public page never downloads operator code.
export default defineConfig({
  root,
  base: '/',
  // client/public/ is the citizen surface, not a static-assets folder
  publicDir: false,
  plugins: [react()],
  resolve: { tsconfigPaths: true },
  build: {
    outDir: resolve(import.meta.dirname, 'dist/client'),
    emptyOutDir: true,
    chunkSizeWarningLimit: 2048,
    rollupOptions: {
      input: {
        index: resolve(root, 'index.html'),
        wall: resolve(root, 'wall/index.html'),
        agency: resolve(root, 'agency/index.html'),
        public: resolve(root, 'public/index.html'),
        admin: resolve(root, 'admin/index.html'),
      },
    },
  },
  test: {
    root: import.meta.dirname,
    include: ['tests/**/*.test.ts'],
    globalSetup: ['tests/support/global-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 180_000,
  },
});
