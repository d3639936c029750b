// Delivery buttons for one document: PSA ticket, e-mail, KB library, clipboard.
import { type FormEvent, useState } from "react";
import { Clipboard, Mail, Send, Upload as UploadIcon } from "lucide-react";
import { api, type DeliveryTargets, type Output, type PushRequest } from "../../../api/client";
import { plainText } from "../../../lib/diff";
import { TicketPicker } from "../../psa/components/TicketPicker";

export type TicketLink = {
  ticketId: string | null;
  connectionId: string | null;
  connectionName: string | null;
  contactEmail: string | null;
};
type Props = {
  sessionId: string;
  output: Output;
  text: string;
  ticket: TicketLink;
  targets: DeliveryTargets | null;
  // Resolves true when it worked.
  act: (fn: () => Promise<unknown>, message?: string) => Promise<boolean>;
};

const PSA_TYPES: Output["output_type"][] = ["psa_ticket_notes", "client_summary"];

export function PushControls({ sessionId, output, text, ticket, targets, act }: Props) {
  const [form, setForm] = useState<"psa" | "email" | null>(null);
  const [closeTicket, setCloseTicket] = useState(false);
  // Time entry of the notes: the connection's work type / billable unless changed here.
  const [workType, setWorkType] = useState("");
  const [billable, setBillable] = useState<"" | "true" | "false">("");
  const connection = targets?.psa_connections.find((c) => c.id === ticket.connectionId);
  const timeOptions: Pick<PushRequest, "work_type" | "billable"> = output.output_type === "psa_ticket_notes"
    ? { work_type: workType.trim() || null, billable: billable === "" ? null : billable === "true" }
    : {};
  const approved = output.status === "approved" || output.status === "pushed";
  const inFlight = (d: string) => (output.pushes ?? []).some((p) => p.destination === d && (p.result === "queued" || p.result === "retrying"));
  const push = (body: PushRequest, message: string) =>
    act(() => api.pushOutput(sessionId, output.id, body), message).then((ok) => void (ok && setForm(null)));
  const delivered = (d: string) => (output.pushes ?? []).some((p) => p.destination === d && p.result === "ok");
  const needsApproval = approved ? undefined : "Approve the document first";
  const button = "inline-flex items-center gap-1 rounded px-2 py-1 disabled:opacity-50";

  return (
    <>
      {output.output_type === "knowledge_base" && output.status !== "pushed" && output.status !== "rejected" && (
        <button type="button" onClick={() => void act(() => api.pushOutput(sessionId, output.id, { destination: "kb_library" }), "Published to the KB library")}
          className={`${button} bg-emerald-700 text-white`}>
          <UploadIcon aria-hidden="true" className="h-4 w-4" /> Publish to KB library
        </button>
      )}
      {output.output_type === "knowledge_base" && output.status !== "rejected" && (targets?.kb_exports ?? []).map((t) => (
        <button key={`${t.destination}-${t.psa_connection_id ?? ""}`} type="button" disabled={!approved || inFlight(t.destination)} title={needsApproval}
          onClick={() => void push({ destination: t.destination, psa_connection_id: t.psa_connection_id ?? null }, `Queued for the ${t.name} knowledge base`)}
          className={`${button} border`}>
          <UploadIcon aria-hidden="true" className="h-4 w-4" /> Export to {t.name} KB
        </button>
      ))}
      {PSA_TYPES.includes(output.output_type) && (targets?.psa_connections.length ?? 0) > 0 && (
        delivered("psa") && output.status === "pushed" ? (
          <span className="inline-flex items-center gap-1 rounded bg-emerald-50 px-2 py-1 text-emerald-800">
            <Send aria-hidden="true" className="h-4 w-4" /> On the PSA ticket
          </span>
        ) : (
          <button type="button" disabled={!approved || inFlight("psa")} title={needsApproval}
            onClick={() => (ticket.ticketId ? void push({ destination: "psa", close_ticket: closeTicket, ...timeOptions }, "Queued for the PSA") : setForm(form === "psa" ? null : "psa"))}
            className={`${button} bg-blue-600 text-white`}>
            <Send aria-hidden="true" className="h-4 w-4" />
            {ticket.ticketId ? `Push to ${ticket.connectionName ?? "PSA"} #${ticket.ticketId}` : "Push to PSA…"}
          </button>
        )
      )}
      {PSA_TYPES.includes(output.output_type) && ticket.ticketId && connection?.can_close_tickets && output.status !== "pushed" && (
        <label className="inline-flex items-center gap-1">
          <input type="checkbox" checked={closeTicket} onChange={(e) => setCloseTicket(e.target.checked)} /> and close the ticket
        </label>
      )}
      {output.output_type === "psa_ticket_notes" && (targets?.psa_connections.length ?? 0) > 0 && output.status !== "pushed" && (
        <details className="inline-block" data-testid="time-options">
          <summary className="cursor-pointer text-slate-600">Time entry options</summary>
          <div className="mt-1 flex flex-wrap items-end gap-2">
            {connection?.vendor !== "halo" && (
              <label className="block">Work type
                <input value={workType} onChange={(e) => setWorkType(e.target.value)} maxLength={100}
                  placeholder="connection default" className="mt-0.5 block w-40 rounded border border-slate-300 px-2 py-1" />
              </label>
            )}
            <label className="block">Billing
              <select value={billable} onChange={(e) => setBillable(e.target.value as "" | "true" | "false")}
                className="mt-0.5 block rounded border border-slate-300 px-2 py-1">
                <option value="">connection default</option>
                <option value="true">billable</option>
                <option value="false">not billable</option>
              </select>
            </label>
          </div>
        </details>
      )}
      {output.output_type === "client_summary" && (
        <button type="button" disabled={!approved || inFlight("email") || !targets?.email}
          title={targets?.email ? needsApproval : "No mail server is set up (Settings)"}
          onClick={() => setForm(form === "email" ? null : "email")} className={`${button} border`}>
          <Mail aria-hidden="true" className="h-4 w-4" /> E-mail client…
        </button>
      )}
      <button type="button" onClick={() => void act(() => navigator.clipboard.writeText(text), "Copied to the clipboard")} className={`${button} border`}>
        <Clipboard aria-hidden="true" className="h-4 w-4" /> Copy
      </button>
      <button type="button" onClick={() => void act(() => navigator.clipboard.writeText(plainText(text)), "Copied as plain text")} className={`${button} border`}>
        Copy as plain text
      </button>
      {form === "psa" && (
        <TicketForm connections={targets?.psa_connections ?? []} onCancel={() => setForm(null)}
          onSubmit={(ticketId, connectionId) => push({ destination: "psa", ticket_id: ticketId, psa_connection_id: connectionId, ...timeOptions }, "Queued for the PSA")} />
      )}
      {form === "email" && (
        <EmailForm initial={ticket.contactEmail ?? ""} onCancel={() => setForm(null)}
          onSubmit={(to) => push({ destination: "email", recipients: to }, "Queued for e-mail")} />
      )}
    </>
  );
}

type Connection = DeliveryTargets["psa_connections"][number];

function TicketForm({ connections, onSubmit, onCancel }: {
  connections: Connection[];
  onSubmit: (ticketId: string, connectionId: string) => Promise<void>;
  onCancel: () => void;
}) {
  const [ticketId, setTicketId] = useState("");
  const [connectionId, setConnectionId] = useState((connections.find((c) => c.is_default) ?? connections[0])?.id ?? "");
  return (
    <form aria-label="Push to a PSA ticket" className="flex basis-full flex-wrap items-end gap-2"
      onSubmit={(e: FormEvent) => { e.preventDefault(); void onSubmit(ticketId.trim(), connectionId); }}>
      {connections.length > 1 && (
        <label className="block">PSA
          <select value={connectionId} onChange={(e) => setConnectionId(e.target.value)}
            className="mt-0.5 block rounded border border-slate-300 px-2 py-1">
            {connections.map((c) => <option key={c.id} value={c.id}>{c.name}</option>)}
          </select>
        </label>
      )}
      <label className="block">Ticket number
        <input value={ticketId} onChange={(e) => setTicketId(e.target.value)} required pattern="[0-9]{1,18}" inputMode="numeric"
          className="mt-0.5 block w-36 rounded border border-slate-300 px-2 py-1" />
      </label>
      <button type="submit" className="rounded bg-blue-600 px-3 py-1 text-white">Push</button>
      <button type="button" onClick={onCancel} className="rounded px-3 py-1">Cancel</button>
      {connectionId && (
        <div className="basis-full">
          <TicketPicker connectionId={connectionId} onPick={(t) => setTicketId(t.id)} />
        </div>
      )}
    </form>
  );
}

function EmailForm({ initial, onSubmit, onCancel }: { initial: string; onSubmit: (to: string[]) => Promise<void>; onCancel: () => void }) {
  const [to, setTo] = useState(initial);
  const recipients = to.split(/[,;\s]+/).filter(Boolean);
  return (
    <form aria-label="E-mail the client summary" className="flex basis-full flex-wrap items-end gap-2"
      onSubmit={(e: FormEvent) => { e.preventDefault(); void onSubmit(recipients); }}>
      <label className="block min-w-64 flex-1">Recipients (comma separated)
        <input type="text" value={to} onChange={(e) => setTo(e.target.value)} required
          className="mt-0.5 block w-full rounded border border-slate-300 px-2 py-1" />
      </label>
      <button type="submit" disabled={!recipients.length} className="rounded bg-blue-600 px-3 py-1 text-white">Send</button>
      <button type="button" onClick={onCancel} className="rounded px-3 py-1">Cancel</button>
    </form>
  );
}
