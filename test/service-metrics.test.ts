import perfHooks from "node:perf_hooks";
import { ServiceMetrics } from "../lib/observability/metrics";
import { metricValue } from "./support/metrics";

describe("services started one after another in one process", () => {
  test("show the process's metrics under their own names, from one GC observer and one event-loop monitor", async () => {
    // prom-client's process metrics watch garbage collection and the event loop through Node's perf_hooks, and can
    // never stop watching; a service starting again in the same process must not add a watcher each time.
    const observers = jest.spyOn(perfHooks.PerformanceObserver.prototype, "observe");
    const monitors = jest.spyOn(perfHooks, "monitorEventLoopDelay");
    try {
      const first = new ServiceMetrics("orders");
      first.close();
      const services = ["users", "products", "orders"].map((name) => new ServiceMetrics(name));
      for (const service of services) {
        const text = await service.registry.metrics();
        expect(metricValue(text, "nodejs_heap_size_used_bytes", { service: service.service })).toBeGreaterThan(0);
        expect(metricValue(text, "nodejs_eventloop_lag_p99_seconds", { service: service.service })).toEqual(expect.any(Number));
        // Only this service's label: another service's registry does not leak into it.
        expect(text.match(/service="(\w+)"/g)?.every((label) => label === `service="${service.service}"`)).toBe(true);
      }
      expect(observers).toHaveBeenCalledTimes(1);
      expect(observers).toHaveBeenCalledWith({ entryTypes: ["gc"] });
      expect(monitors).toHaveBeenCalledTimes(1);

      // A service that stops takes its own metrics with it and leaves the others' process metrics in place.
      services[0].close();
      expect(services[0].registry.getMetricsAsArray()).toEqual([]);
      expect(metricValue(await services[1].registry.metrics(), "nodejs_heap_size_used_bytes")).toBeGreaterThan(0);
    } finally {
      observers.mockRestore();
      monitors.mockRestore();
    }
  });
});
