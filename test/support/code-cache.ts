import vm from "node:vm";

type CompileFunction = typeof vm.compileFunction;

/** A source that may call `import()`: compiled afresh each time (see below). */
const DYNAMIC_IMPORT = /\bimport\s*\(/;

/**
 * `vm.compileFunction` with V8's code cache, kept for the life of the process: a second compile of the same source
 * (same file name, same text) starts from the first one's cache data instead of parsing the text again.
 *
 * Why by hand: Jest compiles every module again for each suite, in the suite's own context, through
 * `vm.compileFunction`; a profile of a whole run found 55 of its 816 CPU-s there, mostly on the same few hundred
 * files (graphql, Apollo, Prisma). Jest keeps its transform's output on disk, but no compiled code, and Node 22's
 * `module.enableCompileCache` does not reach `vm` (this machine runs Node 20).
 *
 * Left to the plain compile: a caller that handles cache data itself, and a source that may call `import()`: on
 * Node 20 a function compiled from cache data has lost its dynamic-import callback ("A dynamic import callback was
 * not specified", PGlite's `await import("fs")`).
 */
export function withCodeCache(compile: CompileFunction): CompileFunction {
  const cache = new Map<string, { source: string; data: Buffer }>();
  return function compileFunction(code, params, options = {}) {
    const { filename } = options;
    if (!filename || options.cachedData !== undefined || options.produceCachedData !== undefined || DYNAMIC_IMPORT.test(code)) {
      return compile(code, params, options);
    }
    const cached = cache.get(filename);
    if (cached?.source === code) {
      const compiled = compile(code, params, { ...options, cachedData: cached.data });
      // V8 refuses data made by another version or with other flags; the compile has then parsed the text itself.
      if (!compiled.cachedDataRejected) return compiled;
    }
    const compiled = compile(code, params, { ...options, produceCachedData: true });
    if (compiled.cachedData) cache.set(filename, { source: code, data: compiled.cachedData });
    return compiled;
  };
}

const INSTALLED = Symbol.for("federated-shop.test.code-cache");

/** Puts `withCodeCache` in place of `vm.compileFunction` in this process, once; Jest looks it up at every compile. */
export function installCodeCache(): void {
  const vmModule = vm as typeof vm & { [INSTALLED]?: true };
  if (vmModule[INSTALLED]) return;
  vmModule.compileFunction = withCodeCache(vm.compileFunction);
  vmModule[INSTALLED] = true;
}
