import type { TestPostgres } from "./postgres-server";

/** Jest globalTeardown: drops this run's template databases, and stops the PostgreSQL server if globalSetup started one. */
export default async function globalTeardown(): Promise<void> {
  await (globalThis as { dropDatabaseTemplates?: () => Promise<void> }).dropDatabaseTemplates?.();
  await (globalThis as { testPostgres?: TestPostgres }).testPostgres?.stop();
}
