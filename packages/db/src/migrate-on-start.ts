/**
 * Applies migrations when a process starts. Postgres may come up after Lunas (docker compose,
 * a restart), so connection errors are retried for a bounded time before giving up.
 */
import { createSql, type DbLogger } from './client.js';
import { isTransientDbError } from './errors.js';
import { migrate } from './migrate.js';

export async function migrateOnStart(
  url: string,
  logger: DbLogger,
  options: { attempts?: number; delayMs?: number } = {},
): Promise<void> {
  const attempts = options.attempts ?? 30;
  const delayMs = options.delayMs ?? 2_000;
  for (let attempt = 1; ; attempt += 1) {
    const sql = createSql({ url, applicationName: 'lunas-migrate', max: 1, logger });
    try {
      const { applied } = await migrate(sql);
      if (applied.length > 0) {
        logger.info({ applied }, 'migrations applied');
      }
      return;
    } catch (error) {
      if (!isTransientDbError(error) || attempt >= attempts) {
        throw error;
      }
      logger.warn(
        { attempt, err: { message: (error as Error).message } },
        'database not reachable for migrations; retrying',
      );
      await new Promise((resolve) => setTimeout(resolve, delayMs));
    } finally {
      await sql.end({ timeout: 5 });
    }
  }
}
