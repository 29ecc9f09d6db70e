/**
 * `@wandb/sdk` reports a failed request by printing the whole error object
 * (`console.error("Fatal HTTP error (401): ", error)`: the GraphQL query,
 * the response headers, a stack) and each retry on its own line. While a W&B
 * run lasts, {@link condenseSdkOutput} turns those calls into one tunebook
 * line each ({@link sdkLine}) and passes every other console call through
 * unchanged. The key is blanked from anything printed, though the SDK puts
 * it only in request headers, which it does not print.
 *
 * @module
 */

/**
 * Routes the SDK's console calls to one line each, prefixed `prefix`, with
 * `secret` blanked; returns the function that restores the console.
 */
export function condenseSdkOutput(
  prefix: string,
  secret: string,
): () => void {
  const { error, log } = console;
  const route = (write: (...args: unknown[]) => void) =>
  (
    ...args: unknown[]
  ) => {
    const line = sdkLine(args);
    if (line === null) write.apply(console, args);
    else error.call(console, scrub(`${prefix} ${line}`, secret));
  };
  console.error = route(error);
  console.log = route(log);
  return () => {
    console.error = error;
    console.log = log;
  };
}

/** The one line for a console call of the SDK, or null for any other call. */
export function sdkLine(args: readonly unknown[]): string | null {
  const [head, detail] = args;
  if (typeof head !== "string") return null;
  const http = /^Fatal HTTP error \((\d+)\)/.exec(head);
  if (http) return `HTTP ${http[1]}: ${reasonOf(detail)}`;
  if (head.startsWith("Fatal error: ")) return reasonOf(detail);
  const retry = /^Retrying failed request to W&B in ([\d.]+)ms/.exec(head);
  if (retry) {
    return `request failed; retrying in ${
      Math.round(Number(retry[1]) / 1000)
    } s`;
  }
  if (head.startsWith("Max retries (")) return head.trim();
  if (head.startsWith("Failed to stop sender")) {
    return `could not stop: ${reasonOf(detail)}`;
  }
  return null;
}

/** `text` with every occurrence of `secret` blanked. */
export function scrub(text: string, secret: string): string {
  return secret === "" ? text : text.split(secret).join("***");
}

/** The first line of what an error says: a GraphQL error's own message first. */
function reasonOf(error: unknown): string {
  const graphql = (error as { response?: { errors?: { message?: unknown }[] } })
    ?.response?.errors?.[0]?.message;
  if (typeof graphql === "string") return graphql.split("\n")[0];
  const message = error instanceof Error ? error.message : String(error);
  // graphql-request appends the whole request and response as JSON.
  return message.split("\n")[0].replace(/: \{".*$/, "");
}
