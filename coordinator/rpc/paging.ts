import { RedbackError } from '../../shared/errors/index.js';

/**
 * Paging of the control service's List calls: a reply holds at most `page_size` items (the
 * server's default when 0, capped at MAX_PAGE_SIZE) and a `next_page_token` while there are more.
 * Tokens are opaque to clients (base64url JSON of a position).
 */
export const DEFAULT_PAGE_SIZE = 1000;
export const MAX_PAGE_SIZE = 5000;

export function pageSize(requested: number): number {
  return Math.min(MAX_PAGE_SIZE, requested > 0 ? Math.floor(requested) : DEFAULT_PAGE_SIZE);
}

export function encodeToken(position: unknown): string {
  return Buffer.from(JSON.stringify(position)).toString('base64url');
}

export function decodeToken<T>(token: string, check: (value: unknown) => value is T): T | undefined {
  if (!token) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
  } catch {
    value = undefined;
  }
  if (!check(value)) throw new RedbackError('USAGE', 'invalid page token', { hint: 'start again without a page token' });
  return value;
}

const isOffset = (v: unknown): v is { offset: number } =>
  typeof v === 'object' && v !== null && Number.isInteger((v as { offset?: unknown }).offset) && (v as { offset: number }).offset >= 0;

/** Offset paging of a list computed in full (agents, instances: thousands, not millions). */
export function pageOfList<T>(items: readonly T[], request: { pageSize: number; pageToken: string }): { items: T[]; nextPageToken: string } {
  const size = pageSize(request.pageSize);
  const offset = decodeToken(request.pageToken, isOffset)?.offset ?? 0;
  const page = items.slice(offset, offset + size);
  return { items: page, nextPageToken: offset + size < items.length ? encodeToken({ offset: offset + size }) : '' };
}

export { isOffset };
