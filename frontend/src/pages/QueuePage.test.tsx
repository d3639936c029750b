import { fireEvent, screen } from "@testing-library/react";
import { ApiError, api, type QueueItem } from "../api/client";
import { QUEUE_REFRESH_MS } from "../features/handoffs/api/queue";
import { renderWithQueryClient } from "../testing/withQueryClient";
import { QueuePage } from "./QueuePage";
import { wait } from "../testing/timers";

function item(title: string): QueueItem {
  return {
    handoff_id: `h-${title}`, session_id: `s-${title}`, title, intent: "escalate", priority: "normal", branch_count: 1,
    handed_off_by: "u2", handed_off_by_name: "Ana", waiting_seconds: 60, overdue: false, engineer_notes: null,
    problem_domain: null, problem_summary: null, target_team_name: null, waiting_on: null, created_at: "2026-11-21T10:00:00Z",
  } as QueueItem;
}
const page = (...items: QueueItem[]) => ({ items, total: items.length, limit: 50, offset: 0, total_capped: false });

describe("the team queue", () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => {
    vi.useRealTimers();
    vi.restoreAllMocks();
  });

  it("is read again every 15 s", async () => {
    const read = vi.spyOn(api, "queue").mockResolvedValueOnce(page()).mockResolvedValue(page(item("VPN down")));
    renderWithQueryClient(<QueuePage />);
    await wait(0);
    expect(screen.getByText("Nothing waiting. Nice.")).toBeInTheDocument();
    await wait(QUEUE_REFRESH_MS + 1000);
    expect(read).toHaveBeenCalledTimes(2);
    expect(screen.getByTestId("queue-item")).toHaveTextContent("VPN down");
  });

  it("keeps an item someone else claimed first, with who took it", async () => {
    vi.spyOn(api, "queue").mockResolvedValueOnce(page(item("VPN down"))).mockResolvedValue(page());
    vi.spyOn(api, "claim").mockRejectedValue(new ApiError("Ben claimed it first", 409, "already_claimed"));
    renderWithQueryClient(<QueuePage />);
    await wait(0);
    fireEvent.click(screen.getByRole("button", { name: "Claim VPN down" }));
    await wait(0);
    expect(screen.getByTestId("queue-item-taken")).toHaveTextContent("Ben claimed it first");
    expect(screen.queryByRole("alert")).not.toBeInTheDocument();
  });

  it("says why a claim failed, after the list is read again", async () => {
    const read = vi.spyOn(api, "queue").mockResolvedValue(page(item("VPN down")));
    vi.spyOn(api, "claim").mockRejectedValue(new ApiError("This session is closed", 409, "session_closed"));
    renderWithQueryClient(<QueuePage />);
    await wait(0);
    fireEvent.click(screen.getByRole("button", { name: "Claim VPN down" }));
    await wait(0);
    expect(read).toHaveBeenCalledTimes(2);
    expect(screen.getByRole("alert")).toHaveTextContent("This session is closed");
  });
});
