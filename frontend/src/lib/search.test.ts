import { highlightParts } from "./search";

describe("highlightParts", () => {
  it("marks every occurrence, any case, longest term first", () => {
    expect(highlightParts("Acme Dental at ACME-LT-042", ["acme", "acme-lt"])).toEqual([
      { text: "Acme", hit: true },
      { text: " Dental at ", hit: false },
      { text: "ACME-LT", hit: true },
      { text: "-042", hit: false },
    ]);
  });

  it("treats regular-expression characters as text", () => {
    expect(highlightParts("uses 100% (all) of C:\\", ["100%", "(all)", "c:\\"])).toEqual([
      { text: "uses ", hit: false },
      { text: "100%", hit: true },
      { text: " ", hit: false },
      { text: "(all)", hit: true },
      { text: " of ", hit: false },
      { text: "C:\\", hit: true },
    ]);
    expect(highlightParts("nothing here", [])).toEqual([{ text: "nothing here", hit: false }]);
  });
});
