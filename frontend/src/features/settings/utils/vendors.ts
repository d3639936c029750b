// What each PSA asks for; mirrors VENDOR_FIELDS on the server (the server validates).
export type Vendor = "connectwise" | "halo" | "autotask";
export type Field = {
  name: string;
  label: string;
  secret?: boolean;
  optional?: boolean;
  placeholder?: string;
  choices?: { value: string; label: string }[];
};

// Whether logged time is billed, unless a push says otherwise.
const BILLABLE: Field = {
  name: "billable", label: "Time billable by default", optional: true,
  choices: [{ value: "", label: "Billable" }, { value: "false", label: "Not billable" }],
};

// What each PSA calls the person time is logged as.
export const PERSON_KIND: Record<Vendor, { kind: string; idLabel: string; idHint: string }> = {
  connectwise: { kind: "member", idLabel: "Member identifier", idHint: "e.g. jdoe" },
  halo: { kind: "agent", idLabel: "Agent id", idHint: "a number" },
  autotask: { kind: "resource", idLabel: "Resource id", idHint: "a number" },
};

export const VENDORS: Record<Vendor, { label: string; fields: Field[] }> = {
  connectwise: {
    label: "ConnectWise PSA",
    fields: [
      { name: "base_url", label: "API URL (or just the site; the codebase is looked up)",
        placeholder: "https://na.myconnectwise.net or https://api-na.myconnectwise.net/v4_6_release/apis/3.0" },
      { name: "company_id", label: "Company ID" },
      { name: "public_key", label: "Public key" },
      { name: "private_key", label: "Private key", secret: true },
      { name: "client_id", label: "Client ID (developer GUID)" },
      { name: "member_identifier", label: "Fixed member for the time of engineers without a mapping (identifier)", optional: true },
      { name: "work_type", label: "Default work type (as ConnectWise spells it, or its id)", optional: true,
        placeholder: "Remote Support" },
      BILLABLE,
      { name: "resolved_status_name", label: "Status that means resolved (looked up on each ticket's board)", optional: true,
        placeholder: "Resolved" },
      { name: "resolved_status_id", label: "Resolved status id (overrides it; one board only)", optional: true },
    ],
  },
  halo: {
    label: "HaloPSA",
    fields: [
      { name: "base_url", label: "Halo URL", placeholder: "https://yourco.halopsa.com" },
      { name: "client_id", label: "Client ID" },
      { name: "client_secret", label: "Client secret", secret: true },
      { name: "tenant", label: "Tenant (hosted Halo only)", optional: true },
      { name: "note_outcome", label: "Action outcome for notes", optional: true, placeholder: "Private Note" },
      { name: "resolution_outcome", label: "Action outcome for customer-visible notes", optional: true,
        placeholder: "same as for notes" },
      { name: "resolved_status_id", label: "Resolved status id (to close tickets)", optional: true },
      { name: "agent_id", label: "Fixed agent id for the time of engineers without a mapping", optional: true },
      BILLABLE,
    ],
  },
  autotask: {
    label: "Autotask PSA",
    fields: [
      { name: "username", label: "API user name" },
      { name: "secret", label: "API secret", secret: true },
      { name: "integration_code", label: "Tracking identifier (integration code)", secret: true },
      { name: "zone_url", label: "Zone lookup URL", optional: true,
        placeholder: "https://webservices.autotask.net/ATServicesRest/V1.0/zoneInformation" },
      { name: "resolved_status_id", label: "Resolved status id (5 = Complete)", optional: true },
      { name: "resource_id", label: "Fixed resource id for the time of engineers without a mapping", optional: true },
      { name: "role_id", label: "Role id of that resource (Autotask time entries need one)", optional: true },
      { name: "work_type", label: "Default work type (billing code id)", optional: true },
      BILLABLE,
    ],
  },
};
