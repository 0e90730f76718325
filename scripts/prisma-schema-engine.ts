import fs from "node:fs";
import path from "node:path";
import { bindMigrationAwareSqlAdapterFactory, type SqlMigrationAwareDriverAdapterFactory } from "@prisma/driver-adapter-utils";
import type * as Wasm from "@prisma/schema-engine-wasm";
import { importEsm } from "../lib/import-esm";

/**
 * Prisma's schema engine (the Rust code behind `prisma migrate` and
 * `prisma migrate diff`), run as WebAssembly through a driver adapter.
 *
 * Why not the CLI: Prisma 7's CLI only runs the native schema-engine binary,
 * which it downloads on first use and which cannot be fetched on every
 * machine. Prisma 6 could run the CLI on this same WASM engine with a driver
 * adapter (`migrate.adapter` in prisma.config.ts); Prisma 7.0 removed that
 * (prisma/orm#28499) and the work to bring it back is tracked in
 * prisma/orm#8626. The engine itself still ships on npm as
 * @prisma/schema-engine-wasm, built from the same commit as the CLI (its
 * version must equal @prisma/engines-version's), so we call it directly:
 * same differ, same SQL renderer, same `applyMigrations` as `migrate deploy`.
 * See docs/migrations.md.
 */

export type SchemaEngine = Wasm.SchemaEngine;
export type MigrationList = Wasm.MigrationList;

const NO_FILTERS: Wasm.SchemaFilter = { externalTables: [], externalEnums: [] };

// The slice of the WebAssembly global used here (the project's TypeScript libs do not declare it).
type WasmExports = Record<string, unknown>;
declare const WebAssembly: {
  instantiate(bytes: Uint8Array, imports: Record<string, object>): Promise<{ instance: { exports: WasmExports } }>;
};

let glue: Promise<typeof Wasm> | undefined;

/**
 * The package's entry imports the .wasm file as an ES module, which Node does
 * not do; so load its wasm-bindgen glue and instantiate the module ourselves.
 */
function loadGlue(): Promise<typeof Wasm> {
  glue ??= (async () => {
    const bindings = await importEsm<typeof Wasm & { __wbg_set_wasm(exports: WasmExports): void }>(
      "@prisma/schema-engine-wasm/schema_engine_bg",
    );
    const wasmFile = path.join(
      path.dirname(require.resolve("@prisma/schema-engine-wasm/schema_engine_bg")),
      "schema_engine_bg.wasm",
    );
    const { instance } = await WebAssembly.instantiate(fs.readFileSync(wasmFile), {
      "./schema_engine_bg.js": withUnrefTimers(bindings),
    });
    bindings.__wbg_set_wasm(instance.exports);
    // Where the engine reports a panic before it aborts (Prisma's CLI sets the same global).
    (globalThis as { PRISMA_WASM_PANIC_REGISTRY?: object }).PRISMA_WASM_PANIC_REGISTRY ??= {
      set_message: (message: string) => process.stderr.write(`Prisma's schema engine panicked: ${message}\n`),
    };
    (instance.exports.__wbindgen_start as (() => void) | undefined)?.();
    return bindings;
  })();
  return glue;
}

/**
 * The engine arms a timer (setTimeout, through wasm-bindgen) for its time-outs
 * (its migration lock waits at most 10 s) and never clears one: its glue
 * imports no clearTimeout. Left as they are, a process that used the engine
 * and does not call process.exit (a Jest worker; scripts/migration.ts does
 * call it) stays alive until the last one fires, 10 s after its work is done.
 * Unref'd, a timer no longer holds the process; while the work it
 * guards is under way, that work's own database connection does (PGlite's
 * calls run in this thread).
 */
function withUnrefTimers(bindings: Record<string, unknown>): Record<string, unknown> {
  const imports = { ...bindings };
  for (const [name, binding] of Object.entries(bindings)) {
    if (!name.startsWith("__wbg_setTimeout_") || typeof binding !== "function") continue;
    imports[name] = (...args: unknown[]) => {
      const timer = binding(...args) as ReturnType<typeof setTimeout>;
      timer.unref();
      return timer;
    };
  }
  return imports;
}

/** The prisma-engines commit this build comes from; must be the installed CLI's (tested). */
export async function schemaEngineCommit(): Promise<string> {
  return (await loadGlue()).version();
}

/**
 * An engine for one Prisma schema, working on the database behind `adapter`.
 * Beware: diffs from a migrations folder build a shadow database through
 * `adapter.connectToShadowDb()`, which for PrismaPg without a shadow URL is
 * the main database; this module never asks for that.
 */
export async function openSchemaEngine(
  schemaPath: string,
  adapter: SqlMigrationAwareDriverAdapterFactory,
): Promise<SchemaEngine> {
  const { SchemaEngine } = await loadGlue();
  const schema = fs.readFileSync(schemaPath, "utf8");
  return SchemaEngine.new({ datamodels: [[schemaPath, schema]] }, () => {}, bindMigrationAwareSqlAdapterFactory(adapter));
}

/** A migrations folder as the engine takes it (what the CLI reads from disk). */
export function migrationList(migrationsDir: string): MigrationList {
  const lockfile = path.join(migrationsDir, "migration_lock.toml");
  return {
    baseDir: migrationsDir,
    lockfile: { path: "migration_lock.toml", content: fs.existsSync(lockfile) ? fs.readFileSync(lockfile, "utf8") : null },
    shadowDbInitScript: "",
    migrationDirectories: fs
      .readdirSync(migrationsDir, { withFileTypes: true })
      .filter((entry) => entry.isDirectory())
      .map((entry) => entry.name)
      .sort()
      .map((name) => ({
        path: name,
        migrationFile: {
          path: "migration.sql",
          content: { tag: "ok", value: fs.readFileSync(path.join(migrationsDir, name, "migration.sql"), "utf8") },
        },
      })),
  };
}

/** `prisma migrate deploy`: applies the pending migrations, returns their names. */
export async function deployMigrations(engine: SchemaEngine, migrationsDir: string): Promise<string[]> {
  const { appliedMigrationNames } = await engine.applyMigrations({
    migrationsList: migrationList(migrationsDir),
    filters: NO_FILTERS,
  });
  return appliedMigrationNames;
}

/**
 * `prisma migrate diff --from-config-datasource --to-schema <schemaPath>`: what
 * it takes to bring the engine's database to the schema. Returns null when
 * nothing differs, else Prisma's summary (or its SQL with `script`).
 */
export async function diffDatabaseToSchema(
  engine: SchemaEngine,
  schemaPath: string,
  options: { script: boolean },
): Promise<string | null> {
  const files = [{ path: schemaPath, content: fs.readFileSync(schemaPath, "utf8") }];
  const { exitCode, stdout } = await engine.diff({
    from: { tag: "schemaDatasource", files, configDir: path.dirname(schemaPath) },
    to: { tag: "schemaDatamodel", files },
    script: options.script,
    exitCode: true,
    filters: NO_FILTERS,
  });
  return exitCode === 0 ? null : (stdout ?? "");
}
