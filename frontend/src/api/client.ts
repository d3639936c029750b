// Every call the web app makes, by name. Paths, parameters, bodies and answers are checked against
// the generated schema (see http.ts): a renamed path or field on the server fails the type check.
import { call, http } from "./http";
import type { PushRequest, Schemas, UserCreate } from "./types";
import { sendFiles } from "./upload";

export * from "./types";
export { ApiError, csrfToken, toApiError } from "./http";

const session = (session_id: string) => ({ params: { path: { session_id } } });

export const api = {
  login: (email: string, password: string, account?: string) =>
    call(http.POST("/api/v1/auth/login", { body: { email, password, account: account || undefined } })),
  logout: () => call(http.POST("/api/v1/auth/logout")),
  me: () => call(http.GET("/api/v1/auth/me")),
  listSessions: (query: {
    scope?: "mine" | "team" | "all";
    status?: Schemas["SessionOut"]["status"];
    q?: string;
    client?: string;
    has_ticket?: boolean;
    limit?: number;
    offset?: number;
  }) => call(http.GET("/api/v1/ai-sessions", { params: { query } })),
  sessionClients: (prefix?: string) =>
    call(http.GET("/api/v1/ai-sessions/clients", { params: { query: { prefix: prefix || undefined, limit: 50 } } })),
  createSession: (body: Schemas["SessionCreate"]) => call(http.POST("/api/v1/ai-sessions", { body })),
  getSession: (id: string) => call(http.GET("/api/v1/ai-sessions/{session_id}", session(id))),
  updateSession: (id: string, body: Schemas["SessionUpdate"]) =>
    call(http.PATCH("/api/v1/ai-sessions/{session_id}", { ...session(id), body })),
  messages: (id: string) => call(http.GET("/api/v1/ai-sessions/{session_id}/messages", session(id))),
  steps: (id: string) => call(http.GET("/api/v1/ai-sessions/{session_id}/steps", session(id))),
  reportStep: (id: string, stepId: string, body: Schemas["StepReportIn"]) =>
    call(http.PATCH("/api/v1/ai-sessions/{session_id}/steps/{step_id}", {
      params: { path: { session_id: id, step_id: stepId } }, body,
    })),
  branches: (id: string) => call(http.GET("/api/v1/ai-sessions/{session_id}/branches", session(id))),
  fork: (id: string, body: Schemas["ForkCreateRequest"]) =>
    call(http.POST("/api/v1/ai-sessions/{session_id}/branches/fork", { ...session(id), body })),
  switchBranch: (id: string, branchId: string) =>
    call(http.POST("/api/v1/ai-sessions/{session_id}/branches/{branch_id}/switch", {
      params: { path: { session_id: id, branch_id: branchId } },
    })),
  updateBranch: (id: string, branchId: string, body: Schemas["BranchUpdate"]) =>
    call(http.PATCH("/api/v1/ai-sessions/{session_id}/branches/{branch_id}", {
      params: { path: { session_id: id, branch_id: branchId } }, body,
    })),
  revive: (id: string, branchId: string, body: Schemas["ReviveRequest"]) =>
    call(http.POST("/api/v1/ai-sessions/{session_id}/branches/{branch_id}/revive", {
      params: { path: { session_id: id, branch_id: branchId } }, body,
    })),
  compare: (id: string, a: string, b: string) =>
    call(http.GET("/api/v1/ai-sessions/{session_id}/branches/compare", {
      params: { path: { session_id: id }, query: { a, b } },
    })),
  previewHandoff: (id: string, body: Schemas["HandoffPreviewRequest"]) =>
    call(http.POST("/api/v1/ai-sessions/{session_id}/handoff/preview", { ...session(id), body })),
  createHandoff: (id: string, body: Schemas["HandoffCreateRequest"]) =>
    call(http.POST("/api/v1/ai-sessions/{session_id}/handoff", { ...session(id), body })),
  handoffs: (id: string) => call(http.GET("/api/v1/ai-sessions/{session_id}/handoffs", session(id))),
  claim: (id: string, handoffId: string) =>
    call(http.POST("/api/v1/ai-sessions/{session_id}/handoffs/{handoff_id}/claim", {
      params: { path: { session_id: id, handoff_id: handoffId } },
    })),
  briefing: (id: string, handoffId: string, regenerate = false) =>
    call(http.GET("/api/v1/ai-sessions/{session_id}/handoffs/{handoff_id}/briefing", {
      params: { path: { session_id: id, handoff_id: handoffId }, query: { regenerate } },
    })),
  queue: (query: {
    intent?: "park" | "escalate";
    priority?: "normal" | "elevated";
    assigned?: "me" | "anyone" | "unassigned";
    limit?: number;
    offset?: number;
  }) => call(http.GET("/api/v1/ai-sessions/queue", { params: { query } })),
  sessionTime: (id: string) => call(http.GET("/api/v1/ai-sessions/{session_id}/time", session(id))),
  teams: () => call(http.GET("/api/v1/teams")),
  teamMembers: (teamId: string) =>
    call(http.GET("/api/v1/teams/{team_id}/members", { params: { path: { team_id: teamId } } })),
  createTeam: (name: string) => call(http.POST("/api/v1/teams", { body: { name } })),
  renameTeam: (teamId: string, name: string) =>
    call(http.PATCH("/api/v1/teams/{team_id}", { params: { path: { team_id: teamId } }, body: { name } })),
  deleteTeam: (teamId: string) => call(http.DELETE("/api/v1/teams/{team_id}", { params: { path: { team_id: teamId } } })),
  users: () => call(http.GET("/api/v1/users")),
  createUser: (body: UserCreate) =>
    call(http.POST("/api/v1/users", { body: { role: "engineer", full_name: "", ...body } })),
  updateUser: (userId: string, body: Schemas["UserUpdate"]) =>
    call(http.PATCH("/api/v1/users/{user_id}", { params: { path: { user_id: userId } }, body })),
  notifications: () => call(http.GET("/api/v1/notifications")),
  readNotification: (id: string) =>
    call(http.POST("/api/v1/notifications/{notification_id}/read", { params: { path: { notification_id: id } } })),
  readAllNotifications: (ids?: string[]) => call(http.POST("/api/v1/notifications/read-all", { body: ids ? { ids } : undefined })),
  uploads: (id: string) => call(http.GET("/api/v1/ai-sessions/{session_id}/uploads", session(id))),
  upload: sendFiles,
  describeAgain: (id: string, uploadId: string) =>
    call(http.POST("/api/v1/ai-sessions/{session_id}/uploads/{upload_id}/describe", {
      params: { path: { session_id: id, upload_id: uploadId } },
    })),
  // For <img src>: the browser fetches it itself (with the session cookie).
  uploadUrl: (id: string, uploadId: string) => `/api/v1/ai-sessions/${id}/uploads/${uploadId}/content`,
  outputs: (id: string) => call(http.GET("/api/v1/ai-sessions/{session_id}/outputs", session(id))),
  generateOutputs: (id: string) => call(http.POST("/api/v1/ai-sessions/{session_id}/outputs/generate", session(id))),
  editOutput: (id: string, outputId: string, body: Schemas["ResolutionOutputEditRequest"]) =>
    call(http.PATCH("/api/v1/ai-sessions/{session_id}/outputs/{output_id}", {
      params: { path: { session_id: id, output_id: outputId } }, body,
    })),
  outputVersions: (id: string, outputId: string) =>
    call(http.GET("/api/v1/ai-sessions/{session_id}/outputs/{output_id}/versions", {
      params: { path: { session_id: id, output_id: outputId } },
    })),
  pushOutput: (id: string, outputId: string, body: PushRequest) =>
    call(http.POST("/api/v1/ai-sessions/{session_id}/outputs/{output_id}/push", {
      params: { path: { session_id: id, output_id: outputId } }, body: { close_ticket: false, ...body },
    })),
  psaConnections: () => call(http.GET("/api/v1/psa-connections")),
  createPsaConnection: (body: Schemas["PsaConnectionCreate"]) => call(http.POST("/api/v1/psa-connections", { body })),
  updatePsaConnection: (cid: string, body: Schemas["PsaConnectionUpdate"]) =>
    call(http.PATCH("/api/v1/psa-connections/{connection_id}", { params: { path: { connection_id: cid } }, body })),
  deletePsaConnection: (cid: string) =>
    call(http.DELETE("/api/v1/psa-connections/{connection_id}", { params: { path: { connection_id: cid } } })),
  testPsaConnection: (cid: string) =>
    call(http.POST("/api/v1/psa-connections/{connection_id}/test", { params: { path: { connection_id: cid } } })),
  psaPeople: (cid: string) =>
    call(http.GET("/api/v1/psa-connections/{connection_id}/people", { params: { path: { connection_id: cid } } })),
  lookUpPerson: (cid: string, userId: string, email?: string) =>
    call(http.POST("/api/v1/psa-connections/{connection_id}/people/{user_id}/lookup", {
      params: { path: { connection_id: cid, user_id: userId } }, body: email ? { email } : undefined,
    })),
  setPerson: (cid: string, userId: string, body: Schemas["PsaPersonIn"]) =>
    call(http.PUT("/api/v1/psa-connections/{connection_id}/people/{user_id}", {
      params: { path: { connection_id: cid, user_id: userId } }, body,
    })),
  removePerson: (cid: string, userId: string) =>
    call(http.DELETE("/api/v1/psa-connections/{connection_id}/people/{user_id}", {
      params: { path: { connection_id: cid, user_id: userId } },
    })),
  lookUpTicket: (cid: string, ticketId: string) =>
    call(http.GET("/api/v1/psa-connections/{connection_id}/tickets/{ticket_id}", {
      params: { path: { connection_id: cid, ticket_id: ticketId } },
    })),
  // Open tickets by number, summary or company; pass a page's next_cursor (same q and page_size) for the next.
  searchTickets: (cid: string, query: { q: string; cursor?: string | null; page_size?: number }, signal?: AbortSignal) =>
    call(http.GET("/api/v1/psa-connections/{connection_id}/tickets", {
      params: { path: { connection_id: cid }, query: { ...query, cursor: query.cursor ?? undefined } }, signal,
    })),
  smtpSettings: () => call(http.GET("/api/v1/smtp-settings")),
  saveSmtp: (body: Schemas["SmtpSettingsIn"]) => call(http.PUT("/api/v1/smtp-settings", { body })),
  deleteSmtp: () => call(http.DELETE("/api/v1/smtp-settings")),
  testSmtp: (to: string) => call(http.POST("/api/v1/smtp-settings/test", { body: { to } })),
  huduSettings: () => call(http.GET("/api/v1/hudu-settings")),
  aiPrivacy: () => call(http.GET("/api/v1/ai-privacy")),
  usage: (groupBy: Schemas["UsageReport"]["group_by"], from?: string) =>
    call(http.GET("/api/v1/usage", { params: { query: { group_by: groupBy, from } } })),
  aiBudget: () => call(http.GET("/api/v1/ai-budget")),
  saveAiBudget: (body: Schemas["AiBudgetIn"]) => call(http.PUT("/api/v1/ai-budget", { body })),
  deleteAiBudget: () => call(http.DELETE("/api/v1/ai-budget")),
  aiPrices: () => call(http.GET("/api/v1/ai-prices")),
  saveAiPrice: (body: Schemas["AiPriceIn"]) => call(http.PUT("/api/v1/ai-prices", { body })),
  deleteAiPrice: (id: string) => call(http.DELETE("/api/v1/ai-prices/{price_id}", { params: { path: { price_id: id } } })),
  sessionUsage: (sessionId: string) => call(http.GET("/api/v1/ai-sessions/{session_id}/usage", session(sessionId))),
  saveAiPrivacy: (body: Schemas["AiPrivacy"]) => call(http.PUT("/api/v1/ai-privacy", { body })),
  redactions: (sessionId: string) => call(http.GET("/api/v1/ai-sessions/{session_id}/redactions", session(sessionId))),
  saveHudu: (body: Schemas["HuduSettingsIn"]) => call(http.PUT("/api/v1/hudu-settings", { body })),
  deleteHudu: () => call(http.DELETE("/api/v1/hudu-settings")),
  testHudu: () => call(http.POST("/api/v1/hudu-settings/test")),
  itglueSettings: () => call(http.GET("/api/v1/itglue-settings")),
  saveITGlue: (body: Schemas["ITGlueSettingsIn"]) => call(http.PUT("/api/v1/itglue-settings", { body })),
  deleteITGlue: () => call(http.DELETE("/api/v1/itglue-settings")),
  testITGlue: () => call(http.POST("/api/v1/itglue-settings/test")),
  deliveryTargets: () => call(http.GET("/api/v1/delivery-targets")),
  playbooks: (query: { scope?: "all" | "account" | "starter"; status?: "active" | "retired" | "all"; limit?: number; offset?: number }) =>
    call(http.GET("/api/v1/library/playbooks", { params: { query } })),
  playbook: (pid: string) => call(http.GET("/api/v1/library/playbooks/{entry_id}", { params: { path: { entry_id: pid } } })),
  importPlaybook: (format: Schemas["PlaybookImport"]["format"], content: string, note = "") =>
    call(http.POST("/api/v1/library/playbooks/import", { body: { format, content, note } })),
  editPlaybook: (pid: string, body: Schemas["PlaybookUpdate"]) =>
    call(http.PATCH("/api/v1/library/playbooks/{entry_id}", { params: { path: { entry_id: pid } }, body })),
  copyPlaybook: (pid: string) =>
    call(http.POST("/api/v1/library/playbooks/{entry_id}/copy", { params: { path: { entry_id: pid } } })),
  retirePlaybook: (pid: string) =>
    call(http.POST("/api/v1/library/playbooks/{entry_id}/retire", { params: { path: { entry_id: pid } } })),
  restorePlaybook: (pid: string) =>
    call(http.POST("/api/v1/library/playbooks/{entry_id}/restore", { params: { path: { entry_id: pid } } })),
  playbookVersions: (pid: string) =>
    call(http.GET("/api/v1/library/playbooks/{entry_id}/versions", { params: { path: { entry_id: pid } } })),
  playbookVersion: (pid: string, version: number) =>
    call(http.GET("/api/v1/library/playbooks/{entry_id}/versions/{version}", { params: { path: { entry_id: pid, version } } })),
  searchLibrary: (q: string, limit = 5) => call(http.GET("/api/v1/library/search", { params: { query: { q, limit } } })),
  audit: (query: { action?: string; object_id?: string; limit?: number; offset?: number }) =>
    call(http.GET("/api/v1/audit", { params: { query } })),
  stopTurn: (id: string, messageId: string) =>
    call(http.POST("/api/v1/ai-sessions/{session_id}/messages/{message_id}/stop", {
      params: { path: { session_id: id, message_id: messageId } },
    })),
};
