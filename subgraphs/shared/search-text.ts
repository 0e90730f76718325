/**
 * A PostgreSQL tsquery matching documents with words that start with each of
 * the query's words ("jo do" → "jo:* & do:*"). Only letters and digits pass,
 * so user text can never inject tsquery syntax; the result is still sent as a
 * bound parameter. Returns null when nothing searchable is left.
 */
export function wordPrefixQuery(text: string): string | null {
  const words = text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [];
  if (words.length === 0) return null;
  return words
    .slice(0, 16)
    .map((word) => `${word}:*`)
    .join(" & ");
}
