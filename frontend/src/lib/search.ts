// Text split around a search's terms for highlighting: case-insensitive and anywhere in a word,
// as the server matches them.

export type Part = { text: string; hit: boolean };

export function highlightParts(text: string, terms: string[]): Part[] {
  const wanted = terms.filter(Boolean).sort((a, b) => b.length - a.length);
  if (!wanted.length || !text) return [{ text, hit: false }];
  const pattern = new RegExp(`(${wanted.map((t) => t.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")).join("|")})`, "gi");
  return text
    .split(pattern)
    .filter((piece) => piece !== "")
    .map((piece) => ({ text: piece, hit: wanted.some((t) => t.toLowerCase() === piece.toLowerCase()) }));
}
