import { describe, expect, it } from "vitest";
import { diffLines, plainText } from "./diff";

describe("diffLines", () => {
  it("marks changed, added and removed lines", () => {
    const d = diffLines("a\nb\nc", "a\nB\nc\nd");
    expect(d).toEqual([
      { kind: "same", text: "a" },
      { kind: "removed", text: "b" },
      { kind: "added", text: "B" },
      { kind: "same", text: "c" },
      { kind: "added", text: "d" },
    ]);
  });
  it("finds nothing to change in equal texts", () => {
    expect(diffLines("x\ny", "x\ny").every((l) => l.kind === "same")).toBe(true);
  });
});

describe("plainText", () => {
  it("drops markdown markers", () => {
    expect(plainText("## Fix\n- **Re-register** the `device`")).toBe("Fix\n• Re-register the device");
  });
});
