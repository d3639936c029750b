import { fireEvent, screen } from "@testing-library/react";
import { api, type Output } from "../../../api/client";
import { MAX_EMPTY_POLLS, OUTPUTS_POLL_MS } from "../api/outputs";
import { renderWithQueryClient } from "../../../testing/withQueryClient";
import { ResolutionOutputPanel } from "./ResolutionOutputPanel";
import { wait } from "../../../testing/timers";

const TICKET = { ticketId: null, connectionId: null, connectionName: null, contactEmail: null };

function doc(pushes: Output["pushes"] = []): Output {
  return {
    id: "o1", session_id: "s1", output_type: "psa_ticket_notes", status: "draft", version: 1,
    generated_content: "Reset the credential", edited_content: null, generated_by_model: "offline",
    pushes, structured_data: {}, created_at: "2026-11-21T10:00:00Z", updated_at: "2026-11-21T10:00:00Z",
    pushed_at: null, pushed_reference: null, pushed_to: null,
  } as Output;
}


describe("the resolution documents panel", () => {
  beforeEach(() => {
    vi.useFakeTimers();
    vi.spyOn(api, "deliveryTargets").mockResolvedValue({ psa_connections: [], email: false, kb_exports: [] } as never);
  });
  afterEach(() => {
    vi.useRealTimers();
    vi.restoreAllMocks();
  });

  it("asks until the documents are written, then stops", async () => {
    const read = vi.spyOn(api, "outputs")
      .mockResolvedValueOnce({ outputs: [] })
      .mockResolvedValueOnce({ outputs: [] })
      .mockResolvedValue({ outputs: [doc()] });
    renderWithQueryClient(<ResolutionOutputPanel sessionId="s1" canWrite ticket={TICKET} />);
    await wait(0);
    expect(screen.getByText("Writing the documents…")).toBeInTheDocument();
    await wait(OUTPUTS_POLL_MS * 10);
    expect(read).toHaveBeenCalledTimes(3);
    expect(screen.getByTestId("output-text")).toHaveTextContent("Reset the credential");
  });

  it("follows a delivery until it is done", async () => {
    const queued = doc([{ id: "p1", destination: "psa", result: "queued" } as never]);
    const done = doc([{ id: "p1", destination: "psa", result: "ok" } as never]);
    const read = vi.spyOn(api, "outputs")
      .mockResolvedValueOnce({ outputs: [queued] })
      .mockResolvedValue({ outputs: [done] });
    renderWithQueryClient(<ResolutionOutputPanel sessionId="s1" canWrite ticket={TICKET} />);
    await wait(OUTPUTS_POLL_MS * 10);
    expect(read).toHaveBeenCalledTimes(2);
  });

  it("gives up when no documents come (the job failed), and checks again when asked", async () => {
    const read = vi.spyOn(api, "outputs").mockResolvedValue({ outputs: [] });
    renderWithQueryClient(<ResolutionOutputPanel sessionId="s1" canWrite ticket={TICKET} />);
    await wait(OUTPUTS_POLL_MS * (MAX_EMPTY_POLLS + 20));
    expect(read).toHaveBeenCalledTimes(MAX_EMPTY_POLLS);
    expect(screen.queryByText("Writing the documents…")).not.toBeInTheDocument();
    expect(screen.getByText(/writing them may have failed/)).toBeInTheDocument();

    fireEvent.click(screen.getByRole("button", { name: "Check again" }));
    await wait(OUTPUTS_POLL_MS * 3);
    expect(read).toHaveBeenCalledTimes(MAX_EMPTY_POLLS + 4);
    expect(screen.getByText("Writing the documents…")).toBeInTheDocument();
  });

  it("shows why an action failed", async () => {
    vi.spyOn(api, "outputs").mockResolvedValue({ outputs: [doc()] });
    vi.spyOn(api, "editOutput").mockRejectedValue(new Error("The document changed meanwhile"));
    renderWithQueryClient(<ResolutionOutputPanel sessionId="s1" canWrite ticket={TICKET} />);
    await wait(0);
    fireEvent.click(screen.getByRole("button", { name: "Approve" }));
    await wait(0);
    expect(screen.getByRole("alert")).toHaveTextContent("The document changed meanwhile");
  });
});
