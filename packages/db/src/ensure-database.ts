/**
 * Creates the database named in a URL if it does not exist. For laptops and tests only: in
 * production the database is provisioned by whoever owns it.
 */
import postgres from 'postgres';

export async function ensureDatabase(url: string): Promise<boolean> {
  const target = new URL(url);
  const name = decodeURIComponent(target.pathname.replace(/^\//, ''));
  if (!/^[A-Za-z0-9_]{1,63}$/.test(name)) {
    throw new Error('ensureDatabase: database name must be letters, digits and _ only');
  }
  const admin = new URL(url);
  admin.pathname = '/postgres';
  const sql = postgres(admin.toString(), { max: 1, onnotice: () => undefined, connect_timeout: 5 });
  try {
    const rows = await sql`SELECT 1 FROM pg_database WHERE datname = ${name}`;
    if (rows.length > 0) {
      return false;
    }
    try {
      await sql.unsafe(`CREATE DATABASE "${name}"`);
    } catch (error) {
      // Another process created it between our check and our create.
      if ((error as { code?: string }).code !== '42P04') {
        throw error;
      }
      return false;
    }
    return true;
  } finally {
    await sql.end({ timeout: 5 });
  }
}
