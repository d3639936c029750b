import { fireEvent, screen, waitFor } from "@testing-library/react";
import { ApiError, api, type NotificationList } from "../../../api/client";
import { renderWithQueryClient } from "../../../testing/withQueryClient";
import { NotificationsMenu } from "./NotificationsMenu";

const ESCALATION = {
  id: "n1", kind: "escalation", title: "Escalated: VPN down", session_id: "s1", handoff_id: "h1", read_at: null,
  created_at: "2026-11-21T10:00:00Z",
};
const list = (unread: number, read_at: string | null = null) => ({ items: [{ ...ESCALATION, read_at }], unread }) as unknown as NotificationList;

describe("the notifications menu", () => {
  afterEach(() => vi.restoreAllMocks());

  it("marks what it shows as read when it opens", async () => {
    vi.spyOn(api, "notifications").mockResolvedValueOnce(list(1)).mockResolvedValueOnce(list(1)).mockResolvedValue(list(0, "now"));
    const markRead = vi.spyOn(api, "readAllNotifications").mockResolvedValue(undefined as never);
    renderWithQueryClient(<NotificationsMenu />);
    fireEvent.click(await screen.findByRole("button", { name: "Notifications (1 unread)" }));
    await waitFor(() => expect(markRead).toHaveBeenCalledWith(["n1"]));
    await screen.findByRole("button", { name: "Notifications" });
    // Still shown as new while the menu stays open.
    expect(screen.getByRole("button", { name: /^New: ?Escalated: VPN down$/ })).toBeInTheDocument();
  });

  it("says why a claim failed (someone was first)", async () => {
    vi.spyOn(api, "notifications").mockResolvedValue(list(0, "now"));
    vi.spyOn(api, "claim").mockRejectedValue(new ApiError("Ben claimed it first", 409, "already_claimed"));
    renderWithQueryClient(<NotificationsMenu />);
    fireEvent.click(await screen.findByRole("button", { name: "Notifications" }));
    fireEvent.click(await screen.findByRole("button", { name: "Claim Escalated: VPN down" }));
    expect(await screen.findByRole("alert")).toHaveTextContent("Ben claimed it first");
  });
});
