import type { TestPostgres } from "./postgres-server";

/** Jest globalTeardown: stops the PostgreSQL server if globalSetup started one. */
export default async function globalTeardown(): Promise<void> {
  await (globalThis as { testPostgres?: TestPostgres }).testPostgres?.stop();
}
