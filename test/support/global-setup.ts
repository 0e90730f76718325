import { provideTestPostgres, type TestPostgres } from "./postgres-server";

/** Jest globalSetup: picks (or starts) the PostgreSQL server; workers read TEST_POSTGRES_URL. */
export default async function globalSetup(): Promise<void> {
  const server = await provideTestPostgres();
  process.env.TEST_POSTGRES_URL = server.url;
  (globalThis as { testPostgres?: TestPostgres }).testPostgres = server;
}
