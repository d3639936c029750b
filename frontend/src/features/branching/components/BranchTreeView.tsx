// The branch tree drawn: branches as edges coloured by status from their fork point, the path
// to the branch being worked highlighted; pan, zoom, and arrow keys to move, Enter to switch.
import { type KeyboardEvent, type PointerEvent, useEffect, useMemo, useRef, useState } from "react";
import { Minus, Plus, RotateCcw } from "lucide-react";
import type { BranchTree } from "../../../api/client";
import { STATUS_LABEL } from "./BranchStatusBadge";
import { INDENT, PAD, ROW, STATUS_COLOUR, layoutTree, moveFor, neighbour, type PlacedBranch } from "../utils/treeLayout";

const WIDTH = 248;
const MIN_ZOOM = 0.5;
const MAX_ZOOM = 2.5;

type View = { zoom: number; x: number; y: number };
const HOME: View = { zoom: 1, x: 0, y: 0 };

function edgePath(node: PlacedBranch): string {
  const parent = node.parent!;
  // Down from the parent's node to the child's row, then across: the fork point is the corner.
  return `M ${parent.x} ${parent.y} V ${node.y} H ${node.x}`;
}

function nodeLabel(node: PlacedBranch, active: boolean): string {
  const b = node.branch;
  const where = active ? ", the branch you are on" : "";
  const status = b.status === "active" && !active ? "open" : STATUS_LABEL[b.status];
  return `${b.label}, ${status}, ${b.message_count} message${b.message_count === 1 ? "" : "s"}${where}`;
}

export function BranchTreeView({ tree, onSwitch }: { tree: BranchTree; onSwitch: (branchId: string) => void }) {
  const placed = useMemo(() => layoutTree(tree.branches, tree.active_branch_id), [tree]);
  const [focused, setFocused] = useState<string | null>(tree.active_branch_id);
  const [view, setView] = useState<View>(HOME);
  const nodes = useRef(new Map<string, SVGGElement>());
  const surface = useRef<SVGSVGElement>(null);
  const drag = useRef<{ x: number; y: number; view: View } | null>(null);
  const keyboard = useRef(false);

  const current = placed.some((p) => p.branch.id === focused) ? focused : tree.active_branch_id;
  const height = PAD * 2 + Math.max(0, placed.length - 1) * ROW;
  const width = Math.max(WIDTH, PAD + Math.max(0, ...placed.map((p) => p.depth)) * INDENT + 200);

  useEffect(() => {
    if (keyboard.current && current) nodes.current.get(current)?.focus();
    keyboard.current = false;
  }, [current]);

  // Wheel zoom needs a listener that may cancel scrolling (React's is passive).
  useEffect(() => {
    const el = surface.current;
    if (!el) return;
    const onWheel = (e: WheelEvent) => {
      if (!e.ctrlKey && !e.metaKey) return; // plain scrolling scrolls the page
      e.preventDefault();
      setView((v) => ({ ...v, zoom: clamp(v.zoom * (e.deltaY < 0 ? 1.1 : 1 / 1.1)) }));
    };
    el.addEventListener("wheel", onWheel, { passive: false });
    return () => el.removeEventListener("wheel", onWheel);
  }, []);

  function onKeyDown(e: KeyboardEvent) {
    if (!current) return;
    if (e.key === "Enter" || e.key === " ") {
      e.preventDefault();
      if (current !== tree.active_branch_id) onSwitch(current);
      return;
    }
    const move = moveFor(e.key);
    if (!move) return;
    e.preventDefault();
    keyboard.current = true;
    setFocused(neighbour(placed, current, move));
  }

  function onPointerDown(e: PointerEvent<SVGSVGElement>) {
    if ((e.target as Element).closest("[role=treeitem]")) return;
    drag.current = { x: e.clientX, y: e.clientY, view };
    e.currentTarget.setPointerCapture?.(e.pointerId);
  }
  function onPointerMove(e: PointerEvent<SVGSVGElement>) {
    const start = drag.current;
    if (!start) return;
    setView({ ...start.view, x: start.view.x + e.clientX - start.x, y: start.view.y + e.clientY - start.y });
  }

  return (
    <div className="mb-3">
      <div className="mb-1 flex items-center justify-end gap-1" role="group" aria-label="Tree view controls">
        <button type="button" aria-label="Zoom in" onClick={() => setView((v) => ({ ...v, zoom: clamp(v.zoom * 1.25) }))}
          className="rounded p-1 text-slate-700 hover:bg-slate-100"><Plus aria-hidden="true" className="h-3.5 w-3.5" /></button>
        <button type="button" aria-label="Zoom out" onClick={() => setView((v) => ({ ...v, zoom: clamp(v.zoom / 1.25) }))}
          className="rounded p-1 text-slate-700 hover:bg-slate-100"><Minus aria-hidden="true" className="h-3.5 w-3.5" /></button>
        <button type="button" aria-label="Reset view" onClick={() => setView(HOME)}
          className="rounded p-1 text-slate-700 hover:bg-slate-100"><RotateCcw aria-hidden="true" className="h-3.5 w-3.5" /></button>
      </div>
      <div className="overflow-hidden rounded border border-slate-200 bg-slate-50" role="tree" aria-label="Branch tree" tabIndex={-1}
        onKeyDown={onKeyDown} data-testid="branch-tree">
        <svg ref={surface} role="presentation" width="100%" height={Math.min(height, 320)} viewBox={`0 0 ${width} ${height}`}
          className="cursor-grab touch-none select-none active:cursor-grabbing"
          onPointerDown={onPointerDown} onPointerMove={onPointerMove} onPointerUp={() => (drag.current = null)}>
          <g role="presentation" transform={`translate(${view.x} ${view.y}) scale(${view.zoom})`}>
            {placed.filter((p) => p.parent).map((p) => (
              <path key={`edge-${p.branch.id}`} d={edgePath(p)} fill="none" stroke={STATUS_COLOUR[p.branch.status]}
                strokeWidth={p.onPath ? 3 : 1.5} strokeDasharray={p.branch.status === "untried" ? "4 3" : undefined}
                opacity={p.onPath ? 1 : 0.8} />
            ))}
            {placed.map((p) => {
              const active = p.branch.id === tree.active_branch_id;
              const colour = STATUS_COLOUR[p.branch.status];
              return (
                <g key={p.branch.id} role="treeitem" aria-level={p.depth + 1} aria-selected={active}
                  aria-label={nodeLabel(p, active)} tabIndex={p.branch.id === current ? 0 : -1}
                  data-branch-node={p.branch.label}
                  ref={(el) => { if (el) nodes.current.set(p.branch.id, el); else nodes.current.delete(p.branch.id); }}
                  onFocus={() => setFocused(p.branch.id)}
                  onClick={() => { setFocused(p.branch.id); if (!active) onSwitch(p.branch.id); }}
                  className="cursor-pointer outline-none [&:focus-visible>circle.ring]:stroke-amber-500">
                  <circle className="ring" cx={p.x} cy={p.y} r={11} fill="none" stroke={active ? colour : "transparent"} strokeWidth={2} />
                  <circle cx={p.x} cy={p.y} r={6.5} fill={p.branch.status === "untried" ? "#ffffff" : colour}
                    stroke={colour} strokeWidth={2} />
                  <text x={p.x + 16} y={p.y + 4} fontSize={12} fill="#0f172a" fontWeight={active ? 600 : 400}>
                    {p.branch.label.length > 28 ? `${p.branch.label.slice(0, 27)}…` : p.branch.label}
                    <title>{p.branch.label}</title>
                  </text>
                </g>
              );
            })}
          </g>
        </svg>
      </div>
      <ul className="mt-1 flex flex-wrap gap-x-2 gap-y-0.5 text-[11px] text-slate-700" aria-label="Colours">
        {(Object.keys(STATUS_COLOUR) as (keyof typeof STATUS_COLOUR)[]).map((s) => (
          <li key={s} className="inline-flex items-center gap-1">
            <span aria-hidden="true" className="inline-block h-2 w-2 rounded-full"
              style={{ background: s === "untried" ? "#fff" : STATUS_COLOUR[s], border: `2px solid ${STATUS_COLOUR[s]}` }} />
            {STATUS_LABEL[s]}
          </li>
        ))}
      </ul>
      <p className="sr-only">Arrow keys move between branches (up and down: siblings; left: parent; right: first child); Enter switches to the branch.</p>
    </div>
  );
}

function clamp(zoom: number): number {
  return Math.min(MAX_ZOOM, Math.max(MIN_ZOOM, zoom));
}
