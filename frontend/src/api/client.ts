// Typed API client: shapes come from schema.d.ts, generated from the server's OpenAPI schema.
import axios, { AxiosError } from "axios";
import type { components } from "./schema";

export type Schemas = components["schemas"];
export type Me = Schemas["MeResponse"];
export type Session = Schemas["SessionOut"];
export type SessionPage = Schemas["SessionPage"];
export type SearchMatch = Schemas["SearchMatch"];
export type Message = Schemas["MessageOut"];
export type Step = Schemas["StepOut"];
export type StepReport = Schemas["StepReportIn"];
export type Usage = Schemas["UsageOut"];
export type SessionStatus = Session["status"];
export type Branch = Schemas["BranchResponse"];
export type BranchStatus = Branch["status"];
export type BranchTree = Schemas["BranchTreeResponse"];
export type ForkPoint = Schemas["ForkPointResponse"];
export type ForkRequest = Schemas["ForkCreateRequest"];
export type SwitchResult = Schemas["BranchSwitchResponse"];
export type Transition = Schemas["TransitionContext"];
export type Compare = Schemas["BranchCompareResponse"];
export type ForkSuggestion = { label: string; description: string };
export type Handoff = Schemas["HandoffResponse"];
export type HandoffCreate = Schemas["HandoffCreateRequest"];
export type HandoffPreview = Schemas["HandoffPreview"];
export type Assessment = Schemas["Assessment"];
export type QueuePage = Schemas["QueuePage"];
export type QueueItem = Schemas["QueueItemResponse"];
export type Briefing = Schemas["HandoffBriefingResponse"];
export type SessionTime = Schemas["SessionTimeResponse"];
export type NotificationList = Schemas["NotificationList"];
export type Team = Schemas["TeamOut"];
export type TeamMember = Schemas["TeamMemberOut"];
export type User = Schemas["UserOut"];
export type UserCreate = Omit<Schemas["UserCreate"], "role" | "full_name" | "team_ids"> &
  Partial<Pick<Schemas["UserCreate"], "role" | "full_name" | "team_ids">>;
export type UserUpdate = Schemas["UserUpdate"];
export type Upload = Schemas["UploadOut"];
export type Output = Schemas["ResolutionOutputResponse"];
export type OutputVersion = Schemas["OutputVersion"];
export type PushLog = Schemas["PushLogOut"];
// Fields with a server default are optional to send (the generator marks them required).
export type PushRequest = Omit<Schemas["ResolutionOutputPushRequest"], "close_ticket"> & { close_ticket?: boolean };
export type PsaConnection = Schemas["PsaConnectionOut"];
export type PsaConnectionCreate = Schemas["PsaConnectionCreate"];
export type PsaConnectionUpdate = Schemas["PsaConnectionUpdate"];
export type PsaTicket = Schemas["PsaTicketOut"];
export type PsaTicketHit = Schemas["PsaTicketHit"];
export type PsaTicketSearch = Schemas["PsaTicketSearchOut"];
export type PsaPeople = Schemas["PsaPeopleOut"];
export type PsaPersonRow = Schemas["PsaPersonRow"];
export type PsaPersonLookup = Schemas["PsaPersonLookupOut"];
export type PsaPersonIn = Schemas["PsaPersonIn"];
export type SmtpSettings = Schemas["SmtpSettingsOut"];
export type SmtpSettingsIn = Schemas["SmtpSettingsIn"];
export type TestResult = Schemas["TestResult"];
export type HuduSettings = Schemas["HuduSettingsOut"];
export type AiPrivacy = Schemas["AiPrivacy"];
export type UsageReport = Schemas["UsageReport"];
export type AiBudget = Schemas["AiBudgetOut"];
export type AiBudgetIn = Schemas["AiBudgetIn"];
export type AiPriceTable = Schemas["AiPriceTable"];
export type AiPriceRow = Schemas["AiPriceRow"];
export type AiPriceIn = Schemas["AiPriceIn"];
export type SessionRedactions = Schemas["SessionRedactions"];
export type HuduSettingsIn = Schemas["HuduSettingsIn"];
export type ITGlueSettings = Schemas["ITGlueSettingsOut"];
export type ITGlueSettingsIn = Schemas["ITGlueSettingsIn"];
export type DeliveryTargets = Schemas["DeliveryTargets"];
export type AuditPage = Schemas["AuditPage"];
export type Playbook = Schemas["PlaybookDetail"];
export type PlaybookSummary = Schemas["PlaybookSummary"];
export type PlaybookPage = Schemas["PlaybookPage"];
export type PlaybookVersion = Schemas["PlaybookVersionOut"];
export type PlaybookVersionDetail = Schemas["PlaybookVersionDetail"];
export type PlaybookSourceFormat = Schemas["PlaybookImport"]["format"];
export type LibraryHit = Schemas["LibrarySearchHit"];

export function csrfToken(): string {
  const match = document.cookie.match(/(?:^|;\s*)fp_csrf=([^;]+)/);
  return match ? decodeURIComponent(match[1]) : "";
}

export const http = axios.create({ baseURL: "/api/v1", withCredentials: true });
http.interceptors.request.use((config) => {
  const method = (config.method ?? "get").toUpperCase();
  if (!["GET", "HEAD", "OPTIONS"].includes(method)) config.headers.set("X-CSRF-Token", csrfToken());
  return config;
});

export class ApiError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly code: string,
  ) {
    super(message);
  }
}

export function toApiError(err: unknown): ApiError {
  if (err instanceof ApiError) return err;
  if (err instanceof AxiosError) {
    const body = err.response?.data as { detail?: unknown; code?: string } | undefined;
    const detail = typeof body?.detail === "string" ? body.detail : err.message;
    return new ApiError(detail, err.response?.status ?? 0, body?.code ?? "network_error");
  }
  return new ApiError(String(err), 0, "unknown");
}

async function call<T>(p: Promise<{ data: T }>): Promise<T> {
  try {
    return (await p).data;
  } catch (err) {
    throw toApiError(err);
  }
}

export const api = {
  login: (email: string, password: string, account?: string) =>
    call<Schemas["TokenResponse"]>(http.post("/auth/login", { email, password, account: account || undefined })),
  logout: () => call<void>(http.post("/auth/logout")),
  me: () => call<Me>(http.get("/auth/me")),
  listSessions: (params: {
    scope?: "mine" | "team" | "all";
    status?: SessionStatus;
    q?: string;
    client?: string;
    has_ticket?: boolean;
    limit?: number;
    offset?: number;
  }) => call<SessionPage>(http.get("/ai-sessions", { params })),
  sessionClients: (prefix?: string) =>
    call<Schemas["ClientNames"]>(http.get("/ai-sessions/clients", { params: { prefix: prefix || undefined, limit: 50 } })),
  createSession: (body: Schemas["SessionCreate"]) => call<Session>(http.post("/ai-sessions", body)),
  getSession: (id: string) => call<Session>(http.get(`/ai-sessions/${id}`)),
  updateSession: (id: string, body: Schemas["SessionUpdate"]) =>
    call<Session>(http.patch(`/ai-sessions/${id}`, body)),
  messages: (id: string) => call<Message[]>(http.get(`/ai-sessions/${id}/messages`)),
  steps: (id: string) => call<Step[]>(http.get(`/ai-sessions/${id}/steps`)),
  reportStep: (id: string, stepId: string, body: StepReport) =>
    call<Step>(http.patch(`/ai-sessions/${id}/steps/${stepId}`, body)),
  branches: (id: string) => call<BranchTree>(http.get(`/ai-sessions/${id}/branches`)),
  fork: (id: string, body: ForkRequest) =>
    call<Schemas["ForkCreateResponse"]>(http.post(`/ai-sessions/${id}/branches/fork`, body)),
  switchBranch: (id: string, branchId: string) =>
    call<SwitchResult>(http.post(`/ai-sessions/${id}/branches/${branchId}/switch`)),
  updateBranch: (id: string, branchId: string, body: Schemas["BranchUpdate"]) =>
    call<Branch>(http.patch(`/ai-sessions/${id}/branches/${branchId}`, body)),
  revive: (id: string, branchId: string, body: Schemas["ReviveRequest"]) =>
    call<Branch>(http.post(`/ai-sessions/${id}/branches/${branchId}/revive`, body)),
  compare: (id: string, a: string, b: string) =>
    call<Compare>(http.get(`/ai-sessions/${id}/branches/compare`, { params: { a, b } })),
  previewHandoff: (id: string, body: Schemas["HandoffPreviewRequest"]) =>
    call<HandoffPreview>(http.post(`/ai-sessions/${id}/handoff/preview`, body)),
  createHandoff: (id: string, body: HandoffCreate) => call<Handoff>(http.post(`/ai-sessions/${id}/handoff`, body)),
  handoffs: (id: string) => call<Handoff[]>(http.get(`/ai-sessions/${id}/handoffs`)),
  claim: (id: string, handoffId: string) => call<Handoff>(http.post(`/ai-sessions/${id}/handoffs/${handoffId}/claim`)),
  briefing: (id: string, handoffId: string, regenerate = false) =>
    call<Briefing>(http.get(`/ai-sessions/${id}/handoffs/${handoffId}/briefing`, { params: { regenerate } })),
  queue: (params: {
    intent?: "park" | "escalate";
    priority?: "normal" | "elevated";
    assigned?: "me" | "anyone" | "unassigned";
    limit?: number;
    offset?: number;
  }) =>
    call<QueuePage>(http.get("/ai-sessions/queue", { params })),
  sessionTime: (id: string) => call<SessionTime>(http.get(`/ai-sessions/${id}/time`)),
  teams: () => call<Team[]>(http.get("/teams")),
  teamMembers: (teamId: string) => call<TeamMember[]>(http.get(`/teams/${teamId}/members`)),
  createTeam: (name: string) => call<Team>(http.post("/teams", { name })),
  renameTeam: (teamId: string, name: string) => call<Team>(http.patch(`/teams/${teamId}`, { name })),
  deleteTeam: (teamId: string) => call<void>(http.delete(`/teams/${teamId}`)),
  users: () => call<User[]>(http.get("/users")),
  createUser: (body: UserCreate) => call<User>(http.post("/users", body)),
  updateUser: (userId: string, body: UserUpdate) => call<User>(http.patch(`/users/${userId}`, body)),
  notifications: () => call<NotificationList>(http.get("/notifications")),
  readNotification: (id: string) => call<unknown>(http.post(`/notifications/${id}/read`)),
  readAllNotifications: (ids?: string[]) => call<void>(http.post("/notifications/read-all", ids ? { ids } : undefined)),
  uploads: (id: string) => call<Upload[]>(http.get(`/ai-sessions/${id}/uploads`)),
  upload: (id: string, files: File[], branchId: string | null, onProgress: (fraction: number) => void) => {
    const form = new FormData();
    files.forEach((f) => form.append("files", f, f.name));
    if (branchId) form.append("branch_id", branchId);
    return call<Upload[]>(
      http.post(`/ai-sessions/${id}/uploads`, form, {
        onUploadProgress: (e) => onProgress(e.total ? e.loaded / e.total : 0),
      }),
    );
  },
  describeAgain: (id: string, uploadId: string) =>
    call<Upload>(http.post(`/ai-sessions/${id}/uploads/${uploadId}/describe`)),
  uploadUrl: (id: string, uploadId: string) => `/api/v1/ai-sessions/${id}/uploads/${uploadId}/content`,
  outputs: (id: string) => call<Schemas["AllResolutionOutputsResponse"]>(http.get(`/ai-sessions/${id}/outputs`)),
  generateOutputs: (id: string) =>
    call<Schemas["AllResolutionOutputsResponse"]>(http.post(`/ai-sessions/${id}/outputs/generate`)),
  editOutput: (id: string, outputId: string, body: Schemas["ResolutionOutputEditRequest"]) =>
    call<Output>(http.patch(`/ai-sessions/${id}/outputs/${outputId}`, body)),
  outputVersions: (id: string, outputId: string) =>
    call<OutputVersion[]>(http.get(`/ai-sessions/${id}/outputs/${outputId}/versions`)),
  pushOutput: (id: string, outputId: string, body: PushRequest) =>
    call<Schemas["ResolutionOutputPushResponse"]>(http.post(`/ai-sessions/${id}/outputs/${outputId}/push`, body)),
  psaConnections: () => call<PsaConnection[]>(http.get("/psa-connections")),
  createPsaConnection: (body: PsaConnectionCreate) => call<PsaConnection>(http.post("/psa-connections", body)),
  updatePsaConnection: (cid: string, body: PsaConnectionUpdate) =>
    call<PsaConnection>(http.patch(`/psa-connections/${cid}`, body)),
  deletePsaConnection: (cid: string) => call<void>(http.delete(`/psa-connections/${cid}`)),
  testPsaConnection: (cid: string) => call<TestResult>(http.post(`/psa-connections/${cid}/test`)),
  psaPeople: (cid: string) => call<PsaPeople>(http.get(`/psa-connections/${cid}/people`)),
  lookUpPerson: (cid: string, userId: string, email?: string) =>
    call<PsaPersonLookup>(http.post(`/psa-connections/${cid}/people/${userId}/lookup`, email ? { email } : undefined)),
  setPerson: (cid: string, userId: string, body: PsaPersonIn) =>
    call<PsaPersonRow>(http.put(`/psa-connections/${cid}/people/${userId}`, body)),
  removePerson: (cid: string, userId: string) => call<void>(http.delete(`/psa-connections/${cid}/people/${userId}`)),
  lookUpTicket: (cid: string, ticketId: string) =>
    call<PsaTicket>(http.get(`/psa-connections/${cid}/tickets/${encodeURIComponent(ticketId)}`)),
  // Open tickets by number, summary or company; pass a page's next_cursor (same q and page_size) for the next.
  searchTickets: (cid: string, params: { q: string; cursor?: string | null; page_size?: number }, signal?: AbortSignal) =>
    call<PsaTicketSearch>(http.get(`/psa-connections/${cid}/tickets`, { params: { ...params, cursor: params.cursor ?? undefined }, signal })),
  smtpSettings: () => call<SmtpSettings>(http.get("/smtp-settings")),
  saveSmtp: (body: SmtpSettingsIn) => call<SmtpSettings>(http.put("/smtp-settings", body)),
  deleteSmtp: () => call<void>(http.delete("/smtp-settings")),
  testSmtp: (to: string) => call<TestResult>(http.post("/smtp-settings/test", { to })),
  huduSettings: () => call<HuduSettings>(http.get("/hudu-settings")),
  aiPrivacy: () => call<AiPrivacy>(http.get("/ai-privacy")),
  usage: (groupBy: UsageReport["group_by"], from?: string) =>
    call<UsageReport>(http.get("/usage", { params: { group_by: groupBy, from } })),
  aiBudget: () => call<AiBudget>(http.get("/ai-budget")),
  saveAiBudget: (body: AiBudgetIn) => call<AiBudget>(http.put("/ai-budget", body)),
  deleteAiBudget: () => call<AiBudget>(http.delete("/ai-budget")),
  aiPrices: () => call<AiPriceTable>(http.get("/ai-prices")),
  saveAiPrice: (body: AiPriceIn) => call<AiPriceTable>(http.put("/ai-prices", body)),
  deleteAiPrice: (id: string) => call<AiPriceTable>(http.delete(`/ai-prices/${id}`)),
  sessionUsage: (sessionId: string) => call<UsageReport>(http.get(`/ai-sessions/${sessionId}/usage`)),
  saveAiPrivacy: (body: AiPrivacy) => call<AiPrivacy>(http.put("/ai-privacy", body)),
  redactions: (sessionId: string) => call<SessionRedactions>(http.get(`/ai-sessions/${sessionId}/redactions`)),
  saveHudu: (body: HuduSettingsIn) => call<HuduSettings>(http.put("/hudu-settings", body)),
  deleteHudu: () => call<void>(http.delete("/hudu-settings")),
  testHudu: () => call<TestResult>(http.post("/hudu-settings/test")),
  itglueSettings: () => call<ITGlueSettings>(http.get("/itglue-settings")),
  saveITGlue: (body: ITGlueSettingsIn) => call<ITGlueSettings>(http.put("/itglue-settings", body)),
  deleteITGlue: () => call<void>(http.delete("/itglue-settings")),
  testITGlue: () => call<TestResult>(http.post("/itglue-settings/test")),
  deliveryTargets: () => call<DeliveryTargets>(http.get("/delivery-targets")),
  playbooks: (params: { scope?: "all" | "account" | "starter"; status?: "active" | "retired" | "all"; limit?: number; offset?: number }) =>
    call<PlaybookPage>(http.get("/library/playbooks", { params })),
  playbook: (pid: string) => call<Playbook>(http.get(`/library/playbooks/${pid}`)),
  importPlaybook: (format: PlaybookSourceFormat, content: string, note = "") =>
    call<Playbook>(http.post("/library/playbooks/import", { format, content, note })),
  editPlaybook: (pid: string, body: { format: PlaybookSourceFormat; content: string; note?: string; expected_version?: number }) =>
    call<Playbook>(http.patch(`/library/playbooks/${pid}`, body)),
  copyPlaybook: (pid: string) => call<Playbook>(http.post(`/library/playbooks/${pid}/copy`)),
  retirePlaybook: (pid: string) => call<Playbook>(http.post(`/library/playbooks/${pid}/retire`)),
  restorePlaybook: (pid: string) => call<Playbook>(http.post(`/library/playbooks/${pid}/restore`)),
  playbookVersions: (pid: string) => call<PlaybookVersion[]>(http.get(`/library/playbooks/${pid}/versions`)),
  playbookVersion: (pid: string, version: number) =>
    call<PlaybookVersionDetail>(http.get(`/library/playbooks/${pid}/versions/${version}`)),
  searchLibrary: (q: string, limit = 5) => call<LibraryHit[]>(http.get("/library/search", { params: { q, limit } })),
  audit: (params: { action?: string; object_id?: string; limit?: number; offset?: number }) =>
    call<AuditPage>(http.get("/audit", { params })),
  stopTurn: (id: string, messageId: string) =>
    call<{ stop_requested: boolean }>(http.post(`/ai-sessions/${id}/messages/${messageId}/stop`)),
};
