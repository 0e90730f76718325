/**
 * Clean-up steps run last-registered first, as Hive Gateway's internal/e2e
 * does with an AsyncDisposableStack (Node 20, which the project supports,
 * has none): whatever a set-up had started when it finished, or failed
 * half-way, is stopped in reverse order, every step tried even when one
 * fails, and the failures reported together.
 */
export class CleanupStack {
  private steps: (() => Promise<unknown> | unknown)[] = [];

  /** Registers `step` to run at `close()`, before every step registered earlier. */
  defer(step: () => Promise<unknown> | unknown): void {
    this.steps.push(step);
  }

  /** Registers `resource.stop()` and answers the resource, for `const x = stack.adopt(await start())`. */
  adopt<T extends { stop(): Promise<unknown> }>(resource: T): T {
    this.defer(() => resource.stop());
    return resource;
  }

  /** Runs every step, last first, then forgets them; throws what failed, once all have run. */
  async close(): Promise<void> {
    const steps = this.steps.reverse();
    this.steps = [];
    const failures: unknown[] = [];
    for (const step of steps) {
      try {
        await step();
      } catch (error) {
        failures.push(error);
      }
    }
    if (failures.length === 1) throw failures[0];
    if (failures.length > 1) throw new AggregateError(failures, `${failures.length} clean-up steps failed`);
  }
}
