import {
  assertStatusMove,
  nextStatuses,
  pendingStepOf,
  PLACEMENT_MOVES,
  STOCK_MOVES,
} from "../subgraphs/orders/src/order-lifecycle";

describe("order lifecycle", () => {
  test.each([
    ["pending", "processing"],
    ["pending", "shipped"],
    ["pending", "cancelled"],
    ["processing", "shipped"],
    ["processing", "cancelled"],
    ["shipped", "delivered"],
  ] as const)("%s → %s is allowed", (from, to) => {
    expect(() => assertStatusMove(from, to)).not.toThrow();
  });

  test.each([
    ["shipped", "cancelled"],
    ["delivered", "pending"],
    ["cancelled", "processing"],
    ["processing", "pending"],
    ["pending", "delivered"],
  ] as const)("%s → %s is refused with ILLEGAL_STATUS_MOVE", (from, to) => {
    expect(() => assertStatusMove(from, to)).toThrow(
      expect.objectContaining({ extensions: expect.objectContaining({ code: "ILLEGAL_STATUS_MOVE" }) }),
    );
  });
});

describe("order state machine", () => {
  test("a move to the status an order has is allowed (moves are idempotent); final statuses allow nothing else", () => {
    expect(() => assertStatusMove("cancelled", "cancelled")).not.toThrow();
    expect(nextStatuses("pending")).toEqual(["processing", "shipped", "cancelled"]);
    expect(nextStatuses("delivered")).toEqual([]);
    expect(nextStatuses("cancelled")).toEqual([]);
  });

  test("stock and placement states only go forward, and end in a final state", () => {
    for (const moves of [STOCK_MOVES, PLACEMENT_MOVES] as Record<string, readonly string[]>[]) {
      const finals = Object.keys(moves).filter((state) => moves[state].length === 0);
      expect(finals.length).toBeGreaterThan(0);
      // No cycles: following moves from any state always reaches a final one.
      const reachesFinal = (state: string, seen: string[] = []): boolean =>
        !seen.includes(state) &&
        (moves[state].length === 0 || moves[state].every((next) => reachesFinal(next, [...seen, state])));
      expect(Object.keys(moves).every((state) => reachesFinal(state))).toBe(true);
    }
  });

  test("a client sees a pending step exactly while the stock step is unsettled", () => {
    expect(pendingStepOf("reserved")).toBe("CONFIRM_STOCK");
    expect(pendingStepOf("release_pending")).toBe("RELEASE_STOCK");
    expect(pendingStepOf("confirmed")).toBeNull();
    expect(pendingStepOf("released")).toBeNull();
  });
});
