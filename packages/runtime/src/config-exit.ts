/**
 * For a process's main.ts: parses the environment with `load`; on a bad value prints the message
 * (it names the variable, never its value) and exits 78 (EX_CONFIG).
 */
export function loadConfigOrExit<T>(
  processName: string,
  load: (env: Record<string, string | undefined>) => T,
): T {
  try {
    return load(process.env);
  } catch (error) {
    process.stderr.write(`${processName}: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(78);
  }
}
