/** CLI parsing and the trigger command, without spawning a process. */
import { describe, expect, it } from 'vitest';
import { parseCli } from './cli/args.js';
import { runCommand } from './cli/run-command.js';
import { loadSimulatorConfig } from './config.js';
import { startReceiver } from './testing/receiver.js';
import { computeSignature } from '@lunas/midtrans';

describe('parseCli', () => {
  it('defaults to serve', () => {
    expect(parseCli([])).toEqual({ ok: true, command: { kind: 'serve' } });
  });

  it('parses trigger with its options', () => {
    const parsed = parseCli([
      'trigger',
      'settlement',
      '--order',
      'o-1',
      '--amount',
      '25000',
      '--url',
      'http://x/',
    ]);
    expect(parsed).toMatchObject({
      ok: true,
      command: { kind: 'trigger', status: 'settlement', orderId: 'o-1', amount: '25000', url: 'http://x/' },
    });
  });

  it('rejects bad arguments with a reason', () => {
    expect(parseCli(['trigger', 'settlement'])).toMatchObject({ ok: false });
    expect(parseCli(['pay'])).toMatchObject({ ok: false });
    expect(parseCli(['frobnicate'])).toMatchObject({ ok: false, error: 'unknown command "frobnicate"' });
    expect(parseCli(['pay', 'o', '--nope'])).toMatchObject({ ok: false });
    expect(parseCli(['refund', 'o', '--amount', '12,5'])).toMatchObject({ ok: false });
  });

  it('parses control commands', () => {
    expect(parseCli(['pay', 'o-1', '--sim', 'http://127.0.0.1:4010'])).toMatchObject({
      ok: true,
      command: { kind: 'action', action: 'pay', id: 'o-1', sim: 'http://127.0.0.1:4010' },
    });
    expect(parseCli(['challenge', 'o-1', 'deny'])).toMatchObject({
      ok: true,
      command: { kind: 'challenge', decision: 'deny' },
    });
    expect(parseCli(['fault', 'set', '{"drop":true}', '--order', 'o-1'])).toMatchObject({
      ok: true,
      command: { kind: 'fault-set', orderId: 'o-1' },
    });
  });
});

describe('trigger', () => {
  it('fires a correctly signed notification and reports the HTTP status', async () => {
    const receiver = await startReceiver(() => ({ status: 200 }));
    try {
      const parsed = parseCli([
        'trigger',
        'settlement',
        '--order',
        'cli-1',
        '--amount',
        '10000',
        '--url',
        `${receiver.url}/hook`,
      ]);
      if (!parsed.ok || parsed.command.kind !== 'trigger') {
        throw new Error('parse failed');
      }
      const out: string[] = [];
      const code = await runCommand(
        parsed.command,
        loadSimulatorConfig({ MIDTRANS_SERVER_KEY: 'SB-Mid-server-TEST' }),
        {
          out: (line) => out.push(line),
          err: (line) => out.push(line),
        },
      );
      expect(code).toBe(0);
      expect(out.at(-1)).toBe(`HTTP 200 from ${receiver.url}/hook`);
      const body = receiver.requests[0]?.body ?? {};
      expect(body).toMatchObject({
        order_id: 'cli-1',
        gross_amount: '10000.00',
        status_code: '200',
        transaction_status: 'settlement',
      });
      expect(body.signature_key).toBe(
        computeSignature(
          { order_id: 'cli-1', status_code: '200', gross_amount: '10000.00' },
          'SB-Mid-server-TEST',
        ),
      );
    } finally {
      await receiver.close();
    }
  });
});
