/**
 * A real dynamic import(), for the few dependencies published only as ES
 * modules. This project compiles to CommonJS, where TypeScript turns
 * `import()` into require(), which cannot load them.
 */
export const importEsm = new Function("specifier", "return import(specifier)") as <Module>(specifier: string) => Promise<Module>;
