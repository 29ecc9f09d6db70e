/**
 * Chat conversations as tunebook passes them to chat templates.
 *
 * @module
 */

/** Who speaks a message. Templates rename roles themselves (Gemma: `model`). */
export type ChatRole = "system" | "user" | "assistant";

/** One message of a conversation. */
export interface ChatMessage {
  role: ChatRole;
  content: string;
}

const ROLES: readonly string[] = ["system", "user", "assistant"];

/**
 * Throws a clear error naming the message index and field when `messages`
 * is not a list of `{role, content}` with a known role and string content.
 * `what` names the argument in the error (e.g. "prompt").
 */
export function validateMessages(
  messages: unknown,
  what = "messages",
): asserts messages is ChatMessage[] {
  if (!Array.isArray(messages)) {
    throw new Error(`${what} must be an array of {role, content} messages`);
  }
  messages.forEach((message, i) => {
    if (typeof message !== "object" || message === null) {
      throw new Error(`${what}[${i}] must be a {role, content} object`);
    }
    const { role, content } = message as Record<string, unknown>;
    if (typeof role !== "string" || !ROLES.includes(role)) {
      throw new Error(
        `${what}[${i}].role must be "system", "user" or "assistant", got ${
          JSON.stringify(role)
        }`,
      );
    }
    if (typeof content !== "string") {
      throw new Error(
        `${what}[${i}].content must be a string, got ${
          content === null ? "null" : typeof content
        }`,
      );
    }
  });
}
