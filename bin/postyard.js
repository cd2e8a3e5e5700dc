#!/usr/bin/env node
// Entry point: the compiled CLI lives in dist/ (built by `npm install` via the prepare script).
import('../dist/src/cli/main.js').then((m) => m.main(process.argv.slice(2))).catch((err) => {
  if (err && err.code === 'ERR_MODULE_NOT_FOUND') {
    console.error('postyard: not built yet; run `npm install` (or `npm run build`) first');
  } else {
    console.error(`postyard: ${err && err.message ? err.message : err}`);
  }
  process.exit(70);
});
