/** A failure the shim itself answers (bad request shape, wrong method), with its HTTP status. */
export class RestError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = "RestError";
  }
}
