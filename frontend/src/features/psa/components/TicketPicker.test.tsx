import { act, cleanup, fireEvent, render, screen } from "@testing-library/react";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { ApiError, api, type PsaTicketHit, type PsaTicketSearch } from "../../../api/client";
import { SEARCH_DELAY_MS, TicketPicker } from "./TicketPicker";

function hit(id: string, summary: string, company = "Globex Corp", number = id): PsaTicketHit {
  return { id, number, summary, company, status: "In Progress", updated: "2026-11-21T10:00:00Z" };
}
function page(items: PsaTicketHit[], next: string | null = null): PsaTicketSearch {
  return { connection_id: "c1", vendor: "connectwise", items, has_more: next !== null, next_cursor: next };
}

async function type(text: string) {
  fireEvent.change(screen.getByLabelText("Find ticket"), { target: { value: text } });
}
async function settle() {
  await act(async () => {
    vi.advanceTimersByTime(SEARCH_DELAY_MS);
  });
  await act(async () => {}); // the answer's promise
}

describe("TicketPicker", () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => {
    cleanup();
    vi.useRealTimers();
    vi.restoreAllMocks();
  });

  it("searches once typing pauses and lists tickets as buttons", async () => {
    const search = vi.spyOn(api, "searchTickets").mockResolvedValue(
      page([hit("4243", "VPN drops every hour"), hit("4244", "VPN client will not install", "Acme Ltd", "T20261120.4244")]),
    );
    render(<TicketPicker connectionId="c1" onPick={() => {}} />);
    await type("v");
    await type("vp");
    await type("vpn");
    expect(search).not.toHaveBeenCalled();
    await settle();
    expect(search).toHaveBeenCalledTimes(1);
    expect(search.mock.calls[0].slice(0, 2)).toEqual(["c1", { q: "vpn", cursor: null, page_size: 10 }]);
    const first = screen.getByRole("button", { name: /#4243 VPN drops every hour/ });
    expect(first).toHaveTextContent("Globex Corp · In Progress");
    // Autotask's ticket number shows beside the id the session will use.
    expect(screen.getByRole("button", { name: /#4244 T20261120\.4244/ })).toBeInTheDocument();
    expect(screen.getByRole("status")).toHaveTextContent("2 open tickets");
  });

  it("is chosen with the keyboard, and Enter in the box never submits the form around it", async () => {
    vi.spyOn(api, "searchTickets").mockResolvedValue(page([hit("4243", "VPN drops"), hit("4247", "New laptop")]));
    const onPick = vi.fn();
    const onSubmit = vi.fn((e: Event) => e.preventDefault());
    render(
      <form onSubmit={(e) => onSubmit(e.nativeEvent)}>
        <TicketPicker connectionId="c1" onPick={onPick} />
      </form>,
    );
    const box = screen.getByLabelText("Find ticket");
    await type("globex");
    fireEvent.keyDown(box, { key: "Enter" }); // searches now, without waiting
    await act(async () => {});
    expect(onSubmit).not.toHaveBeenCalled();
    fireEvent.keyDown(box, { key: "ArrowDown" });
    expect(screen.getByRole("button", { name: /#4243/ })).toHaveFocus();
    fireEvent.keyDown(document.activeElement!, { key: "ArrowDown" });
    const second = screen.getByRole("button", { name: /#4247/ });
    expect(second).toHaveFocus();
    fireEvent.click(second);
    expect(onPick).toHaveBeenCalledWith(expect.objectContaining({ id: "4247" }), "c1");
    expect(box).toHaveValue("");
    expect(box).toHaveFocus();
  });

  it("loads more with the cursor and appends", async () => {
    const search = vi.spyOn(api, "searchTickets")
      .mockResolvedValueOnce(page([hit("1", "One"), hit("2", "Two")], "cursor-2"))
      .mockResolvedValueOnce(page([hit("3", "Three")]));
    render(<TicketPicker connectionId="c1" onPick={() => {}} />);
    await type("o");
    await settle();
    fireEvent.click(screen.getByRole("button", { name: "More results" }));
    await act(async () => {});
    expect(search.mock.calls[1].slice(0, 2)).toEqual(["c1", { q: "o", cursor: "cursor-2", page_size: 10 }]);
    expect(screen.getAllByRole("button").map((b) => b.textContent?.split(" ")[0])).toEqual(["#1", "#2", "#3"]);
    expect(screen.getByRole("button", { name: /#3 Three/ })).toHaveFocus();
  });

  it("shows the server's detail when the PSA fails, and says when nothing matches", async () => {
    vi.spyOn(api, "searchTickets")
      .mockRejectedValueOnce(new ApiError("HaloPSA failed (503): Service Unavailable", 502, "psa_error"))
      .mockResolvedValueOnce(page([]));
    render(<TicketPicker connectionId="c1" onPick={() => {}} />);
    await type("vpn");
    await settle();
    expect(screen.getByRole("alert")).toHaveTextContent("HaloPSA failed (503): Service Unavailable");
    await type("zzz");
    await settle();
    expect(screen.queryByRole("alert")).not.toBeInTheDocument();
    expect(screen.getByRole("status")).toHaveTextContent("No open tickets match “zzz”.");
  });
});
