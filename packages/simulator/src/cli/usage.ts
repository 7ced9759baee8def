/** The help text printed by `npm run sim -- help` and on bad arguments. */
export const USAGE = `Lunas Midtrans simulator

Usage: npm run sim -- [command] [options]

Server
  serve (default)                 Start the simulator (env: SIM_PORT, SIM_HOST, MIDTRANS_SERVER_KEY,
                                  SIM_NOTIFICATION_URL, SIM_TIME_SCALE, SIM_SEED, …; see docs/simulator.md)

Fire one signed notification at a URL (no simulator needed)
  trigger <status> --order <order_id> [--amount 10000.00] [--transaction-id <uuid>]
          [--url http://127.0.0.1:3000/webhooks/midtrans] [--payment-type bank_transfer]
          [--key <server key>] [--fraud-status accept] [--status-code 200]

Drive a running simulator (--sim http://127.0.0.1:4010, --token <control token>)
  pay <id>                        Settle (cards: capture, then settlement)
  expire | cancel | deny | reverse | approve <id>
  refund <id> [--amount 5000]     Full refund, or partial with --amount
  challenge <id> accept|deny      Resolve a card held for review
  choose <id> <method>            Pick a Snap payment method (bca_va, gopay, credit_card, …)
  retry <id> [--payment-type gopay] [--card 4411111111111118]
                                  New transaction (new transaction_id) for the order after deny/expire/cancel
  chargeback <id> [--amount 5000] partial_chargeback, or chargeback of all that is left
  payment-link <order_id> --amount 15000 [--payment-type qris] [--card <number>]
                                  A Payment Link payment: order_id <order_id>-<13-digit ms>
  replay <id> [--index=-1] [--edit '{"transaction_status":"settlement"}'] [--url <url>]
                                  Re-send a genuine notification edited, keeping its signature_key
                                  (edit keys: transaction_status, fraud_status, transaction_id,
                                  payment_type, refund_amount, refunds, order_id+status_code,
                                  shift_boundary)
  subscription-notify [--failed] [--event <event_name>] [--url <url>]
                                  Send an unsigned subscription (recurring) notification
  test-notification [<status>] [--order <id>] [--amount 10000] [--status-code <code>] [--url <url>]
                                  Send the dashboard's test notification (Get Status: 404)
  status <id> | deliveries <id> | notifications <id> | list | injections | reset
  fault set '<json>' [--order <order_id>]   e.g. fault set '{"drop":true,"times":1}'
  fault clear [--order <order_id>]

<id> is an order_id or a transaction_id.

Examples
  npm run sim
  npm run sim -- trigger settlement --order order-1 --amount 25000
  npm run sim -- pay order-1
  npm run sim -- fault set '{"statusApi":{"respond":503,"count":3}}'
`;
