/**
 * Entry point of `npm run sim -- …`: the only file that reads process.env and prints.
 * `serve` (the default) runs the simulator until SIGINT/SIGTERM; other commands fire a signed
 * notification or drive a running simulator through its control API.
 */
import { pino } from 'pino';
import { parseCli } from './cli/args.js';
import { EXIT_USAGE, runCommand } from './cli/run-command.js';
import { USAGE } from './cli/usage.js';
import { loadSimulatorConfig } from './config.js';
import type { SimulatorConfig } from './config.js';
import { createSimulator } from './simulator.js';

const SHUTDOWN_TIMEOUT_MS = 10_000;

async function serve(config: SimulatorConfig): Promise<void> {
  const logger = pino({ level: config.logLevel });
  const sim = await createSimulator({ ...config, logger });
  const url = await sim.listen({ port: config.port, host: config.host });
  // Never log the server key: only whether it is the local default.
  logger.info(
    {
      url,
      notificationUrl: config.notificationUrl ?? null,
      timeScale: config.timeScale,
      seed: config.seed ?? null,
      controlApi: `${url}/_sim`,
    },
    'Midtrans simulator listening',
  );

  let stopping = false;
  const stop = (signal: NodeJS.Signals): void => {
    if (stopping) {
      return;
    }
    stopping = true;
    logger.info({ signal }, 'shutting down');
    const deadline = setTimeout(() => process.exit(1), SHUTDOWN_TIMEOUT_MS);
    deadline.unref();
    sim.close().then(
      () => {
        clearTimeout(deadline);
        process.exit(128 + (signal === 'SIGINT' ? 2 : 15));
      },
      (error: unknown) => {
        logger.error({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

async function main(): Promise<number | undefined> {
  const parsed = parseCli(process.argv.slice(2));
  if (!parsed.ok) {
    console.error(`Error: ${parsed.error}\n`);
    console.error(USAGE);
    return EXIT_USAGE;
  }
  const { command } = parsed;
  if (command.kind === 'help') {
    console.log(USAGE);
    return 0;
  }
  const config = loadSimulatorConfig(process.env);
  if (command.kind === 'serve') {
    await serve(config);
    return undefined; // keep running until a signal arrives
  }
  return runCommand(command, config, {
    out: (line) => console.log(line),
    err: (line) => console.error(line),
  });
}

main().then(
  (code) => {
    if (code !== undefined) {
      process.exitCode = code;
    }
  },
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exitCode = 1;
  },
);
