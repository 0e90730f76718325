import type { ApolloServerPlugin, BaseContext } from "@apollo/server";
import type { FormattedExecutionResult } from "graphql";
import { DomainError, ErrorCode } from "../../lib/errors";
import type { AnswerBudget } from "../../lib/graphql-client";

/**
 * Answers bounded by size (MAX_RESPONSE_BYTES), not only by the estimated
 * cost, which cannot know how long each text is:
 *
 * - While the subgraphs answer: every subgraph answer one request causes is
 *   counted against that request's budget as its bytes arrive
 *   (subgraph-requests.ts, timedFetch); the fetch that runs over stops reading
 *   and fails, so the gateway never holds much more than the cap.
 * - The answer as a whole, when it is written (`stringifyResult`): an entity
 *   fetched once may appear at many places (entity-representations.ts).
 *
 * Either way the client gets RESPONSE_TOO_LARGE with HTTP 422 and no data,
 * never half an answer. 422 rather than 413 (which is about the request's
 * body) or 503 (which invites the same request again): the request is valid,
 * but asks for more than the platform answers in one go; asking for less
 * (a smaller page, fewer fields) works. The REST shim answers 422 too.
 */
export const RESPONSE_TOO_LARGE_STATUS = 422;

export const responseTooLarge = (maxBytes: number) =>
  new DomainError(
    ErrorCode.RESPONSE_TOO_LARGE,
    `The answer would be larger than ${maxBytes} bytes; ask for less (a smaller page, fewer fields)`,
    { http: { status: RESPONSE_TOO_LARGE_STATUS } },
  );

/** Each request's budget, made at its first subgraph fetch and kept as long as its context. */
export class ResponseBudgets {
  private readonly budgets = new WeakMap<object, AnswerBudget>();

  constructor(readonly maxBytes: number) {}

  /** The budget of the request whose context (the one every hook and fetch of a request shares) this is. */
  of(context: object): AnswerBudget {
    let budget = this.budgets.get(context);
    if (!budget) {
      budget = { remaining: this.maxBytes };
      this.budgets.set(context, budget);
    }
    return budget;
  }

  /** Whether a subgraph answer to this request ran over the budget. */
  exceeded(context: object): boolean {
    return (this.budgets.get(context)?.remaining ?? 0) < 0;
  }
}

/** A request whose subgraph answers ran over answers the error alone: the data gathered so far is dropped. */
export function responseSizePlugin(budgets: ResponseBudgets): ApolloServerPlugin<BaseContext> {
  return {
    async requestDidStart() {
      return {
        async willSendResponse({ contextValue, response }) {
          if (!budgets.exceeded(contextValue)) return;
          const { message } = responseTooLarge(budgets.maxBytes);
          response.body = {
            kind: "single",
            singleResult: { errors: [{ message, extensions: { code: ErrorCode.RESPONSE_TOO_LARGE } }] },
          };
          response.http.status = RESPONSE_TOO_LARGE_STATUS;
        },
      };
    },
  };
}

/**
 * Apollo's `stringifyResult` (JSON and a newline, as its default), refusing an
 * answer over `maxBytes`. Thrown here, the error is what Apollo answers
 * instead, with its status.
 */
export function sizeCheckedStringify(maxBytes: number): (result: FormattedExecutionResult) => string {
  return (result) => {
    const text = `${JSON.stringify(result)}\n`;
    // A character is at least one byte and at most three: count the bytes only when that cannot settle it.
    if (text.length <= maxBytes / 3 || (text.length <= maxBytes && Buffer.byteLength(text) <= maxBytes)) return text;
    throw responseTooLarge(maxBytes);
  };
}
