import { api } from "./client";
import { ApiError } from "./http";

function answer(status: number, body?: unknown): Response {
  return new Response(body === undefined ? null : JSON.stringify(body), {
    status,
    headers: body === undefined ? {} : { "Content-Type": "application/json" },
  });
}

function stubFetch(...responses: Response[]) {
  const seen: Request[] = [];
  const fetch = vi.spyOn(globalThis, "fetch");
  for (const r of responses) fetch.mockImplementationOnce(async (input) => (seen.push(input as Request), r));
  return seen;
}

describe("the API transport", () => {
  beforeEach(() => {
    document.cookie = "fp_csrf=token%2F1";
  });
  afterEach(() => vi.restoreAllMocks());

  it("sends the CSRF token on a change, not on a read, and the cookie on both", async () => {
    const seen = stubFetch(answer(200, { items: [], unread: 0 }), answer(200, { id: "n1" }));
    await api.notifications();
    await api.readNotification("n1");
    expect(seen.map((r) => [r.method, new URL(r.url).pathname, r.headers.get("X-CSRF-Token")])).toEqual([
      ["GET", "/api/v1/notifications", null],
      ["POST", "/api/v1/notifications/n1/read", "token/1"],
    ]);
    expect(seen.every((r) => r.credentials === "include")).toBe(true);
  });

  it("puts query parameters in the address and leaves out the ones not given", async () => {
    const seen = stubFetch(answer(200, { items: [], total: 0 }));
    await api.queue({ intent: "escalate", priority: undefined, limit: 50 });
    expect(new URL(seen[0].url).search).toBe("?intent=escalate&limit=50");
  });

  it("turns the server's detail and code into the error's message and code", async () => {
    stubFetch(answer(409, { detail: "Someone else claimed it first", code: "already_claimed" }));
    const err = await api.claim("s1", "h1").catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect(err).toMatchObject({ message: "Someone else claimed it first", status: 409, code: "already_claimed" });
  });

  it("says which status failed when the detail is not a sentence (a validation error)", async () => {
    stubFetch(answer(422, { detail: [{ loc: ["body", "name"], msg: "Field required" }] }));
    await expect(api.createTeam("")).rejects.toMatchObject({ message: "Request failed with status code 422", status: 422 });
  });

  it("reports a request that got no answer as a network error", async () => {
    vi.spyOn(globalThis, "fetch").mockRejectedValueOnce(new TypeError("Failed to fetch"));
    await expect(api.me()).rejects.toMatchObject({ message: "Network Error", status: 0, code: "network_error" });
  });

  it("answers nothing for 204 No Content", async () => {
    stubFetch(answer(204));
    await expect(api.logout()).resolves.toBeUndefined();
  });
});
