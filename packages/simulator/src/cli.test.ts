/** CLI parsing and the trigger command, without spawning a process. */
import { describe, expect, it } from 'vitest';
import { parseCli } from './cli/args.js';
import { runCommand } from './cli/run-command.js';
import { loadSimulatorConfig } from './config.js';
import { cardCharge, settled, startHarness, TEST_KEY } from './testing/harness.js';
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

describe('flow commands', () => {
  it('parses retry, chargeback, payment-link, replay, subscription-notify and test-notification', () => {
    expect(parseCli(['retry', 'o-1', '--card', '4411111111111118'])).toMatchObject({
      ok: true,
      command: { kind: 'retry', id: 'o-1', card: '4411111111111118' },
    });
    expect(parseCli(['chargeback', 'o-1', '--amount', '5000'])).toMatchObject({
      ok: true,
      command: { kind: 'chargeback', amount: '5000' },
    });
    expect(parseCli(['payment-link', 'link-1'])).toMatchObject({ ok: false });
    expect(parseCli(['replay', 'o-1', '--index', '0', '--edit', '{"shift_boundary":1}'])).toMatchObject({
      ok: true,
      command: { kind: 'replay', index: 0, edit: { shift_boundary: 1 } },
    });
    expect(parseCli(['replay', 'o-1', '--edit', 'nope'])).toMatchObject({ ok: false });
    expect(parseCli(['replay', 'o-1', '--index', 'x'])).toMatchObject({ ok: false });
    // A negative index needs the = form, or parseArgs reads it as an option.
    expect(parseCli(['replay', 'o-1', '--index=-1'])).toMatchObject({ ok: true, command: { index: -1 } });
    expect(parseCli(['subscription-notify', '--failed'])).toMatchObject({
      ok: true,
      command: { kind: 'subscription-notify', failed: true },
    });
    expect(parseCli(['test-notification', 'pending', '--order', 't-1'])).toMatchObject({
      ok: true,
      command: { kind: 'test-notification', status: 'pending', orderId: 't-1' },
    });
  });

  it('drives a running simulator', async () => {
    const { sim, receiver } = await startHarness();
    const config = loadSimulatorConfig({ MIDTRANS_SERVER_KEY: TEST_KEY });
    const run = async (argv: string[]): Promise<{ code: number; out: unknown }> => {
      const parsed = parseCli([...argv, '--sim', sim.url]);
      if (!parsed.ok || parsed.command.kind === 'serve' || parsed.command.kind === 'help') {
        throw new Error(`parse failed: ${argv.join(' ')}`);
      }
      const lines: string[] = [];
      const code = await runCommand(parsed.command, config, {
        out: (line) => lines.push(line),
        err: (line) => lines.push(line),
      });
      return { code, out: JSON.parse(lines.join('\n')) as unknown };
    };
    await sim.charge(cardCharge('cli-r', '4911111111111113'));
    expect(await run(['retry', 'cli-r', '--card', '4411111111111118'])).toMatchObject({
      code: 0,
      out: { transaction_status: 'capture' },
    });
    await sim.pay('cli-r');
    expect(await run(['chargeback', 'cli-r', '--amount', '1000'])).toMatchObject({
      code: 0,
      out: { transaction_status: 'partial_chargeback' },
    });
    const link = await run(['payment-link', 'cli-link', '--amount', '15000', '--payment-type', 'gopay']);
    expect(link).toMatchObject({ code: 0, out: { custom_field1: 'cli-link', payment_type: 'gopay' } });
    await settled(sim);
    expect(
      await run([
        'replay',
        'cli-r',
        '--edit',
        '{"transaction_status":"chargeback","refund_amount":"10000.00"}',
      ]),
    ).toMatchObject({ code: 0, out: { kind: 'replay', signatureValid: true } });
    expect(receiver.requests.at(-1)?.body).toMatchObject({ transaction_status: 'chargeback' });
    expect(await run(['test-notification'])).toMatchObject({ code: 0, out: { kind: 'test-notification' } });
    expect(await run(['subscription-notify', '--failed'])).toMatchObject({
      code: 0,
      out: { kind: 'subscription' },
    });
    expect(await run(['injections'])).toMatchObject({ code: 0, out: [{}, {}, {}] });
    expect(await run(['retry', 'cli-r'])).toMatchObject({ code: 1, out: { status_code: '412' } });
  });
});
