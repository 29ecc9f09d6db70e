/**
 * Errors as the server answers them: one line naming the field, in vLLM's
 * JSON shape (since v0.10.1), `{"error": {"message", "type", "param",
 * "code"}}` with `code` the HTTP status and `type` its name
 * (`BadRequestError` 400, `NotFoundError` 404, `InternalServerError` 500,
 * …). Nothing reaches a client as a stack trace: an error that is not an
 * {@link ApiError} is sorted by lib/util/errors.ts — input the client can
 * fix (a prompt too long for the context) is a 400, a bug a 500 with its
 * message only.
 *
 * @module
 */
import { errorKind, messageOf } from "../util/errors.ts";

/** An answer other than success: the HTTP status and one line saying why. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    /** The request field at fault, when one is (vLLM's `param`). */
    readonly param: string | null = null,
  ) {
    super(message);
    this.name = "ApiError";
  }
}

/** A 400 naming the field at fault. */
export function badRequest(message: string, param: string | null = null) {
  return new ApiError(400, message, param);
}

/** vLLM's `type` of an error with HTTP status `status`. */
export function errorType(status: number): string {
  const names: Record<number, string> = {
    400: "BadRequestError",
    404: "NotFoundError",
    405: "MethodNotAllowedError",
    413: "RequestEntityTooLargeError",
    429: "TooManyRequestsError",
    500: "InternalServerError",
    503: "ServiceUnavailableError",
  };
  return names[status] ??
    (status < 500 ? "BadRequestError" : "InternalServerError");
}

/** Any thrown value as an {@link ApiError}: input errors 400, the rest 500. */
export function toApiError(error: unknown): ApiError {
  if (error instanceof ApiError) return error;
  const message = messageOf(error);
  return errorKind(error) === "bug"
    ? new ApiError(500, `internal error: ${message}`)
    : new ApiError(400, message);
}

/** The vLLM error body of `error`. */
export function errorBody(error: ApiError): Record<string, unknown> {
  return {
    error: {
      message: error.message,
      type: errorType(error.status),
      param: error.param,
      code: error.status,
    },
  };
}

/** A JSON response. */
export function jsonResponse(body: unknown, status = 200): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { "content-type": "application/json" },
  });
}

/** The vLLM-shaped error response of any thrown value. */
export function errorResponse(error: unknown): Response {
  const api = toApiError(error);
  return jsonResponse(errorBody(api), api.status);
}
