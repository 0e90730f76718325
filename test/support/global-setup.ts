import { prepareDatabaseTemplates } from "./database-templates";
import { provideTestPostgres, type TestPostgres } from "./postgres-server";

/**
 * Jest globalSetup: picks (or starts) the PostgreSQL server, and the migrated templates every test platform's
 * databases are copied from (database-templates.ts); workers read TEST_POSTGRES_URL and the templates' names.
 */
export default async function globalSetup(): Promise<void> {
  const server = await provideTestPostgres();
  process.env.TEST_POSTGRES_URL = server.url;
  (globalThis as { testPostgres?: TestPostgres }).testPostgres = server;
  (globalThis as { dropDatabaseTemplates?: () => Promise<void> }).dropDatabaseTemplates = await prepareDatabaseTemplates(
    server.url,
  );
}
