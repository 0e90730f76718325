import { prepareDatabaseTemplates, TEST_DATA_ROOT } from "./database-templates";
import { provideTestPostgres, type TestPostgres } from "./postgres-server";

/**
 * Jest globalSetup: puts temporary folders in memory, picks (or starts) the PostgreSQL server, and makes the
 * migrated templates every test platform's databases are copied from (database-templates.ts); workers read
 * TMPDIR, TEST_POSTGRES_URL and the templates' names.
 */
export default async function globalSetup(): Promise<void> {
  // Every temporary folder of the run in memory (/dev/shm where there is one), the workers' and their child
  // processes' alike (they inherit this): the suites copy and delete embedded clusters of 38 MB and a thousand files
  // by the hundred, and on disk that was most of their system time (four migration suites: 24 s of it against 7).
  process.env.TMPDIR = TEST_DATA_ROOT;
  const server = await provideTestPostgres();
  process.env.TEST_POSTGRES_URL = server.url;
  (globalThis as { testPostgres?: TestPostgres }).testPostgres = server;
  (globalThis as { dropDatabaseTemplates?: () => Promise<void> }).dropDatabaseTemplates = await prepareDatabaseTemplates(
    server.url,
  );
}
