// The chaos run, small: a few hundred orders through 2 APIs, 3 workers, a Redis of its own and
// the simulator while workers are SIGKILLed, an API restarts, Redis is killed and Postgres
// refuses connections. `npm run chaos` exits non-zero on any loss; this test runs it.
import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../harness/system.js';
import { RUN_SOURCES } from '../../scripts/run-sources.js';

describe('npm run chaos (small)', () => {
  it('ends with the database equal to Midtrans and nothing lost', async () => {
    const child = spawn(
      process.execPath,
      [
        ...RUN_SOURCES,
        'scripts/chaos/run.ts',
        '--orders',
        '300',
        '--seed',
        '7',
        '--duration',
        '30',
        '--converge-timeout',
        // Converges in about 30 s on an idle machine; a CI machine under load gets room.
        '180',
      ],
      {
        cwd: REPO_ROOT,
        env: { ...process.env },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let output = '';
    child.stdout.on('data', (c: Buffer) => (output += c.toString()));
    child.stderr.on('data', (c: Buffer) => (output += c.toString()));
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    if (code !== 0) {
      console.log(output);
    }
    expect(output).toContain('chaos: PASS');
    expect(code).toBe(0);
  }, 480_000);
});
