/**
 * The processes of a chaos run: a Redis of its own (AOF on, another port), API and worker
 * processes, each restartable and killable, with their output in log files.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, type WriteStream } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';

export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

export async function waitUntil(
  check: () => Promise<boolean> | boolean,
  timeoutMs: number,
  what: string,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (
    !(await Promise.resolve()
      .then(check)
      .catch(() => false))
  ) {
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/**
 * A child process that can be killed and started again with the same command and log file.
 * Like a supervisor (docker's restart policy), it restarts a process that exits on its own,
 * and counts those exits: a crash loses nothing in Lunas's design, but it is worth knowing.
 */
export class Managed {
  private child: ChildProcess | null = null;
  private readonly log: WriteStream;
  private stopping = false;
  restarts = 0;
  unexpectedExits = 0;

  constructor(
    readonly name: string,
    private readonly command: string,
    private readonly args: string[],
    private readonly env: Record<string, string>,
    logDir: string,
  ) {
    this.log = createWriteStream(join(logDir, `${name}.log`), { flags: 'a' });
  }

  start(): void {
    const child = spawn(this.command, this.args, { env: this.env, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout?.pipe(this.log, { end: false });
    child.stderr?.pipe(this.log, { end: false });
    child.once('exit', () => {
      if (!this.stopping && this.child === child) {
        this.unexpectedExits += 1;
        setTimeout(() => {
          if (!this.stopping && this.child === child) {
            this.start();
          }
        }, 500);
      }
    });
    this.child = child;
  }

  get running(): boolean {
    return this.child !== null && this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Sends a signal and waits (bounded) for the exit. */
  async stop(signal: NodeJS.Signals, timeoutMs = 30_000): Promise<void> {
    const child = this.child;
    if (!child || !this.running) {
      return;
    }
    this.stopping = true;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill(signal);
    await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, timeoutMs))]);
    if (this.running) {
      child.kill('SIGKILL');
      await exited;
    }
  }

  async restart(signal: NodeJS.Signals): Promise<void> {
    await this.stop(signal);
    this.restarts += 1;
    this.stopping = false;
    this.start();
  }

  async close(): Promise<void> {
    await this.stop('SIGTERM', 10_000);
    await new Promise((resolve) => this.log.end(resolve));
  }
}
