// The transport: an openapi-fetch client typed by schema.d.ts, so a path, its parameters, its
// body and its answer are all checked against the server's OpenAPI schema at compile time.
import createClient, { type Middleware } from "openapi-fetch";
import type { paths } from "./schema";

export function csrfToken(): string {
  const match = document.cookie.match(/(?:^|;\s*)fp_csrf=([^;]+)/);
  return match ? decodeURIComponent(match[1]) : "";
}

// The session cookie is sent with every request; a request that changes something also carries
// the CSRF token the server set in a readable cookie (double submit).
const SAFE_METHODS = ["GET", "HEAD", "OPTIONS"];
const csrf: Middleware = {
  onRequest({ request }) {
    if (!SAFE_METHODS.includes(request.method)) request.headers.set("X-CSRF-Token", csrfToken());
    return request;
  },
};

export const http = createClient<paths>({
  // Absolute, so that Request() parses it outside a browser too (the unit tests).
  baseUrl: window.location.origin,
  credentials: "include",
  // Looked up on each call (not once at import), so a test can stand in for the network.
  fetch: (request) => globalThis.fetch(request),
});
http.use(csrf);

export class ApiError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly code: string,
  ) {
    super(message);
  }
}

// The server answers an error as {"detail": "...", "code": "..."}; a validation error's detail
// is a list, which is no message for a person: the status stands in for it.
export function errorFromResponse(status: number, body: unknown): ApiError {
  const { detail, code } = (typeof body === "object" && body !== null ? body : {}) as { detail?: unknown; code?: unknown };
  return new ApiError(
    typeof detail === "string" ? detail : `Request failed with status code ${status}`,
    status,
    typeof code === "string" ? code : `http_${status}`,
  );
}

export function toApiError(err: unknown): ApiError {
  if (err instanceof ApiError) return err;
  if (err instanceof DOMException && err.name === "AbortError") return new ApiError("canceled", 0, "canceled");
  // fetch rejects only when no answer came at all (offline, the server down, a refused connection).
  if (err instanceof TypeError) return new ApiError("Network Error", 0, "network_error");
  return new ApiError(String(err), 0, "unknown");
}

type Answer<D> = { data?: D; error?: unknown; response: Response };

/** The answer's body, or an ApiError carrying the server's message. */
export async function call<D>(request: Promise<Answer<D>>): Promise<D> {
  let answer: Answer<D>;
  try {
    answer = await request;
  } catch (err) {
    throw toApiError(err);
  }
  if (!answer.response.ok) throw errorFromResponse(answer.response.status, answer.error);
  return answer.data as D;
}
