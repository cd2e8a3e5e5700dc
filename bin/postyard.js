#!/usr/bin/env node
// Entry point: the compiled CLI lives in dist/ (built by `npm install` via the prepare script).
const entry = new URL('../dist/src/cli/main.js', import.meta.url);
import(entry.href)
  .then((m) => m.main(process.argv.slice(2)))
  .catch((err) => {
    const notBuilt =
      err && err.code === 'ERR_MODULE_NOT_FOUND' && String(err.message).includes(entry.pathname);
    if (notBuilt) {
      console.error('postyard: not built yet; run `npm install` (or `npm run build`) first');
    } else {
      console.error(`postyard: ${err?.message ? err.message : err}`);
      if (process.env.POSTYARD_DEBUG === '1' && err?.stack) console.error(err.stack);
    }
    process.exit(70);
  });
