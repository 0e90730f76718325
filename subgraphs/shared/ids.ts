import { badInput } from "../../lib/errors";

/**
 * Ids are plain increasing integers in the databases and `ID` strings in
 * GraphQL. A malformed id is the caller's mistake (BAD_USER_INPUT), not a miss.
 */
export function toIntId(id: string | number, field = "id"): number {
  const text = String(id).trim();
  if (!/^\d{1,10}$/.test(text) || Number(text) > 2147483647) {
    throw badInput(`${field} must be a positive integer`, { field });
  }
  return Number(text);
}

/** Like toIntId, but an id that cannot exist is simply not found (for entity references and look-ups). */
export function toIntIdOrNull(id: string | number): number | null {
  const text = String(id).trim();
  return /^\d{1,10}$/.test(text) && Number(text) <= 2147483647 ? Number(text) : null;
}
