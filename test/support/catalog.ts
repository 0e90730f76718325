import type { SqlExecutor } from "../../subgraphs/shared/migrations";

/**
 * Everything about a database's public schema that a migration can set, as
 * PostgreSQL reports it, sorted: two databases built alike dump alike.
 */
export async function catalogDump(db: Pick<SqlExecutor, "query">): Promise<Record<string, unknown[]>> {
  const dump: Record<string, unknown[]> = {};
  for (const [part, sql] of Object.entries(CATALOG_QUERIES)) dump[part] = await db.query(sql);
  return dump;
}

const CATALOG_QUERIES = {
  tables: `SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY 1`,
  columns: `
    SELECT table_name, column_name, ordinal_position, data_type, udt_name, character_maximum_length,
           numeric_precision, numeric_scale, datetime_precision, is_nullable, column_default,
           is_generated, generation_expression
      FROM information_schema.columns WHERE table_schema = 'public' ORDER BY table_name, ordinal_position`,
  indexes: `SELECT tablename, indexname, indexdef FROM pg_indexes WHERE schemaname = 'public' ORDER BY 1, 2`,
  constraints: `
    SELECT conrelid::regclass::text AS table_name, conname, contype, pg_get_constraintdef(c.oid) AS definition
      FROM pg_constraint c JOIN pg_namespace ns ON ns.oid = c.connamespace
     WHERE ns.nspname = 'public' ORDER BY 1, 2`,
  enums: `
    SELECT t.typname, e.enumlabel, e.enumsortorder
      FROM pg_enum e JOIN pg_type t ON t.oid = e.enumtypid JOIN pg_namespace ns ON ns.oid = t.typnamespace
     WHERE ns.nspname = 'public' ORDER BY 1, 3`,
  sequences: `
    SELECT sequence_name, data_type, start_value, increment FROM information_schema.sequences
     WHERE sequence_schema = 'public' ORDER BY 1`,
  triggers: `
    SELECT tgrelid::regclass::text AS table_name, tgname, pg_get_triggerdef(t.oid) AS definition
      FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid JOIN pg_namespace ns ON ns.oid = c.relnamespace
     WHERE NOT t.tgisinternal AND ns.nspname = 'public' ORDER BY 1, 2`,
};
