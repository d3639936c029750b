import { screen } from "@testing-library/react";
import { api, type Upload } from "../../../api/client";
import { renderWithQueryClient } from "../../../testing/withQueryClient";
import { UPLOADS_POLL_MS, useSessionUploads } from "./uploads";
import { wait } from "../../../testing/timers";

function upload(status: Upload["description_status"]): Upload {
  return { id: "u1", original_name: "event.log", kind: "text", description_status: status, ai_description: status === "done" ? "A log" : null } as Upload;
}

function Files() {
  const items = useSessionUploads("s1").data ?? [];
  return <ul>{items.map((u) => <li key={u.id}>{u.original_name}: {u.description_status}</li>)}</ul>;
}


describe("a session's uploads", () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => {
    vi.useRealTimers();
    vi.restoreAllMocks();
  });

  it("are read again while a description is pending, and no longer once it is ready", async () => {
    const read = vi.spyOn(api, "uploads")
      .mockResolvedValueOnce([upload("pending")])
      .mockResolvedValueOnce([upload("pending")])
      .mockResolvedValue([upload("done")]);
    renderWithQueryClient(<Files />);
    await wait(0);
    expect(screen.getByText("event.log: pending")).toBeInTheDocument();
    await wait(UPLOADS_POLL_MS * 20);
    expect(read).toHaveBeenCalledTimes(3);
    expect(screen.getByText("event.log: done")).toBeInTheDocument();
  });

  it("stop being followed when the description failed", async () => {
    const read = vi.spyOn(api, "uploads").mockResolvedValueOnce([upload("pending")]).mockResolvedValue([upload("failed")]);
    renderWithQueryClient(<Files />);
    await wait(UPLOADS_POLL_MS * 20);
    expect(read).toHaveBeenCalledTimes(2);
  });
});
