// postinstall: guard postgres.js's nextWrite against a socket that has already closed.
//
// postgres.js 3.4.x schedules small writes with setImmediate; if the connection closes before
// the callback runs, nextWrite calls socket.write on null and throws from a timer, which no
// caller can catch: the process dies (porsager/postgres#1154, #1208; fixes proposed in #1168,
// #1176, #1209, unreleased when this was written). Lunas met it in `npm run chaos` whenever
// Postgres dropped connections. The guard settles the pending queries with CONNECTION_CLOSED,
// the error the driver uses everywhere else, so callers see an ordinary, retryable rejection.
// A second, one-line change makes the next query on such a connection reject instead of hang.
// Idempotent; it refuses to touch a connection.js it does not recognise. Remove it once a
// postgres release carries the fix (docs/decisions/0006-postgres-nextwrite-guard.md).
import { readFileSync, writeFileSync, existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const MARK = '/* lunas: nextWrite guard */';
// closed() clears the pending write's timer but leaves its handle set, so the next write on a
// reserved connection never schedules itself and its query waits forever: reset the handle too.
const CLOSED_ORIGINAL = '    incomings = null\n    clearImmediate(nextWriteTimer)\n';
const CLOSED_GUARDED = '    incomings = null\n    clearImmediate(nextWriteTimer)\n    nextWriteTimer = null /* lunas: reset */\n';
const ORIGINAL = '  function nextWrite(fn) {\n    const x = socket.write(chunk, fn)';
const GUARDED = `  function nextWrite(fn) {\n    ${MARK}\n    if (!socket) {\n      nextWriteTimer !== null && clearImmediate(nextWriteTimer)\n      chunk = nextWriteTimer = null\n      error(Errors.connection('CONNECTION_CLOSED', options, socket))\n      return false\n    }\n    const x = socket.write(chunk, fn)`;

// Where npm may have put it: hoisted to the root, or under the workspace that depends on it.
const repo = dirname(dirname(fileURLToPath(import.meta.url)));
const roots = ['node_modules/postgres', 'packages/db/node_modules/postgres'].map((r) => join(repo, r)).filter((r) => existsSync(r));
if (roots.length === 0) {
  console.log('patch-postgres: postgres is not installed here; nothing to do');
  process.exit(0);
}
let patched = 0;
for (const path of roots.flatMap((root) => ['src/connection.js', 'cjs/src/connection.js'].map((f) => join(root, f)))) {
  const file = path.slice(repo.length + 1);
  if (!existsSync(path)) {
    continue;
  }
  const text = readFileSync(path, 'utf8');
  if (text.includes(MARK)) {
    continue;
  }
  if (!text.includes(ORIGINAL) || !text.includes(CLOSED_ORIGINAL)) {
    console.error(`patch-postgres: ${file} does not look like postgres 3.4.x's; not patched (check whether the upstream fix has landed)`);
    process.exit(1);
  }
  writeFileSync(path, text.replace(ORIGINAL, GUARDED).replace(CLOSED_ORIGINAL, CLOSED_GUARDED));
  patched += 1;
}
console.log(`patch-postgres: ${patched ? `guarded nextWrite in ${patched} file(s)` : 'already guarded'}`);
