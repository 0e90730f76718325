import { TestEnvironment } from "jest-environment-node";
import { installCodeCache } from "./code-cache";

/**
 * Jest's Node environment, with compiled code kept across the suites a worker runs (code-cache.ts). Jest loads this
 * module once per worker, so the cache lives as long as the worker does.
 */
installCodeCache();

export default TestEnvironment;
