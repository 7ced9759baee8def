import { describe, expect, it } from 'vitest';
import { computeSignature } from './signature.js';
import { classifyStatusResponse } from './status-response.js';

const KEY = 'SB-Mid-server-TEST';
const status = (fields: Record<string, string>) => {
  const body: Record<string, string> = {
    order_id: 'ORD-1',
    transaction_id: 'tx-1',
    transaction_status: 'settlement',
    status_code: '200',
    gross_amount: '10000.00',
    status_message: 'Success, transaction is found',
    ...fields,
  };
  body.signature_key ??= computeSignature(
    {
      order_id: body.order_id ?? '',
      status_code: body.status_code ?? '',
      gross_amount: body.gross_amount ?? '',
    },
    KEY,
  );
  return body;
};

describe('classifyStatusResponse', () => {
  it('returns found with a valid signature for a settlement', () => {
    expect(classifyStatusResponse(200, status({}), KEY)).toMatchObject({
      kind: 'found',
      signature: 'valid',
      status: { transaction_status: 'settlement' },
    });
  });
  it('treats 407 as a normal expired status, not an error', () => {
    expect(
      classifyStatusResponse(200, status({ transaction_status: 'expire', status_code: '407' }), KEY),
    ).toMatchObject({ kind: 'expired' });
    expect(
      classifyStatusResponse(407, status({ transaction_status: 'expire', status_code: '407' }), KEY),
    ).toMatchObject({ kind: 'expired' });
  });
  it('tolerates a missing signature and rejects a wrong one', () => {
    const noSig = status({});
    delete noSig.signature_key;
    expect(classifyStatusResponse(200, noSig, KEY)).toMatchObject({ kind: 'found', signature: 'missing' });
    expect(classifyStatusResponse(200, status({ signature_key: 'a'.repeat(128) }), KEY)).toMatchObject({
      kind: 'found',
      signature: 'invalid',
    });
  });
  it('maps 404 whether Midtrans puts it in the HTTP status or only in the body', () => {
    const body = { status_code: '404', status_message: "Transaction doesn't exist." };
    expect(classifyStatusResponse(404, body, KEY)).toMatchObject({ kind: 'not_found' });
    expect(classifyStatusResponse(200, body, KEY)).toMatchObject({ kind: 'not_found' });
  });
  it('maps 401 to unauthorized, 429 and 5xx to retryable, other 4xx to failed', () => {
    expect(classifyStatusResponse(401, { status_code: '401', status_message: 'bad key' }, KEY)).toMatchObject(
      { kind: 'unauthorized' },
    );
    expect(classifyStatusResponse(429, { status_code: '429' }, KEY)).toMatchObject({
      kind: 'retryable',
      reason: 'rate_limited',
    });
    expect(classifyStatusResponse(503, undefined, KEY)).toMatchObject({
      kind: 'retryable',
      reason: 'server_error',
    });
    expect(classifyStatusResponse(200, { status_code: '500' }, KEY)).toMatchObject({
      kind: 'retryable',
      reason: 'server_error',
    });
    expect(classifyStatusResponse(400, { status_code: '400' }, KEY)).toMatchObject({
      kind: 'failed',
      httpStatus: 400,
    });
  });
  it('retries a 200 that is not a status body (a proxy page)', () => {
    expect(classifyStatusResponse(200, undefined, KEY)).toMatchObject({
      kind: 'retryable',
      reason: 'bad_response',
    });
    expect(classifyStatusResponse(200, { hello: 'world' }, KEY)).toMatchObject({
      kind: 'retryable',
      reason: 'bad_response',
    });
  });
});
