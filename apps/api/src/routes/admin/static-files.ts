/**
 * The console's static files (apps/api/src/console): read once at startup and served from
 * memory. No build step, no framework: an HTML page, a stylesheet and one script each.
 */
import { readFileSync } from 'node:fs';

const CONSOLE_DIR = new URL('../../console/', import.meta.url);

const TYPES: Record<string, string> = {
  html: 'text/html; charset=utf-8',
  css: 'text/css; charset=utf-8',
  js: 'text/javascript; charset=utf-8',
};

export interface StaticFile {
  readonly body: Buffer;
  readonly type: string;
}

export function loadConsoleFile(name: string): StaticFile {
  const extension = name.slice(name.lastIndexOf('.') + 1);
  return {
    body: readFileSync(new URL(name, CONSOLE_DIR)),
    type: TYPES[extension] ?? 'application/octet-stream',
  };
}
