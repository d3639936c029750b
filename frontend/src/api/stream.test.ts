import { parseFrames } from "./stream";

describe("parseFrames", () => {
  it("parses complete frames and keeps the partial tail", () => {
    const input =
      'event: delta\ndata: {"text":"Hel"}\n\nevent: delta\ndata: {"text":"lo"}\n\nevent: done\ndata: {"par';
    const { events, rest } = parseFrames(input);
    expect(events).toEqual([
      { event: "delta", data: { text: "Hel" } },
      { event: "delta", data: { text: "lo" } },
    ]);
    expect(rest).toBe('event: done\ndata: {"par');
  });

  it("ignores frames without an event name", () => {
    expect(parseFrames(': keep-alive\n\n').events).toEqual([]);
  });
});
