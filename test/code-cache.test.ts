import vm from "node:vm";
import { withCodeCache } from "./support/code-cache";

// The test support's compile cache (test/support/code-cache.ts), on the real vm.compileFunction.
describe("withCodeCache", () => {
  const source = "return a + b + helper(); function helper() { return 1; }";
  const calls: vm.CompileFunctionOptions[] = [];
  const recording: typeof vm.compileFunction = (code, params, options = {}) => {
    calls.push(options);
    return vm.compileFunction(code, params, options);
  };
  beforeEach(() => {
    calls.length = 0;
  });

  test("a second compile of the same file and text, in another context, starts from the first one's cache and runs alike", () => {
    const compile = withCodeCache(recording);
    const first = compile(source, ["a", "b"], { filename: "/sum.js", parsingContext: vm.createContext({}) });
    const second = compile(source, ["a", "b"], { filename: "/sum.js", parsingContext: vm.createContext({}) });
    expect(calls[0]).toMatchObject({ produceCachedData: true });
    expect(calls[1].cachedData).toBeInstanceOf(Buffer);
    expect(second.cachedDataRejected).toBe(false);
    expect([first(1, 2), second(1, 2)]).toEqual([4, 4]);
  });

  test("a changed text under the same file name is compiled afresh, never served the old code", () => {
    const compile = withCodeCache(recording);
    compile(source, ["a", "b"], { filename: "/sum.js" });
    const changed = compile("return a * b;", ["a", "b"], { filename: "/sum.js" });
    expect(calls[1].cachedData).toBeUndefined();
    expect(changed(3, 4)).toBe(12);
    // The new text is what is cached from then on.
    const again = compile("return a * b;", ["a", "b"], { filename: "/sum.js" });
    expect(calls[2].cachedData).toBeInstanceOf(Buffer);
    expect(again(3, 4)).toBe(12);
  });

  test("a text that may import() and a caller's own cache data are passed through untouched", () => {
    const compile = withCodeCache(recording);
    const importing = "return () => import('node:fs');";
    compile(importing, [], { filename: "/importing.js" });
    compile(importing, [], { filename: "/importing.js" });
    expect(calls.map((options) => [options.cachedData, options.produceCachedData])).toEqual([
      [undefined, undefined],
      [undefined, undefined],
    ]);
    compile(source, ["a", "b"], { filename: "/own.js", produceCachedData: false });
    expect(calls[2]).toEqual({ filename: "/own.js", produceCachedData: false });
  });

  test("the suites' test environment has put it in place of vm.compileFunction in this worker", () => {
    expect((vm as typeof vm & Record<symbol, unknown>)[Symbol.for("federated-shop.test.code-cache")]).toBe(true);
    expect(vm.compileFunction.toString()).toContain("cachedData");
  });
});
